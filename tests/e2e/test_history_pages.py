"""A real browser filters the release history, goes back, and reads insights and a dossier."""

import pytest

from tests.history_data import history_set

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PASSWORD = "a-long-test-password"


@pytest.fixture
def logged_in(live_server, page, django_user_model):
    user = django_user_model.objects.create_user("reader", password=PASSWORD)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/releases/")
    return page


def test_two_filters_then_back_restores_the_first(live_server, logged_in, screenshot):
    history_set()
    page = logged_in
    page.reload()
    page.get_by_role("heading", name="6 releases").wait_for()
    page.evaluate("window.__marker = 'same document'")

    page.get_by_label("Outcome").select_option("conditional_go")
    page.get_by_role("heading", name="2 releases").wait_for()
    assert "outcome=conditional_go" in page.url
    page.get_by_label("Release status").select_option("deployed")
    page.get_by_role("heading", name="1 release", exact=True).wait_for()
    assert "outcome=conditional_go" in page.url and "status=deployed" in page.url
    assert page.evaluate("window.__marker") == "same document", "swapped, not reloaded"
    assert page.get_by_role("link", name="Zeta Billing").is_visible()
    screenshot("history-filtered")

    page.go_back()
    page.get_by_role("heading", name="2 releases").wait_for()
    assert "outcome=conditional_go" in page.url and "status=" not in page.url
    assert page.get_by_label("Outcome").input_value() == "conditional_go"
    assert page.get_by_label("Release status").input_value() == ""
    assert page.get_by_role("link", name="Beta Ledger").is_visible()

    page.go_back()
    page.get_by_role("heading", name="6 releases").wait_for()
    assert page.get_by_label("Outcome").input_value() == ""


def test_the_search_and_the_pages_work_without_a_reload(live_server, logged_in):
    history_set()
    page = logged_in
    page.reload()
    page.evaluate("window.__marker = 'same document'")
    page.get_by_label("Search").fill("kangaroo")
    page.get_by_role("button", name="Apply filters").click()
    page.get_by_role("heading", name="1 release", exact=True).wait_for()
    assert page.get_by_role("link", name="Gamma Refunds").is_visible()
    assert "q=kangaroo" in page.url
    assert page.evaluate("window.__marker") == "same document"


def test_insights_and_the_dossier_render(live_server, logged_in, screenshot):
    history_set()
    page = logged_in
    page.get_by_role("link", name="Insights").click()
    page.get_by_role("heading", name="Outcomes per month").wait_for()
    assert page.locator("svg.chart").count() == 5
    page.get_by_role("combobox", name="Area").select_option("Security")
    page.wait_for_url("**area=Security**")
    page.get_by_role("table", name="Releases per month by latest outcome").wait_for()
    screenshot("insights")

    page.goto(f"{live_server.url}/releases/2024-02-15-beta-ledger/")
    page.get_by_role("link", name="Printable dossier for review and audit").click()
    page.get_by_role("heading", name="Dossier: Beta Ledger").wait_for()
    assert page.get_by_text("Not yet satisfied").is_visible()
    screenshot("dossier")
    page.emulate_media(media="print")
    assert not page.get_by_role("navigation", name="Main").is_visible()
    screenshot("dossier-print")
