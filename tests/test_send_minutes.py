"""Sending the minutes says who got them and who has no address; a notice that could not
be sent is never logged as sent."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from readiness import notifications, services
from readiness.models import Decision, Event
from tests.factories import make_decision, make_person, make_session

HX = {"HX-Request": "true"}


@pytest.fixture
def closed(facilitator):
    """A closed session: Ana has an address, Bruno none, Carla one through her login."""
    session = make_session(facilitator=facilitator.person)
    ana = make_person("Ana Souza")
    services.person_update(
        user=None, person=ana, expected_version=None, name=ana.name, email="ana@example.com"
    )
    carla = make_person("Carla Reis")
    login = get_user_model().objects.create_user("carla", email="carla@example.com")
    services.person_link_user(user=None, person=carla, login=login)
    for person in (ana, make_person("Bruno Costa"), carla):
        services.participant_add(user=None, session=session, person=person)
    services.session_close(user=None, session=session, expected_version=None)
    return session


def _send_url(session):
    return reverse("sessions:minutes_send", args=[session.release.slug, session.pk])


def test_send_minutes_says_who_got_them_and_who_has_no_address(
    client, facilitator, closed, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_send_url(closed), follow=True)
    body = response.content.decode()
    assert "The minutes are being sent to Ana Souza &lt;ana@example.com&gt;" in body
    assert "Carla Reis &lt;carla@example.com&gt;" in body
    assert "No e-mail address, not sent: Bruno Costa." in body
    assert sorted(m.to[0] for m in mailoutbox) == ["ana@example.com", "carla@example.com"]
    event = Event.objects.get(verb=Event.Verb.SESSION_MINUTES_SENT)
    assert event.after == {
        "sent_to": ["Ana Souza <ana@example.com>", "Carla Reis <carla@example.com>"],
        "no_address": ["Bruno Costa"],
    }
    assert "not sent, no address: Bruno Costa" in event.delivery
    # The timeline tells it too.
    assert "not sent, no address: Bruno Costa" in body


def test_send_minutes_answers_htmx_with_the_header_and_its_notice(client, facilitator, closed):
    client.force_login(facilitator)
    response = client.post(_send_url(closed), headers=HX)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="minutes-sent"' in body and "Bruno Costa" in body


def test_minutes_nobody_can_receive_are_not_reported_as_sent(
    client, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    session = make_session(facilitator=facilitator.person)
    services.participant_add(user=None, session=session, person=make_person("Bruno Costa"))
    services.session_close(user=None, session=session, expected_version=None)
    client.force_login(facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        body = client.post(_send_url(session), follow=True).content.decode()
    assert "The minutes were not sent: no participant has an e-mail address." in body
    assert mailoutbox == []
    assert not Event.objects.filter(verb=Event.Verb.SESSION_MINUTES_SENT).exists()
    event = Event.objects.get(verb=Event.Verb.SESSION_MINUTES_UNSENT)
    assert event.after == {"sent_to": [], "no_address": ["Bruno Costa"]}
    assert not event.is_addendum


def test_send_minutes_is_refused_before_the_session_closes(client, facilitator):
    session = make_session(facilitator=facilitator.person)
    client.force_login(facilitator)
    response = client.post(_send_url(session))
    assert response.status_code == 422
    assert not Event.objects.filter(verb__startswith="session.minutes").exists()


def _expired(session):
    decision = make_decision(
        session,
        Decision.Outcome.CONDITIONAL_GO,
        conditions=[
            services.ConditionSpec(
                text="Run BILL-230", deadline=timezone.now() - dt.timedelta(hours=1)
            )
        ],
    )
    return decision.conditions.get()


def test_an_expired_condition_nobody_can_be_told_of_is_logged_as_not_sent(
    facilitator, session, mailoutbox, django_capture_on_commit_callbacks
):
    """Neither the facilitator nor anyone in the facilitators group has an address."""
    condition = _expired(session)
    with django_capture_on_commit_callbacks(execute=True):
        services.release_gate_check(release=session.release)
    assert mailoutbox == []
    assert not Event.objects.filter(verb=Event.Verb.CONDITION_EXPIRY_NOTIFIED).exists()
    event = Event.objects.get(verb=Event.Verb.CONDITION_EXPIRY_UNSENT, subject_id=condition.pk)
    assert event.after["no_address"] == ["Fay Facilitator"]
    assert event.delivery == "not sent, no address: Fay Facilitator"
    assert "told" not in event.verb_label
    condition.refresh_from_db()
    assert condition.expiry_notified_at is not None  # asked once, not at every poll


def test_an_expired_condition_notice_says_whom_it_went_to(
    facilitator, session, mailoutbox, django_capture_on_commit_callbacks
):
    facilitator.email = "fay@example.com"
    facilitator.save()
    condition = _expired(session)
    with django_capture_on_commit_callbacks(execute=True):
        services.release_gate_check(release=session.release)
    assert [m.to for m in mailoutbox] == [["fay@example.com"]]
    event = Event.objects.get(verb=Event.Verb.CONDITION_EXPIRY_NOTIFIED, subject_id=condition.pk)
    assert event.after["sent_to"] == ["fay@example.com"]
    assert not Event.objects.filter(verb=Event.Verb.CONDITION_EXPIRY_FAILED).exists()


def test_an_expired_condition_notice_that_fails_to_leave_is_logged_as_failed(
    facilitator, session, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    facilitator.email = "fay@example.com"
    facilitator.save()
    condition = _expired(session)

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr(notifications, "send_mail", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        services.release_gate_check(release=session.release)
    assert mailoutbox == []
    failed = Event.objects.get(verb=Event.Verb.CONDITION_EXPIRY_FAILED, subject_id=condition.pk)
    assert failed.after == {"failed": ["fay@example.com"]}
    assert failed.delivery == "sending failed: fay@example.com"
