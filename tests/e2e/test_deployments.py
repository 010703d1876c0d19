"""A facilitator records a deployment on the release page and corrects the release."""

import pytest
from playwright.sync_api import expect

from readiness.models import Decision, Deployment, Release
from tests.e2e.conftest import PASSWORD
from tests.factories import make_decision, make_person, make_release, make_session

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def fay(django_user_model):
    user = django_user_model.objects.create_user("fay", password=PASSWORD)
    make_person("Fay Lima", user=user)
    return user


def test_a_deployment_against_the_gate_is_recorded_in_place(page, log_in, fay):
    release = make_release("Billing Gateway")
    make_decision(make_session(release, facilitator=fay.person), Decision.Outcome.NO_GO)
    log_in(page, "fay", landing=release.get_absolute_url())
    page.evaluate("window.__marker = 'same document'")
    page.get_by_role("link", name="Record a deployment").click()
    page.get_by_label("Version or ref").fill("v1.4.0")
    page.get_by_label("Started at").fill("2024-07-15T18:00")
    page.get_by_role("button", name="Record the deployment").click()
    deployments = page.locator("#deployments")
    expect(deployments.get_by_role("row", name="v1.4.0")).to_contain_text(
        "Deployed against the gate"
    )
    expect(deployments).to_contain_text("nobody was told")
    expect(page.locator("#release-status")).to_have_text("Deployed")
    assert page.evaluate("window.__marker") == "same document", "swapped, not reloaded"
    assert Deployment.objects.get().against_gate is True


def test_the_phone_shows_the_deployments_without_widening_the_page(page, log_in, fay):
    release = make_release("Billing Gateway")
    make_session(release, facilitator=fay.person)
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, "fay", landing=release.get_absolute_url())
    page.get_by_role("link", name="Record a deployment").click()
    expect(page.get_by_label("Version or ref")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_rename_keeps_the_address(page, log_in, fay):
    """(The duplicate warning answers 422, which the browser reports as an error; the view
    tests cover it.)"""
    release = make_release("Billing Gateway")
    make_session(release, facilitator=fay.person)
    log_in(page, "fay", landing=release.get_absolute_url())
    page.get_by_role("link", name="Edit, cancel or delete the release").click()
    page.get_by_label("Name").fill("Billing Gateway v2")
    page.get_by_role("button", name="Save the release").click()
    page.wait_for_url(f"**{release.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Billing Gateway v2")
    assert Release.objects.get(pk=release.pk).slug == release.slug
