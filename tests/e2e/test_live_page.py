"""The live session page never eats a click or a keystroke.

Someone else's change arrives (written through the services, as another person's request
would) while this person has a form open, being opened, or being typed in: the refresh is
held back, nothing typed is lost, and once the form is closed the change appears,
highlighted and announced.
"""

import re

import pytest
from playwright.sync_api import expect

from readiness import services
from readiness.models import AgendaItem, Participant, Session
from readiness.views.sessions.workspace import LIVE_REGIONS
from tests.e2e.test_workspace import people  # noqa: F401 (fixture)
from tests.factories import make_person, make_session

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

POLL = 6000  # ms: the page polls every 2 s


def open_session(page, live_server, log_in, marina):
    session = make_session(facilitator=marina.person)
    for title in ("QA metrics", "FinOps guardrails"):
        services.agenda_item_add(user=None, session=session, title=title, time_box_minutes=10)
    log_in(page, "marina")
    page.goto(f"{live_server.url}{session.get_absolute_url()}")
    page.evaluate("window.__sameDocument = true")
    return session


def someone_else_adds_an_agenda_item(session, title="Go-live checklist"):
    services.agenda_item_add(user=None, session=session, title=title)


def marked(page) -> list[str]:
    """The agenda items outlined and tagged as changed by someone else, read at once."""
    return page.evaluate(
        "[...document.querySelectorAll('#agenda .agenda-item')]"
        ".filter(e => e.matches('.live-changed') || e.querySelector('.live-changed-tag'))"
        ".map(e => e.id)"
    )


def expect_the_change_is_held_back(page, region, session):
    # The poll saw the change (the page follows its revision) and the region kept its form.
    revision = Session.objects.get(pk=session.pk).revision
    expect(page.locator("#live")).to_have_attribute("data-revision", str(revision), timeout=POLL)
    expect(page.locator("#live-status")).to_contain_text("This page was updated")
    expect(page.locator(region)).to_have_attribute("data-refresh-pending", "", timeout=POLL)


def test_a_change_waits_while_an_agenda_item_is_typed_in(
    live_server,
    page,
    log_in,
    people,  # noqa: F811
):
    marina, _ana = people
    session = make_session(facilitator=marina.person)
    services.agenda_item_add(user=None, session=session, title="QA metrics")
    finops = services.agenda_item_add(user=None, session=session, title="FinOps guardrails")
    services.agenda_item_start_discussion(user=None, item=finops)
    log_in(page, "marina")
    page.goto(f"{live_server.url}{session.get_absolute_url()}")
    page.evaluate("window.__sameDocument = true")
    # The clock of the item being discussed runs in the page (its text is not the server's).
    clock = page.locator(f"#agenda-item-{finops.pk} [data-elapsed]")
    expect(clock).to_have_text(re.compile(r"^\d+:\d\d$"))
    item = page.locator("#agenda .agenda-item").filter(has_text="QA metrics")
    item.get_by_role("link", name="Change or discuss: QA metrics").click()
    notes = item.get_by_label("Notes")
    notes.press_sequentially("E2E green; ")

    someone_else_adds_an_agenda_item(session)
    expect_the_change_is_held_back(page, "#agenda", session)
    notes.press_sequentially("k6 pending.")
    expect(notes).to_have_value("E2E green; k6 pending.")
    expect(notes).to_be_focused()
    expect(page.locator("#agenda")).not_to_contain_text("Go-live checklist")

    # The focus leaving a field that holds typed text does not free the region either.
    page.locator("#participants h2").click()
    expect(page.locator("#agenda")).to_have_attribute("data-refresh-pending", "")
    expect(notes).to_have_value("E2E green; k6 pending.")

    item.get_by_role("button", name="Save").click()
    expect(item.get_by_role("link", name="Change or discuss: QA metrics")).to_be_visible()
    added = page.locator("#agenda .agenda-item").filter(has_text="Go-live checklist")
    expect(added).to_be_visible(timeout=POLL)
    expect(added).to_have_class(re.compile(r"\blive-changed\b"))
    expect(added.locator(".live-changed-tag")).to_have_text("Updated")
    expect(page.locator("#live-changes")).to_contain_text("Changed by someone else:")
    expect(page.locator("#live-changes")).to_contain_text("Agenda")
    # Only what someone else changed is marked, not the item whose clock ticks here (read
    # at once: the marks are set together, and fade after a few seconds).
    assert marked(page) == [added.get_attribute("id")]
    assert AgendaItem.objects.get(session=session, title="QA metrics").notes == (
        "E2E green; k6 pending."
    )
    assert page.evaluate("window.__sameDocument") is True


