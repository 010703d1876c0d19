"""Webhooks: queue an event for every interested webhook, then POST it signed, with retries.

Services call `emit()` inside their transaction: the delivery rows commit with the change
(or vanish with it), and the sending is enqueued as a Django Task once the transaction has
committed, so a slow or failing receiver never fails the change that caused it. A failed
attempt schedules the next one with a growing delay; `manage.py deliver_webhooks`, run by a
scheduler, sends whatever is due, including attempts whose task was lost.

Each POST carries `X-Readiness-Timestamp` (Unix seconds) and
`X-Readiness-Signature: sha256=<hex>`, the HMAC-SHA256 of `<timestamp>.<body>` keyed with
the webhook's secret. The same POST is signed the Standard Webhooks way as well
(`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>` over
`<id>.<timestamp>.<body>`, keyed with the secret's UTF-8 bytes, i.e. the Standard Webhooks
secret `whsec_` + base64(secret)), so receivers built on that library verify it as is. The
id stays the same across the retries of one event, so a receiver can refuse a replay or a
duplicate.

A webhook may only point at a public address: loopback, private, link-local, multicast and
reserved addresses are refused when it is registered and again at every connection, after
the name is resolved, so that a name re-pointed at an internal address afterwards reaches
nothing. `WEBHOOK_ALLOWED_NETWORKS` lists the private networks an on-premises receiver may
use. Redirects are not followed and proxies from the environment are not used; the log
says "could not connect" without telling a closed port from an unreachable host.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from readiness.models import Release, Webhook, WebhookDelivery

logger = logging.getLogger(__name__)

# Delay before attempt 2, 3, 4 and 5.
RETRY_DELAYS = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
)
SIGNATURE_HEADER = "X-Readiness-Signature"
TIMESTAMP_HEADER = "X-Readiness-Timestamp"
EVENT_HEADER = "X-Readiness-Event"
DELIVERY_HEADER = "X-Readiness-Delivery"
ERROR_LENGTH = 1000


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` over `<timestamp>.<body>`: what a receiver recomputes to trust a POST."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def message_id(delivery: WebhookDelivery) -> str:
    """One id per event and webhook, the same for every retry of it."""
    payload = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(f"{delivery.webhook_id}:{payload}".encode()).hexdigest()
    return f"msg_{digest[:32]}"


def standard_sign(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    """The Standard Webhooks signature: `v1,<base64 HMAC-SHA256 of id.timestamp.body>`."""
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def hearing(release: Release):
    """The webhooks told about the release: its own, its team's and the global ones."""
    return Webhook.objects.filter(
        Q(release=release)
        | Q(release__isnull=True, team__isnull=True)
        | Q(release__isnull=True, team_id=release.team_id)
    )


def emit(*, event: str, release: Release, data: dict[str, Any], text: str) -> None:
    """Queue `event` for the webhooks that hear about the release (its own, its team's and
    the global ones) and subscribe to it.

    Call it inside the service's transaction; the sending starts after the commit.
    """
    webhooks = hearing(release)
    now = timezone.now()
    payload = {
        "event": event,
        "occurred_at": now.isoformat(),
        "release": {
            "slug": release.slug,
            "name": release.name,
            "planned_date": release.planned_date.isoformat(),
        },
        "data": data,
        "text": text,
    }
    deliveries = [
        WebhookDelivery(webhook=w, event=event, payload=payload, next_attempt_at=now)
        for w in webhooks
        if event in w.events
    ]
    if not deliveries:
        return
    WebhookDelivery.objects.bulk_create(deliveries)
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: _enqueue(ids))


def _enqueue(ids: list[int]) -> None:
    for delivery_id in ids:
        try:
            deliver.enqueue(delivery_id)
        except Exception:
            # The row stays due; `deliver_webhooks` picks it up.
            logger.exception("webhook delivery %s could not be enqueued", delivery_id)


@task
def deliver(delivery_id: int) -> None:
    delivery_send(delivery_id=delivery_id)


def body_for(delivery: WebhookDelivery) -> bytes:
    payload = delivery.payload
    if delivery.webhook.chat_format:
        payload = {"text": payload.get("text", "")}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


# --- Where a webhook may point ------------------------------------------------------------


