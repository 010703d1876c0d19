"""How dates and times read to people: the language's formats and each time's zone by name.

The formats themselves live in `readiness/formats/<locale>/formats.py` (FORMAT_MODULE_PATH);
this module and the template tags built on it are the only places that print a date or a
time for a person. Machine outputs (CSV, JSON, the API, ICS, the minutes' Markdown) keep ISO.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from readiness import bounds

# The zones that keep Brasília time; people there say "BRT" or "horário de Brasília".
BRASILIA_ZONES = frozenset(
    {
        "America/Sao_Paulo",
        "America/Araguaina",
        "America/Bahia",
        "America/Belem",
        "America/Fortaleza",
        "America/Maceio",
        "America/Recife",
        "America/Santarem",
        "Brazil/East",
    }
)
BRASILIA = dt.timedelta(hours=-3)
BRASILIA_SUMMER = dt.timedelta(hours=-2)  # daylight saving time, until 2019


def offset_label(local: dt.datetime) -> str:
    """ "UTC−03:00": the offset of an aware time, with a real minus sign."""
    offset = local.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "\u2212"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def zone_key(tz: dt.tzinfo) -> str:
    return getattr(tz, "key", None) or str(tz)


def zone_name(local: dt.datetime) -> str:
    """The zone of an aware time as people write it: "BRT", "UTC", "CEST"; a zone whose
    database abbreviation is only an offset ("-03", "+0530") as "UTC−03:00"."""
    key = zone_key(local.tzinfo) if local.tzinfo else ""
    offset = local.utcoffset()
    if key in BRASILIA_ZONES and offset in (BRASILIA, BRASILIA_SUMMER):
        return "BRT" if offset == BRASILIA else "BRST"
    abbreviation = local.tzname() or ""
    if abbreviation.isalpha():
        return abbreviation
    if offset == dt.timedelta(0) and key in {"UTC", "Etc/UTC", "Etc/GMT", "GMT"}:
        return "UTC"
    return offset_label(local)


def zone_long_name(local: dt.datetime) -> str:
    """The zone's name in words where its abbreviation may not say enough, else ""."""
    name = zone_name(local)
    if name == "BRT":
        return pgettext("time zone", "Brasília time")
    if name == "BRST":
        return pgettext("time zone", "Brasília summer time")
    if name == "UTC":
        return pgettext("time zone", "Coordinated Universal Time")
    return ""


def day_text(value: dt.date | None) -> str:
    """A calendar date in the active language: "15/07/2024", "15 Jul 2024"."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    return _day_in(value, translation.get_language())


@functools.lru_cache(maxsize=4096)
def _day_in(value: dt.date, language: str | None) -> str:
    """A date's text in a language, formatted once: a page of 200 actions holds a handful of
    distinct due dates, each formatted afresh otherwise. `language` is the active one, so
    that the cache keeps each language's text apart."""
    return formats.date_format(value, "DATE_FORMAT")


def month_text(value: dt.date) -> str:
    """A month in the active language: "07/2024", "Jul 2024"."""
    return formats.date_format(value, "YEAR_MONTH_FORMAT")


def viewer_zone() -> dt.tzinfo:
    """The zone of whoever reads: logins have no zone of their own, so the site's
    (TIME_ZONE, or whatever a request activated)."""
    return timezone.get_current_timezone()


@dataclass(frozen=True)
class Moment:
    """A time ready to print: in its own zone, and in the reader's when that differs."""

    local: dt.datetime
    text: str  # "15/07/2024 14:00"
    zone: str  # "BRT"
    zone_long: str  # "horário de Brasília"
    viewer_text: str  # "17:00 UTC", or "" when the reader's zone is the same

    def __str__(self) -> str:
        main = f"{self.text} {self.zone}"
        return f"{main} ({self.viewer_text})" if self.viewer_text else main


def moment(value: dt.datetime, tz: dt.tzinfo | None = None) -> Moment | None:
    """`value` in `tz` (the reader's zone by default), with the reader's time beside it
    when their zone's offset differs then; None when it cannot be shown in `tz`."""
    reader = viewer_zone()
    tz = tz or reader
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    local = bounds.local_or_none(value, tz)
    if local is None:
        return None
    viewer_text = ""
    there = bounds.local_or_none(value, reader)
    if there is not None and there.utcoffset() != local.utcoffset():
        shown = "TIME_FORMAT" if there.date() == local.date() else "DATETIME_FORMAT"
        viewer_text = f"{formats.date_format(there, shown)} {zone_name(there)}"
    return Moment(
        local=local,
        text=formats.date_format(local, "DATETIME_FORMAT"),
        zone=zone_name(local),
        zone_long=zone_long_name(local),
        viewer_text=viewer_text,
    )


def moment_text(value: dt.datetime | None, tz: dt.tzinfo | str | None = None) -> str:
    """A time as plain text (e-mails, the timeline's changes): "15/07/2024 14:00 BRT"."""
    if value is None:
        return ""
    if isinstance(tz, str):
        tz = bounds.zone_or_none(tz) if tz else None
    shown = moment(value, tz) if bounds.moment_is_valid(value) else None
    return str(shown) if shown is not None else f"{value} ({_('invalid')})"
