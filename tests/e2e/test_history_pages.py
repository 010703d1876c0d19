"""A real browser filters the release history, goes back, and reads insights and a dossier."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD
from tests.history_data import history_set

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def logged_in(page, log_in, django_user_model):
    django_user_model.objects.create_user("reader", password=PASSWORD)
    return log_in(page, "reader")


def test_two_filters_then_back_restores_the_first(live_server, logged_in, screenshot):
    history_set()
    page = logged_in
    page.reload()
    expect(page.get_by_role("heading", name="6 releases")).to_be_visible()
    page.evaluate("window.__marker = 'same document'")

    page.get_by_label("Outcome").select_option("conditional_go")
    expect(page.get_by_role("heading", name="2 releases")).to_be_visible()
    expect(page).to_have_url(re.compile(r"outcome=conditional_go"))
    page.get_by_label("Release status").select_option("deployed")
    expect(page.get_by_role("heading", name="1 release", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"(?=.*outcome=conditional_go)(?=.*status=deployed)"))
    assert page.evaluate("window.__marker") == "same document", "swapped, not reloaded"
    expect(page.get_by_role("link", name="Zeta Billing")).to_be_visible()
    screenshot("history-filtered")

    page.go_back()
    expect(page.get_by_role("heading", name="2 releases")).to_be_visible()
    expect(page).to_have_url(re.compile(r"^(?!.*status=).*outcome=conditional_go"))
    expect(page.get_by_label("Outcome")).to_have_value("conditional_go")
    expect(page.get_by_label("Release status")).to_have_value("")
    expect(page.get_by_role("link", name="Beta Ledger")).to_be_visible()

    page.go_back()
    expect(page.get_by_role("heading", name="6 releases")).to_be_visible()
    expect(page.get_by_label("Outcome")).to_have_value("")


def test_the_search_and_the_pages_work_without_a_reload(live_server, logged_in):
    history_set()
    page = logged_in
    page.reload()
    page.evaluate("window.__marker = 'same document'")
    page.get_by_label("Search").fill("kangaroo")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("heading", name="1 release", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Gamma Refunds")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=kangaroo"))
    assert page.evaluate("window.__marker") == "same document"


def test_insights_and_the_dossier_render(live_server, logged_in, screenshot):
    history_set()
    page = logged_in
    page.get_by_role("link", name="Insights").click()
    expect(page.get_by_role("heading", name="Outcomes per month")).to_be_visible()
    expect(page.locator("svg.chart")).to_have_count(5)
    page.get_by_role("combobox", name="Area").select_option("Security")
    page.wait_for_url("**area=Security**")
    expect(page.get_by_role("table", name="Releases per month by latest outcome")).to_be_visible()
    screenshot("insights")

    page.goto(f"{live_server.url}/releases/2024-02-15-beta-ledger/")
    page.get_by_role("link", name="Printable dossier for review and audit").click()
    expect(page.get_by_role("heading", name="Dossier: Beta Ledger")).to_be_visible()
    # Each condition reads its state, the word every page uses.
    expect(page.locator("span.condition-state").first).to_have_text("Satisfied")
    screenshot("dossier")
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).not_to_be_visible()
    screenshot("dossier-print")
