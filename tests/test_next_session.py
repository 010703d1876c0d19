"""Scheduling the next session of a release offers what the previous one had: its
facilitator, time zone, members with their areas, observers and agenda; each can be
changed or left out."""

import datetime as dt
import zoneinfo

import pytest

from readiness import services
from readiness.models import Participant, Session
from tests.factories import make_person, make_release

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


@pytest.fixture
def previous(facilitator):
    release = make_release("Payments Ledger")
    session = services.session_schedule(
        user=None,
        release=release,
        scheduled_at=dt.datetime(2024, 7, 15, 10, 0, tzinfo=TOKYO),
        time_zone="Asia/Tokyo",
        facilitator=make_person("Marta Facilitadora"),
    )
    services.participant_add(
        user=None, session=session, person=make_person("Ana Souza"), area="QA"
    )
    services.participant_add(
        user=None, session=session, person=make_person("Bruno Lima"), area="FinOps"
    )
    services.participant_add(
        user=None,
        session=session,
        person=make_person("Olga Observer"),
        role=Participant.Role.OBSERVER,
    )
    services.agenda_item_add(user=None, session=session, title="QA sign-off", time_box_minutes=10)
    services.agenda_item_add(user=None, session=session, title="FinOps")
    return session


def _url(release):
    return f"/releases/{release.slug}/sessions/new/"


def _form_data(previous, **extra):
    data = {
        "previous": str(previous.pk),
        "title": "Go/No-Go 2",
        "date": "2024-07-18",
        "time": "10:00",
        "time_zone": "Asia/Tokyo",
        "facilitator": "Marta Facilitadora",
    }
    data.update(extra)
    return data


def _pk(previous, name):
    return previous.participants.get(person__name=name).pk


def test_the_form_offers_the_previous_sessions_people_and_agenda(client, facilitator, previous):
    client.force_login(facilitator)
    page = client.get(_url(previous.release))
    assert page.status_code == 200
    text = page.text
    assert 'value="Marta Facilitadora"' in text and 'value="Asia/Tokyo"' in text
    for name in ("Ana Souza", "Bruno Lima", "Olga Observer", "QA sign-off", "FinOps"):
        assert name in text
    assert text.count("checked") >= 5
    assert f'name="area_{_pk(previous, "Ana Souza")}"' in text and 'value="QA"' in text


def test_it_copies_what_is_ticked_with_the_areas_as_changed(client, facilitator, previous):
    client.force_login(facilitator)
    ana, bruno, olga = (_pk(previous, n) for n in ("Ana Souza", "Bruno Lima", "Olga Observer"))
    first, _second = previous.agenda_items.order_by("position").values_list("pk", flat=True)
    response = client.post(
        _url(previous.release),
        _form_data(
            previous,
            **{
                f"copy_participant_{ana}": "on",
                f"area_{ana}": "Security",
                f"copy_participant_{olga}": "on",
                f"area_{bruno}": "FinOps",
                f"copy_agenda_{first}": "on",
            },
        ),
    )
    assert response.status_code == 302
    new = Session.objects.exclude(pk=previous.pk).get()
    assert new.time_zone == "Asia/Tokyo" and new.facilitator.name == "Marta Facilitadora"
    assert sorted((p.person.name, p.area, p.role) for p in new.participants.all()) == [
        ("Ana Souza", "Security", "member"),
        ("Olga Observer", "", "observer"),
    ]
    assert [(i.title, i.time_box_minutes) for i in new.agenda_items.all()] == [("QA sign-off", 10)]
    # The previous session is as it was.
    assert previous.participants.get(pk=ana).area == "QA"


def test_unticking_everything_copies_nothing(client, facilitator, previous):
    client.force_login(facilitator)
    response = client.post(
        _url(previous.release), _form_data(previous, facilitator="", time_zone="UTC")
    )
    assert response.status_code == 302
    new = Session.objects.exclude(pk=previous.pk).get()
    assert new.participants.count() == 0 and new.agenda_items.count() == 0
    assert new.facilitator is None and new.time_zone == "UTC"


def test_a_first_session_is_offered_nothing(client, facilitator):
    release = make_release("Fresh")
    client.force_login(facilitator)
    page = client.get(_url(release))
    assert page.status_code == 200 and 'name="previous"' not in page.text


def test_a_refused_form_keeps_the_ticks(client, facilitator, previous):
    client.force_login(facilitator)
    ana = _pk(previous, "Ana Souza")
    response = client.post(
        _url(previous.release),
        _form_data(previous, date="", **{f"copy_participant_{ana}": "on", f"area_{ana}": "Sec"}),
    )
    assert response.status_code == 422
    assert 'value="Sec"' in response.text
    assert Session.objects.count() == 1


def test_the_service_refuses_to_carry_another_releases_people(previous):
    from django.core.exceptions import ValidationError

    other = make_release("Other")
    with pytest.raises(ValidationError):
        services.session_schedule_from_template(
            user=None,
            release=other,
            scheduled_at=dt.datetime(2024, 7, 18, 10, 0, tzinfo=TOKYO),
            time_zone="Asia/Tokyo",
            carried_participants=[(previous.participants.first(), "QA")],
        )
    assert not other.sessions.exists()


def test_only_facilitators_schedule(client, manager, previous):
    client.force_login(manager)
    assert client.get(_url(previous.release)).status_code == 403
    assert client.post(_url(previous.release), _form_data(previous)).status_code == 403
    assert Session.objects.count() == 1