class TargetRefused(OSError):
    """The receiver's address is not one Readiness may connect to (an OSError, so that a
    connection refused for it fails like any other that could not be made)."""


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def address_allowed(address: IPAddress) -> bool:
    """A public address, or one in a network the site explicitly allows."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in settings.WEBHOOK_ALLOWED_NETWORKS):
        return True
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
    )


def _getaddrinfo(host: str, port: int) -> list[tuple]:
    # One seam, so tests give names addresses without asking any resolver.
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


def _connect(sock: socket.socket, sockaddr: tuple) -> None:
    # The other seam: the test suite refuses here anything but loopback.
    sock.connect(sockaddr)


def resolve_allowed(host: str, port: int) -> list[tuple]:
    """The addresses `host` resolves to, all of them allowed, or TargetRefused."""
    try:
        found = _getaddrinfo(host, port)
    except (OSError, UnicodeError) as exc:
        raise TargetRefused(_("The receiver's host name could not be resolved.")) from exc
    if not found:
        raise TargetRefused(_("The receiver's host name could not be resolved."))
    for *_rest, sockaddr in found:
        if not address_allowed(ipaddress.ip_address(sockaddr[0].split("%", 1)[0])):
            raise TargetRefused(
                _(
                    "The receiver's address is internal (loopback, private, link-local or "
                    "reserved); webhooks only reach public addresses."
                )
            )
    return found


def target_check(url: str) -> None:
    """Refuse, with a message for the form, a URL a webhook may not point at."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValidationError({"url": _("This is not a valid URL.")}) from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError({"url": _("Give an http:// or https:// URL.")})
    if parts.username or parts.password:
        raise ValidationError({"url": _("Leave credentials out of the URL.")})
    try:
        resolve_allowed(parts.hostname, port or (443 if parts.scheme == "https" else 80))
    except TargetRefused as exc:
        raise ValidationError({"url": str(exc)}) from None


def _allowed_socket(host: str, port: int, timeout: float | None) -> socket.socket:
    """A connection to `host`, made only to an address checked just now."""
    last_error: OSError | None = None
    for family, kind, proto, _name, sockaddr in resolve_allowed(host, port):
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            _connect(sock, sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            last_error = exc
    raise last_error or OSError("no address")


class _CheckedHTTPConnection(http.client.HTTPConnection):
    def connect(self) -> None:
        self.sock = _allowed_socket(self.host, self.port, self.timeout)


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    def connect(self) -> None:
        sock = _allowed_socket(self.host, self.port, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _CheckedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_CheckedHTTPConnection, req)


class _CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_CheckedHTTPSConnection, req)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a failed delivery: the body and signature are for the registered URL."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), _CheckedHTTPHandler, _CheckedHTTPSHandler, _NoRedirect
)
COULD_NOT_CONNECT = "could not connect"


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT) as response:
        return response.status


def delivery_send(*, delivery_id: int) -> WebhookDelivery | None:
    """Make one attempt, if nobody else has claimed it; schedule the next when it fails."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, attempted_at__isnull=True, next_attempt_at__isnull=False
    ).update(attempted_at=now, next_attempt_at=None)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    body = body_for(delivery)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Readiness-Webhooks",
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.pk),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(delivery.webhook.secret, timestamp, body),
    }
    msg_id = message_id(delivery)
    headers["webhook-id"] = msg_id
    headers["webhook-timestamp"] = timestamp
    headers["webhook-signature"] = standard_sign(delivery.webhook.secret, msg_id, timestamp, body)
    status, error = None, ""
    try:
        status = _post(delivery.webhook.url, body, headers)
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        # Refused, reset, timed out or unreachable read the same: telling them apart would
        # map the receiver's network for whoever registered the URL.
        error = f"refused: {reason}" if isinstance(reason, TargetRefused) else COULD_NOT_CONNECT
    delivery.status_code = status
    delivery.error = error[:ERROR_LENGTH]
    if status is not None and 200 <= status < 300 and not error:
        delivery.delivered_at = timezone.now()
    elif not error:
        delivery.error = f"HTTP {status}"
    delivery.save(update_fields=["status_code", "error", "delivered_at"])
    if delivery.delivered_at is None:
        logger.warning(
            "webhook delivery %s (attempt %s) failed: %s",
            delivery.pk,
            delivery.attempt,
            delivery.error,
        )
        _schedule_retry(delivery)
    return delivery


def _schedule_retry(failed: WebhookDelivery) -> WebhookDelivery | None:
    if failed.attempt >= WebhookDelivery.MAX_ATTEMPTS:
        return None
    delay = RETRY_DELAYS[min(failed.attempt, len(RETRY_DELAYS)) - 1]
    return WebhookDelivery.objects.create(
        webhook=failed.webhook,
        event=failed.event,
        payload=failed.payload,
        attempt=failed.attempt + 1,
        next_attempt_at=timezone.now() + delay,
    )


def deliver_due(*, now: dt.datetime | None = None) -> list[WebhookDelivery]:
    """Send every attempt whose time has come; `manage.py deliver_webhooks` runs this."""
    due = WebhookDelivery.objects.due(now or timezone.now()).order_by("next_attempt_at", "pk")
    sent = []
    for delivery_id in due.values_list("pk", flat=True):
        delivery = delivery_send(delivery_id=delivery_id)
        if delivery is not None:
            sent.append(delivery)
    return sent
