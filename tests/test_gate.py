"""The readiness rule, its side effect on expired conditions, and the `gate` command."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from readiness import gate, services
from readiness.models import Action, Decision, Event
from tests.factories import make_action, make_decision, make_person, make_release, make_session

NOW = dt.datetime(2024, 7, 15, 18, 0, tzinfo=dt.UTC)


def _gate(release, now=NOW):
    return gate.release_gate(release, now=now)


def _kinds(result):
    return [b.kind for b in result.blocking]


@pytest.fixture
def session(db):
    facilitator = services.person_get_or_create(
        user=None, name="Marina Lopes", email="marina@example.com"
    )
    return make_session(make_release("Billing Gateway"), facilitator=facilitator)


def _conditional(session, *deadlines):
    specs = [
        services.ConditionSpec(
            text=f"Condition {i}", reference=f"BILL-{230 + i}", owner=make_person(), deadline=d
        )
        for i, d in enumerate(deadlines)
    ]
    return make_decision(session, Decision.Outcome.CONDITIONAL_GO, conditions=specs)


# --- Outcomes -----------------------------------------------------------------------------


def test_it_answers_not_ready_for_an_undecided_release(session):
    result = _gate(session.release)
    assert not result.ready and result.outcome is None and result.decided_at is None
    assert _kinds(result) == ["decision"]
    assert "No decision" in result.blocking[0].text


def test_it_answers_ready_for_a_go(session):
    decision = make_decision(session, Decision.Outcome.GO)
    result = _gate(session.release)
    assert result.ready and result.blocking == ()
    assert result.outcome == "go" and result.decided_at == decision.recorded_at


@pytest.mark.parametrize(("outcome", "label"), [("no_go", "NO-GO"), ("postponed", "Postponed")])
def test_it_answers_not_ready_for_a_no_go_or_postponed_release(session, outcome, label):
    make_decision(session, outcome)
    result = _gate(session.release)
    assert not result.ready and result.outcome == outcome
    assert _kinds(result) == ["decision"]
    assert label in result.blocking[0].text
    assert result.blocking[0].owner == "Marina Lopes"


def test_it_blocks_a_conditional_go_on_each_unsatisfied_condition(session):
    decision = _conditional(session, None, None)
    first, second = decision.conditions.all()
    result = _gate(session.release)
    assert not result.ready and _kinds(result) == ["condition", "condition"]
    assert result.blocking[0].text == "Condition 0"
    assert result.blocking[0].reference == "BILL-230"
    assert result.blocking[0].owner == first.owner.name
    services.condition_satisfy(user=None, condition=first)
    assert [b.reference for b in _gate(session.release).blocking] == ["BILL-231"]
    services.condition_satisfy(user=None, condition=second)
    assert _gate(session.release).ready


def test_it_blocks_on_an_expired_condition_and_not_on_a_satisfied_one(session):
    decision = _conditional(session, NOW - dt.timedelta(hours=1), NOW - dt.timedelta(hours=1))
    first, second = decision.conditions.all()
    services.condition_satisfy(user=None, condition=second)
    result = _gate(session.release)
    assert _kinds(result) == ["expired_condition"]
    assert result.expired_conditions == (first,)


def test_it_counts_a_condition_as_pending_until_its_deadline(session):
    _conditional(session, NOW + dt.timedelta(minutes=1))
    assert _kinds(_gate(session.release)) == ["condition"]
    later = NOW + dt.timedelta(minutes=1)
    assert _kinds(_gate(session.release, now=later)) == ["expired_condition"]


def test_it_takes_the_latest_current_decision_across_sessions(session):
    make_decision(session, Decision.Outcome.NO_GO)
    second = make_session(session.release)
    make_decision(second, Decision.Outcome.GO)
    assert _gate(session.release).ready
    make_decision(session, Decision.Outcome.POSTPONED)  # recorded later, supersedes NO-GO
    result = _gate(session.release)
    assert not result.ready and result.outcome == "postponed"


def test_it_ignores_superseded_decisions(session):
    _conditional(session, None)
    make_decision(session, Decision.Outcome.GO)
    assert _gate(session.release).ready


# --- Actions ------------------------------------------------------------------------------


def _windowed_release(session):
    start = dt.datetime(2024, 7, 17, 22, 0, tzinfo=dt.UTC)  # 19:00 on the 17th in São Paulo
    release = session.release
    release.deploy_window_start, release.deploy_window_end = start, start + dt.timedelta(hours=2)
    release.save()
    return release


def test_it_blocks_on_open_actions_due_by_the_day_the_window_opens(session):
    release = _windowed_release(session)
    make_decision(session, Decision.Outcome.GO)
    # Only actions flagged "must be done before deploy" block (the unflagged warn).
    due = make_action(session, code="A1", due_date=dt.date(2024, 7, 17), before_deploy=True)
    make_action(session, code="A2", due_date=dt.date(2024, 7, 18), before_deploy=True)
    make_action(session, code="A3", due_date=None, before_deploy=True)
    monitoring = services.action_create(
        user=None,
        session=session,
        code="M1",
        description="Watch the dashboards.",
        owner=make_person(),
        due_date=dt.date(2024, 7, 16),
        kind=Action.Kind.MONITORING,
    )
    result = _gate(release)
    assert not result.ready
    assert [(b.kind, b.reference, b.owner) for b in result.blocking] == [
        ("action", "A1", due.owner.name)
    ]
    assert monitoring.code not in {b.reference for b in result.blocking}
    services.action_status_import(user=None, action=due, status=Action.Status.BLOCKED, reason="x")
    assert not _gate(release).ready
    services.action_status_import(user=None, action=due, status=Action.Status.DONE)
    assert _gate(release).ready


def test_it_judges_actions_against_the_planned_date_without_a_window(session):
    make_decision(session, Decision.Outcome.GO)
    planned = session.release.planned_date
    make_action(session, code="A1", due_date=planned, before_deploy=True)
    make_action(session, code="A2", due_date=planned + dt.timedelta(1), before_deploy=True)
    assert [b.reference for b in _gate(session.release).blocking] == ["A1"]


# --- The deploy window and the JSON -------------------------------------------------------


def test_it_says_whether_the_window_is_open(session):
    assert _gate(session.release).window_open is None
    release = _windowed_release(session)
    start, end = release.deploy_window_start, release.deploy_window_end
    assert _gate(release, now=start - dt.timedelta(seconds=1)).window_open is False
    assert _gate(release, now=start).window_open is True
    assert _gate(release, now=end).window_open is False


def test_it_answers_the_documented_json(session):
    _conditional(session, None)
    data = _gate(session.release).as_dict()
    assert set(data) == {
        "release",
        "ready",
        "outcome",
        "decided_at",
        "blocking",
        "warnings",
        "deploy_window",
        "window_open",
        "checked_at",
        "override",
        "policy",
    }
    assert data["release"] == session.release.slug
    assert data["outcome"] == "conditional_go"
    assert data["checked_at"] == NOW.isoformat()
    assert data["deploy_window"] == {"start": None, "end": None}
    assert set(data["blocking"][0]) == {"kind", "text", "reference", "owner", "detail"}


# --- Telling the facilitator --------------------------------------------------------------


def test_it_tells_the_facilitator_once_about_an_expired_condition(
    session, mailoutbox, django_capture_on_commit_callbacks
):
    decision = _conditional(session, timezone.now() - dt.timedelta(hours=1))
    condition = decision.conditions.get()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            result = services.release_gate_check(release=session.release)
        assert _kinds(result) == ["expired_condition"]
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["marina@example.com"]
    assert "Condition 0" in mailoutbox[0].body and "BILL-230" in mailoutbox[0].body
    condition.refresh_from_db()
    assert condition.expiry_notified_at is not None
    assert (
        Event.objects.filter(verb="condition.expiry_notified", subject_id=condition.pk).count()
        == 1
    )


def test_it_falls_back_to_the_facilitators_group_without_an_address(
    db, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    facilitator.email = "fay@example.com"
    facilitator.save()
    session = make_session()
    _conditional(session, timezone.now() - dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.release_gate_check(release=session.release)
    assert [m.to for m in mailoutbox] == [["fay@example.com"]]


def test_it_does_not_tell_anyone_about_conditions_still_in_time(
    session, mailoutbox, django_capture_on_commit_callbacks
):
    _conditional(session, timezone.now() + dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.release_gate_check(release=session.release)
    assert mailoutbox == []


# --- The command --------------------------------------------------------------------------


def test_it_exits_0_for_a_ready_release(session, capsys):
    make_decision(session, Decision.Outcome.GO)
    call_command("gate", session.release.slug)
    out = capsys.readouterr().out
    assert f"{session.release.slug}: READY" in out and "Decision: GO" in out


def test_it_exits_1_and_says_why_for_a_release_that_is_not_ready(session, capsys):
    _conditional(session, None)
    with pytest.raises(SystemExit) as exc:
        call_command("gate", session.release.slug)
    assert exc.value.code == 1
    out = capsys.readouterr().out
    assert "NOT READY" in out and "[condition] Condition 0 (BILL-230" in out


def test_it_exits_2_for_an_unknown_release(db):
    with pytest.raises(CommandError) as exc:
        call_command("gate", "1999-01-01-nothing")
    assert exc.value.returncode == 2


def test_it_prints_the_window_when_there_is_one(session, capsys):
    _windowed_release(session)
    make_decision(session, Decision.Outcome.GO)
    call_command("gate", session.release.slug)
    assert "Deploy window: 2024-07-17T22:00:00+00:00" in capsys.readouterr().out


def _decision_reads(release):
    """The gate of `release` loaded as the API loads it, and how many decision queries it
    made of its own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from readiness.models import Release

    loaded = Release.objects.for_gate().get(pk=release.pk)
    with CaptureQueriesContext(connection) as queries:
        result = _gate(loaded)
    asked = [q for q in queries if q["sql"].startswith('SELECT "readiness_decision"')]
    return result, len(asked)


def test_a_release_loaded_for_the_gate_says_which_decision_is_in_force(session):
    result, asked = _decision_reads(session.release)
    assert (result.outcome, asked) == (None, 0)  # undecided: nothing to read
    make_decision(session, Decision.Outcome.GO)
    result, asked = _decision_reads(session.release)
    assert (result.outcome, result.ready, asked) == (Decision.Outcome.GO, True, 1)
    # A later session's NO-GO is the one in force: the gate reads that one.
    later = make_session(session.release, scheduled_at=session.scheduled_at + dt.timedelta(1))
    make_decision(later, Decision.Outcome.NO_GO)
    result, asked = _decision_reads(session.release)
    assert (result.outcome, result.ready, asked) == (Decision.Outcome.NO_GO, False, 1)


def test_a_decision_superseded_after_the_release_was_loaded_is_not_the_gates(session):
    from readiness.models import Release

    make_decision(session, Decision.Outcome.GO)
    loaded = Release.objects.for_gate().get(pk=session.release.pk)
    make_decision(session, Decision.Outcome.NO_GO)  # recorded again, in the same session
    result = _gate(loaded)
    assert (result.outcome, result.ready) == (Decision.Outcome.NO_GO, False)
