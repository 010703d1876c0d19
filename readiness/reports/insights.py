"""Figures across releases for managers: pure functions over querysets, one query or two each."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from readiness import bounds
from readiness.forms.base import DATE, DateField
from readiness.models import (
    Action,
    Condition,
    Decision,
    Release,
    overdue_actions_q,
)
from readiness.reports.history import UNDECIDED, check_planned_range, known_areas

# The outcome keys of the charts, in stacking order, with their labels.
OUTCOMES: list[tuple[str, Any]] = [*Decision.Outcome.choices, (UNDECIDED, _("Undecided"))]
NO_AREA = _("No area")


class InsightsFilterForm(forms.Form):
    # Typed dates in the page's language or ISO (what type=date sends), within the bounds.
    date_from = DateField(label=_("Planned from"), required=False, widget=DATE)
    date_to = DateField(label=_("Planned until"), required=False, widget=DATE)
    area = forms.ChoiceField(label=_("Area"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("Any area")), *((a, a) for a in known_areas())]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        check_planned_range(self, data)
        return data


@dataclass(frozen=True)
class Scope:
    """What the figures are drawn from: releases planned in a date range, and an area."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    area: str = ""

    def releases(self, releases: QuerySet[Release]) -> QuerySet[Release]:
        if self.date_from:
            releases = releases.filter(planned_date__gte=self.date_from)
        if self.date_to:
            releases = releases.filter(planned_date__lte=self.date_to)
        if self.area:
            releases = releases.in_area(self.area)
        return releases

    def actions(self, actions: QuerySet[Action]) -> QuerySet[Action]:
        """Actions of releases in the date range; with an area, the actions of that area."""
        if self.date_from:
            actions = actions.filter(release__planned_date__gte=self.date_from)
        if self.date_to:
            actions = actions.filter(release__planned_date__lte=self.date_to)
        actions = actions.with_area()
        if self.area:
            actions = actions.filter(area=self.area)
        return actions


# --- Outcomes per month -------------------------------------------------------------------


@dataclass
class MonthOutcomes:
    month: dt.date
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def outcomes_per_month(releases: QuerySet[Release]) -> list[MonthOutcomes]:
    """Releases per planned month by their latest outcome; empty months in between included."""
    grouped = (
        releases.with_current_outcome()
        .annotate(month=TruncMonth("planned_date"))
        .order_by()
        .values("month", "current_outcome")
        .annotate(n=Count("pk"))
    )
    counts: dict[dt.date, dict[str, int]] = defaultdict(dict)
    for row in grouped:
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        counts[month][row["current_outcome"] or UNDECIDED] = row["n"]
    if not counts:
        return []
    return [
        MonthOutcomes(month, {key: counts[month].get(key, 0) for key, _label in OUTCOMES})
        for month in _months(min(counts), max(counts))
    ]


# --- Conditional GOs ----------------------------------------------------------------------


@dataclass
class ConditionalGos:
    """Conditional GOs in force: were all their conditions met before the release?"""

    in_time: int
    not_in_time: int
    # Days from each fully satisfied decision to its last satisfied condition.
    days_to_last_condition: list[float]

    @property
    def total(self) -> int:
        return self.in_time + self.not_in_time

    @property
    def median_days(self) -> float | None:
        days = self.days_to_last_condition
        return statistics.median(days) if days else None


def _local_date(moment: dt.datetime, zone: str) -> dt.date:
    return (bounds.local_or_none(moment, bounds.zone_or_utc(zone)) or moment).date()


def release_cutoff(
    planned_date: dt.date,
    window_start: dt.datetime | None,
    zone: str,
    deployed_at: dt.datetime | None = None,
) -> dt.datetime:
    """When a condition had to be met: the start of the release's first successful
    production deployment once it was deployed; before that, the deploy window's start,
    or else the end of the planned date in the session's time zone."""
    if deployed_at is not None:
        return deployed_at
    if window_start is not None:
        return window_start
    if planned_date >= dt.date.max:
        return dt.datetime.max.replace(tzinfo=dt.UTC)
    next_day = planned_date + dt.timedelta(days=1)
    return dt.datetime.combine(next_day, dt.time(), tzinfo=bounds.zone_or_utc(zone))


