"""A real browser logs in as a demo user and reads the Billing Gateway release."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from readiness.demo import load_demo
from tests.e2e.conftest import PASSWORD
from tests.factories import make_release

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_demo_user_logs_in_and_reads_the_sample_release(page, log_in, screenshot, settings):
    settings.DEBUG = True  # demo logins exist only in DEBUG
    load_demo()
    log_in(page, "julia", password="readiness-demo")
    page.get_by_role("link", name="Billing Gateway").click()
    page.wait_for_url("**/releases/2024-07-15-billing-gateway/")
    expect(page.get_by_role("heading", name="Billing Gateway", level=1)).to_be_visible()
    expect(page.get_by_text("GO with conditions").first).to_be_visible()
    expect(page.get_by_role("row", name="A1").get_by_text("Overdue")).to_be_visible()
    screenshot("release-detail")


def test_the_release_list_pages_with_htmx(page, log_in, django_user_model):
    for day in range(1, 31):
        make_release(f"Release {day:02d}", planned_date=dt.date(2024, 7, day))
    django_user_model.objects.create_user("reader", password=PASSWORD)
    log_in(page, "reader")
    page.evaluate("window.__marker = 'same document'")
    page.get_by_role("link", name="Next").click()
    expect(page.get_by_role("link", name="Release 05")).to_be_visible()
    expect(page).to_have_url(re.compile(r"\?after="))
    assert page.evaluate("window.__marker") == "same document", "swapped, not reloaded"
    expect(page.get_by_role("link", name="Release 05")).to_be_visible()
    expect(page.get_by_role("link", name="Release 06")).not_to_be_visible()


def test_the_menu_wraps_on_a_phone_instead_of_widening_the_page(page, log_in, django_user_model):
    """At 375 px, every menu entry is on screen and the page is no wider than the phone."""
    user = django_user_model.objects.create_superuser("wide", "w@example.com", PASSWORD)
    assert user.is_staff
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, "wide")
    for name in ("My work", "Releases", "Insights", "Webhooks", "Settings", "Admin"):
        link = page.get_by_role("navigation", name="Main").get_by_role("link", name=name)
        expect(link).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
