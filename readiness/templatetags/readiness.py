"""Template helpers: dates and times (through readiness.timefmt), outcome and status labels,
the `lang` of a release's own text."""

import datetime as dt
import functools

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import formats, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from readiness import bounds, timefmt
from readiness.models import Action, Decision
from readiness.permissions import can_import_minutes, can_manage_webhooks

register = template.Library()


@register.simple_tag
def when(value: dt.datetime | None, zone: str = "") -> SafeString | str:
    """A moment in the given (or the reader's) time zone, its zone named, and the reader's
    own time beside it when their zone differs: "15/07/2024 14:00 BRT (17:00 UTC)".

    A value stored before today's rules (out of range, or in a zone the database no longer
    knows) is shown as "invalid" rather than failing the page.
    """
    if value is None:
        return ""
    if not isinstance(value, dt.datetime) or not bounds.moment_is_valid(value):
        return format_html('<span class="invalid" title="{}">{}</span>', str(value), _("invalid"))
    tz = bounds.zone_or_none(zone) if zone else timefmt.viewer_zone()
    if tz is None:
        utc = value.astimezone(dt.UTC)
        return format_html(
            '<time datetime="{}">{} UTC</time> <span class="invalid" title="{}">{}</span>',
            utc.isoformat(),
            formats.date_format(utc, "DATETIME_FORMAT"),
            zone,
            _("invalid time zone"),
        )
    language = translation.get_language()
    # The offset too: equal moments in other offsets are equal keys, not equal `isoformat`s.
    return _moment_html(value, value.utcoffset(), tz, timefmt.viewer_zone(), language)


@functools.lru_cache(maxsize=8192)
def _moment_html(
    value: dt.datetime,
    offset: dt.timedelta | None,
    tz: dt.tzinfo,
    reader: dt.tzinfo,
    language: str | None,
) -> SafeString:
    """`when`'s text for a valid moment, worked out once for each zone, reader's zone and
    language: a page's timeline draws dozens of them, each with two formatted times and
    its zone's names, and the same ones again on every request."""
    shown = timefmt.moment(value, tz)
    if shown is None:
        return format_html('<span class="invalid" title="{}">{}</span>', str(value), _("invalid"))
    zone_html = (
        format_html('<abbr title="{}">{}</abbr>', shown.zone_long, shown.zone)
        if shown.zone_long
        else shown.zone
    )
    html = format_html(
        '<time datetime="{}" title="{}">{} {}</time>',
        value.isoformat(),
        timefmt.zone_key(tz),
        shown.text,
        zone_html,
    )
    if shown.viewer_text:
        html = format_html('{} <span class="reader-time">({})</span>', html, shown.viewer_text)
    return html


@register.filter
def day(value: dt.date | None) -> str:
    """A calendar date in the page's language: "15/07/2024", "15 Jul 2024"."""
    return timefmt.day_text(value) if isinstance(value, dt.date) else ""


@register.filter
def month(value: dt.date | None) -> str:
    """A month in the page's language: "07/2024", "Jul 2024"."""
    return timefmt.month_text(value) if isinstance(value, dt.date) else ""


@register.filter
def bcp47(code: str | None) -> str:
    """A Django language code as HTML's `lang` writes it: "pt-br" → "pt-BR"."""
    language, _sep, region = (code or "").partition("-")
    return f"{language}-{region.upper()}" if region else language


@register.simple_tag(takes_context=True)
def lang_of(context, release) -> SafeString | str:
    """` lang="pt-BR"` on an element holding a release's own text when the page is in
    another language, so that readers and screen readers pronounce it right."""
    language = getattr(release, "language", "") or ""
    if not language or language == translation.get_language():
        return ""
    return format_html(' lang="{}"', bcp47(language))


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


@receiver(setting_changed)
def _forget_moments(**kwargs) -> None:
    """Formats and languages come from the settings: a test that changes them starts anew."""
    _moment_html.cache_clear()
