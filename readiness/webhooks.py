"""Webhooks: queue an event for every interested webhook, then POST it signed, with retries.

Services call `emit()` inside their transaction: the delivery rows commit with the change
(or vanish with it), and the sending is enqueued as a Django Task once the transaction has
committed, so a slow or failing receiver never fails the change that caused it. A failed
attempt schedules the next one with a growing delay; `manage.py deliver_webhooks`, run by a
scheduler, sends whatever is due, including attempts whose task was lost.

Each POST carries `X-Readiness-Timestamp` (Unix seconds) and
`X-Readiness-Signature: sha256=<hex>`, the HMAC-SHA256 of `<timestamp>.<body>` keyed with
the webhook's secret.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

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


def emit(*, event: str, release: Release, data: dict[str, Any], text: str) -> None:
    """Queue `event` for the release's webhooks and the global ones that subscribe to it.

    Call it inside the service's transaction; the sending starts after the commit.
    """
    webhooks = Webhook.objects.filter(Q(release=release) | Q(release__isnull=True))
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


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a failed delivery: the body and signature are for the registered URL."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


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
    status, error = None, ""
    try:
        status = _post(delivery.webhook.url, body, headers)
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        error = str(getattr(exc, "reason", exc)) or type(exc).__name__
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
