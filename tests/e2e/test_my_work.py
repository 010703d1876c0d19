"""An owner closes an action on /me/ while the facilitator watches the session page."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from readiness import services
from readiness.models import Action
from tests.e2e.conftest import PASSWORD, screenshot_of
from tests.factories import join_team, make_action, make_session

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_owner_marks_an_action_done_and_the_facilitator_sees_it_live(
    live_server, browser, log_in, django_user_model
):
    marina = django_user_model.objects.create_user("marina", password=PASSWORD)
    join_team(marina)
    facilitator = services.person_get_or_create(user=None, name="Marina Lopes")
    ana = django_user_model.objects.create_user("ana", password=PASSWORD)
    owner = services.person_get_or_create(user=None, name="Ana Souza", title="QA")
    services.person_link_user(user=None, person=owner, login=ana)
    session = make_session(facilitator=facilitator)
    action = make_action(
        session,
        code="A1",
        owner=owner,
        due_date=dt.date.today() + dt.timedelta(days=1),
        description="Re-run the k6 script and attach the results.",
    )

    facilitator_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    owner_context = browser.new_context(viewport={"width": 1280, "height": 900})
    watcher, page = facilitator_context.new_page(), owner_context.new_page()
    errors = []
    for p in (page, watcher):
        p.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        log_in(watcher, "marina")
        watcher.goto(f"{live_server.url}{session.get_absolute_url()}")
        row = watcher.locator(f"#action-{action.pk}")
        expect(row.get_by_text("Open", exact=True)).to_be_visible()

        log_in(page, "ana", landing="/me/")
        item = page.locator(f"#action-{action.pk}")
        expect(item.get_by_text("A1: Re-run the k6 script")).to_be_visible()
        screenshot_of(page, "my-work")
        # Blocked without a reason is refused in place.
        item.get_by_text("Blocked…").click()
        item.get_by_role("button", name="Mark blocked").click()
        expect(
            page.locator(f"#action-{action.pk}").get_by_text("Say what blocks this action.")
        ).to_be_visible()
        # Done, with a note and the evidence link.
        item = page.locator(f"#action-{action.pk}")
        item.get_by_text("Mark done…").click()
        item.get_by_label("Completion note (optional)").fill("p95 at 180 ms")
        item.get_by_label("Evidence link (optional)").fill("https://ci.example.com/k6/42")
        item.get_by_role("button", name="Done").click()
        expect(page.locator(f"#closed-action-{action.pk}")).to_be_visible()
        screenshot_of(page, "my-work-done")

        # The facilitator's open page follows within 5 s (it polls every 2 s).
        expect(
            watcher.locator(f"#action-{action.pk}").get_by_text("Done", exact=True)
        ).to_be_visible(timeout=5000)
        expect(watcher.locator(f"#action-{action.pk}").get_by_text("p95 at 180 ms")).to_be_visible(
            timeout=5000
        )
        screenshot_of(watcher, "session-after-owner-done")
    finally:
        facilitator_context.close()
        owner_context.close()
    assert Action.objects.get(pk=action.pk).status == Action.Status.DONE
    assert not errors, errors
