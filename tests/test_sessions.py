"""The facilitator's live meeting workspace: /releases/<slug>/sessions/<id>/."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from readiness import services
from readiness.models import (
    Action,
    AgendaItem,
    Decision,
    Event,
    Evidence,
    Participant,
    Person,
    Release,
    Session,
    SessionTemplate,
)
from tests.factories import join_team, make_action, make_decision, make_person, make_session
from tests.helpers import at_once, skip_unless_postgresql, snapshot

HX = {"HX-Request": "true"}


def url(session, suffix=""):
    return f"{session.get_absolute_url()}{suffix}"


def hx_section(target):
    return {**HX, "HX-Target": target}


# --- Reading --------------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_log_in(client, session):
    response = client.get(url(session))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_shows_every_role_the_live_view(client, any_role, session):
    client.force_login(any_role)
    response = client.get(url(session))
    assert response.status_code == 200
    assert 'id="live"' in response.text


@pytest.mark.parametrize("role", ["manager", "owner"])
def test_it_shows_other_roles_no_controls(client, request, session, role):
    client.force_login(request.getfixturevalue(role))
    page = client.get(url(session)).text
    assert "Add a participant" not in page
    assert "Record the decision" not in page


@pytest.mark.parametrize("role", ["facilitator", "admin_user"])
def test_it_shows_facilitators_the_controls(client, request, session, role):
    client.force_login(request.getfixturevalue(role))
    page = client.get(url(session)).text
    assert "Add a participant" in page and "Record the decision" in page


def test_the_sessions_own_facilitator_may_edit_without_the_group(client, django_user_model, owner):
    # The owner is not in the facilitators group, but facilitates this session.
    session = make_session(facilitator=owner.person)
    client.force_login(owner)
    assert "Add a participant" in client.get(url(session)).text
    response = client.post(url(session, "agenda/add"), {"title": "QA"})
    assert response.status_code == 302


def test_it_answers_404_for_a_session_of_another_release(client, manager, session):
    other = make_session()
    client.force_login(manager)
    response = client.get(f"/releases/{other.release.slug}/sessions/{session.pk}/")
    assert response.status_code == 404


def test_it_serves_one_section_to_an_htmx_refresh(client, manager, session):
    client.force_login(manager)
    response = client.get(url(session), headers=hx_section("agenda"))
    assert response.text.lstrip().startswith('<section id="agenda"')
    assert "<html" not in response.text
    assert "HX-Target" in response["Vary"]


def test_it_serves_the_whole_page_for_an_unknown_target(client, manager, session):
    client.force_login(manager)
    response = client.get(url(session), headers=hx_section("nonsense"))
    assert "<html" in response.text


# --- Who may write ------------------------------------------------------------------------

WRITES = [
    ("agenda/add", {"title": "QA metrics"}),
    ("participants/add", {"name": "Ana Souza", "role": "member"}),
    ("checks/add", {"area": "QA", "status": "green"}),
    (
        "decision",
        {
            "outcome": "go",
            "method": "consensus",
            "conditions-TOTAL_FORMS": "0",
            "conditions-INITIAL_FORMS": "0",
        },
    ),
    (
        "actions/add",
        {"code": "A1", "description": "Re-run k6", "owner": "Ana Souza", "kind": "action"},
    ),
    ("evidence/add", {"title": "QA", "location": "qa/report.md", "category": "qa"}),
    ("start", {}),
    ("close", {}),
]


@pytest.mark.parametrize(("suffix", "data"), WRITES)
@pytest.mark.parametrize("role", ["manager", "owner"])
def test_it_refuses_writes_from_anyone_but_a_facilitator(
    client, request, session, role, suffix, data
):
    client.force_login(request.getfixturevalue(role))
    before = Event.objects.count()
    response = client.post(url(session, suffix), data)
    assert response.status_code == 403
    assert Event.objects.count() == before


@pytest.mark.parametrize(("suffix", "data"), WRITES)
def test_it_refuses_anonymous_writes(client, session, suffix, data):
    before = Event.objects.count()
    response = client.post(url(session, suffix), data)
    assert response.status_code == 302
    assert Event.objects.count() == before


@pytest.mark.parametrize(("suffix", "data"), WRITES)
def test_it_accepts_each_write_from_a_facilitator_without_javascript(
    client, facilitator, session, suffix, data
):
    client.force_login(facilitator)
    before = Event.objects.count()
    response = client.post(url(session, suffix), data)
    assert response.status_code == 302
    assert response["Location"].startswith(url(session))
    assert Event.objects.count() > before


@pytest.mark.parametrize("suffix", ["agenda/add", "start", "close", "decision", "actions/add"])
def test_it_refuses_get_on_writes(client, facilitator, session, suffix):
    client.force_login(facilitator)
    assert client.get(url(session, suffix)).status_code == 405


def test_it_answers_404_for_a_missing_item(client, facilitator, session):
    client.force_login(facilitator)
    assert client.post(url(session, "agenda/999999/delete")).status_code == 404
    other_item = services.agenda_item_add(user=None, session=make_session(), title="Elsewhere")
    response = client.post(url(session, f"agenda/{other_item.pk}/delete"))
    assert response.status_code == 404
    assert AgendaItem.objects.filter(pk=other_item.pk).exists()


# --- Participants ---------------------------------------------------------------------------


def test_it_adds_a_participant_creating_the_person_inline(client, facilitator, session):
    client.force_login(facilitator)
    response = client.post(
        url(session, "participants/add"),
        {"name": "Camila Duarte", "title": "Security Lead", "area": "Segurança", "role": "member"},
        headers=HX,
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="participants"')
    assert "Camila Duarte" in response.text
    assert "session-written" in response["HX-Trigger"]
    participant = session.participants.get()
    assert participant.person.title == "Security Lead" and participant.area == "Segurança"


def test_it_finds_an_existing_person_instead_of_a_duplicate(client, facilitator, session):
    make_person("Ana Souza", title="SRE Lead")
    client.force_login(facilitator)
    client.post(url(session, "participants/add"), {"name": "ana souza", "role": "observer"})
    assert Person.objects.filter(name__iexact="ana souza").count() == 1
    assert session.participants.get().role == "observer"


def test_it_refuses_the_same_person_twice_inline(client, facilitator, session):
    client.force_login(facilitator)
    data = {"name": "Ana Souza", "role": "member"}
    client.post(url(session, "participants/add"), data)
    before = snapshot(session)
    response = client.post(url(session, "participants/add"), data, headers=HX)
    assert response.status_code == 422
    before.assert_unchanged()
    assert "already takes part" in response.text
    assert session.participants.count() == 1


def test_it_marks_attendance_with_one_click(client, facilitator, session):
    participant = services.participant_add(user=None, session=session, person=make_person())
    client.force_login(facilitator)
    response = client.post(
        url(session, f"participants/{participant.pk}/attendance"),
        {"attendance": "present"},
        headers=HX,
    )
    assert response.status_code == 200
    participant.refresh_from_db()
    assert participant.attendance == "present"
    assert f'id="attendance-{participant.pk}-present"' in response.text
    assert 'aria-pressed="true">Present' in response.text
    bad = client.post(
        url(session, f"participants/{participant.pk}/attendance"), {"attendance": "asleep"}
    )
    assert bad.status_code == 400


def test_it_changes_a_participants_area_and_role(client, facilitator, session):
    participant = services.participant_add(
        user=None, session=session, person=make_person(), area="QA"
    )
    client.force_login(facilitator)
    form = client.get(url(session, f"participants/{participant.pk}/edit"), headers=HX)
    assert 'name="version"' in form.text
    client.post(
        url(session, f"participants/{participant.pk}/edit"),
        {"area": "Finanças", "role": "observer", "version": participant.version},
    )
    participant.refresh_from_db()
    assert (participant.area, participant.role) == ("Finanças", "observer")


def test_it_suggests_people_as_you_type(client, facilitator):
    make_person("Guilherme Prado", title="Controller")
    client.force_login(facilitator)
    response = client.get("/people/search", {"name": "guil"})
    assert '<option value="Guilherme Prado">Controller</option>' in response.text
    assert client.get("/people/search", {"name": "g"}).text.strip() == ""


# --- Agenda ---------------------------------------------------------------------------------


def test_it_adds_edits_reorders_and_deletes_agenda_items(client, facilitator, session):
    client.force_login(facilitator)
    for title in ["QA", "Compliance", "FinOps"]:
        client.post(url(session, "agenda/add"), {"title": title, "time_box_minutes": 10})
    qa, compliance, finops = session.agenda_items.all()
    client.post(url(session, f"agenda/{finops.pk}/move"), {"direction": "up"})
    assert [i.title for i in session.agenda_items.all()] == ["QA", "FinOps", "Compliance"]
    client.post(url(session, f"agenda/{qa.pk}/move"), {"direction": "up"})  # already first
    assert [i.title for i in session.agenda_items.all()] == ["QA", "FinOps", "Compliance"]
    qa.refresh_from_db()
    client.post(
        url(session, f"agenda/{qa.pk}/edit"),
        {
            "title": "QA metrics",
            "time_box_minutes": 15,
            "notes": "k6 pending",
            "version": qa.version,
        },
    )
    qa.refresh_from_db()
    assert (qa.title, qa.time_box_minutes, qa.notes) == ("QA metrics", 15, "k6 pending")
    client.post(url(session, f"agenda/{compliance.pk}/delete"))
    assert [(i.position, i.title) for i in session.agenda_items.all()] == [
        (1, "QA metrics"),
        (2, "FinOps"),
    ]


def test_it_highlights_the_item_being_discussed(client, facilitator, manager, session):
    item = services.agenda_item_add(user=None, session=session, title="QA", time_box_minutes=10)
    client.force_login(facilitator)
    client.post(url(session, f"agenda/{item.pk}/discuss"))
    session.refresh_from_db()
    item.refresh_from_db()
    assert session.current_agenda_item == item and item.discussion_started_at is not None
    client.force_login(manager)
    page = client.get(url(session)).text
    assert "Being discussed" in page and 'data-time-box="10"' in page
    client.force_login(facilitator)
    client.post(url(session, f"agenda/{item.pk}/discussed"), {"discussed": "on"})
    session.refresh_from_db()
    item.refresh_from_db()
    assert item.discussed and session.current_agenda_item is None


def test_it_hands_back_the_add_form_empty_and_focused(client, facilitator, session):
    client.force_login(facilitator)
    response = client.post(
        url(session, "agenda/add"), {"title": "QA", "time_box_minutes": 10}, headers=HX
    )
    assert '<input type="text" name="title" maxlength="300" autofocus' in response.text
    response = client.post(
        url(session, "actions/add"),
        {"code": "A1", "description": "Re-run k6", "owner": "Ana Souza", "kind": "action"},
        headers=HX,
    )
    assert 'value="A2"' in response.text
    assert '<textarea name="description" cols="40" rows="2" autofocus' in response.text


def test_it_keeps_the_input_and_says_what_is_wrong(client, facilitator, session):
    client.force_login(facilitator)
    response = client.post(
        url(session, "agenda/add"), {"title": "", "time_box_minutes": "-3"}, headers=HX
    )
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<section id="agenda"')
    assert "This field is required." in response.text
    assert 'value="-3"' in response.text
    assert not session.agenda_items.exists()


def test_it_shows_errors_on_the_full_page_without_javascript(client, facilitator, session):
    client.force_login(facilitator)
    response = client.post(url(session, "actions/add"), {"code": "not a code", "owner": "X"})
    assert response.status_code == 422
    assert "<html" in response.text
    assert "Use a letter and a number, such as A5." in response.text
    assert 'value="not a code"' in response.text
    assert not Person.objects.filter(name="X").exists()


# --- Stale edits ----------------------------------------------------------------------------


def test_a_stale_save_is_refused_and_keeps_the_text(
    client, django_user_model, facilitator, session
):
    item = services.agenda_item_add(user=None, session=session, title="QA")
    other = django_user_model.objects.create_user("other", first_name="Olga")
    join_team(other)  # another facilitator of the same team
    first, second = client, client.__class__()
    first.force_login(facilitator)
    second.force_login(other)
    seen_version = item.version  # both opened the edit form at this version
    ok = first.post(
        url(session, f"agenda/{item.pk}/edit"),
        {"title": "QA metrics", "notes": "Olga's notes? no, Fay's", "version": seen_version},
        headers=HX,
    )
    assert ok.status_code == 200
    stale = second.post(
        url(session, f"agenda/{item.pk}/edit"),
        {"title": "QA", "notes": "My long careful notes", "version": seen_version},
        headers=HX,
    )
    assert stale.status_code == 409
    assert "Someone else saved this first" in stale.text
    assert "My long careful notes" in stale.text  # their own text, kept to re-apply
    assert "QA metrics" in stale.text  # the other person's change, shown
    item.refresh_from_db()
    assert item.title == "QA metrics" and item.notes == "Olga's notes? no, Fay's"
    # Saving again on purpose applies it on top.
    again = second.post(
        url(session, f"agenda/{item.pk}/edit"),
        {"title": "QA", "notes": "My long careful notes", "version": item.version},
        headers=HX,
    )
    assert again.status_code == 200
    item.refresh_from_db()
    assert item.notes == "My long careful notes"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_saves_on_postgresql_let_exactly_one_win():
    skip_unless_postgresql()
    session = make_session()
    item = services.agenda_item_add(user=None, session=session, title="QA")
    outcomes = []

    def save(n, go):
        try:
            go()
            services.agenda_item_update(
                user=None,
                item=AgendaItem.objects.get(pk=item.pk),
                expected_version=item.version,
                title=f"Title {n}",
                time_box_minutes=None,
                notes=f"Notes {n}",
            )
            outcomes.append("saved")
        except services.StaleEdit:
            outcomes.append("stale")

    at_once(save, 4)
    assert sorted(outcomes) == ["saved", "stale", "stale", "stale"]
    item.refresh_from_db()
    assert item.version == 2
    assert Event.objects.filter(verb="agenda_item.updated").count() == 1


# --- Readiness checks -----------------------------------------------------------------------


def test_it_adds_and_updates_readiness_checks(client, facilitator, session):
    client.force_login(facilitator)
    client.post(url(session, "checks/add"), {"area": "FinOps", "status": "amber"})
    duplicate = client.post(url(session, "checks/add"), {"area": "finops", "status": "red"})
    assert duplicate.status_code == 422 and "already has a check" in duplicate.text
    check = session.readiness_checks.get()
    client.post(
        url(session, f"checks/{check.pk}/edit"),
        {"status": "green", "summary": "Guardrails in place", "version": check.version},
    )
    check.refresh_from_db()
    assert (check.status, check.summary) == ("green", "Guardrails in place")
    page = client.get(url(session)).text
    assert "Green: ready" in page  # the colour always comes with its words


# --- Decision -------------------------------------------------------------------------------


def decision_data(outcome="conditional_go", conditions=(), **extra):
    data = {
        "outcome": outcome,
        "rationale": "Consensus for GO if BILL-230 runs first.",
        "method": "consensus",
        "conditions-TOTAL_FORMS": str(len(conditions)),
        "conditions-INITIAL_FORMS": "0",
    }
    for i, (text, reference) in enumerate(conditions):
        data[f"conditions-{i}-text"] = text
        data[f"conditions-{i}-reference"] = reference
    data.update(extra)
    return data


def test_it_records_a_conditional_go_with_its_conditions(client, facilitator, session):
    client.force_login(facilitator)
    response = client.post(
        url(session, "decision"),
        decision_data(
            conditions=[
                ("Run the BILL-230 check before the window", "`BILL-230`"),
                ("Confirm the retention dashboards", ""),
            ]
        ),
        headers=HX,
    )
    assert response.status_code == 200
    assert "decision-changed" in response["HX-Trigger"]
    decision = session.decisions.get()
    assert decision.outcome == "conditional_go" and decision.is_current
    assert [(c.text, c.reference) for c in decision.conditions.all()] == [
        ("Run the BILL-230 check before the window", "BILL-230"),
        ("Confirm the retention dashboards", ""),
    ]


def test_it_refuses_a_conditional_go_without_conditions_inline(client, facilitator, session):
    client.force_login(facilitator)
    response = client.post(url(session, "decision"), decision_data(), headers=HX)
    assert response.status_code == 422
    assert "at least one condition" in response.text
    assert "Consensus for GO if BILL-230 runs first." in response.text
    assert not session.decisions.exists()


def test_it_adds_a_condition_row_without_javascript(client, facilitator, session):
    client.force_login(facilitator)
    response = client.post(
        url(session, "decision"),
        decision_data(conditions=[("Run BILL-230", "BILL-230")], add_condition="1"),
    )
    assert response.status_code == 200
    assert 'name="conditions-1-text"' in response.text
    assert 'value="Run BILL-230"' in response.text
    assert not session.decisions.exists()


def test_a_new_decision_supersedes_the_old_and_both_stay_visible(
    client, facilitator, manager, session
):
    client.force_login(facilitator)
    client.post(url(session, "decision"), decision_data("no_go", rationale="Pen test pending"))
    client.post(url(session, "decision"), decision_data("go", rationale="Pen test passed"))
    assert session.decisions.count() == 2
    assert session.decisions.get(is_current=True).outcome == "go"
    client.force_login(manager)
    page = client.get(url(session)).text
    assert "1 earlier decision, superseded" in page and "Pen test pending" in page
    assert "superseded the decision" in page  # in the timeline too


def test_a_vote_needs_more_than_the_product_owner(client, facilitator, session):
    lucas = make_person("Lucas Azevedo", title="PM Billing")
    Release.objects.filter(pk=session.release_id).update(product_owner=lucas)
    pm = services.participant_add(user=None, session=session, person=lucas, area="Produto")
    sec = services.participant_add(
        user=None, session=session, person=make_person("Camila"), area="Segurança"
    )
    observer = services.participant_add(
        user=None, session=session, person=make_person("Ana"), role="observer"
    )
    client.force_login(facilitator)
    page = client.get(url(session)).text
    assert f'name="vote_{pm.pk}"' in page and f'name="vote_{observer.pk}"' not in page
    alone = client.post(
        url(session, "decision"),
        decision_data("go", method="vote", **{f"vote_{pm.pk}": "go", f"vote_{sec.pk}": "abstain"}),
    )
    assert alone.status_code == 422
    assert "product owner cannot be its only approver" in alone.text
    observer_vote = client.post(
        url(session, "decision"),
        decision_data("go", method="vote", **{f"vote_{observer.pk}": "go"}),
    )
    assert observer_vote.status_code == 422  # an observer's ballot is not even a field
    assert not session.decisions.exists()
    ok = client.post(
        url(session, "decision"),
        decision_data(
            "go",
            method="vote",
            **{f"vote_{pm.pk}": "go", f"vote_{sec.pk}": "go", f"comment_{sec.pk}": "PCI ok"},
        ),
    )
    assert ok.status_code == 302
    votes = session.decisions.get().votes.order_by("participant__area")
    assert [(v.area, v.choice, v.comment) for v in votes] == [
        ("Produto", "go", ""),
        ("Segurança", "go", "PCI ok"),
    ]


def test_a_review_date_only_follows_a_go(client, facilitator, session):
    client.force_login(facilitator)
    before = snapshot(session)
    response = client.post(
        url(session, "decision"), decision_data("no_go", review_on="2024-08-15"), headers=HX
    )
    assert response.status_code == 422 and "only follows a GO" in response.text
    before.assert_unchanged()
    client.post(url(session, "decision"), decision_data("go", review_on="2024-08-15"))
    assert session.decisions.get().review_on == dt.date(2024, 8, 15)


# --- Actions and evidence -------------------------------------------------------------------


def test_it_suggests_the_next_free_action_code(client, facilitator, session):
    make_action(session, code="A1")
    make_action(session, code="A3")
    client.force_login(facilitator)
    assert 'value="A4"' in client.get(url(session)).text


def test_it_adds_edits_and_cancels_actions(client, facilitator, session):
    client.force_login(facilitator)
    response = client.post(
        url(session, "actions/add"),
        {
            "code": "a1",
            "description": "Re-run the k6 script",
            "owner": "Ana Souza (SRE Lead)",
            "due_date": "2024-07-16",
            "kind": "action",
        },
        headers=HX,
    )
    assert response.status_code == 200 and "action-changed" in response["HX-Trigger"]
    action = session.actions.get()
    assert (action.code, action.owner.name, action.owner.title) == ("A1", "Ana Souza", "SRE Lead")
    duplicate = client.post(
        url(session, "actions/add"),
        {"code": "A1", "description": "Again", "owner": "Ana Souza", "kind": "action"},
        headers=HX,
    )
    assert duplicate.status_code == 422 and "already used" in duplicate.text
    client.post(
        url(session, f"actions/{action.pk}/edit"),
        {
            "description": "Re-run k6 and attach the results",
            "owner": "Marina Lopes",
            "due_date": "2024-07-17",
            "kind": "action",
            "version": action.version,
        },
    )
    action.refresh_from_db()
    assert action.owner.name == "Marina Lopes" and action.due_date == dt.date(2024, 7, 17)
    client.post(url(session, f"actions/{action.pk}/cancel"))
    action.refresh_from_db()
    assert action.status == "cancelled"


def test_it_links_evidence_to_an_item_and_verifies_it(client, facilitator, session):
    action = make_action(session, code="A1")
    client.force_login(facilitator)
    client.post(
        url(session, "evidence/add"),
        {
            "title": "k6 results",
            "location": "https://ci.example.com/k6/42",
            "category": "qa",
            "backs": f"action:{action.pk}",
        },
    )
    evidence = Evidence.objects.get()
    assert evidence.action == action
    bad = client.post(
        url(session, "evidence/add"),
        {"title": "x", "location": "y", "category": "qa", "backs": "action:999999"},
    )
    assert bad.status_code == 422
    client.post(url(session, f"evidence/{evidence.pk}/verify"))
    evidence.refresh_from_db()
    assert evidence.verified and evidence.verified_by == facilitator


# --- The session's life ---------------------------------------------------------------------


def test_it_schedules_a_session_from_the_default_template(client, facilitator):
    release = services.release_create(
        user=None, name="Billing Gateway", planned_date=dt.date(2024, 7, 15)
    )
    template = SessionTemplate.objects.get(name="Go/No-Go (Português)")
    client.force_login(facilitator)
    response = client.post(
        f"/releases/{release.slug}/sessions/new/",
        {
            "title": "Sessão de Go/No-Go",
            "date": "2024-07-15",
            "time": "14:00",
            "time_zone": "America/Sao_Paulo",
            "objective": "Validar readiness",
            "facilitator": "Marina Lopes (FinOps / Platform Ops)",
            "template": template.pk,
        },
    )
    session = release.sessions.get()
    assert response["Location"] == session.get_absolute_url()
    assert session.scheduled_at == dt.datetime(2024, 7, 15, 17, 0, tzinfo=dt.UTC)
    assert session.facilitator.title == "FinOps / Platform Ops"
    assert session.agenda_items.count() == 5
    assert [c.area for c in session.readiness_checks.all()] == [
        "QA",
        "Compliance",
        "FinOps",
        "Riscos residuais",
    ]


def test_it_refuses_scheduling_to_non_facilitators(client, manager):
    release = services.release_create(user=None, name="X", planned_date=dt.date(2024, 7, 15))
    client.force_login(manager)
    assert client.get(f"/releases/{release.slug}/sessions/new/").status_code == 403


def test_it_refuses_a_bad_time_zone_inline(client, facilitator):
    release = services.release_create(user=None, name="X", planned_date=dt.date(2024, 7, 15))
    client.force_login(facilitator)
    response = client.post(
        f"/releases/{release.slug}/sessions/new/",
        {"title": "Go", "date": "2024-07-15", "time": "14:00", "time_zone": "BRT"},
    )
    assert response.status_code == 422
    assert "BRT is not a known time zone" in response.text
    assert not release.sessions.exists()


def test_it_creates_a_release_with_its_deploy_window(client, facilitator, manager):
    client.force_login(manager)
    assert client.get("/releases/new/").status_code == 403
    client.force_login(facilitator)
    form = {
        "name": "Billing Gateway",
        "planned_date": "2024-07-15",
        "language": "pt-br",
        "window_start": "2024-07-16T22:00",
        "window_end": "2024-07-17T02:00",
        "window_time_zone": "America/Sao_Paulo",
    }
    before = snapshot()
    bad = client.post("/releases/new/", {**form, "window_end": "2024-07-16T21:00"})
    assert bad.status_code == 422 and "must close after it opens" in bad.text
    before.assert_unchanged()
    response = client.post("/releases/new/", form)
    release = Release.objects.get()
    assert response["Location"] == f"/releases/{release.slug}/sessions/new/"
    assert release.deploy_window_start == dt.datetime(2024, 7, 17, 1, 0, tzinfo=dt.UTC)
    assert release.language == "pt-br"


def test_it_saves_a_session_as_a_template(client, facilitator, session):
    services.agenda_item_add(user=None, session=session, title="QA", time_box_minutes=5)
    services.readiness_check_set(user=None, session=session, area="QA", status="green")
    client.force_login(facilitator)
    client.post(url(session, "save-template"), {"name": "Billing"})
    template = SessionTemplate.objects.get(name="Billing")
    assert template.agenda == [{"title": "QA", "time_box_minutes": 5}]
    assert template.areas == ["QA"]
    before = snapshot(template)
    again = client.post(url(session, "save-template"), {"name": "billing"}, headers=HX)
    assert again.status_code == 422 and "already exists" in again.text
    before.assert_unchanged()


def test_it_starts_and_closes_and_then_records_changes_as_addenda(
    client, facilitator, manager, session
):
    client.force_login(facilitator)
    client.post(url(session, "start"))
    session.refresh_from_db()
    assert session.status == "in_progress" and session.started_at
    again = client.post(url(session, "start"), headers=HX)
    assert again.status_code == 422 and "Only a scheduled session can start." in again.text
    client.post(url(session, "agenda/add"), {"title": "During the meeting"})
    client.post(url(session, "close"))
    client.post(url(session, "agenda/add"), {"title": "Added afterwards"})
    client.post(url(session, "addenda/add"), {"text": "BILL-230 confirmed by e-mail."})
    during = Event.objects.get(verb="agenda_item.added", subject_repr__contains="During")
    after = Event.objects.get(verb="agenda_item.added", subject_repr__contains="afterwards")
    assert not during.is_addendum and after.is_addendum
    client.force_login(manager)
    addenda = client.get(url(session), headers=hx_section("addenda")).text
    assert "BILL-230 confirmed by e-mail." in addenda
    assert "Added afterwards" in addenda and "During the meeting" not in addenda


def test_addenda_are_refused_while_the_session_is_open(client, facilitator, session):
    client.force_login(facilitator)
    before = snapshot(session)
    response = client.post(url(session, "addenda/add"), {"text": "Too early"}, headers=HX)
    assert response.status_code == 422
    assert "Addenda are for closed minutes" in response.text
    before.assert_unchanged()


def test_it_carries_open_items_of_earlier_sessions_into_follow_ups(client, manager):
    first = make_session(scheduled_at=dt.datetime(2024, 7, 10, 14, tzinfo=dt.UTC))
    make_action(first, code="A1", description="Fix the pen test findings")
    done = make_action(first, code="A2", description="Already finished")
    services.action_status_import(user=None, action=done, status="done")
    make_decision(
        first,
        Decision.Outcome.CONDITIONAL_GO,
        conditions=[services.ConditionSpec(text="Run BILL-230", reference="BILL-230")],
    )
    second = make_session(first.release, scheduled_at=dt.datetime(2024, 7, 15, 14, tzinfo=dt.UTC))
    client.force_login(manager)
    follow_ups = client.get(url(second), headers=hx_section("follow-ups")).text
    assert "Fix the pen test findings" in follow_ups and "Run BILL-230" in follow_ups
    assert "Already finished" not in follow_ups
    assert (
        "Fix the pen test findings"
        not in client.get(url(first), headers=hx_section("follow-ups")).text
    )


# --- The live view --------------------------------------------------------------------------


def test_the_poll_answers_304_until_something_changes(
    client, manager, session, django_assert_max_num_queries
):
    client.force_login(manager)
    client.get(url(session))  # warm the login session
    session.refresh_from_db()
    etag = f'"r{session.revision}"'
    live = url(session, "live")
    # One query for the revision, beside the login's own (session row and user row).
    with django_assert_max_num_queries(3):
        unchanged = client.get(live, headers={**HX, "If-None-Match": etag})
    assert unchanged.status_code == 304
    services.agenda_item_add(user=None, session=session, title="QA")
    changed = client.get(url(session, "live"), headers={**HX, "If-None-Match": etag})
    assert changed.status_code == 200
    assert "session-changed" in changed["HX-Trigger"]
    assert '<p id="live-status" class="visually-hidden" role="status" hx-swap-oob="true">' in (
        changed.text
    )
    session.refresh_from_db()
    assert changed["ETag"] == f'"r{session.revision}"'
    assert f'\\"r{session.revision}\\"' in changed.text
    assert client.get(f"/releases/{session.release.slug}/sessions/999999/live").status_code == 404


def test_the_live_regions_come_together_out_of_band_from_one_load(
    client, manager, session, django_assert_max_num_queries
):
    services.agenda_item_add(user=None, session=session, title="QA metrics")
    make_action(session, code="A1", description="Re-run the k6 script")
    client.force_login(manager)
    client.get(url(session))
    with CaptureQueriesContext(connection) as one_region:
        client.get(url(session), headers=hx_section("agenda"))
    asked = {**HX, "Live-Regions": "actions agenda unknown timeline"}
    # Three regions for what one costs: the session is loaded once, its context built once.
    with django_assert_max_num_queries(len(one_region)):
        together = client.get(url(session), headers=asked)
    assert together.status_code == 200
    assert "Live-Regions" in together["Vary"]
    oob = r'<(?:section|header) id="([\w-]+)"[^>]*hx-swap-oob="true"'
    regions = re.findall(oob, together.text)
    assert regions == ["agenda", "actions", "timeline"]  # the page's order, known ids only
    assert "QA metrics" in together.text and "Re-run the k6 script" in together.text
    assert 'id="participants"' not in together.text and "<html" not in together.text
    # A page drawn whole, or one region asked for alone, is not out of band.
    assert 'hx-swap-oob="true"' not in client.get(url(session)).text.split('id="live-status"')[0]
    assert "hx-swap-oob" not in client.get(url(session), headers=hx_section("agenda")).text
    # Naming no region the page has, the request is an ordinary one.
    assert "<html" in client.get(url(session), headers={"Live-Regions": "agenda"}).text
    nothing = client.get(url(session), headers={**HX, "Live-Regions": "bogus"})
    assert nothing.status_code == 200 and "hx-swap-oob" not in nothing.text


def test_every_write_moves_the_revision(session):
    before = Session.objects.get(pk=session.pk).revision
    make_action(session)
    assert Session.objects.get(pk=session.pk).revision == before + 1


# --- Fast as it grows -----------------------------------------------------------------------


def _session_with(n):
    session = make_session(facilitator=make_person())
    owners = [make_person() for _ in range(3)]
    for i in range(n):
        person = make_person()
        services.participant_add(user=None, session=session, person=person, area=f"Area {i % 4}")
        item = services.agenda_item_add(user=None, session=session, title=f"Item {i}")
        action = make_action(session, code=f"A{i + 1}", owner=owners[i % 3])
        services.evidence_add(
            user=None, session=session, title=f"Doc {i}", location=f"d/{i}.md", action=action
        )
        check = services.readiness_check_set(
            user=None, session=session, area=f"Area {i}", status="green"
        )
        for target, title in [("agenda_item", "Minutes"), ("readiness_check", "Report")]:
            services.evidence_add(
                user=None,
                session=session,
                title=f"{title} {i}",
                location=f"{title.lower()}/{i}.md",
                **{target: item if target == "agenda_item" else check},
            )
        if i == 0:
            services.session_start(user=None, session=session, expected_version=None)
            services.agenda_item_start_discussion(user=None, item=item)
    make_decision(session, Decision.Outcome.CONDITIONAL_GO)
    return session


def test_the_session_page_makes_the_same_queries_for_5_and_200_of_everything(
    client, facilitator, django_assert_max_num_queries
):
    small, large = _session_with(5), _session_with(200)
    client.force_login(facilitator)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small_queries:
        assert client.get(url(small)).status_code == 200
    with django_assert_max_num_queries(len(small_queries)):
        response = client.get(url(large))
    assert response.text.count('<th scope="row">A') >= 200
    # Each row's own evidence, beside it: the actions', the agenda items' and the checks'.
    for title in ["Doc 199", "Minutes 199", "Report 199"]:
        assert response.text.count(title) >= 2, title  # its row, and the section's list
    assert Participant.objects.filter(session=large).count() == 200
    assert Action.objects.filter(session=large).count() == 200
