"""Template helpers: times with their zone, outcome and status labels."""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from readiness import bounds
from readiness.models import Action, Decision
from readiness.permissions import can_import_minutes, can_manage_webhooks

register = template.Library()


def _offset_label(value: dt.datetime) -> str:
    offset = value.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "\u2212"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


@register.simple_tag
def when(value: dt.datetime | None, zone: str = "") -> SafeString | str:
    """A moment in the given (or the site's) time zone, always with its offset and zone.

    A value stored before today's rules (out of range, or in a zone the database no longer
    knows) is shown as "invalid" rather than failing the page.
    """
    if value is None:
        return ""
    if not isinstance(value, dt.datetime) or not bounds.moment_is_valid(value):
        return format_html('<span class="invalid" title="{}">{}</span>', str(value), _("invalid"))
    tz = bounds.zone_or_none(zone) if zone else timezone.get_current_timezone()
    if tz is None:
        utc = value.astimezone(dt.UTC)
        return format_html(
            '<time datetime="{}">{} {} UTC</time> <span class="invalid" title="{}">{}</span>',
            utc.isoformat(),
            utc.strftime("%Y-%m-%d"),
            utc.strftime("%H:%M"),
            zone,
            _("invalid time zone"),
        )
    local = value.astimezone(tz)
    return format_html(
        '<time datetime="{}" title="{}">{} {} {}</time>',
        value.isoformat(),
        getattr(tz, "key", str(tz)),
        local.strftime("%Y-%m-%d"),
        local.strftime("%H:%M"),
        _offset_label(local),
    )


@register.filter
def outcome_label(value: str | None) -> str:
    if not value:
        return ""
    return str(Decision.Outcome(value).label)


@register.filter
def satisfied_count(decision) -> int:
    """How many of a decision's (prefetched) conditions are satisfied."""
    return sum(1 for condition in decision.conditions.all() if condition.is_satisfied)


@register.filter
def may_import_minutes(user) -> bool:
    """For the navigation: the decision is the permission function's, not the template's."""
    return can_import_minutes(user)


@register.filter
def manages_webhooks(user) -> bool:
    """Whether the nav shows Webhooks; the views check the same function."""
    return can_manage_webhooks(user)


@register.filter
def action_status_label(value: str | None) -> str:
    """The label of an action status as an Event stored it; unknown values as they are."""
    if not value:
        return "—"
    try:
        return str(Action.Status(value).label)
    except ValueError:
        return value
