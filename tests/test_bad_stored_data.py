"""Pages render around data stored before today's input rules: a bad value shows as
"invalid", never as a 500, and `manage.py check_data` lists it.

The bad values are written straight into the database, as an older version (or a probe)
left them. They are the extremes Python can still read: year 9999 near its end, shown in a
zone ahead of UTC, overflows.
"""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from icalendar import Calendar

from readiness import services
from readiness.models import Action, Condition, Decision, Evidence, Release, Session
from tests.factories import make_action, make_decision, make_session

EDGE = dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC)
EARLY = dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.UTC)
HX = {"HX-Request": "true"}
AHEAD = "Etc/GMT-14"


@pytest.fixture
def bad(owner, facilitator):
    """A release whose window, session, deadline, action, evidence and title break the
    rules, the owner owing the condition and the action."""
    session = make_session(facilitator=facilitator.person)
    release = session.release
    decision = make_decision(
        session,
        Decision.Outcome.CONDITIONAL_GO,
        conditions=[services.ConditionSpec(text="Run BILL-230", owner=owner.person)],
    )
    action = make_action(session, code="A1", owner=owner.person)
    evidence = services.evidence_add(
        user=None, session=session, title="QA", location="https://ci.example.com/1"
    )
    Release.objects.filter(pk=release.pk).update(
        deploy_window_start=EDGE - dt.timedelta(hours=1), deploy_window_end=EDGE
    )
    Session.objects.filter(pk=session.pk).update(
        scheduled_at=EDGE, time_zone=AHEAD, title="Go\nNo-Go\x07", started_at=EARLY
    )
    Condition.objects.filter(decision=decision).update(deadline=EDGE)
    Action.objects.filter(pk=action.pk).update(due_date=dt.date(9999, 12, 31))
    Evidence.objects.filter(pk=evidence.pk).update(location="http://[::1/x")
    Decision.objects.filter(pk=decision.pk).update(review_on=dt.date(9999, 12, 31))
    return Session.objects.get(pk=session.pk)


@pytest.fixture
def unknown_zone(bad):
    Session.objects.filter(pk=bad.pk).update(time_zone="Mars/Olympus_Mons")
    return Session.objects.get(pk=bad.pk)


def _pages(session: Session) -> list[str]:
    slug = session.release.slug
    return [
        "/releases/",
        f"/releases/{slug}/",
        f"/releases/{slug}/dossier/",
        session.get_absolute_url(),
        f"{session.get_absolute_url()}invite.ics",
        f"/releases/{slug}/minutes.md",
        f"/releases/{slug}/minutes.json",
        "/releases/export.csv",
        "/actions/export.csv",
        "/insights/",
        "/api/releases",
        f"/api/releases/{slug}",
        f"/api/releases/{slug}/gate",
        f"/api/releases/{slug}/actions",
        f"/api/releases/{slug}/conditions",
    ]


def _content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("zone_case", ["ahead", "unknown"])
def test_every_page_that_shows_bad_values_renders(client, facilitator, request, zone_case):
    session = request.getfixturevalue("bad" if zone_case == "ahead" else "unknown_zone")
    client.force_login(facilitator)
    for url in _pages(session):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _content(response), url


def test_the_release_page_says_invalid_in_the_users_language(client, facilitator, bad):
    client.force_login(facilitator)
    response = client.get(f"/releases/{bad.release.slug}/")
    assert '<span class="invalid"' in response.text and ">invalid<" in response.text
    response = client.get(f"/releases/{bad.release.slug}/", HTTP_ACCEPT_LANGUAGE="pt-br")
    assert ">inválido<" in response.text


def test_a_broken_stored_link_is_shown_as_text_not_a_link(client, facilitator, bad):
    client.force_login(facilitator)
    response = client.get(bad.get_absolute_url())
    assert response.status_code == 200
    assert 'href="http://[::1/x"' not in response.text
    assert "http://[::1/x" in response.text


def test_an_unknown_zone_is_marked_invalid(client, facilitator, unknown_zone):
    client.force_login(facilitator)
    Session.objects.filter(pk=unknown_zone.pk).update(
        scheduled_at=dt.datetime(2024, 7, 15, 17, 0, tzinfo=dt.UTC)
    )
    response = client.get(f"/releases/{unknown_zone.release.slug}/")
    assert "invalid time zone" in response.text
    assert "15 Jul 2024, 17:00 UTC" in response.text


