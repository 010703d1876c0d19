"""When it happened: the real times of a session's start and end, of its decision and of an
action's completion, given by the facilitator or kept by the import."""

import datetime as dt
import json
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from readiness import services
from readiness.minutes.importer import import_minutes
from readiness.minutes.parser import parse_minutes
from readiness.models import Action, Decision, Event, Release, Session, local_today_by_zone
from readiness.reports.insights import conditional_gos, on_time_rates
from tests.factories import make_action
from tests.test_minutes_parser import SAMPLE_TEXT

SP = zoneinfo.ZoneInfo("America/Sao_Paulo")
HX = {"HX-Request": "true"}


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SP)


def _url(session, name, **more):
    return reverse(
        f"sessions:{name}", kwargs={"slug": session.release.slug, "pk": session.pk, **more}
    )


def _tomorrow_local() -> str:
    return (timezone.now().astimezone(SP) + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")


# --- Session start and end ----------------------------------------------------------------


def test_the_facilitator_gives_the_real_start_and_end(client, facilitator, session):
    client.force_login(facilitator)
    assert (
        client.post(_url(session, "start"), {"started_at": "2024-07-15T14:05"}).status_code == 302
    )
    assert (
        client.post(_url(session, "close"), {"closed_at": "2024-07-15T16:10"}).status_code == 302
    )
    session.refresh_from_db()
    assert session.started_at == local(2024, 7, 15, 14, 5)
    assert session.closed_at == local(2024, 7, 15, 16, 10)
    page = client.get(session.get_absolute_url()).content.decode()
    assert "15 Jul 2024, 14:05" in page and "15 Jul 2024, 16:10" in page
    dossier = client.get(reverse("releases:dossier", args=[session.release.slug])).text
    assert "15 Jul 2024, 14:05" in dossier and "15 Jul 2024, 16:10" in dossier


def test_without_a_time_the_start_is_now(client, facilitator, session):
    client.force_login(facilitator)
    before = timezone.now()
    client.post(_url(session, "start"), {"started_at": ""})
    session.refresh_from_db()
    assert before <= session.started_at <= timezone.now()


@pytest.mark.parametrize("htmx", [False, True])
def test_a_start_in_the_future_is_refused_inline_and_changes_nothing(
    client, facilitator, session, htmx
):
    client.force_login(facilitator)
    events = Event.objects.count()
    response = client.post(
        _url(session, "start"), {"started_at": _tomorrow_local()}, headers=HX if htmx else {}
    )
    assert response.status_code == 422
    assert "cannot be in the future" in response.content.decode()
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED and session.started_at is None
    assert Event.objects.count() == events


def test_a_start_outside_the_meetings_day_is_refused(client, facilitator, session):
    client.force_login(facilitator)
    # 2024-07-16 01:00 in São Paulo is still the 15th in UTC: the session's zone decides.
    response = client.post(_url(session, "start"), {"started_at": "2024-07-16T01:00"})
    assert response.status_code == 422
    assert "must fall on the meeting&#x27;s day, 15 Jul 2024" in response.content.decode()
    session.refresh_from_db()
    assert session.started_at is None


def test_an_end_before_the_start_is_refused(facilitator, session):
    services.session_start(
        user=facilitator, session=session, expected_version=None, started_at=local(2024, 7, 15, 14)
    )
    with pytest.raises(ValidationError, match="cannot end before it started"):
        services.session_close(
            user=facilitator,
            session=session,
            expected_version=None,
            closed_at=local(2024, 7, 15, 13),
        )
    session.refresh_from_db()
    assert session.status == Session.Status.IN_PROGRESS


def test_an_unreadable_time_is_refused(client, facilitator, session):
    client.force_login(facilitator)
    response = client.post(_url(session, "close"), {"closed_at": "yesterday-ish"})
    assert response.status_code == 422
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED


# --- The decision -------------------------------------------------------------------------


def _decision_data(recorded_at):
    return {
        "outcome": "go",
        "method": "consensus",
        "recorded_at": recorded_at,
        "conditions-TOTAL_FORMS": "0",
        "conditions-INITIAL_FORMS": "0",
    }


def test_the_decision_keeps_the_time_it_was_taken(client, facilitator, session):
    client.force_login(facilitator)
    response = client.post(_url(session, "decision_record"), _decision_data("2024-07-15T15:30"))
    assert response.status_code == 302
    assert Decision.objects.get(session=session).recorded_at == local(2024, 7, 15, 15, 30)


@pytest.mark.parametrize(
    ("given", "refusal"),
    [
        ("2024-07-14T15:30", "must fall on the meeting&#x27;s day"),
        (None, "cannot be in the future"),
    ],
)
def test_a_decision_time_in_the_future_or_on_another_day_is_refused(
    client, facilitator, session, given, refusal
):
    client.force_login(facilitator)
    response = client.post(
        _url(session, "decision_record"), _decision_data(given or _tomorrow_local())
    )
    assert response.status_code == 422
    assert refusal in response.content.decode()
    assert not Decision.objects.exists()


# --- An action's completion ---------------------------------------------------------------


def test_an_action_keeps_the_time_it_was_done(client, owner, session):
    action = make_action(session, code="A1", owner=owner.person)
    client.force_login(owner)
    response = client.post(
        _url(session, "action_status", item=action.pk),
        {"status": "done", "version": action.version, "completed_at": "2024-07-16T09:00"},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == Action.Status.DONE
    assert action.completed_at == local(2024, 7, 16, 9)


def test_a_completion_in_the_future_is_refused_on_the_page_and_in_the_api(client, owner, session):
    action = make_action(session, code="A1", owner=owner.person)
    client.force_login(owner)
    response = client.post(
        _url(session, "action_status", item=action.pk),
        {"status": "done", "version": action.version, "completed_at": _tomorrow_local()},
        headers=HX,
    )
    assert response.status_code == 422
    assert "cannot be in the future" in response.content.decode()
    token = services.api_token_create(user=owner, name="ci")[1]
    future = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    api = client.post(
        f"/api/actions/{action.pk}/status",
        json.dumps({"status": "done", "expected_version": action.version, "completed_at": future}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert api.status_code in (400, 422), api.content
    action.refresh_from_db()
    assert action.status == Action.Status.OPEN and action.completed_at is None


def test_the_api_takes_the_completion_time(client, owner, session):
    action = make_action(session, code="A1", owner=owner.person)
    token = services.api_token_create(user=owner, name="ci")[1]
    response = client.post(
        f"/api/actions/{action.pk}/status",
        json.dumps(
            {
                "status": "done",
                "expected_version": action.version,
                "completed_at": "2024-07-16T12:00:00Z",
            }
        ),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["completed_at"].startswith("2024-07-16T12:00:00")


def test_only_finished_work_takes_a_completion_time(owner, session):
    action = make_action(session, code="A1", owner=owner.person)
    with pytest.raises(ValidationError, match="Only finished work"):
        services.action_change_status(
            user=owner,
            action=action,
            status="in_progress",
            expected_version=action.version,
            completed_at=local(2024, 7, 16, 9),
        )


# --- Back-filled figures ------------------------------------------------------------------


def test_a_back_filled_meeting_reads_right_in_insights(facilitator, owner, session):
    """Worked out by hand, all times in São Paulo:

    The session of 15 Jul 2024 (release planned for that day, no deploy window) is recorded
    afterwards: a conditional GO decided on 15 Jul at 15:30, its one condition met on
    16 Jul at 15:30, so 1.0 day; the cut-off is the end of the planned date (16 Jul 00:00),
    so not in time. Actions due 16 Jul: A1 done 16 Jul 09:00 (on time), A2 done 17 Jul
    09:00 (late): 1 of 2, 50%. Stamped with the day the test runs instead, the days would be
    zero and no action on time.
    """
    services.participant_add(user=None, session=session, person=owner.person, area="QA")
    decision = services.decision_record_named(
        user=facilitator,
        session=session,
        outcome=Decision.Outcome.CONDITIONAL_GO,
        conditions=[services.NamedCondition(text="Run BILL-230", owner="Owen Owner")],
        recorded_at=dt.datetime(2024, 7, 15, 15, 30),  # as typed, in the session's zone
    )
    assert decision.recorded_at == local(2024, 7, 15, 15, 30)
    services.condition_satisfy(
        user=owner, condition=decision.conditions.get(), satisfied_at=local(2024, 7, 16, 15, 30)
    )
    for code, done_at in (("A1", local(2024, 7, 16, 9)), ("A2", local(2024, 7, 17, 9))):
        action = make_action(session, code=code, owner=owner.person, due_date=dt.date(2024, 7, 16))
        services.action_change_status(
            user=owner,
            action=action,
            status="done",
            expected_version=action.version,
            completed_at=done_at,
        )
    gos = conditional_gos(Release.objects.all())
    assert gos.days_to_last_condition == [1.0]
    assert (gos.in_time, gos.not_in_time) == (0, 1)
    rates = on_time_rates(Action.objects.with_area(), local_today_by_zone())
    assert [(r.label, r.on_time, r.settled, r.percent) for r in rates["owner"]] == [
        ("Owen Owner", 1, 2, 50)
    ]
    assert [(r.label, r.percent) for r in rates["area"]] == [("QA", 50)]


# --- Imported minutes ---------------------------------------------------------------------


def test_imported_minutes_keep_their_session_times(db, facilitator):
    """The sample, with A1 done and the condition's check met, as minutes written later
    would say: every time the import records is the meeting's, not the import's day."""
    text = SAMPLE_TEXT.replace(
        "*(Owner: Ana Souza – SRE Lead)*", "*(Owner: Ana Souza – SRE Lead; Status: concluída)*"
    )
    assert text != SAMPLE_TEXT
    import_minutes(parse_minutes(text), user=facilitator)
    session = Session.objects.get()
    held = session.scheduled_at
    assert held == local(2024, 7, 15, 14)
    assert session.closed_at == held
    assert session.decisions.get().recorded_at == held
    done = Action.objects.get(status=Action.Status.DONE)
    assert done.code == "A1" and done.completed_at == held
