"""A real browser logs in as a demo user and reads the Billing Gateway release."""

import pytest

from readiness.demo import load_demo

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_demo_user_logs_in_and_reads_the_sample_release(live_server, page, screenshot, settings):
    settings.DEBUG = True  # demo logins exist only in DEBUG
    load_demo()
    page.goto(f"{live_server.url}/releases/")
    page.get_by_label("Username").fill("julia")
    page.get_by_label("Password").fill("readiness-demo")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Billing Gateway").click()
    page.wait_for_url("**/releases/2024-07-15-billing-gateway/")
    assert page.get_by_role("heading", name="Billing Gateway", level=1).is_visible()
    assert page.get_by_text("GO with conditions").first.is_visible()
    assert page.get_by_role("row", name="A1").get_by_text("Overdue").is_visible()
    screenshot("release-detail")


def test_the_release_list_pages_with_htmx(live_server, page, django_user_model):
    import datetime as dt

    from tests.factories import make_release

    for day in range(1, 31):
        make_release(f"Release {day:02d}", planned_date=dt.date(2024, 7, day))
    user = django_user_model.objects.create_user("reader", password="a-long-test-password")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/releases/")
    page.evaluate("window.__marker = 'same document'")
    page.get_by_role("link", name="Next").click()
    page.get_by_role("link", name="Release 05").wait_for()
    assert "?after=" in page.url
    assert page.evaluate("window.__marker") == "same document", "swapped, not reloaded"
    assert page.get_by_role("link", name="Release 05").is_visible()
    assert not page.get_by_role("link", name="Release 06").is_visible()
