"""Telling webhooks when a write makes a release ready to ship."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from readiness import gate, webhooks
from readiness.models import (
    Release,
    WebhookEvent,
)


def _is_ready_if_heard(release: Release) -> bool | None:
    """Whether the release is ready now, when a webhook listens for it becoming ready."""
    listening = webhooks.hearing(release).values_list("events", flat=True)
    if not any(WebhookEvent.RELEASE_READY in events for events in listening):
        return None
    return gate.release_gate(release, now=timezone.now()).ready


def _announce_if_ready(*, release: Release, was_ready: bool | None) -> None:
    if was_ready is None or was_ready:
        return
    result = gate.release_gate(release, now=timezone.now())
    if result.ready:
        webhooks.emit(
            event=WebhookEvent.RELEASE_READY,
            release=release,
            data={"gate": result.as_dict()},
            text=_("%(release)s is ready to ship.") % {"release": release},
        )