def test_the_owners_work_and_calendar_feed_render(client, owner, bad):
    client.force_login(owner)
    assert client.get("/me/").status_code == 200
    response = client.post("/settings/feed/", headers=HX)
    url = response.text.split('id="feed-url">')[1].split("<")[0]
    client.logout()
    response = client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    # The out-of-range due dates are left out; the calendar itself still loads.
    assert list(calendar.walk("VEVENT")) == []


def test_the_invite_of_a_session_out_of_range_is_an_empty_calendar(client, manager, bad):
    client.force_login(manager)
    response = client.get(f"{bad.get_absolute_url()}invite.ics")
    calendar = Calendar.from_ical(response.content)
    assert list(calendar.walk("VEVENT")) == []
    assert "\n" not in str(calendar["X-WR-CALNAME"])


def test_the_gate_answers_around_bad_values(client, manager, bad):
    client.force_login(manager)
    response = client.get(f"/api/releases/{bad.release.slug}/gate")
    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is False
    assert body["deploy_window"]["end"].startswith("9999-12-31T23:00")
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("gate", bad.release.slug, stdout=out)
    assert exit_.value.code == 1 and "NOT READY" in out.getvalue()


def test_the_reminders_run_around_bad_values(bad, owner, mailoutbox):
    call_command("send_reminders", stdout=io.StringIO())


# --- The data check -----------------------------------------------------------------------


def test_the_data_check_passes_clean_data(db, capsys):
    make_action(make_session(), code="A1")
    call_command("check_data")
    assert "passes" in capsys.readouterr().out


def test_the_data_check_lists_every_bad_value_and_exits_1(bad, capsys):
    with pytest.raises(CommandError) as error:
        call_command("check_data")
    assert error.value.returncode == 1
    lines = capsys.readouterr().out.splitlines()
    found = {tuple(line.split("\t")[:3]) for line in lines[1:]}
    release, session = bad.release, bad
    condition = Condition.objects.get()
    expected = {
        ("readiness.release", str(release.pk), "deploy_window_end"),
        ("readiness.session", str(session.pk), "scheduled_at"),
        ("readiness.session", str(session.pk), "started_at"),
        ("readiness.session", str(session.pk), "title"),
        ("readiness.condition", str(condition.pk), "deadline"),
        ("readiness.action", str(Action.objects.get().pk), "due_date"),
        ("readiness.evidence", str(Evidence.objects.get().pk), "location"),
        ("readiness.decision", str(Decision.objects.get().pk), "review_on"),
    }
    assert expected <= found, expected - found
    assert lines[0].split("\t") == ["model", "id", "field", "problem"]


def test_the_data_check_names_an_unknown_zone(unknown_zone, capsys):
    with pytest.raises(CommandError):
        call_command("check_data")
    out = capsys.readouterr().out
    assert f"readiness.session\t{unknown_zone.pk}\ttime_zone\tnot a known time zone" in out


def test_the_data_check_finds_a_value_python_cannot_read(db, capsys):
    """PostgreSQL keeps the probe's window (past year 9999 in UTC), which no query that
    reads it can load; the check asks the database instead, so it still names the row."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite cannot hold a time Python cannot read")
    release = make_session().release
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE readiness_release SET deploy_window_start = %s, deploy_window_end = %s "
            "WHERE id = %s",
            ["9999-12-31 22:00-12:00", "9999-12-31 23:00-12:00", release.pk],
        )
    with pytest.raises(CommandError):
        call_command("check_data")
    out = capsys.readouterr().out
    assert f"readiness.release\t{release.pk}\tdeploy_window_end\t" in out
    assert f"readiness.release\t{release.pk}\tdeploy_window_start\t" in out


def test_the_csv_leaves_out_control_characters_stored_before_the_rules(client, manager):
    release = make_session().release
    # Not NUL: PostgreSQL never stored that one.
    Release.objects.filter(pk=release.pk).update(name="Bell\x07 and\x1b escape")
    client.force_login(manager)
    response = client.get("/releases/export.csv")
    body = b"".join(response.streaming_content).decode()
    assert "Bell and escape" in body and "\x07" not in body and "\x1b" not in body
