"""Webhooks: which events reach which URL, signed deliveries, retries, the log and pages."""

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from readiness import services, webhooks
from readiness.models import Action, Decision, Event, Webhook, WebhookDelivery, WebhookEvent
from tests.factories import (
    default_team,
    make_action,
    make_decision,
    make_person,
    make_release,
    make_session,
)
from tests.helpers import assert_sends_to_login, change_status, snapshot

ALL_EVENTS = list(WebhookEvent.values)


class Receiver(ThreadingHTTPServer):
    """A webhook receiver on 127.0.0.1 that answers the statuses it is given, then 200."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[dict] = []
        self.statuses: list[int] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append({"headers": dict(self.headers), "body": body})
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        self.send_response(status)
        if 300 <= status < 400:
            self.send_header("Location", "http://127.0.0.1:9/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def session(db):
    return make_session(make_release("Billing Gateway"))


def _hook(url, *, events=ALL_EVENTS, release=None, chat_format=False, team=None):
    return services.webhook_create(
        user=None, url=url, events=events, release=release, chat_format=chat_format, team=team
    )


def _later(hours=3):
    return timezone.now() + dt.timedelta(hours=hours)


# --- Signed deliveries --------------------------------------------------------------------


def test_it_posts_a_signed_event_the_receiver_can_verify(
    receiver, session, django_capture_on_commit_callbacks
):
    hook = _hook(receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        make_decision(session, Decision.Outcome.NO_GO, rationale="Performance is not there.")
    (request,) = receiver.received
    headers, body = request["headers"], request["body"]
    timestamp = headers["X-Readiness-Timestamp"]
    expected = hmac.new(hook.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    assert headers["X-Readiness-Signature"] == f"sha256={expected.hexdigest()}"
    assert webhooks.verify(hook.secret, timestamp, body, headers["X-Readiness-Signature"])
    assert not webhooks.verify("another secret", timestamp, body, headers["X-Readiness-Signature"])
    assert abs(int(timestamp) - timezone.now().timestamp()) < 60
    assert headers["X-Readiness-Event"] == "decision.recorded"
    assert headers["Content-Type"] == "application/json"
    payload = json.loads(body)
    assert payload["event"] == "decision.recorded"
    assert payload["release"]["slug"] == session.release.slug
    assert payload["data"]["decision"]["outcome"] == "no_go"
    assert payload["text"] == f"{session.release}: decision recorded: NO-GO."
    delivery = WebhookDelivery.objects.get()
    assert delivery.status_code == 200 and delivery.delivered_at is not None
    assert delivery.attempt == 1 and delivery.next_attempt_at is None


def test_it_sends_a_chat_line_to_a_chat_webhook(
    receiver, session, facilitator, django_capture_on_commit_callbacks
):
    _hook(receiver.url, chat_format=True)
    action = make_action(session, code="A3", owner=make_person("Lucas Azevedo"))
    with django_capture_on_commit_callbacks(execute=True):
        change_status(facilitator, action, Action.Status.DONE)
    (request,) = receiver.received
    assert json.loads(request["body"]) == {
        "text": f"{session.release}: action A3 done (Lucas Azevedo)."
    }


def test_it_never_puts_the_secret_in_the_log(db):
    hook = _hook("https://hooks.example.com/x")
    event = Event.objects.get(verb="webhook.created")
    assert "secret" not in event.after and hook.secret not in json.dumps(event.after)


# --- Which events go where ----------------------------------------------------------------


def test_it_sends_each_event_only_to_webhooks_that_want_it(
    receiver, session, django_capture_on_commit_callbacks
):
    other_release = make_release("Other")
    mine = _hook(receiver.url, events=["decision.recorded"], release=session.release)
    theirs = _hook(receiver.url, events=ALL_EVENTS, release=other_release)
    everything = _hook(receiver.url, events=ALL_EVENTS)
    deaf = _hook(receiver.url, events=["action.done"])
    with django_capture_on_commit_callbacks(execute=True):
        make_decision(session, Decision.Outcome.POSTPONED)
    assert set(WebhookDelivery.objects.values_list("webhook", flat=True)) == {
        mine.pk,
        everything.pk,
    }
    assert theirs.deliveries.count() == deaf.deliveries.count() == 0


def test_it_emits_every_event_from_the_services(
    receiver, session, facilitator, django_capture_on_commit_callbacks
):
    _hook(receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        decision = make_decision(session, Decision.Outcome.CONDITIONAL_GO)
    action = make_action(session, code="A1", due_date=None)
    with django_capture_on_commit_callbacks(execute=True):
        change_status(facilitator, action, Action.Status.BLOCKED, reason="Waiting on legal")
        services.condition_satisfy(user=None, condition=decision.conditions.get())
        change_status(facilitator, action, Action.Status.DONE)
    events = [json.loads(r["body"])["event"] for r in receiver.received]
    assert events == [
        "decision.recorded",
        "action.blocked",
        "condition.satisfied",
        "release.ready",
        "action.done",
    ]
    ready = json.loads(receiver.received[3]["body"])
    assert ready["data"]["gate"]["ready"] is True
    assert ready["text"] == f"{session.release} is ready to ship."
    blocked = json.loads(receiver.received[1]["body"])
    assert blocked["data"]["action"]["reason"] == "Waiting on legal"


def test_it_announces_ready_once(receiver, session, django_capture_on_commit_callbacks):
    _hook(receiver.url, events=["release.ready"])
    with django_capture_on_commit_callbacks(execute=True):
        make_decision(session, Decision.Outcome.GO)
        make_decision(session, Decision.Outcome.GO)  # still ready: no news
    assert len(receiver.received) == 1


def test_it_emits_from_api_writes_too(receiver, client, owner, django_capture_on_commit_callbacks):
    session = make_session()
    decision = make_decision(
        session,
        Decision.Outcome.CONDITIONAL_GO,
        conditions=[services.ConditionSpec(text="Run BILL-230", owner=owner.person)],
    )
    _hook(receiver.url, events=["condition.satisfied", "release.ready"])
    client.force_login(owner)
    condition = decision.conditions.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/conditions/{condition.pk}/satisfy",
            {"evidence_url": "https://ci.example.com/jobs/1"},
            content_type="application/json",
            headers={"If-Match": f'"v{condition.version}"'},
        )
    assert response.status_code == 200
    events = [json.loads(r["body"])["event"] for r in receiver.received]
    assert events == ["condition.satisfied", "release.ready"]


def test_it_sends_nothing_when_the_change_is_rolled_back(
    receiver, session, django_capture_on_commit_callbacks
):
    _hook(receiver.url)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        make_decision(session, Decision.Outcome.GO)
        raise RuntimeError
    assert receiver.received == [] and not WebhookDelivery.objects.exists()


# --- Failures and retries -----------------------------------------------------------------


def test_it_retries_after_a_failing_receiver_with_a_growing_delay(
    receiver, session, django_capture_on_commit_callbacks
):
    receiver.statuses = [500, 503]
    _hook(receiver.url, events=["decision.recorded"])
    with django_capture_on_commit_callbacks(execute=True):
        make_decision(session, Decision.Outcome.GO)
    first, retry = WebhookDelivery.objects.order_by("attempt")
    assert (
        first.status_code == 500
        and first.delivered_at is None
        and first.error == "HTTP 500 Internal Server Error"
    )
    assert retry.attempt == 2 and retry.attempted_at is None
    assert (
        dt.timedelta(seconds=50)
        < retry.next_attempt_at - timezone.now()
        <= dt.timedelta(minutes=1)
    )
    assert webhooks.deliver_due() == []  # not due yet
    call_command("deliver_webhooks")  # not due yet either
    webhooks.deliver_due(now=_later())
    third = WebhookDelivery.objects.get(attempt=3)
    assert third.next_attempt_at - timezone.now() > dt.timedelta(minutes=4)
    webhooks.deliver_due(now=_later())
    log = list(WebhookDelivery.objects.order_by("attempt").values_list("attempt", "status_code"))
    assert log == [(1, 500), (2, 503), (3, 200)]
    assert WebhookDelivery.objects.get(attempt=3).delivered_at is not None
    bodies = {r["body"] for r in receiver.received}
    assert len(receiver.received) == 3 and len(bodies) == 1  # the same event each time


def test_it_gives_up_after_five_attempts(receiver, session, django_capture_on_commit_callbacks):
    receiver.statuses = [500] * 10
    _hook(receiver.url, events=["decision.recorded"])
    with django_capture_on_commit_callbacks(execute=True):
        make_decision(session, Decision.Outcome.GO)
    for _ in range(6):
        webhooks.deliver_due(now=_later(hours=5))
    assert WebhookDelivery.objects.count() == WebhookDelivery.MAX_ATTEMPTS == 5
    assert len(receiver.received) == 5
    assert not WebhookDelivery.objects.filter(attempted_at__isnull=True).exists()


def test_it_logs_an_unreachable_receiver_without_failing_the_change(
    session, django_capture_on_commit_callbacks
):
    _hook("http://127.0.0.1:9/nobody-listens", events=["decision.recorded"])
    with django_capture_on_commit_callbacks(execute=True):
        decision = make_decision(session, Decision.Outcome.GO)
    assert Decision.objects.filter(pk=decision.pk).exists()
    first = WebhookDelivery.objects.get(attempt=1)
    assert first.status_code is None and first.error and first.attempted_at
    assert WebhookDelivery.objects.filter(attempt=2, attempted_at__isnull=True).exists()


def test_it_counts_a_redirect_as_a_failure(receiver, session, django_capture_on_commit_callbacks):
    receiver.statuses = [302]
    _hook(receiver.url, events=["decision.recorded"])
    with django_capture_on_commit_callbacks(execute=True):
        make_decision(session, Decision.Outcome.GO)
    first = WebhookDelivery.objects.get(attempt=1)
    assert first.status_code == 302 and first.delivered_at is None
    assert len(receiver.received) == 1


def test_it_sends_an_attempt_once_even_if_asked_twice(receiver, session):
    hook = _hook(receiver.url)
    delivery = WebhookDelivery.objects.create(
        webhook=hook,
        event="decision.recorded",
        payload={"text": "x"},
        next_attempt_at=timezone.now(),
    )
    assert webhooks.delivery_send(delivery_id=delivery.pk) is not None
    assert webhooks.delivery_send(delivery_id=delivery.pk) is None
    assert len(receiver.received) == 1


def test_it_sends_first_attempts_whose_task_was_lost(receiver, session, capsys):
    _hook(receiver.url, events=["decision.recorded"])
    make_decision(session, Decision.Outcome.GO)  # on_commit never runs in this test
    assert receiver.received == []
    call_command("deliver_webhooks")
    assert "1 attempt(s): 1 delivered, 0 failed." in capsys.readouterr().out
    assert len(receiver.received) == 1


# --- Pages --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "owner"])
def test_it_refuses_the_webhook_pages_to_people_who_do_not_facilitate(client, db, request, role):
    hook = _hook("https://hooks.example.com/x")
    client.force_login(request.getfixturevalue(role))
    assert client.get("/webhooks/").status_code == 403
    assert client.get(f"/webhooks/{hook.pk}/").status_code == 403
    assert client.post("/webhooks/create/", {"url": "https://x.example.com"}).status_code == 403
    assert client.post(f"/webhooks/{hook.pk}/delete/").status_code == 403
    assert Webhook.objects.count() == 1
    assert 'href="/webhooks/"' not in client.get("/releases/").text


def test_it_sends_anonymous_visitors_to_the_login_page(client, db):
    assert_sends_to_login(client.get("/webhooks/"))


@pytest.mark.parametrize("role", ["facilitator", "admin_user"])
def test_it_lists_webhooks_to_facilitators_and_admins(client, db, request, role):
    # The facilitator's team's webhook (a global one is the admins' alone).
    _hook("https://hooks.example.com/billing", events=["release.ready"], team=default_team())
    client.force_login(request.getfixturevalue(role))
    response = client.get("/webhooks/")
    assert response.status_code == 200
    assert "https://hooks.example.com/billing" in response.text
    assert "Release became ready" in response.text
    assert 'href="/webhooks/"' in response.text


def test_it_registers_a_webhook_and_shows_its_secret_once(client, facilitator, session):
    client.force_login(facilitator)
    response = client.post(
        "/webhooks/create/",
        {
            "url": "https://chat.example.com/billing-launch",
            "release": session.release.pk,
            "events": ["decision.recorded", "release.ready"],
            "chat_format": "on",
        },
    )
    hook = Webhook.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/webhooks/{hook.pk}/"
    assert hook.release == session.release and hook.chat_format
    assert hook.events == ["decision.recorded", "release.ready"] and hook.created_by == facilitator
    assert hook.secret in client.get(f"/webhooks/{hook.pk}/").text
    assert hook.secret not in client.get(f"/webhooks/{hook.pk}/").text


def test_it_registers_over_htmx_with_a_client_redirect(client, facilitator):
    client.force_login(facilitator)
    response = client.post(
        "/webhooks/create/",
        {"url": "https://x.example.com/h", "events": ["action.done"]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/webhooks/{Webhook.objects.get().pk}/"


@pytest.mark.parametrize(
    "url", ["ftp://files.example.com/hook", "javascript:alert(1)", "not a url"]
)
def test_it_accepts_only_http_urls(client, facilitator, url):
    client.force_login(facilitator)
    response = client.post("/webhooks/create/", {"url": url, "events": ["action.done"]})
    assert response.status_code == 422
    assert "field-error" in response.text
    assert not Webhook.objects.exists()
    with pytest.raises(Exception):  # noqa: B017 - the service refuses them too
        _hook(url)


def test_it_keeps_the_input_of_an_invalid_form_over_htmx(client, facilitator):
    client.force_login(facilitator)
    before = snapshot()
    response = client.post(
        "/webhooks/create/",
        {"url": "https://kept.example.com/h", "events": []},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    before.assert_unchanged()
    assert response.text.lstrip().startswith('<form id="webhook-form"')
    assert 'value="https://kept.example.com/h"' in response.text


def test_it_shows_every_attempt_with_its_response_code(
    client, facilitator, receiver, session, django_capture_on_commit_callbacks
):
    receiver.statuses = [500]
    hook = _hook(receiver.url, events=["decision.recorded"], team=default_team())
    with django_capture_on_commit_callbacks(execute=True):
        make_decision(session, Decision.Outcome.GO)
    webhooks.deliver_due(now=_later())
    client.force_login(facilitator)
    page = client.get(f"/webhooks/{hook.pk}/").text
    assert "<code>500</code>" in page and "<code>200</code>" in page
    assert "Failed" in page and "Delivered" in page and "HTTP 500" in page
    fragment = client.get(f"/webhooks/{hook.pk}/", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="delivery-log"')


def test_it_removes_a_webhook(client, facilitator):
    hook = _hook("https://hooks.example.com/x", team=default_team())
    client.force_login(facilitator)
    response = client.post(f"/webhooks/{hook.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/webhooks/"
    assert not Webhook.objects.exists()
    assert Event.objects.filter(verb="webhook.deleted").exists()


def test_it_answers_404_and_405(client, facilitator):
    client.force_login(facilitator)
    before = snapshot()
    assert client.get("/webhooks/999999/").status_code == 404
    assert client.post("/webhooks/999999/delete/").status_code == 404
    before.assert_unchanged()
    assert client.get("/webhooks/create/").status_code == 405
    assert client.post("/webhooks/").status_code == 405
