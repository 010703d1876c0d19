"""A row of the session page opens its controls, saves, and closes, changing only itself."""

import pytest
from playwright.sync_api import expect

from readiness import services
from readiness.models import Action
from readiness.views.sessions.workspace import LIVE_REGIONS
from tests.e2e.test_workspace import people  # noqa: F401 (fixture)
from tests.factories import make_action, make_session

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_facilitator_blocks_an_action_from_its_row(live_server, page, log_in, people):  # noqa: F811
    marina, _ana = people
    session = make_session(facilitator=marina.person)
    first = make_action(session, code="A1", description="Re-run the k6 script.")
    second = make_action(session, code="A2", description="Confirm the dashboards.")
    log_in(page, "marina")
    page.goto(f"{live_server.url}{session.get_absolute_url()}")
    row = page.locator(f"#action-{first.pk}")
    other = page.locator(f"#action-{second.pk}")
    page.evaluate("window.__sameDocument = true")
    row.get_by_role("link", name="Update A1").click()
    row.get_by_text("Blocked…").click()
    row.get_by_label("What blocks it?").fill("Waiting for the vendor")
    refreshes = []
    path = session.get_absolute_url()
    page.on(
        "request",
        lambda r: refreshes.append(r.headers) if r.method == "GET" and r.url.endswith(path) else 0,
    )
    row.get_by_role("button", name="Mark blocked A1").click()

    expect(row.locator(".badge.status-blocked")).to_have_text("Blocked")
    expect(row).to_contain_text("Waiting for the vendor")
    expect(row.get_by_role("link", name="Update A1")).to_be_visible()  # closed again
    expect(other.get_by_role("link", name="Update A2")).to_be_visible()
    # The sections the change concerns beyond its row come in one request, and one's own
    # change is not highlighted as someone else's.
    expect(page.locator("#timeline")).to_contain_text("changed the status of")
    # (The poll may then bring the same change as someone else's: nothing new to mark.)
    assert {"evidence", "timeline"} <= set(refreshes[0]["live-regions"].split())
    assert not [headers for headers in refreshes if headers.get("hx-target") in LIVE_REGIONS]
    assert page.locator(".live-changed").count() == 0
    assert page.evaluate("window.__sameDocument") is True
    assert Action.objects.get(pk=first.pk).status == Action.Status.BLOCKED
    assert Action.objects.get(pk=second.pk).status == Action.Status.OPEN


def test_an_agenda_item_opens_and_is_discussed_now(live_server, page, log_in, people):  # noqa: F811
    marina, _ana = people
    session = make_session(facilitator=marina.person)
    for title in ("QA metrics", "FinOps guardrails"):
        services.agenda_item_add(user=None, session=session, title=title, time_box_minutes=10)
    log_in(page, "marina")
    page.goto(f"{live_server.url}{session.get_absolute_url()}")
    item = page.locator("#agenda .agenda-item").filter(has_text="FinOps guardrails")

    item.get_by_role("link", name="Change or discuss: FinOps guardrails").click()
    item.get_by_role("button", name="Discuss now").click()
    expect(item).to_contain_text("Being discussed")
    item.get_by_role("link", name="Change or discuss: FinOps guardrails").click()
    item.get_by_role("button", name="Move up: FinOps guardrails").click()
    expect(page.locator("#agenda .agenda-title").first).to_have_text("FinOps guardrails")
    item.get_by_role("link", name="Change or discuss: FinOps guardrails").click()
    item.get_by_role("button", name="Mark discussed").click()
    expect(item.locator(".badge.done")).to_have_text("Discussed")
    expect(item).not_to_contain_text("Being discussed")
