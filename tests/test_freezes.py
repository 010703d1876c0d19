"""The freeze calendar: weekly and one-off windows, the gate's `freeze` kind, the release
page's warning, the ICS feed, and who may keep the calendar."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from icalendar import Calendar

from readiness import gate, services
from readiness.models import Decision, Event, Freeze
from tests.factories import default_team, make_decision, make_release, make_session

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
UTC = dt.UTC


def _weekend(**extra):
    fields = {
        "name": "Weekend freeze",
        "kind": Freeze.Kind.WEEKLY,
        "time_zone": "Europe/Berlin",
        "start_weekday": Freeze.Weekday.FRIDAY,
        "start_time": dt.time(18, 0),
        "end_weekday": Freeze.Weekday.MONDAY,
        "end_time": dt.time(8, 0),
    }
    return services.freeze_create(user=None, **{**fields, **extra})


def _once(start, end, name="Christmas", zone="Europe/Berlin"):
    return services.freeze_create(
        user=None, name=name, kind=Freeze.Kind.ONCE, time_zone=zone, starts_at=start, ends_at=end
    )


def _ready_release(**window):
    release = make_release("Billing Gateway", planned_date=dt.date(2026, 3, 27))
    if window:
        release = services.release_create(
            user=None, name="Windowed", planned_date=dt.date(2026, 3, 27), **window
        )
    make_decision(make_session(release), Decision.Outcome.GO)
    return release


# --- Weekly windows across daylight saving ------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("friday", "before_utc", "after_utc"),
    [
        # 2026: summer time starts Sunday 29 March; the window opens in winter time (UTC+1)
        # and closes in summer time (UTC+2).
        (dt.date(2026, 3, 27), dt.datetime(2026, 3, 27, 17, 0), dt.datetime(2026, 3, 30, 6, 0)),
        # Summer time ends Sunday 25 October: opens at UTC+2, closes at UTC+1.
        (dt.date(2026, 10, 23), dt.datetime(2026, 10, 23, 16, 0), dt.datetime(2026, 10, 26, 7, 0)),
    ],
)
def test_it_keeps_the_local_times_across_a_daylight_saving_change(friday, before_utc, after_utc):
    freeze = _weekend()
    monday = friday + dt.timedelta(days=3)
    ((start, end),) = freeze.occurrences(
        dt.datetime.combine(friday, dt.time(12), tzinfo=UTC),
        dt.datetime.combine(monday, dt.time(12), tzinfo=UTC),
    )
    assert (start.hour, start.minute, start.date()) == (18, 0, friday)
    assert (end.hour, end.minute, end.date()) == (8, 0, monday)
    assert start.astimezone(UTC) == before_utc.replace(tzinfo=UTC)
    assert end.astimezone(UTC) == after_utc.replace(tzinfo=UTC)
    # The length in real hours changes by the hour the clocks moved.
    assert (end.astimezone(UTC) - start.astimezone(UTC)) in (
        dt.timedelta(hours=61),
        dt.timedelta(hours=63),
    )


@pytest.mark.django_db
def test_the_weekends_before_and_after_a_change_keep_18_and_08_local():
    freeze = _weekend()
    windows = freeze.occurrences(
        dt.datetime(2026, 3, 16, 12, tzinfo=UTC), dt.datetime(2026, 4, 7, tzinfo=UTC)
    )
    assert [
        (s.date().isoformat(), s.strftime("%H:%M"), e.strftime("%H:%M")) for s, e in windows
    ] == [
        ("2026-03-20", "18:00", "08:00"),
        ("2026-03-27", "18:00", "08:00"),
        ("2026-04-03", "18:00", "08:00"),
    ]
    offsets = [s.utcoffset() for s, _e in windows]
    assert offsets == [dt.timedelta(hours=1), dt.timedelta(hours=1), dt.timedelta(hours=2)]


@pytest.mark.django_db
def test_the_gate_blocks_with_kind_freeze_and_says_when_it_ends():
    release = _ready_release()
    _weekend()
    # Saturday 28 March 2026, noon in Berlin: inside; the window ends Monday 08:00 CEST.
    inside = dt.datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN)
    result = gate.release_gate(release, now=inside)
    assert result.ready is False
    (blocker,) = result.blocking
    assert blocker.kind == gate.FREEZE
    assert blocker.detail["ends_at"] == "2026-03-30T08:00:00+02:00"
    assert blocker.detail["starts_at"] == "2026-03-27T18:00:00+01:00"
    assert "2026-03-30T08:00:00+02:00" in blocker.text
    data = result.as_dict()
    assert data["blocking"][0]["detail"]["freeze"] == "Weekend freeze"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("moment", "blocked"),
    [
        (dt.datetime(2026, 3, 27, 17, 59, tzinfo=BERLIN), False),  # a minute before
        (dt.datetime(2026, 3, 27, 18, 0, tzinfo=BERLIN), True),  # the start is inside
        (dt.datetime(2026, 3, 30, 7, 59, tzinfo=BERLIN), True),
        (dt.datetime(2026, 3, 30, 8, 0, tzinfo=BERLIN), False),  # the end is outside
        (dt.datetime(2026, 4, 1, 12, 0, tzinfo=BERLIN), False),  # mid-week
    ],
)
def test_the_gate_is_ready_outside_the_freeze(moment, blocked):
    release = _ready_release()
    _weekend()
    result = gate.release_gate(release, now=moment)
    assert result.ready is not blocked
    assert [b.kind for b in result.blocking] == (["freeze"] if blocked else [])


@pytest.mark.django_db
def test_a_one_off_freeze_blocks_between_its_two_moments():
    release = _ready_release()
    _once(dt.datetime(2026, 12, 24, 0, 0, tzinfo=BERLIN), dt.datetime(2027, 1, 2, tzinfo=BERLIN))
    during = gate.release_gate(release, now=dt.datetime(2026, 12, 31, 12, tzinfo=UTC))
    assert [b.kind for b in during.blocking] == ["freeze"]
    assert during.blocking[0].detail["ends_at"] == "2027-01-02T00:00:00+01:00"
    after = gate.release_gate(release, now=dt.datetime(2027, 1, 2, 0, 0, tzinfo=BERLIN))
    assert after.ready is True


# --- Validation -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": "Europe/Berlin\x00"}, "time_zone"),
        ({"ends_at": dt.datetime(2026, 12, 23, tzinfo=UTC)}, "ends_at"),
        ({"ends_at": dt.datetime(2026, 12, 24, tzinfo=UTC)}, "ends_at"),
        ({"starts_at": dt.datetime(1999, 12, 24, tzinfo=UTC)}, "starts_at"),
        ({"ends_at": dt.datetime(2101, 1, 2, tzinfo=UTC)}, "ends_at"),
        ({"name": "  "}, "name"),
        ({"kind": "monthly"}, "kind"),
    ],
)
def test_it_refuses_a_bad_freeze_and_writes_nothing(fields, field):
    data = {
        "name": "Christmas",
        "kind": Freeze.Kind.ONCE,
        "time_zone": "Europe/Berlin",
        "starts_at": dt.datetime(2026, 12, 24, tzinfo=UTC),
        "ends_at": dt.datetime(2027, 1, 2, tzinfo=UTC),
        **fields,
    }
    with pytest.raises(ValidationError) as error:
        services.freeze_create(user=None, **data)
    assert field in error.value.message_dict
    assert (
        not Freeze.objects.exists()
        and not Event.objects.filter(verb__startswith="freeze").exists()
    )


@pytest.mark.django_db
def test_a_weekly_freeze_needs_its_weekdays_and_times():
    with pytest.raises(ValidationError) as error:
        _weekend(end_time=None)
    assert "end_time" in error.value.message_dict


# --- Pages ----------------------------------------------------------------------------------


def _form(**extra):
    return {
        "name": "Weekend freeze",
        "kind": "weekly",
        "time_zone": "Europe/Berlin",
        "start_weekday": "4",
        "start_time": "18:00",
        "end_weekday": "0",
        "end_time": "08:00",
        **extra,
    }


def test_every_login_reads_the_calendar_and_only_facilitators_keep_it(client, any_role, request):
    _weekend()
    client.force_login(any_role)
    page = client.get("/freezes/")
    assert page.status_code == 200 and "Weekend freeze" in page.text
    keeps = any_role.username in ("facilitator", "admin")
    assert ('id="freeze-form"' in page.text) is keeps
    response = client.post("/freezes/create/", _form(name="Another"))
    assert response.status_code == (302 if keeps else 403)
    assert Freeze.objects.filter(name="Another").exists() is keeps


def test_a_visitor_is_sent_to_log_in(client, db):
    assert client.get("/freezes/").status_code == 302
    assert client.get("/freezes/feed.ics").status_code == 302


def test_it_creates_edits_and_removes_a_freeze_each_with_its_event(client, facilitator):
    client.force_login(facilitator)
    assert client.post("/freezes/create/", _form()).status_code == 302
    freeze = Freeze.objects.get()
    assert (freeze.start_time, freeze.end_weekday) == (dt.time(18), 0)
    assert client.get(f"/freezes/{freeze.pk}/edit/").status_code == 200
    response = client.post(f"/freezes/{freeze.pk}/edit/", _form(end_time="09:00", version="1"))
    assert response.status_code == 302
    freeze.refresh_from_db()
    assert (freeze.end_time, freeze.version) == (dt.time(9), 2)
    response = client.post(f"/freezes/{freeze.pk}/delete/", {"version": "2"})
    assert response.status_code == 302 and not Freeze.objects.exists()
    verbs = list(
        Event.objects.filter(subject_type="freeze").order_by("pk").values_list("verb", flat=True)
    )
    assert verbs == ["freeze.created", "freeze.updated", "freeze.deleted"]


def test_a_one_off_freeze_is_typed_in_its_own_zone(client, facilitator):
    client.force_login(facilitator)
    data = _form(kind="once", starts_at="2026-12-24T00:00", ends_at="2027-01-02T00:00")
    assert client.post("/freezes/create/", data).status_code == 302
    freeze = Freeze.objects.get()
    assert freeze.starts_at == dt.datetime(2026, 12, 23, 23, tzinfo=UTC)


def test_a_stale_edit_is_refused_with_409_and_keeps_the_input(client, facilitator):
    freeze = _weekend(team=default_team())  # the facilitator's team's: theirs to edit
    services.freeze_update(
        user=None, freeze=freeze, expected_version=1, **{**_fields(freeze), "name": "Theirs"}
    )
    client.force_login(facilitator)
    response = client.post(f"/freezes/{freeze.pk}/edit/", _form(name="Mine", version="1"))
    assert response.status_code == 409
    assert 'value="Mine"' in response.text
    assert Freeze.objects.get().name == "Theirs"
    stale = client.post(f"/freezes/{freeze.pk}/delete/", {"version": "1"})
    assert stale.status_code == 409 and Freeze.objects.exists()


def _fields(freeze):
    return {
        name: getattr(freeze, name)
        for name in (
            "name", "kind", "time_zone", "starts_at", "ends_at",
            "start_weekday", "start_time", "end_weekday", "end_time",
        )
    }  # fmt: skip


def test_an_invalid_form_answers_422_and_keeps_the_input(client, facilitator):
    client.force_login(facilitator)
    response = client.post("/freezes/create/", _form(time_zone="Mars/Olympus", name="Kept"))
    assert response.status_code == 422 and 'value="Kept"' in response.text
    htmx = client.post(
        "/freezes/create/", _form(kind="once", name="Kept"), headers={"HX-Request": "true"}
    )
    assert htmx.status_code == 422 and 'id="freeze-form"' in htmx.text
    assert "<html" not in htmx.text
    assert not Freeze.objects.exists()


def test_unknown_freezes_answer_404_and_gets_to_writes_405(client, facilitator):
    client.force_login(facilitator)
    assert client.get("/freezes/999/edit/").status_code == 404
    assert client.post("/freezes/999/delete/", {"version": "1"}).status_code == 404
    assert client.get("/freezes/create/").status_code == 405


def test_the_release_page_warns_when_its_window_overlaps_a_freeze(client, manager):
    release = services.release_create(
        user=None,
        name="Friday evening",
        planned_date=dt.date(2026, 3, 27),
        deploy_window_start=dt.datetime(2026, 3, 27, 17, 0, tzinfo=BERLIN),
        deploy_window_end=dt.datetime(2026, 3, 27, 19, 0, tzinfo=BERLIN),
    )
    quiet = services.release_create(
        user=None,
        name="Tuesday",
        planned_date=dt.date(2026, 3, 31),
        deploy_window_start=dt.datetime(2026, 3, 31, 10, 0, tzinfo=BERLIN),
        deploy_window_end=dt.datetime(2026, 3, 31, 11, 0, tzinfo=BERLIN),
    )
    _weekend()
    client.force_login(manager)
    page = client.get(release.get_absolute_url()).text
    warning = page.split('id="freeze-warning"', 1)[1].split("</div>", 1)[0]
    assert "Weekend freeze" in warning
    assert "18:00" in warning and "08:00" in warning
    assert 'id="freeze-warning"' not in client.get(quiet.get_absolute_url()).text


# --- The ICS feed ---------------------------------------------------------------------------


def test_the_feed_lists_weekly_freezes_as_rrules_and_one_off_ones_as_events(client, owner):
    _weekend()
    _once(dt.datetime(2026, 12, 24, tzinfo=BERLIN), dt.datetime(2027, 1, 2, tzinfo=BERLIN))
    _once(
        dt.datetime(2026, 6, 1, tzinfo=UTC), dt.datetime(2026, 6, 2, tzinfo=UTC), name="Q\r\nEnd"
    )
    client.force_login(owner)
    response = client.get("/freezes/feed.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    weekly = events["Deploy freeze: Weekend freeze"]
    assert weekly["rrule"]["FREQ"] == ["WEEKLY"]
    start, end = weekly.decoded("dtstart"), weekly.decoded("dtend")
    assert str(start.tzinfo) == "Europe/Berlin" and start.strftime("%a %H:%M") == "Fri 18:00"
    assert end.strftime("%a %H:%M") == "Mon 08:00"
    christmas = events["Deploy freeze: Christmas"]
    assert christmas.decoded("dtstart") == dt.datetime(2026, 12, 24, tzinfo=BERLIN)
    assert "rrule" not in christmas
    assert "Deploy freeze: Q End" in events  # no line break reaches the file
    assert calendar.walk("VTIMEZONE")


def test_the_feed_opens_with_the_persons_own_feed_token(client, owner):
    _weekend()
    token = services.feed_token_regenerate(user=owner)
    response = client.get(f"/freezes/feed/{token}.ics")
    assert response.status_code == 200 and b"Weekend freeze" in response.content
    assert client.get("/freezes/feed/not-a-token.ics").status_code == 404


# --- Query counts ---------------------------------------------------------------------------


def _count(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_calendar_makes_the_same_queries_for_2_and_40_freezes(
    client, facilitator, django_assert_max_num_queries
):
    for i in range(2):
        _weekend(name=f"Weekly {i}")
    client.force_login(facilitator)
    small = _count(client, "/freezes/")
    for i in range(38):
        _once(dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(2026, 1, 2, tzinfo=UTC), f"O{i}")
    with django_assert_max_num_queries(small):
        assert client.get("/freezes/").text.count('<th scope="row">') == 40


def test_the_release_page_makes_the_same_queries_for_1_and_30_freezes(
    client, manager, django_assert_max_num_queries
):
    release = services.release_create(
        user=None,
        name="Friday evening",
        planned_date=dt.date(2026, 3, 27),
        deploy_window_start=dt.datetime(2026, 3, 27, 17, 0, tzinfo=BERLIN),
        deploy_window_end=dt.datetime(2026, 3, 28, 19, 0, tzinfo=BERLIN),
    )
    make_decision(make_session(release), Decision.Outcome.GO)
    _weekend()
    client.force_login(manager)
    small = _count(client, release.get_absolute_url())
    for i in range(29):
        _weekend(name=f"Weekly {i}")
    with django_assert_max_num_queries(small):
        page = client.get(release.get_absolute_url()).text
    assert page.count("Weekly ") >= 29
