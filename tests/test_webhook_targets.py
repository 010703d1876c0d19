"""Webhooks reach public receivers only: refused at registration and again per connection.

Nothing here sends a packet anywhere: names are given addresses by the suite's stub
resolver (tests/conftest.py), and the one connection made goes to a receiver on loopback.
"""

import datetime as dt
import ipaddress

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from readiness import services, webhooks
from readiness.models import Decision, Event, Webhook, WebhookDelivery
from tests import conftest
from tests.factories import make_decision, make_release, make_session
from tests.test_webhooks import Receiver, receiver  # noqa: F401 - the fixture

INTERNAL = [
    "http://127.0.0.1:5432/",
    "http://127.1/",
    "http://[::1]:8301/",
    "http://10.0.0.8/hook",
    "http://172.16.3.4/hook",
    "http://192.168.1.20/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/hook",
    "http://[fd00::5]/hook",
    "http://224.0.0.1/hook",
    "http://0.0.0.0:8000/",
    "http://[::ffff:127.0.0.1]/hook",
    "http://240.0.0.1/hook",
    "http://100.64.0.1/hook",
]


@pytest.fixture
def no_private_networks(settings):
    """The production default: no private network is allowed."""
    settings.WEBHOOK_ALLOWED_NETWORKS = []


@pytest.fixture
def names(monkeypatch):
    """Give host names the addresses a test wants."""
    table = {}
    monkeypatch.setattr(conftest, "TEST_NAMES", table)
    return table


@pytest.mark.parametrize("url", INTERNAL)
def test_it_refuses_internal_addresses_at_registration(no_private_networks, url):
    with pytest.raises(ValidationError) as refused:
        webhooks.target_check(url)
    assert "internal" in str(refused.value) or "not a valid URL" in str(refused.value)


def test_it_refuses_a_name_that_resolves_to_an_internal_address(no_private_networks, names):
    names["hooks.corp.test"] = "10.1.2.3"
    with pytest.raises(ValidationError, match="internal"):
        webhooks.target_check("https://hooks.corp.test/readiness")


def test_it_accepts_a_public_receiver(no_private_networks, names, settings):
    names["hooks.partner.test"] = "8.8.4.4"
    webhooks.target_check("https://hooks.partner.test/readiness")  # no exception


def test_an_allowed_private_network_admits_its_receivers(settings, names):
    settings.WEBHOOK_ALLOWED_NETWORKS = [ipaddress.ip_network("10.1.0.0/16")]
    names["hooks.corp.test"] = "10.1.2.3"
    webhooks.target_check("https://hooks.corp.test/readiness")
    names["db.corp.test"] = "10.2.0.1"
    with pytest.raises(ValidationError, match="internal"):
        webhooks.target_check("https://db.corp.test/")


@pytest.mark.parametrize(
    "url, message",
    [
        ("http://[::1/x", "not a valid URL"),
        ("http://host.example.com:99999/", "not a valid URL"),
        ("http://user:secret@hooks.example.com/", "credentials"),
        ("http:///nohost", "http:// or https://"),
    ],
)
def test_it_refuses_malformed_urls_with_a_clear_message(url, message):
    with pytest.raises(ValidationError, match=message):
        webhooks.target_check(url)


def test_the_registration_page_refuses_an_internal_address_and_keeps_nothing(
    client, facilitator, no_private_networks
):
    client.force_login(facilitator)
    events_before = Event.objects.count()
    response = client.post(
        "/webhooks/create/",
        {"url": "http://169.254.169.254/latest/meta-data/", "events": ["action.done"]},
    )
    assert "internal" in response.text
    assert "field-error" in response.text
    assert not Webhook.objects.exists()
    assert Event.objects.count() == events_before


def test_it_checks_the_address_again_at_delivery(
    db,
    receiver,  # noqa: F811
    names,
    settings,
    django_capture_on_commit_callbacks,
):
    """A name registered while public, then pointed at an internal address, reaches nothing."""
    port = receiver.server_address[1]
    names["hooks.partner.test"] = "127.0.0.1"
    settings.WEBHOOK_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]
    webhooks_made = Webhook.objects.count()
    services.webhook_create(
        user=None, url=f"http://hooks.partner.test:{port}/hook", events=["decision.recorded"]
    )
    assert Webhook.objects.count() == webhooks_made + 1
    settings.WEBHOOK_ALLOWED_NETWORKS = []  # now 127.0.0.1 is internal, as in production
    session = make_session(make_release("Billing Gateway"))
    with django_capture_on_commit_callbacks(execute=True):
        make_decision(session, Decision.Outcome.GO)
    first = WebhookDelivery.objects.get(attempt=1)
    assert receiver.received == []
    assert first.delivered_at is None and first.status_code is None
    assert first.error.startswith("refused:")


def test_the_log_does_not_tell_a_closed_port_from_an_open_one(
    session_for_log, django_capture_on_commit_callbacks
):
    services.webhook_create(
        user=None, url="http://127.0.0.1:9/nobody-listens", events=["decision.recorded"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        make_decision(session_for_log, Decision.Outcome.GO)
    first = WebhookDelivery.objects.get(attempt=1)
    assert first.error == webhooks.COULD_NOT_CONNECT
    assert "refused" not in first.error.lower() and "9" not in first.error


@pytest.fixture
def session_for_log(db):
    return make_session(make_release("Checkout"))


def test_deliveries_ignore_proxies_from_the_environment(
    db,
    receiver,  # noqa: F811
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    """A proxy would connect on Readiness's behalf to wherever it is told, unchecked."""
    proxy = Receiver()
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.server_address[1]}")
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
    services.webhook_create(user=None, url=receiver.url, events=["decision.recorded"])
    session = make_session(make_release("Ledger"))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            make_decision(session, Decision.Outcome.GO)
    finally:
        proxy.server_close()
    assert len(receiver.received) == 1
    assert proxy.received == []


def test_a_standard_webhooks_receiver_verifies_every_attempt_with_one_id(
    db,
    receiver,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    import base64

    from standardwebhooks.webhooks import Webhook as StandardWebhook

    receiver.statuses = [500]
    hook = services.webhook_create(user=None, url=receiver.url, events=["decision.recorded"])
    session = make_session(make_release("Ledger"))
    with django_capture_on_commit_callbacks(execute=True):
        make_decision(session, Decision.Outcome.GO)
    webhooks.deliver_due(now=timezone.now() + dt.timedelta(hours=3))
    assert len(receiver.received) == 2
    verifier = StandardWebhook("whsec_" + base64.b64encode(hook.secret.encode()).decode())
    ids = set()
    for request in receiver.received:
        headers = {k.lower(): v for k, v in request["headers"].items()}
        payload = verifier.verify(request["body"], headers)
        assert payload["event"] == "decision.recorded"
        ids.add(headers["webhook-id"])
    assert len(ids) == 1  # a retry is the same message, so a receiver can drop duplicates
