"""Exports streamed row by row: the release history and the actions as CSV, and a
release's events as CSV and JSON Lines for auditors."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils.translation import gettext_lazy as _

from readiness import bounds
from readiness.models import Action, Decision, Event, Release, local_today_by_zone

# A spreadsheet treats a cell starting with one of these as a formula (tab and carriage
# return too, as some apps strip them before looking).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_CHUNK = 2000
BOM = "\ufeff"


def csv_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text: formula-like text is prefixed with a quote."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        # Text stored before the input rules may hold control characters no sheet shows.
        value = bounds.without_controls(value)
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value


class _Echo:
    """A file-like object whose write() hands the line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The CSV text, line by line: a byte order mark, the header, then each row."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([csv_cell(str(cell)) for cell in header])
    for row in rows:
        yield writer.writerow([csv_cell(cell) for cell in row])


def csv_response(
    header: list[str], rows: Iterable[Iterable[Any]], *, filename: str
) -> StreamingHttpResponse:
    """A download streamed as it is written, so memory does not grow with the rows."""
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def history_csv_rows(releases: QuerySet[Release]) -> Iterator[list[Any]]:
    outcomes = dict(Decision.Outcome.choices)
    statuses = dict(Release.Status.choices)
    for release in releases.iterator(chunk_size=CSV_CHUNK):
        yield [
            release.name,
            release.planned_date,
            statuses.get(release.status, release.status),
            str(outcomes.get(release.current_outcome, _("Undecided"))),
            release.condition_satisfied_count,
            release.condition_count,
            release.action_done_count,
            release.action_count,
            release.action_overdue_count,
            release.facilitator_name or "",
            release.slug,
        ]


HISTORY_CSV_HEADER = [
    _("Release"),
    _("Planned for"),
    _("Status"),
    _("Latest outcome"),
    _("Conditions satisfied"),
    _("Conditions"),
    _("Actions done"),
    _("Actions"),
    _("Actions overdue"),
    _("Facilitator"),
    _("Reference"),
]

ACTIONS_CSV_HEADER = [
    _("Release"),
    _("Planned for"),
    _("Session"),
    _("Code"),
    _("Kind"),
    _("Action"),
    _("Owner"),
    _("Area"),
    _("Due"),
    _("Status"),
    _("Completed at"),
    _("Closed on time"),
    _("Overdue"),
]


def closed_on_time(action: Action, time_zone: str) -> bool | None:
    """Done by its due date (in its session's time zone); None while open or undated."""
    if action.status != Action.Status.DONE or action.due_date is None or not action.completed_at:
        return None
    local = bounds.local_or_none(action.completed_at, bounds.zone_or_utc(time_zone))
    return (local or action.completed_at).date() <= action.due_date


def actions_csv_rows(actions: QuerySet[Action]) -> Iterator[list[Any]]:
    statuses = dict(Action.Status.choices)
    kinds = dict(Action.Kind.choices)
    yes_no = {True: _("yes"), False: _("no"), None: ""}
    today_by_zone = local_today_by_zone()
    actions = (
        actions.with_area()
        .select_related("owner", "session__release")
        .order_by("-session__release__planned_date", "session__release", "session", "code", "pk")
    )
    for action in actions.iterator(chunk_size=CSV_CHUNK):
        session = action.session
        today = today_by_zone.get(session.time_zone) or session.local_today()
        overdue = action.is_overdue(today)
        yield [
            session.release.name,
            session.release.planned_date,
            session.local_scheduled_at.isoformat(timespec="minutes"),
            action.code,
            str(kinds.get(action.kind, action.kind)),
            action.description,
            action.owner.name,
            action.area or "",
            action.due_date,
            str(statuses.get(action.status, action.status)),
            action.completed_at,
            str(yes_no[closed_on_time(action, session.time_zone)]),
            str(yes_no[overdue]),
        ]


EVENTS_HEADER = [
    _("When (UTC)"),
    _("Who"),
    _("Verb"),
    _("What"),
    _("Record type"),
    _("Record id"),
    _("Record"),
    _("Session"),
    _("Addendum"),
    _("Before"),
    _("After"),
]


def _event_fields(event: Event) -> dict[str, Any]:
    return {
        "id": event.pk,
        "created_at": event.created_at.isoformat(),
        "actor": event.actor_name,
        "verb": event.verb,
        "verb_label": event.verb_label,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "subject": event.subject_repr,
        "release": event.release_slug,
        "session_id": event.session_id,
        "is_addendum": event.is_addendum,
        "before": event.before,
        "after": event.after,
    }


def events_csv_rows(events: QuerySet[Event]) -> Iterator[list[Any]]:
    for event in events.iterator(chunk_size=CSV_CHUNK):
        fields = _event_fields(event)
        yield [
            event.created_at,
            fields["actor"],
            fields["verb"],
            fields["verb_label"],
            fields["subject_type"],
            fields["subject_id"],
            fields["subject"],
            fields["session_id"],
            fields["is_addendum"],
            json.dumps(fields["before"], ensure_ascii=False) if event.before is not None else "",
            json.dumps(fields["after"], ensure_ascii=False) if event.after is not None else "",
        ]


def events_jsonl(events: QuerySet[Event]) -> Iterator[str]:
    """One JSON object per line, oldest first: what an auditor's tools read."""
    for event in events.iterator(chunk_size=CSV_CHUNK):
        yield json.dumps(_event_fields(event), ensure_ascii=False, sort_keys=True) + "\n"