def test_discuss_now_then_change_still_opens_the_form(
    live_server,
    page,
    log_in,
    people,  # noqa: F811
):
    marina, _ana = people
    session = open_session(page, live_server, log_in, marina)
    pk = AgendaItem.objects.get(session=session, title="FinOps guardrails").pk
    item = page.locator(f"#agenda-item-{pk}")
    item.get_by_role("link", name="Change or discuss: FinOps guardrails").click()
    item.get_by_role("button", name="Discuss now").click()
    expect(item).to_contain_text("Being discussed")

    # Opening the form again is slow to answer: the poll's refresh arrives meanwhile.
    held = []

    def hold(route):
        if route.request.method == "GET":
            held.append(route)
        else:
            route.continue_()

    page.route(f"**/agenda/{pk}/edit", hold)
    item.get_by_role("link", name="Change or discuss: FinOps guardrails").click()
    expect(page.locator("#agenda")).to_have_attribute("data-saving", "")
    someone_else_adds_an_agenda_item(session)
    expect_the_change_is_held_back(page, "#agenda", session)
    assert len(held) == 1
    held[0].continue_()
    expect(item.get_by_label("Notes")).to_be_visible()
    expect(item.get_by_role("button", name="Mark discussed")).to_be_visible()
    expect(page.locator("#agenda")).not_to_contain_text("Go-live checklist")
    page.unroute(f"**/agenda/{pk}/edit")

    item.get_by_role("link", name="Close").click()
    added = page.locator("#agenda .agenda-item").filter(has_text="Go-live checklist")
    expect(added).to_be_visible(timeout=POLL)
    expect(added).to_have_class(re.compile(r"\blive-changed\b"))
    expect(page.locator(f"#agenda-item-{pk}")).to_contain_text("Being discussed")
    # Only what changed is marked: not the item whose clock ticks, nor the one left alone.
    assert marked(page) == [added.get_attribute("id")]


def test_a_name_typed_while_the_last_participant_is_saved_is_kept(
    live_server,
    page,
    log_in,
    people,  # noqa: F811
):
    marina, _ana = people
    session = open_session(page, live_server, log_in, marina)
    form = page.locator("#participants form.add-form")
    held = []
    page.route("**/participants/add", lambda route: held.append(route))
    form.get_by_label("Name").fill("Lucas Azevedo")
    form.get_by_label("Area").fill("Produto")
    form.get_by_role("button", name="Add participant").click()
    expect(page.locator("#participants")).to_have_attribute("data-saving", "")

    # While it saves, the facilitator types the next one, and someone else adds a person.
    form.get_by_label("Name").fill("Camila Duarte")
    form.get_by_label("Area").fill("Segur")
    services.participant_add(user=None, session=session, person=make_person("Rafaela Moura"))
    expect_the_change_is_held_back(page, "#participants", session)
    held[0].continue_()
    page.unroute("**/participants/add")

    rows = page.locator("#participants tbody")
    expect(rows.get_by_text("Lucas Azevedo")).to_be_visible()
    form = page.locator("#participants form.add-form")
    expect(form.get_by_label("Name")).to_have_value("Camila Duarte")
    expect(form.get_by_label("Area")).to_have_value("Segur")
    expect(form.get_by_label("Area")).to_be_focused()
    form.get_by_label("Area").press_sequentially("ança")
    form.get_by_role("button", name="Add participant").click()
    expect(rows.get_by_text("Camila Duarte")).to_be_visible()
    expect(rows.get_by_text("Rafaela Moura")).to_be_visible(timeout=POLL)
    assert sorted(
        (p.person.name, p.area) for p in Participant.objects.filter(session=session)
    ) == [("Camila Duarte", "Segurança"), ("Lucas Azevedo", "Produto"), ("Rafaela Moura", "")]


def test_someone_else_s_change_brings_the_free_regions_in_one_request(
    live_server,
    page,
    log_in,
    people,  # noqa: F811
):
    marina, _ana = people
    session = open_session(page, live_server, log_in, marina)
    # The participants' form holds a name being typed: that region is in use.
    page.locator("#participants form.add-form").get_by_label("Name").fill("Lucas Azevedo")
    asked = []
    path = session.get_absolute_url()

    def seen(request):
        if request.method == "GET" and request.url.endswith(path):
            asked.append(request.headers.get("live-regions"))

    page.on("request", seen)
    someone_else_adds_an_agenda_item(session)
    added = page.locator("#agenda .agenda-item").filter(has_text="Go-live checklist")
    expect(added).to_be_visible(timeout=POLL)
    expect(added).to_have_class(re.compile(r"\blive-changed\b"))
    expect(page.locator("#live-changes")).to_contain_text("Agenda")
    # Every live region but the one in use, in one request; that one waits its turn.
    (regions,) = asked
    assert set(regions.split()) == set(LIVE_REGIONS) - {"participants"}
    expect(page.locator("#participants")).to_have_attribute("data-refresh-pending", "")
    expect(page.locator("#participants form.add-form").get_by_label("Name")).to_have_value(
        "Lucas Azevedo"
    )
    assert marked(page) == [added.get_attribute("id")]
    assert page.evaluate("window.__sameDocument") is True
