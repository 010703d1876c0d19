"""The service functions: each write happens in one transaction and leaves its Event."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from readiness import services
from readiness.models import Action, Decision, Event, Person, Release
from tests.factories import make_action, make_decision, make_person, make_release, make_session
from tests.helpers import change_status

pytestmark = pytest.mark.django_db


def events(verb):
    return list(Event.objects.filter(verb=verb))


def test_it_creates_a_release_with_its_slug_and_an_event(facilitator):
    release = services.release_create(
        user=facilitator, name="  Billing   Gateway ", planned_date=dt.date(2024, 7, 15)
    )
    assert release.slug == "2024-07-15-billing-gateway"
    assert release.name == "Billing Gateway"
    [event] = events("release.created")
    assert event.actor == facilitator
    assert event.actor_name == "Facilitator"
    assert event.release == release
    assert event.before is None
    assert event.after["name"] == "Billing Gateway"


def test_it_refuses_a_second_release_with_the_same_slug():
    make_release("Billing Gateway")
    with pytest.raises(ValidationError, match="already exists"):
        make_release("Billing gateway")
    assert Release.objects.count() == 1


def test_it_refuses_a_deploy_window_ending_before_it_starts():
    start = dt.datetime(2024, 7, 16, 22, 0, tzinfo=dt.UTC)
    with pytest.raises(ValidationError):
        services.release_create(
            user=None,
            name="X",
            planned_date=dt.date(2024, 7, 16),
            deploy_window_start=start,
            deploy_window_end=start,
        )
    assert not Release.objects.exists()


def test_it_finds_the_same_person_by_name_and_keeps_the_newer_title():
    first = make_person("Ana Souza", title="SRE")
    again = services.person_get_or_create(user=None, name="ana  souza", title="SRE Lead")
    assert again.pk == first.pk
    assert Person.objects.get().title == "SRE Lead"
    [event] = events("person.updated")
    assert event.before["title"] == "SRE"
    assert event.after["title"] == "SRE Lead"


def test_it_schedules_a_session_in_its_time_zone():
    session = services.session_schedule(
        user=None,
        release=make_release(),
        scheduled_at=dt.datetime(2024, 7, 15, 14, 0),
        time_zone="America/Sao_Paulo",
    )
    assert session.scheduled_at == dt.datetime(2024, 7, 15, 17, 0, tzinfo=dt.UTC)
    assert events("session.scheduled")[0].session == session


def test_it_refuses_an_unknown_time_zone():
    with pytest.raises(ValidationError, match="not a known time zone"):
        services.session_schedule(
            user=None,
            release=make_release(),
            scheduled_at=dt.datetime(2024, 7, 15, 14, 0),
            time_zone="Mars/Olympus",
        )


def test_it_refuses_the_same_person_twice_in_a_session():
    session = make_session()
    person = make_person()
    services.participant_add(user=None, session=session, person=person, area="QA")
    with pytest.raises(ValidationError, match="already takes part"):
        services.participant_add(user=None, session=session, person=person)
    assert session.participants.count() == 1


def test_it_numbers_agenda_items_in_order():
    session = make_session()
    for title in ["QA", "Compliance", "FinOps"]:
        services.agenda_item_add(user=None, session=session, title=title)
    assert [(i.position, i.title) for i in session.agenda_items.all()] == [
        (1, "QA"),
        (2, "Compliance"),
        (3, "FinOps"),
    ]


def test_it_sets_a_readiness_check_once_per_area_and_logs_the_change():
    session = make_session()
    check = services.readiness_check_set(user=None, session=session, area="QA", status="amber")
    again = services.readiness_check_set(
        user=None,
        session=session,
        area="qa",
        status="green",
        summary="k6 re-run passed",
        expected_version=check.version,
    )
    assert again.pk == check.pk
    assert session.readiness_checks.get().status == "green"
    [event] = events("readiness_check.updated")
    assert (event.before["status"], event.after["status"]) == ("amber", "green")


def test_it_supersedes_a_decision_instead_of_changing_it(facilitator):
    session = make_session()
    first = make_decision(session, Decision.Outcome.NO_GO, rationale="Pen test pending")
    second = make_decision(
        session,
        Decision.Outcome.CONDITIONAL_GO,
        conditions=[
            services.ConditionSpec(text="Run the BILL-230 check", reference="BILL-230"),
            services.ConditionSpec(text="Confirm the retention dashboards"),
        ],
    )
    first.refresh_from_db()
    assert not first.is_current
    assert first.rationale == "Pen test pending"
    assert second.is_current and second.supersedes == first
    assert session.decisions.count() == 2
    assert [c.reference for c in second.conditions.all()] == ["BILL-230", ""]
    assert len(events("decision.superseded")) == 1
    assert len(events("decision.recorded")) == 2
    assert len(events("condition.added")) == 2


def test_it_defaults_a_condition_deadline_to_the_deploy_window():
    start = dt.datetime(2024, 7, 16, 22, 0, tzinfo=dt.UTC)
    release = services.release_create(
        user=None,
        name="Windowed",
        planned_date=dt.date(2024, 7, 16),
        deploy_window_start=start,
        deploy_window_end=start + dt.timedelta(hours=2),
    )
    decision = make_decision(make_session(release), Decision.Outcome.CONDITIONAL_GO)
    assert decision.conditions.get().deadline == start


@pytest.mark.parametrize(
    ("outcome", "conditions", "message"),
    [
        ("conditional_go", [], "at least one condition"),
        ("go", [services.ConditionSpec(text="x")], "Only a GO with conditions"),
        ("maybe", [], "Unknown outcome"),
    ],
)
def test_it_refuses_an_inconsistent_decision(outcome, conditions, message):
    session = make_session()
    with pytest.raises(ValidationError, match=message):
        services.decision_record(
            user=None, session=session, outcome=outcome, conditions=conditions
        )
    assert not session.decisions.exists()
    assert not Event.objects.filter(verb__startswith="decision").exists()


def test_it_marks_a_condition_satisfied_once(owner):
    decision = make_decision(make_session(), Decision.Outcome.CONDITIONAL_GO)
    condition = decision.conditions.get()
    services.condition_satisfy(user=owner, condition=condition, note="BILL-230 check green")
    condition.refresh_from_db()
    assert condition.is_satisfied and condition.satisfied_by == owner
    with pytest.raises(ValidationError, match="already satisfied"):
        services.condition_satisfy(user=owner, condition=condition)
    assert len(events("condition.satisfied")) == 1


def test_it_refuses_a_duplicate_action_code_with_a_clear_error():
    session = make_session()
    make_action(session, code="A1")
    with pytest.raises(ValidationError, match="A1 is already used"):
        make_action(session, code="a1")
    assert session.actions.count() == 1


def test_it_changes_an_action_status_and_logs_before_and_after(owner):
    action = make_action(make_session(), owner=owner.person)
    change_status(owner, action, "done")
    action.refresh_from_db()
    assert action.status == "done" and action.completed_at is not None and action.version == 2
    [event] = events("action.status_changed")
    assert (event.before["status"], event.after["status"]) == ("open", "done")
    assert event.actor == owner


def test_it_requires_a_reason_to_block_an_action(facilitator):
    action = make_action(make_session())
    with pytest.raises(ValidationError) as caught:
        change_status(facilitator, action, "blocked", reason="  ")
    assert "reason" in caught.value.message_dict
    action.refresh_from_db()
    assert action.status == "open"
    assert not events("action.status_changed")


def test_it_refuses_a_stale_edit_and_keeps_the_other_change(owner, facilitator):
    action = make_action(make_session(), owner=owner.person)
    seen_by_owner = Action.objects.get(pk=action.pk)
    seen_by_facilitator = Action.objects.get(pk=action.pk)
    change_status(facilitator, seen_by_facilitator, "in_progress")
    with pytest.raises(services.StaleEdit, match="changed by someone else"):
        services.action_change_status(
            user=owner, action=seen_by_owner, status="done", expected_version=1
        )
    action.refresh_from_db()
    assert action.status == "in_progress"
    assert len(events("action.status_changed")) == 1


@pytest.mark.parametrize("location", ["", "   "])
def test_it_refuses_evidence_without_a_location(location):
    session = make_session()
    with pytest.raises(ValidationError):
        services.evidence_add(user=None, session=session, title="Bad", location=location)
    assert not session.evidence.exists()


def test_evidence_backs_an_item_of_its_own_session_or_an_action_of_its_release():
    session = make_session()
    other = make_session()  # another release's
    later = make_session(session.release, scheduled_at=session.scheduled_at + dt.timedelta(1))
    item = services.agenda_item_add(user=None, session=session, title="QA metrics")
    check = services.readiness_check_add(user=None, session=session, area="QA", status="green")
    condition = make_decision(session, Decision.Outcome.CONDITIONAL_GO).conditions.get()
    for target in (
        {"agenda_item": item},
        {"readiness_check": check},
        {"condition": condition},
        {"action": make_action(other)},
    ):
        with pytest.raises(ValidationError, match="its own session"):
            services.evidence_add(
                user=None, session=later, title="Stray", location="docs/x.md", **target
            )
    assert not later.evidence.exists() and not events("evidence.added")
    # A follow-up is closed in a later session of its release, with that session's evidence.
    carried = make_action(session)
    evidence = services.evidence_add(
        user=None, session=later, title="Closed", location="docs/c.md", action=carried
    )
    assert evidence.session == later and evidence.action == carried


def test_it_keeps_an_unsafe_location_as_text_that_never_becomes_a_link(settings):
    settings.REPOSITORY_URL = "https://git.example.com/repo/-/blob/main"
    session = make_session()
    evidence = services.evidence_add(
        user=None, session=session, title="Odd", location="javascript:alert(1)"
    )
    assert evidence.location == "javascript:alert(1)"
    assert evidence.href() == ""


def test_it_keeps_the_newer_title_whatever_order_documents_come_in():
    services.person_get_or_create(
        user=None, name="Ana Souza", title="SRE Lead", as_of=dt.date(2024, 7, 15)
    )
    older = services.person_get_or_create(
        user=None, name="Ana Souza", title="SRE", as_of=dt.date(2024, 1, 10)
    )
    assert older.title == "SRE Lead"
    newer = services.person_get_or_create(
        user=None, name="Ana Souza", title="Head of SRE", as_of=dt.date(2025, 2, 1)
    )
    assert newer.title == "Head of SRE" and newer.title_as_of == dt.date(2025, 2, 1)


def test_it_verifies_evidence(manager):
    session = make_session()
    evidence = services.evidence_add(
        user=None, session=session, title="QA report", location="quality/test-report.md"
    )
    services.evidence_verify(user=manager, evidence=evidence)
    evidence.refresh_from_db()
    assert evidence.verified and evidence.verified_by == manager
    assert events("evidence.verified")[0].actor == manager


def test_it_writes_nothing_when_a_service_fails_halfway():
    session = make_session()
    before = Event.objects.count()
    with pytest.raises(ValidationError):
        services.decision_record(
            user=None,
            session=session,
            outcome="conditional_go",
            conditions=[services.ConditionSpec(text="ok"), services.ConditionSpec(text="  ")],
        )
    assert not session.decisions.exists()
    assert Event.objects.count() == before


def test_it_closes_a_session_once():
    session = make_session()
    services.session_close(user=None, session=session, expected_version=session.version)
    assert session.status == "closed" and session.closed_at is not None
    with pytest.raises(ValidationError, match="already closed"):
        services.session_close(user=None, session=session, expected_version=session.version)


def test_open_actions_are_the_open_in_progress_and_blocked_ones():
    session = make_session()
    for status in ["open", "in_progress", "done", "cancelled"]:
        action = make_action(session)
        if status != "open":
            services.action_status_import(user=None, action=action, status=status)
    blocked = make_action(session)
    services.action_status_import(user=None, action=blocked, status="blocked", reason="Waiting")
    assert Action.objects.open().count() == 3