def conditional_gos(releases: QuerySet[Release]) -> ConditionalGos:
    """One query: the conditions of every conditional GO in force in these releases."""
    rows = (
        Condition.objects.filter(
            decision__is_current=True,
            decision__outcome=Decision.Outcome.CONDITIONAL_GO,
            decision__session__release__in=releases.values("pk"),
        )
        .order_by()
        .values_list(
            "decision_id",
            "decision__recorded_at",
            "decision__session__time_zone",
            "decision__session__release__planned_date",
            "decision__session__release__deploy_window_start",
            "decision__session__release__deployed_at",
            "satisfied_at",
        )
    )
    decisions: dict[int, dict[str, Any]] = {}
    for decision_id, recorded_at, zone, planned, window, deployed, satisfied_at in rows.iterator():
        seen = decisions.setdefault(
            decision_id,
            {
                "recorded_at": recorded_at,
                "cutoff": release_cutoff(planned, window, zone, deployed),
                "satisfied": [],
                "open": False,
            },
        )
        if satisfied_at is None:
            seen["open"] = True
        else:
            seen["satisfied"].append(satisfied_at)
    in_time, not_in_time, days = 0, 0, []
    for seen in decisions.values():
        if not seen["open"]:
            last = max(seen["satisfied"])
            days.append((last - seen["recorded_at"]).total_seconds() / 86400)
            if last < seen["cutoff"]:
                in_time += 1
                continue
        not_in_time += 1
    return ConditionalGos(in_time, not_in_time, sorted(days))


@dataclass(frozen=True)
class BeforeDeploy:
    """One release's answer to "were the conditions met before the deploy?"."""

    deployed_at: dt.datetime | None
    met: int
    late: int
    open: int

    @property
    def total(self) -> int:
        return self.met + self.late + self.open


def conditions_before_deploy(release: Release, sessions: list) -> BeforeDeploy | None:
    """From the prefetched sessions (no query): the conditions of the decisions in force,
    met before the first successful production deployment started, after it, or not yet.
    None while the release has not been deployed."""
    if release.deployed_at is None:
        return None
    met = late = still_open = 0
    for session in sessions:
        for decision in session.decisions.all():
            if not decision.is_current:
                continue
            for condition in decision.conditions.all():
                if condition.satisfied_at is None:
                    still_open += 1
                elif condition.satisfied_at < release.deployed_at:
                    met += 1
                else:
                    late += 1
    return BeforeDeploy(release.deployed_at, met, late, still_open)


# --- Actions ------------------------------------------------------------------------------


@dataclass
class OnTimeRate:
    label: str
    on_time: int
    settled: int

    @property
    def rate(self) -> float:
        return self.on_time / self.settled if self.settled else 0.0

    @property
    def percent(self) -> int:
        return round(self.rate * 100)


def on_time_rates(
    actions: QuerySet[Action], today_by_zone: dict[str, dt.date]
) -> dict[str, list[OnTimeRate]]:
    """On-time completion per area and per owner, over the actions that are settled.

    An action is settled once it is done or its due date has passed; it was on time when it
    was done on or before its due date (in its session's time zone). Cancelled actions and
    actions without a due date are not counted. `actions` must come with `with_area()`.
    """
    rows = (
        actions.exclude(status=Action.Status.CANCELLED)
        .filter(due_date__isnull=False)
        .order_by()
        .values_list(
            "owner__name", "area", "status", "due_date", "completed_at", "session__time_zone"
        )
    )
    by_area: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_owner: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for owner, area, status, due, completed_at, zone in rows.iterator():
        done = status == Action.Status.DONE
        today = today_by_zone.get(zone)
        if not done and (today is None or due >= today):
            continue
        on_time = done and completed_at is not None and _local_date(completed_at, zone) <= due
        for key, table in ((area or str(NO_AREA), by_area), (owner, by_owner)):
            table[key][0] += int(on_time)
            table[key][1] += 1

    def rates(table: dict[str, list[int]]) -> list[OnTimeRate]:
        found = [OnTimeRate(label, on, settled) for label, (on, settled) in table.items()]
        return sorted(found, key=lambda r: (r.rate, r.label))

    return {"area": rates(by_area), "owner": rates(by_owner)}


def overdue_by_owner(
    actions: QuerySet[Action], today_by_zone: dict[str, dt.date]
) -> list[tuple[str, int]]:
    """Open actions past their due date, counted per owner, most first."""
    rows = (
        actions.filter(overdue_actions_q(today_by_zone))
        .order_by()
        .values("owner__name")
        .annotate(n=Count("pk"))
        .values_list("owner__name", "n")
    )
    return sorted(rows, key=lambda row: (-row[1], row[0]))
