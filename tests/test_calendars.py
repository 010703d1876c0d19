"""Calendar files: the session invitation, and the personal feed behind a secret address."""

import datetime as dt
import zoneinfo

import pytest
from icalendar import Calendar

from readiness import services
from readiness.models import Decision, Event, UserSettings
from tests.factories import make_action, make_decision, make_session

SAO_PAULO = zoneinfo.ZoneInfo("America/Sao_Paulo")
HX = {"HX-Request": "true"}


@pytest.fixture
def session(facilitator):
    session = make_session(
        facilitator=facilitator.person,
        scheduled_at=dt.datetime(2024, 7, 15, 14, 0, tzinfo=SAO_PAULO),
    )
    services.agenda_item_add(user=None, session=session, title="QA metrics", time_box_minutes=20)
    services.agenda_item_add(user=None, session=session, title="FinOps", time_box_minutes=25)
    return session


def events_of(body: bytes):
    return list(Calendar.from_ical(body).walk("VEVENT"))


def test_the_invite_is_the_session_in_its_time_zone_with_the_agenda(client, manager, session):
    client.force_login(manager)
    response = client.get(f"{session.get_absolute_url()}invite.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar"
    calendar = Calendar.from_ical(response.content)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/Sao_Paulo"]
    (event,) = events_of(response.content)
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == dt.datetime(2024, 7, 15, 14, 0, tzinfo=SAO_PAULO)
    assert str(start.tzinfo) == "America/Sao_Paulo"
    assert event["DTSTART"].params["TZID"] == "America/Sao_Paulo"
    assert end - start == dt.timedelta(minutes=45)
    description = str(event["DESCRIPTION"])
    assert "1. QA metrics (20 min)" in description and "2. FinOps (25 min)" in description


def test_the_invite_answers_login_405_and_404(client, manager, session):
    url = f"{session.get_absolute_url()}invite.ics"
    assert client.get(url).status_code == 302
    client.force_login(manager)
    assert client.post(url).status_code == 405
    assert (
        client.get(f"/releases/{session.release.slug}/sessions/99999/invite.ics").status_code
        == 404
    )


def make_feed(client, user) -> str:
    client.force_login(user)
    response = client.post("/settings/feed/", headers=HX)
    assert response.status_code == 200
    url = response.text.split('id="feed-url">')[1].split("<")[0]
    client.logout()
    return url.removeprefix("http://testserver")


def test_the_feed_lists_the_due_dates_without_a_login(client, owner, facilitator, session):
    make_action(session, code="A1", owner=owner.person, due_date=dt.date(2024, 7, 16))
    deadline = dt.datetime(2024, 7, 16, 9, 30, tzinfo=SAO_PAULO)
    make_decision(
        session,
        Decision.Outcome.CONDITIONAL_GO,
        conditions=[
            services.ConditionSpec(text="BILL-230", owner=owner.person, deadline=deadline)
        ],
    )
    url = make_feed(client, owner)
    assert url.startswith("/me/feed/") and url.endswith(".ics")
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "text/calendar"
    calendar = Calendar.from_ical(response.content)
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    action = events["Action due: A1: Re-run the k6 script and attach the results."]
    assert action.decoded("DTSTART") == dt.date(2024, 7, 16)
    condition = events["Condition deadline: BILL-230"]
    assert condition.decoded("DTSTART") == deadline
    assert condition["DTSTART"].params["TZID"] == "America/Sao_Paulo"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/Sao_Paulo"]


def test_the_feed_lists_a_facilitators_reviews(client, facilitator, session):
    make_decision(session, Decision.Outcome.GO, review_on=dt.date(2024, 8, 1))
    url = make_feed(client, facilitator)
    (event,) = events_of(client.get(url).content)
    assert str(event["SUMMARY"]).startswith("Post-go-live review")
    assert event.decoded("DTSTART") == dt.date(2024, 8, 1)


def test_a_wrong_or_regenerated_token_gives_404(client, owner):
    old = make_feed(client, owner)
    assert client.get(old).status_code == 200
    assert client.get("/me/feed/not-the-token.ics").status_code == 404
    new = make_feed(client, owner)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_only_the_tokens_hash_is_stored(client, owner):
    url = make_feed(client, owner)
    token = url.removeprefix("/me/feed/").removesuffix(".ics")
    assert len(token) >= 40
    stored = UserSettings.objects.get(user=owner)
    assert stored.feed_token_hash == services.secret_hash(token)
    assert token not in str(list(Event.objects.values_list("before", "after")))


def test_an_inactive_users_feed_is_gone(client, owner):
    url = make_feed(client, owner)
    owner.is_active = False
    owner.save()
    assert client.get(url).status_code == 404


def test_the_feed_refuses_post(client, owner):
    url = make_feed(client, owner)
    assert client.post(url).status_code == 405
