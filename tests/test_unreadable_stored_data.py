"""Pages render around dates and times PostgreSQL holds but Python cannot: past year 9999,
before year 1, or infinite, stored by an older version or by hand. They load as the edge
of Python's calendar (readiness/pgtypes.py), which the pages show as "invalid" and
`check_data` lists, like the other bad stored values of tests/test_bad_stored_data.py.
"""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from icalendar import Calendar

from readiness import services
from readiness.models import Action, Condition, Decision, Release, Session
from tests.factories import make_action, make_decision, make_session

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="only PostgreSQL stores a date Python cannot read; SQLite keeps what Python wrote",
)
HX = {"HX-Request": "true"}


def _store(sql: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def unreadable(owner, facilitator):
    """A release whose deploy window, session time, condition deadline and action due date
    are out of Python's reach, the owner owing the condition and the action."""
    session = make_session(facilitator=facilitator.person)
    decision = make_decision(
        session,
        Decision.Outcome.CONDITIONAL_GO,
        conditions=[services.ConditionSpec(text="Run BILL-230", owner=owner.person)],
    )
    action = make_action(session, code="A1", owner=owner.person)
    release = session.release
    _store(
        "UPDATE readiness_release SET deploy_window_start = '-infinity', "
        "deploy_window_end = '10000-01-01 00:00+00' WHERE id = %s",
        release.pk,
    )
    _store("UPDATE readiness_session SET scheduled_at = 'infinity' WHERE id = %s", session.pk)
    _store(
        "UPDATE readiness_condition SET deadline = '0044-03-15 12:00+00 BC' "
        "WHERE decision_id = %s",
        decision.pk,
    )
    _store("UPDATE readiness_action SET due_date = '10000-01-01' WHERE id = %s", action.pk)
    _store("UPDATE readiness_decision SET review_on = 'infinity' WHERE id = %s", decision.pk)
    return {
        "release": release,
        "session": session,
        "condition": Condition.objects.get(decision=decision),
        "action": action,
        "decision": decision,
    }


def test_they_load_as_the_edge_of_pythons_calendar(unreadable):
    release = Release.objects.get(pk=unreadable["release"].pk)
    assert release.deploy_window_start == dt.datetime.min.replace(tzinfo=dt.UTC)
    assert release.deploy_window_end == dt.datetime.max.replace(tzinfo=dt.UTC)
    session = Session.objects.get(pk=unreadable["session"].pk)
    assert session.scheduled_at == dt.datetime.max.replace(tzinfo=dt.UTC)
    assert Condition.objects.get().deadline == dt.datetime.min.replace(tzinfo=dt.UTC)
    assert Action.objects.get().due_date == dt.date.max
    assert Decision.objects.get().review_on == dt.date.max


def test_other_values_load_as_django_loads_them(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT '2024-07-15 14:00-03:00'::timestamptz, '2024-07-15'::date, "
            "'2024-07-15 14:00'::timestamp, NULL::timestamptz"
        )
        moment, day, naive, nothing = cursor.fetchone()
    assert moment == dt.datetime(2024, 7, 15, 17, 0, tzinfo=dt.UTC)
    assert moment.tzinfo is dt.UTC or moment.utcoffset() == dt.timedelta(0)
    assert day == dt.date(2024, 7, 15)
    assert naive == dt.datetime(2024, 7, 15, 14, 0) and naive.tzinfo is None
    assert nothing is None


def _pages(unreadable) -> list[str]:
    slug = unreadable["release"].slug
    session = unreadable["session"].get_absolute_url()
    return [f"/releases/{slug}/", session, f"/releases/{slug}/dossier/"]


def test_the_pages_render_and_say_invalid(client, facilitator, unreadable):
    client.force_login(facilitator)
    # The history shows none of those values, only the release.
    response = client.get("/releases/")
    assert response.status_code == 200
    assert unreadable["release"].name in response.text
    for url in _pages(unreadable):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<span class="invalid"' in response.text, url


def test_the_minutes_and_the_api_answer_around_them(client, facilitator, unreadable):
    client.force_login(facilitator)
    slug = unreadable["release"].slug
    for url in [f"/releases/{slug}/minutes.md", f"/releases/{slug}/minutes.json"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content, url
    response = client.get("/api/releases")
    assert response.status_code == 200
    (item,) = [r for r in response.json()["items"] if r["slug"] == slug]
    assert item["deploy_window"]["end"].startswith("9999-12-31T23:59:59")


def test_the_gate_answers_around_them(client, facilitator, unreadable):
    client.force_login(facilitator)
    response = client.get(f"/api/releases/{unreadable['release'].slug}/gate")
    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is False
    assert body["deploy_window"]["start"].startswith("0001-01-01T00:00")
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("gate", unreadable["release"].slug, stdout=out)
    assert exit_.value.code == 1 and "NOT READY" in out.getvalue()


def test_the_owners_work_and_calendar_feed_render(client, owner, unreadable):
    client.force_login(owner)
    response = client.get("/me/")
    assert response.status_code == 200
    assert '<span class="invalid"' in response.text
    response = client.post("/settings/feed/", headers=HX)
    url = response.text.split('id="feed-url">')[1].split("<")[0]
    client.logout()
    response = client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    assert list(calendar.walk("VEVENT")) == []  # out of range: left out


def test_the_data_check_lists_each_of_them_and_exits_1(unreadable, capsys):
    with pytest.raises(CommandError) as error:
        call_command("check_data")
    assert error.value.returncode == 1
    lines = capsys.readouterr().out.splitlines()
    found = {tuple(line.split("\t")[:3]) for line in lines[1:]}
    expected = {
        ("readiness.release", str(unreadable["release"].pk), "deploy_window_start"),
        ("readiness.release", str(unreadable["release"].pk), "deploy_window_end"),
        ("readiness.session", str(unreadable["session"].pk), "scheduled_at"),
        ("readiness.condition", str(unreadable["condition"].pk), "deadline"),
        ("readiness.action", str(unreadable["action"].pk), "due_date"),
        ("readiness.decision", str(unreadable["decision"].pk), "review_on"),
    }
    assert expected <= found, expected - found
