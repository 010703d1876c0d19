"""A logged-out visitor switches the pages to Portuguese, logs in, and reads dates as
Brazilians write them."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD
from tests.factories import make_release

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_login_page_switches_to_portuguese_and_the_choice_stays(
    page, live_server, django_user_model
):
    django_user_model.objects.create_user(username="julia", password=PASSWORD)
    make_release("Billing Gateway")
    page.goto(f"{live_server.url}/accounts/login/?next=/releases/")
    expect(page.get_by_role("heading", name="Log in to Readiness")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("button", name="Português Brasileiro").click()
    expect(page.get_by_role("heading", name="Entrar no Readiness")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "pt-BR")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/releases/$"))

    page.get_by_label("Usuário").fill("julia")
    page.get_by_label("Senha").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url("**/releases/")
    expect(page.get_by_role("row", name=re.compile("Billing Gateway"))).to_contain_text(
        "15/07/2024"
    )
