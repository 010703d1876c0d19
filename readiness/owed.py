"""What a person owes across releases, dated in each session's time zone.

Their open actions, their unsatisfied conditions and the post-go-live reviews of the
sessions they facilitate, read in a fixed number of queries and shared by the /me/ page,
the reminders and the calendar feed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, QuerySet

from readiness import bounds
from readiness.models import Action, Condition, Decision, Person, Release, Session

ACTION, CONDITION, REVIEW = "action", "condition", "review"
KINDS = (ACTION, CONDITION, REVIEW)
# Done and cancelled items stay listed this long under "recently closed".
RECENTLY = dt.timedelta(days=30)
# A reminder lists what is overdue or due within this many days.
REMINDER_HORIZON = dt.timedelta(days=2)


@dataclass
class OwedItem:
    kind: str
    obj: Action | Condition | Decision
    session: Session
    # The calendar date it is due on, in the session's time zone.
    due: dt.date | None
    # The exact moment, for conditions (their deadline is a time).
    due_at: dt.datetime | None = None
    # A bound form with the errors of a refused change, shown in the item's row.
    form: Any = field(default=None, repr=False)

    @property
    def release(self):
        return self.session.release

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.obj.pk}"

    @property
    def title(self) -> str:
        if self.kind == ACTION:
            return f"{self.obj.code}: {self.obj.description}"
        if self.kind == CONDITION:
            ref = self.obj.reference
            return f"{ref}: {self.obj.text}" if ref else self.obj.text
        return str(self.obj.get_outcome_display())

    def today(self, now: dt.datetime) -> dt.date:
        return now.astimezone(self.session.tzinfo).date()

    def is_overdue(self, now: dt.datetime) -> bool:
        return self.due is not None and self.due < self.today(now)


def _condition_item(condition: Condition) -> OwedItem:
    session = condition.decision.session
    deadline = condition.deadline
    local = (bounds.local_or_none(deadline, session.tzinfo) or deadline) if deadline else None
    return OwedItem(CONDITION, condition, session, local.date() if local else None, deadline)


def _within(queryset: QuerySet, path: str, releases: QuerySet[Release] | None) -> QuerySet:
    """Only the rows of `releases` (those the reader may read), when given."""
    return queryset if releases is None else queryset.filter(**{f"{path}__in": releases})


def owed_items(person: Person, releases: QuerySet[Release] | None = None) -> list[OwedItem]:
    """Everything the person still owes, soonest first, undated last (three queries); in
    `releases` only, when given (what the reader may read: a private team's work is not
    shown outside it)."""
    actions = _within(Action.objects.owed_by(person), "release", releases)
    conditions = _within(Condition.objects.owed_by(person), "decision__session__release", releases)
    reviews = _within(Decision.objects.reviews_for(person), "session__release", releases)
    return _soonest_first(_items(actions, conditions, reviews))


def my_work(
    person: Person, now: dt.datetime, releases: QuerySet[Release] | None = None
) -> tuple[list[OwedItem], list[OwedItem]]:
    """What /me/ lists: everything the person still owes, as `owed_items` orders it, and
    what they finished (or saw cancelled) in the last 30 days, newest first. Three
    queries, each reading a kind's owed and closed rows together; in `releases` only,
    when given."""
    since = now - RECENTLY
    actions = _within(Action.objects.worked_by(person, since), "release", releases)
    conditions = _within(
        Condition.objects.worked_by(person, since), "decision__session__release", releases
    )
    reviews = _within(
        Decision.objects.reviews_worked_by(person, since), "session__release", releases
    )
    owed, closed = [], []
    for item in _items(actions, conditions, reviews):
        (closed if _closed_at(item.obj) else owed).append(item)
    # Ties keep one order: actions, conditions, reviews, each the newest row first.
    closed.sort(key=lambda i: (_closed_at(i.obj), -KINDS.index(i.kind), i.obj.pk), reverse=True)
    return _soonest_first(owed), closed


def _items(
    actions: QuerySet[Action], conditions: QuerySet[Condition], reviews: QuerySet[Decision]
) -> list[OwedItem]:
    items = [OwedItem(ACTION, a, a.session, a.due_date) for a in actions]
    items += [_condition_item(c) for c in conditions]
    items += [OwedItem(REVIEW, d, d.session, d.review_on) for d in reviews]
    return items


def _soonest_first(items: list[OwedItem]) -> list[OwedItem]:
    items.sort(key=lambda i: (i.due is None, i.due or dt.date.min, i.kind, i.obj.pk))
    return items


def _closed_at(obj: Model) -> dt.datetime | None:
    return (
        getattr(obj, "closed_at", None)
        or getattr(obj, "satisfied_at", None)
        or getattr(obj, "review_done_at", None)
    )


GROUPS = ("overdue", "week", "later", "undated")


def group(items: list[OwedItem], now: dt.datetime) -> dict[str, list[OwedItem]]:
    """Overdue, due this (ISO) week, later, and with no date; "today" is each session's."""
    groups: dict[str, list[OwedItem]] = {name: [] for name in GROUPS}
    for item in items:
        if item.due is None:
            groups["undated"].append(item)
            continue
        today = item.today(now)
        end_of_week = today + dt.timedelta(days=6 - today.weekday())
        if item.due < today:
            groups["overdue"].append(item)
        elif item.due <= end_of_week:
            groups["week"].append(item)
        else:
            groups["later"].append(item)
    return groups


def due_soon(items: list[OwedItem], now: dt.datetime) -> list[OwedItem]:
    """What a reminder lists: overdue, or due within the next two days."""
    return [i for i in items if i.due is not None and i.due <= i.today(now) + REMINDER_HORIZON]
