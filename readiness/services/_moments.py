"""When something happened, as the facilitator gives it: now unless said otherwise.

A meeting recorded afterwards gives the real times of its start, end and decision, and of
an action's completion. None is ever in the future; the meeting's own records (its start,
its end, its decision) fall on the meeting's day in the session's time zone.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from readiness import bounds, timefmt
from readiness.models import Session


def recorded_moment(
    at: dt.datetime | None,
    *,
    session: Session,
    field: str,
    label: str,
    meeting_day: bool = True,
) -> dt.datetime:
    """`at` (a wall-clock time is read in the session's zone), or now when not given."""
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        at = at.replace(tzinfo=session.tzinfo)
    bounds.check_moment(at, field=field, label=label)
    if at > now:
        raise ValidationError(
            {
                field: _("%(label)s cannot be in the future: it is now %(now)s.")
                % {"label": label, "now": timefmt.moment_text(now, session.tzinfo)}
            },
            code="future",
        )
    day = session.local_scheduled_at.date()
    if meeting_day and at.astimezone(session.tzinfo).date() != day:
        raise ValidationError(
            {
                field: _(
                    "%(label)s must fall on the meeting's day, %(day)s, in its time zone "
                    "(%(zone)s)."
                )
                % {"label": label, "day": timefmt.day_text(day), "zone": session.time_zone}
            },
            code="meeting_day",
        )
    return at
