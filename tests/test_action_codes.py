"""Action codes name one action in the whole release: the database holds them to it, the
page suggests the next free one across the release's sessions, and a code can be changed."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from readiness import services
from readiness.models import Action, Event
from tests.factories import make_action, make_person, make_release, make_session

HX = {"HX-Request": "true"}
SAO_PAULO = zoneinfo.ZoneInfo("America/Sao_Paulo")


@pytest.fixture
def two_sessions(facilitator):
    release = make_release("Payments Ledger")
    first = make_session(release, facilitator=facilitator.person)
    second = make_session(
        release,
        facilitator=facilitator.person,
        scheduled_at=dt.datetime(2024, 7, 18, 14, 0, tzinfo=SAO_PAULO),
    )
    return first, second


def test_the_database_refuses_a_code_twice_in_one_release(two_sessions):
    first, second = two_sessions
    action = make_action(first, code="A1")
    duplicate = Action(
        session=second,
        release=second.release,
        code="A1",
        description="Again",
        owner=action.owner,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    assert Action.objects.filter(release=first.release).count() == 1


def test_the_same_code_is_free_in_another_release(two_sessions):
    first, _ = two_sessions
    make_action(first, code="A1")
    other = make_action(make_session(make_release("Other")), code="A1")
    assert other.release_id != first.release_id


def test_the_service_refuses_a_code_an_earlier_session_gave(two_sessions):
    first, second = two_sessions
    owner = make_action(first, code="A1").owner
    before = Event.objects.count()
    with pytest.raises(ValidationError, match="A1 is already used in this release"):
        make_action(second, code="a1", owner=owner)
    assert second.actions.count() == 0 and Event.objects.count() == before


def test_the_next_code_is_suggested_across_the_release(client, facilitator, two_sessions):
    first, second = two_sessions
    make_action(first, code="A1")
    make_action(first, code="A2")
    assert second.next_action_code == "A3"
    client.force_login(facilitator)
    page = client.get(second.get_workspace_url())
    assert 'value="A3"' in page.text


def test_it_changes_an_action_code(client, facilitator, two_sessions):
    _, second = two_sessions
    action = make_action(second, code="A1", owner=make_person("Ana Souza"))
    client.force_login(facilitator)
    response = client.post(
        f"{second.get_workspace_url()}actions/{action.pk}/edit",
        {
            "code": "a7",
            "description": action.description,
            "owner": "Ana Souza",
            "kind": "action",
            "version": action.version,
        },
        headers=HX,
    )
    assert response.status_code == 200
    assert f'id="action-{action.pk}"' in response.text and "A7" in response.text
    action.refresh_from_db()
    assert action.code == "A7"
    event = Event.objects.filter(verb=Event.Verb.ACTION_UPDATED, subject_id=action.pk).get()
    assert (event.before["code"], event.after["code"]) == ("A1", "A7")


def test_a_taken_code_is_refused_inline_and_nothing_changes(client, facilitator, two_sessions):
    first, second = two_sessions
    make_action(first, code="A1")
    action = make_action(second, code="A2", owner=make_person("Ana Souza"))
    client.force_login(facilitator)
    before = Event.objects.count()
    response = client.post(
        f"{second.get_workspace_url()}actions/{action.pk}/edit",
        {
            "code": "A1",
            "description": "Changed too",
            "owner": "Ana Souza",
            "kind": "action",
            "version": action.version,
        },
        headers=HX,
    )
    assert response.status_code == 422
    assert "A1 is already used in this release" in response.text
    assert 'value="Changed too"' in response.text or "Changed too" in response.text
    action.refresh_from_db()
    assert (action.code, action.description) != ("A1", "Changed too")
    assert action.code == "A2" and Event.objects.count() == before


def test_a_code_taken_in_a_race_is_refused_not_a_500(two_sessions, monkeypatch):
    """The check before the save passes (the other writer has not committed yet, as
    here where the check is skipped); the constraint settles it, with the same refusal."""
    from readiness.services import actions as action_services

    first, second = two_sessions
    action = make_action(second, code="A2")
    make_action(first, code="A1")
    monkeypatch.setattr(action_services, "_refuse_taken_code", lambda **kwargs: None)
    with pytest.raises(ValidationError) as caught:
        services.action_update(
            user=None,
            action=action,
            expected_version=action.version,
            description=action.description,
            owner=action.owner,
            due_date=None,
            kind="action",
            code="A1",
        )
    assert "code" in caught.value.message_dict
    action.refresh_from_db()
    assert action.code == "A2"


def test_a_blank_code_keeps_the_code(two_sessions):
    _, second = two_sessions
    action = make_action(second, code="A4")
    services.action_update(
        user=None,
        action=action,
        expected_version=action.version,
        description="Reworded",
        owner=action.owner,
        due_date=None,
        kind="action",
        code="",
    )
    action.refresh_from_db()
    assert (action.code, action.description) == ("A4", "Reworded")


def test_a_stale_code_change_is_a_409(client, facilitator, two_sessions):
    _, second = two_sessions
    action = make_action(second, code="A1", owner=make_person("Ana Souza"))
    client.force_login(facilitator)
    response = client.post(
        f"{second.get_workspace_url()}actions/{action.pk}/edit",
        {
            "code": "A5",
            "description": "x",
            "owner": "Ana Souza",
            "kind": "action",
            "version": action.version - 1 or 99,
        },
        headers=HX,
    )
    assert response.status_code == 409
    action.refresh_from_db()
    assert action.code == "A1"
