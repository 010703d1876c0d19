"""Approvers sign a GO off themselves: on the session page, on /me/, through the API and
from the e-mailed link; every refusal writes nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from readiness import services, signoff_mail
from readiness.models import Decision, Event, Policy, SignOff, WebhookEvent
from tests.factories import make_decision, make_person, make_release, make_session
from tests.helpers import snapshot

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def _login(django_user_model, name, **extra):
    return django_user_model.objects.create_user(
        username=name, password="x" * 20, email=f"{name}@example.com", **extra
    )


@pytest.fixture
def approvers(django_user_model, session):
    seats = {}
    for name, area in (("quinn", "QA"), ("sam", "Security")):
        user = _login(django_user_model, name)
        person = make_person(name.title(), user=user)
        seats[name] = (
            user,
            services.participant_add(user=None, session=session, person=person, area=area),
        )
    return seats


@pytest.fixture
def pending(session, approvers):
    """A GO awaiting QA's and Security's sign-off."""
    services.policy_update(
        user=None,
        release=session.release,
        expected_version=None,
        required_areas=["QA", "Security"],
        rule=Policy.Rule.AREAS,
        quorum=None,
    )
    return make_decision(session)


def _url(session, tail=""):
    return f"{session.get_workspace_url()}{tail}"


# --- The session page ----------------------------------------------------------------------


def test_it_shows_the_approver_their_form_and_the_count(client, session, approvers, pending):
    client.force_login(approvers["quinn"][0])
    page = client.get(_url(session)).text
    assert "Pending sign-off" in page
    assert "0 of 2 approvals" in page
    assert 'id="signoff-form"' in page
    assert 'id="proxy-form"' not in page


def test_it_records_a_sign_off_from_the_page_as_htmx(client, session, approvers, pending):
    client.force_login(approvers["quinn"][0])
    response = client.post(
        _url(session, "decision/signoff"),
        {"verdict": "approve", "comment": "E2E green"},
        headers=HX,
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="decision"')
    assert "1 of 2 approvals" in response.text
    assert 'id="signoff-form"' not in response.text
    signoff = SignOff.objects.get()
    assert (signoff.participant, signoff.comment) == (approvers["quinn"][1], "E2E green")
    assert signoff.recorded_by == approvers["quinn"][0]


def test_it_redirects_a_plain_post_and_brings_the_go_into_force(
    client, session, approvers, pending
):
    for name in ("quinn", "sam"):
        client.force_login(approvers[name][0])
        response = client.post(_url(session, "decision/signoff"), {"verdict": "approve"})
        assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.approval == Decision.Approval.SIGNED
    page = client.get(_url(session)).text
    assert "Signed off" in page and "2 of 2 approvals" in page


def test_it_refuses_a_bad_verdict_with_422_keeping_the_comment(
    client, session, approvers, pending
):
    client.force_login(approvers["quinn"][0])
    before = snapshot(pending)
    response = client.post(
        _url(session, "decision/signoff"), {"verdict": "maybe", "comment": "kept"}, headers=HX
    )
    assert response.status_code == 422
    assert "kept" in response.text
    before.assert_unchanged()


def test_it_refuses_someone_who_is_not_an_approver(client, session, owner, pending):
    client.force_login(owner)
    before = snapshot(pending)
    response = client.post(_url(session, "decision/signoff"), {"verdict": "approve"})
    assert response.status_code == 403
    before.assert_unchanged()


def test_it_lets_the_facilitator_sign_as_proxy_with_a_reason_only(
    client, session, facilitator, approvers, pending
):
    client.force_login(facilitator)
    page = client.get(_url(session)).text
    assert 'id="proxy-form"' in page
    seat = approvers["sam"][1]
    before = snapshot(pending)
    refused = client.post(
        _url(session, "decision/signoff"),
        {"participant": seat.pk, "verdict": "approve", "proxy_reason": ""},
        headers=HX,
    )
    assert refused.status_code == 422
    before.assert_unchanged()
    response = client.post(
        _url(session, "decision/signoff"),
        {"participant": seat.pk, "verdict": "approve", "proxy_reason": "Travelling, said yes"},
        headers=HX,
    )
    assert response.status_code == 200
    assert "as proxy: Travelling, said yes" in response.text
    signoff = SignOff.objects.get()
    assert signoff.recorded_by == facilitator and signoff.participant == seat


def test_it_refuses_a_proxy_from_someone_who_does_not_run_the_session(
    client, session, approvers, pending
):
    user, _seat = approvers["quinn"]
    client.force_login(user)
    before = snapshot(pending)
    response = client.post(
        _url(session, "decision/signoff"),
        {"participant": approvers["sam"][1].pk, "verdict": "approve", "proxy_reason": "x"},
    )
    assert response.status_code == 403
    before.assert_unchanged()


def test_it_answers_405_to_a_get_and_404_without_a_decision(client, facilitator, approvers):
    client.force_login(approvers["quinn"][0])
    session = approvers["quinn"][1].session
    assert client.get(_url(session, "decision/signoff")).status_code == 405
    assert (
        client.post(_url(session, "decision/signoff"), {"verdict": "approve"}).status_code == 404
    )


def test_it_shows_the_sign_offs_in_the_dossier_and_as_events(
    client, session, approvers, pending, manager
):
    services.signoff_record(
        user=approvers["sam"][0],
        decision=pending,
        participant=approvers["sam"][1],
        verdict="reject",
        comment="Pen test open",
    )
    client.force_login(manager)
    dossier = client.get(f"/releases/{session.release.slug}/dossier/").text
    assert "Pen test open" in dossier and "Rejected at sign-off" in dossier
    verbs = set(Event.objects.values_list("verb", flat=True))
    assert {Event.Verb.SIGNOFF_REJECTED, Event.Verb.DECISION_SIGNOFF_REJECTED} <= verbs
    for verb in (Event.Verb.SIGNOFF_REJECTED, Event.Verb.DECISION_IN_FORCE):
        assert str(Event.Verb(verb).label)


# --- /me/ ----------------------------------------------------------------------------------


def test_it_lists_what_awaits_the_approver_on_me_and_signs_from_there(client, approvers, pending):
    user = approvers["quinn"][0]
    client.force_login(user)
    page = client.get("/me/").text
    assert "Awaiting your sign-off" in page
    response = client.post(
        f"/me/signoffs/{pending.pk}", {"verdict": "approve", "comment": "ok"}, headers=HX
    )
    assert response.status_code == 200
    assert "Awaiting your sign-off" not in response.text
    assert SignOff.objects.get().participant == approvers["quinn"][1]


def test_it_refuses_a_second_sign_off_on_me_with_422(client, approvers, pending):
    client.force_login(approvers["quinn"][0])
    client.post(f"/me/signoffs/{pending.pk}", {"verdict": "abstain"})
    before = snapshot(pending)
    response = client.post(f"/me/signoffs/{pending.pk}", {"verdict": "approve"}, headers=HX)
    assert response.status_code == 422
    assert "already signed" in response.text
    before.assert_unchanged()


def _awaiting(django_user_model, name, count):
    user = _login(django_user_model, name)
    person = make_person(name.title(), user=user)
    for _ in range(count):
        session = make_session(make_release())
        services.participant_add(user=None, session=session, person=person, area="QA")
        make_decision(session)
    return user


def test_me_makes_the_same_queries_whatever_the_number_awaiting(
    client, django_user_model, django_assert_max_num_queries
):
    services.policy_update(
        user=None,
        release=None,
        expected_version=None,
        required_areas=["QA"],
        rule=Policy.Rule.AREAS,
        quorum=None,
    )
    small, large = (_awaiting(django_user_model, n, c) for n, c in (("ann", 2), ("bob", 20)))
    client.force_login(small)
    with CaptureQueriesContext(connection) as small_queries:
        assert client.get("/me/").text.count('action="/me/signoffs/') == 2
    client.force_login(large)
    with django_assert_max_num_queries(len(small_queries)):
        assert client.get("/me/").text.count('action="/me/signoffs/') == 20


def _signed_session(django_user_model, facilitator, count):
    session = make_session(facilitator=facilitator.person)
    users = []
    for i in range(count):
        user = _login(django_user_model, f"u{count}-{i}")
        users.append(user)
        person = make_person(f"U {count} {i}", user=user)
        services.participant_add(user=None, session=session, person=person, area="QA")
    services.policy_update(
        user=None,
        release=session.release,
        expected_version=None,
        required_areas=[],
        rule=Policy.Rule.QUORUM,
        quorum=count + 1,
    )
    decision = make_decision(session)
    for user, seat in zip(users, session.members, strict=True):
        services.signoff_record(user=user, decision=decision, participant=seat, verdict="approve")
    return session


def test_the_session_page_makes_the_same_queries_whatever_the_sign_offs(
    client, facilitator, django_user_model, django_assert_max_num_queries
):
    small = _signed_session(django_user_model, facilitator, 2)
    large = _signed_session(django_user_model, facilitator, 20)
    client.force_login(facilitator)
    with CaptureQueriesContext(connection) as small_queries:
        assert "2 of 3 approvals" in client.get(_url(small)).text
    with django_assert_max_num_queries(len(small_queries)):
        assert "20 of 21 approvals" in client.get(_url(large)).text


# --- The API ---------------------------------------------------------------------------------


def _bearer(user):
    return {"Authorization": f"Bearer {services.api_token_create(user=user, name='ci')[1]}"}


def test_it_signs_off_through_the_api(client, approvers, pending):
    user, seat = approvers["sam"]
    response = client.post(
        f"/api/decisions/{pending.pk}/signoffs",
        {"verdict": "approve", "comment": "Scan clean"},
        content_type="application/json",
        headers=_bearer(user),
    )
    assert response.status_code == 201, response.text
    data = response.json()
    assert data["approver"] == "Sam" and data["area"] == "Security"
    assert data["decision_approval"] == "pending"
    listed = client.get(f"/api/decisions/{pending.pk}/signoffs", headers=_bearer(user)).json()
    assert [s["verdict"] for s in listed] == ["approve"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"verdict": "maybe"}, 400),
        ({"verdict": "approve", "extra": 1}, 400),
        ({"verdict": "approve", "participant_id": 10**9}, 404),
    ],
)
def test_the_api_refuses_bad_input_writing_nothing(client, approvers, pending, body, status):
    headers = _bearer(approvers["sam"][0])
    before = snapshot(pending)
    response = client.post(
        f"/api/decisions/{pending.pk}/signoffs",
        body,
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    before.assert_unchanged()


def test_the_api_refuses_a_non_approver_and_a_second_sign_off(
    client, approvers, pending, owner, manager
):
    url = f"/api/decisions/{pending.pk}/signoffs"
    headers = [_bearer(owner), _bearer(manager)]
    sam = _bearer(approvers["sam"][0])
    before = snapshot(pending)
    for header in headers:
        response = client.post(
            url, {"verdict": "approve"}, content_type="application/json", headers=header
        )
        assert response.status_code == 403
    proxy = client.post(
        url,
        {"verdict": "approve", "participant_id": approvers["quinn"][1].pk, "proxy_reason": "x"},
        content_type="application/json",
        headers=sam,
    )
    assert proxy.status_code == 403
    before.assert_unchanged()
    assert (
        client.post(
            url, {"verdict": "abstain"}, content_type="application/json", headers=sam
        ).status_code
        == 201
    )
    again = client.post(url, {"verdict": "approve"}, content_type="application/json", headers=sam)
    assert again.status_code == 422
    assert SignOff.objects.count() == 1


def test_the_api_refuses_a_decision_not_pending_and_an_unknown_one(client, session, approvers):
    decision = make_decision(session)
    sam = _bearer(approvers["sam"][0])
    response = client.post(
        f"/api/decisions/{decision.pk}/signoffs",
        {"verdict": "approve"},
        content_type="application/json",
        headers=sam,
    )
    assert response.status_code == 422
    missing = client.post(
        "/api/decisions/999999/signoffs",
        {"verdict": "approve"},
        content_type="application/json",
        headers=sam,
    )
    assert missing.status_code == 404
    assert not SignOff.objects.exists()


def test_the_gate_answers_the_policy_and_the_signoff_blocker(client, approvers, pending, manager):
    slug = pending.session.release.slug
    data = client.get(f"/api/releases/{slug}/gate", headers=_bearer(manager)).json()
    assert data["ready"] is False
    assert [b["kind"] for b in data["blocking"]] == ["signoff"]
    assert data["policy"]["required_areas"] == ["QA", "Security"]


# --- The e-mailed link -------------------------------------------------------------------------


def _link(decision, seat):
    return f"/signoff/{signoff_mail.link_token(decision_id=decision.pk, participant_id=seat.pk)}/"


def test_it_mails_each_approver_a_link_that_signs_once(
    client, session, approvers, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "http://testserver"
    with django_capture_on_commit_callbacks(execute=True):
        services.policy_update(
            user=None,
            release=session.release,
            expected_version=None,
            required_areas=["QA", "Security"],
            rule=Policy.Rule.AREAS,
            quorum=None,
        )
        decision = make_decision(session)
    assert sorted(m.to[0] for m in mailoutbox) == ["quinn@example.com", "sam@example.com"]
    mail = next(m for m in mailoutbox if m.to == ["quinn@example.com"])
    link = next(w for w in mail.body.split() if "/signoff/" in w).removeprefix("http://testserver")
    client.force_login(approvers["quinn"][0])
    assert "You sign for QA" in client.get(link).text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link, {"verdict": "approve", "comment": "from the mail"})
    assert response.status_code == 302
    assert SignOff.objects.get().link_nonce
    before = snapshot(decision)
    again = client.post(link, {"verdict": "reject"})
    assert again.status_code == 410
    before.assert_unchanged()


def test_the_link_is_refused_to_another_login(client, approvers, pending):
    link = _link(pending, approvers["quinn"][1])
    client.force_login(approvers["sam"][0])
    before = snapshot(pending)
    assert client.get(link).status_code == 403
    assert client.post(link, {"verdict": "approve"}).status_code == 403
    before.assert_unchanged()


def test_the_link_needs_a_login(client, approvers, pending):
    response = client.get(_link(pending, approvers["quinn"][1]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_link_is_refused_when_altered_or_expired(client, approvers, pending, settings):
    client.force_login(approvers["quinn"][0])
    link = _link(pending, approvers["quinn"][1])
    before = snapshot(pending)
    assert client.post(link[:-3] + "xx/", {"verdict": "approve"}).status_code == 400
    settings.SIGNOFF_LINK_MAX_AGE = 60
    later = timezone.now() + dt.timedelta(minutes=5)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: later.timestamp())
        assert client.post(link, {"verdict": "approve"}).status_code == 410
    before.assert_unchanged()


def test_it_tells_webhooks_of_each_step(session, approvers, pending):
    from readiness.models import Webhook, WebhookDelivery

    Webhook.objects.create(url="https://hooks.example.com/x", events=list(WebhookEvent.values))
    for name in ("quinn", "sam"):
        user, seat = approvers[name]
        services.signoff_record(user=user, decision=pending, participant=seat, verdict="approve")
    events = list(WebhookDelivery.objects.values_list("event", flat=True))
    assert events.count(WebhookEvent.SIGNOFF_RECORDED) == 2
    assert WebhookEvent.DECISION_IN_FORCE in events
    payload = json.dumps(list(WebhookDelivery.objects.values_list("payload", flat=True)))
    assert "Security" in payload
