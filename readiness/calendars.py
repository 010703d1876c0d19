"""Calendar files (iCalendar, RFC 5545): a session's invitation and a person's due dates.

Timed events carry their session's IANA time zone with its VTIMEZONE definition, so a
calendar app shows them at the right moment wherever it is; due dates are all-day events.
A date stored outside today's range is left out rather than failing the whole file, and
text is written without the control characters iCalendar cannot carry.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress

from readiness import bounds
from readiness.models import Freeze, Session
from readiness.owed import ACTION, CONDITION, OwedItem

PRODID = "-//Readiness//Go-No-Go//EN"
# A meeting without time boxes on its agenda is given an hour.
DEFAULT_LENGTH = dt.timedelta(hours=1)


def _line(text: str) -> str:
    return bounds.clean_line(str(text))


def _text(text: str) -> str:
    return bounds.clean_text(str(text))


def _calendar(name: str) -> Calendar:
    name = _line(name)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    return calendar


def _uid(kind: str, pk: int) -> str:
    host = settings.SITE_URL.split("://", 1)[-1] or "readiness"
    return f"{kind}-{pk}@{host}"


def _serialise(calendar: Calendar) -> bytes:
    calendar.add_missing_timezones()
    return calendar.to_ical()


def session_invite(session: Session) -> bytes:
    """The session as an event in its own time zone, the agenda in its description."""
    calendar = _calendar(f"{session.release} – {session.title}")
    calendar.add("method", "PUBLISH")
    if not bounds.moment_is_valid(session.scheduled_at):
        return _serialise(calendar)
    start = session.local_scheduled_at
    minutes = sum(item.time_box_minutes or 0 for item in session.agenda_items.all())
    length = dt.timedelta(minutes=minutes) if minutes else DEFAULT_LENGTH
    lines = [session.objective] if session.objective else []
    if session.agenda_items.all():
        lines += ["", _("Agenda")]
        for item in session.agenda_items.all():
            box = f" ({item.time_box_minutes} min)" if item.time_box_minutes else ""
            lines.append(f"{item.position}. {item.title}{box}")
    url = f"{settings.SITE_URL}{session.get_absolute_url()}"
    lines += ["", url]
    event = Event()
    event.add("uid", _uid("session", session.pk))
    event.add("dtstamp", timezone.now())
    event.add("dtstart", start)
    event.add("dtend", start + length)
    event.add("summary", _line(f"{session.title} – {session.release.name}"))
    event.add("description", _text("\n".join(lines).strip()))
    event.add("url", url)
    facilitator = session.facilitator
    if facilitator is not None and facilitator.email:
        organizer = vCalAddress(f"mailto:{_line(facilitator.email)}")
        organizer.params["cn"] = _line(facilitator.name)
        event["organizer"] = organizer
    calendar.add_component(event)
    return _serialise(calendar)


def due_feed(name: str, items: list[OwedItem]) -> bytes:
    """A person's due dates: a timed event at a condition's deadline, in its session's
    time zone; an all-day event on an action's due date or a review's date."""
    calendar = _calendar(name)
    for item in items:
        if item.due is None or not bounds.day_is_valid(item.due):
            continue
        if item.due_at is not None and not bounds.moment_is_valid(item.due_at):
            continue
        event = Event()
        event.add("uid", _uid(item.kind, item.obj.pk))
        event.add("dtstamp", timezone.now())
        if item.due_at is not None:
            start = item.due_at.astimezone(item.session.tzinfo)
            event.add("dtstart", start)
            event.add("dtend", start + dt.timedelta(minutes=30))
        else:
            event.add("dtstart", item.due)
            event.add("dtend", item.due + dt.timedelta(days=1))
        label = {
            ACTION: _("Action due"),
            CONDITION: _("Condition deadline"),
        }.get(item.kind, _("Post-go-live review"))
        event.add("summary", _line(f"{label}: {item.title}"))
        url = f"{settings.SITE_URL}{item.session.get_absolute_url()}"
        event.add("description", _text(f"{item.release} – {item.session.title}\n{url}"))
        event.add("url", url)
        calendar.add_component(event)
    return _serialise(calendar)


# A weekly freeze's first occurrence in the feed: the one in force or next after this.
_FEED_FROM = dt.timedelta(days=7)


def freeze_feed(name: str, freezes: list[Freeze], *, now: dt.datetime) -> bytes:
    """The deploy freezes: a weekly one as an event that repeats every week (RRULE) in its
    own zone, so calendar apps keep its local times across daylight saving; a one-off one
    as one event. A freeze whose times are out of range is left out."""
    calendar = _calendar(name)
    for freeze in freezes:
        if freeze.is_weekly:
            windows = freeze.occurrences(now - _FEED_FROM, now + _FEED_FROM)
            rule = {"freq": "weekly"}
        else:
            valid = all(bounds.moment_is_valid(m) for m in (freeze.starts_at, freeze.ends_at))
            windows = freeze.occurrences(freeze.starts_at, freeze.ends_at) if valid else []
            rule = None
        if not windows:
            continue
        start, end = windows[0]
        event = Event()
        event.add("uid", _uid("freeze", freeze.pk))
        event.add("dtstamp", timezone.now())
        event.add("dtstart", start)
        event.add("dtend", end)
        if rule:
            event.add("rrule", rule)
        event.add("summary", _line(_("Deploy freeze: %(name)s") % {"name": freeze.name}))
        event.add("url", f"{settings.SITE_URL}{reverse('freezes:list')}")
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    return _serialise(calendar)
