"""Telling people a freeze is about to start over a release's deploy window: the release's
facilitators by e-mail and the webhooks by `freeze.starting`, once per freeze window and
release (a `FreezeNotice` row), from `manage.py notify_freezes`, which the scheduler runs."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from readiness import notifications, timefmt, webhooks
from readiness.models import Freeze, FreezeNotice, Release, WebhookEvent

logger = logging.getLogger(__name__)

# How long before a freeze starts its releases are told.
AHEAD = dt.timedelta(hours=24)


def _upcoming(now: dt.datetime) -> list[tuple[Freeze, dt.datetime, dt.datetime]]:
    """Every freeze window that starts within `AHEAD` of `now`."""
    return [
        (freeze, start, end)
        for freeze in Freeze.objects.order_by("pk")
        for start, end in freeze.occurrences(now, now + AHEAD)
        if now <= start < now + AHEAD
    ]


def _releases_in(start: dt.datetime, end: dt.datetime, freeze: Freeze) -> list[Release]:
    """Planned releases the freeze holds (every team's, or its own team's) whose deploy
    window overlaps [start, end)."""
    releases = Release.objects.all()
    if freeze.team_id is not None:
        releases = releases.filter(team_id=freeze.team_id)
    return list(
        releases.filter(status=Release.Status.PLANNED, deploy_window_start__lt=end)
        .filter(
            Q(deploy_window_end__gt=start)
            | Q(deploy_window_end__isnull=True, deploy_window_start__gte=start)
        )  # fmt: skip
        .order_by("pk")
    )


def _mail(release: Release, freeze: Freeze, start: dt.datetime, end: dt.datetime):
    def content() -> dict[str, Any]:
        tz = freeze.tzinfo
        when = f"{timefmt.moment_text(start, tz)} – {timefmt.moment_text(end, tz)}"
        return {
            "subject": _("A deploy freeze starts over the deploy window of %(release)s")
            % {"release": release},
            "intro": _(
                "The deploy freeze %(name)s (%(when)s) starts within a day, inside the deploy "
                "window of %(release)s: the gate will block it while the freeze is in force."
            )
            % {"name": freeze.name, "when": when, "release": release},
            "item": {
                "kind": "freeze",
                "title": freeze.name,
                "release": str(release),
                "session": "",
                "due": when,
                "url": notifications.absolute(release.get_absolute_url()),
            },
            "me_url": notifications.absolute(reverse("me:home")),
            "settings_url": notifications.absolute(reverse("settings:index")),
        }

    return [
        notifications.Mail(to, language, "notice", content)
        for to, language in notifications.release_facilitators(release)
    ]


def freeze_notices_send(*, now: dt.datetime | None = None) -> list[FreezeNotice]:
    """Tell each release with a window inside a freeze starting soon; the notices written."""
    now = now or timezone.now()
    written = []
    for freeze, start, end in _upcoming(now):
        for release in _releases_in(start, end, freeze):
            mails = _mail(release, freeze, start, end)
            try:
                with transaction.atomic():
                    notice = FreezeNotice.objects.create(
                        freeze=freeze,
                        release=release,
                        starts_at=start,
                        told=[mail.to for mail in mails],
                    )
                    webhooks.emit(
                        event=WebhookEvent.FREEZE_STARTING,
                        release=release,
                        data={
                            "freeze": freeze.name,
                            "starts_at": start.isoformat(),
                            "ends_at": end.isoformat(),
                        },
                        text=_("The deploy freeze %(name)s starts at %(start)s over %(release)s")
                        % {"name": freeze.name, "start": start.isoformat(), "release": release},
                    )
            except IntegrityError:
                continue  # told already, by an earlier run
            for mail in mails:
                notifications.mail_send(mail)
            written.append(notice)
    return written
