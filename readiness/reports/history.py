"""Release history: the validated filters, the search and keyset pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from typing import Any

from django import forms
from django.db import connection
from django.db.models import BooleanField, Expression, F, Func, Model, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from readiness.forms.base import DATE, DateField
from readiness.models import (
    Action,
    Condition,
    Decision,
    Evidence,
    Participant,
    Person,
    Release,
    Session,
    local_today_by_zone,
)
from readiness.models.base import distinct_values, distinct_values_sql

PAGE_SIZE = 25
# The history counts matching releases up to this many; past it, it says "more than".
COUNT_LIMIT = 200
UNDECIDED = "undecided"
# The PostgreSQL text search configuration: minutes are written in Portuguese and English,
# so no language's stemming is applied (see docs/architecture.md).
SEARCH_CONFIG = "simple"
# Where the search looks: (model, path from it to the release, searched column). On
# PostgreSQL each column has a stored search document and a GIN index on it (migration
# 0027_search_documents, whose configuration is SEARCH_CONFIG).
SEARCHED = [
    (Release, "pk", "name"),
    (Decision, "session__release", "rationale"),
    (Condition, "decision__session__release", "text"),
    (Action, "session__release", "description"),
    (Evidence, "session__release", "title"),
]

# Sort name -> the keys of the order, each (field, descending). The release id is always
# last so that the order is total and a keyset cursor is unambiguous.
SORTS: dict[str, list[tuple[str, bool]]] = {
    "-date": [("planned_date", True), ("pk", True)],
    "date": [("planned_date", False), ("pk", False)],
    "name": [("name", False), ("pk", False)],
    "-name": [("name", True), ("pk", True)],
    "outcome": [("outcome_rank", False), ("planned_date", True), ("pk", True)],
}
SORT_CHOICES = [
    ("-date", _("Newest first")),
    ("date", _("Oldest first")),
    ("name", _("Name, A to Z")),
    ("-name", _("Name, Z to A")),
    ("outcome", _("Outcome (GO first)")),
]


def check_planned_range(form: forms.Form, data: dict[str, Any]) -> None:
    """A filter's planned-date range, refused on its end when the end comes first."""
    start, end = data.get("date_from"), data.get("date_to")
    if start and end and start > end:
        form.add_error("date_to", _("The end of the range is before its start."))


def _any(label: str) -> list[tuple[str, Any]]:
    return [("", label)]


def people_named_in(model: type[Model], column: str) -> list[tuple[int, str]]:
    """The people `column` of `model` names (the sessions' facilitators, the actions'
    owners) as (id, name), by name. One query that walks the column's index, so the list
    costs what the number of people does, not what the history's size does, and no model
    is built per option."""
    ids = RawSQL(distinct_values_sql(model, column), ())
    return list(Person.objects.filter(pk__in=ids).order_by("name", "pk").values_list("pk", "name"))


def _people_choices(model: type[Model], column: str) -> Callable[[], list[tuple[Any, str]]]:
    """The choices of a person filter, read once, when the form is first validated or
    drawn (the CSV export without that filter never reads them)."""
    read: list[list[tuple[Any, str]]] = []

    def choices() -> list[tuple[Any, str]]:
        if not read:
            read.append([*_any(_("Anyone")), *people_named_in(model, column)])
        return read[0]

    return choices


class HistoryFilterForm(forms.Form):
    """The history filters, read from the query string; every field is optional."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Words in release names, decisions, conditions, actions and evidence."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    outcome = forms.ChoiceField(label=_("Outcome"), required=False)
    status = forms.ChoiceField(label=_("Release status"), required=False)
    # Typed dates in the page's language or ISO (what type=date sends), within the bounds.
    date_from = DateField(label=_("Planned from"), required=False, widget=DATE)
    date_to = DateField(label=_("Planned until"), required=False, widget=DATE)
    # A person's id: the choices are the people who facilitated, or own actions.
    facilitator = forms.TypedChoiceField(
        label=_("Facilitator"), required=False, coerce=int, empty_value=None
    )
    owner = forms.TypedChoiceField(
        label=_("Action owner"), required=False, coerce=int, empty_value=None
    )
    area = forms.ChoiceField(label=_("Area"), required=False)
    overdue = forms.BooleanField(label=_("Has overdue actions"), required=False)
    open_conditions = forms.BooleanField(label=_("Conditions still open"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)
    # Page links, not controls: the id of the row a page starts after or ends before.
    after = forms.IntegerField(
        label=_("Page link"), required=False, min_value=1, widget=forms.HiddenInput
    )
    before = forms.IntegerField(
        label=_("Page link"), required=False, min_value=1, widget=forms.HiddenInput
    )
    last = forms.BooleanField(label=_("Page link"), required=False, widget=forms.HiddenInput)

    PAGE_FIELDS = ("after", "before", "last")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [
            *_any(_("Any outcome")),
            *Decision.Outcome.choices,
            (UNDECIDED, _("Undecided")),
        ]
        self.fields["status"].choices = [*_any(_("Any status")), *Release.Status.choices]
        self.fields["facilitator"].choices = _people_choices(Session, "facilitator")
        self.fields["owner"].choices = _people_choices(Action, "owner")
        self.fields["area"].choices = [*_any(_("Any area")), *((a, a) for a in known_areas())]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        check_planned_range(self, data)
        return data

    @property
    def filter_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.PAGE_FIELDS]


def known_areas() -> list[str]:
    """The areas voting members spoke for, for the area filters (one query)."""
    # The condition of the index the walk reads (participant_member_area_idx).
    return distinct_values(Participant, "area", "role = 'member' AND area <> ''")


class StoredDocument(Func):
    """`column`'s search document as PostgreSQL stores it, in the generated column
    `<column>_document` of the same table (migration 0027_search_documents), rather than
    `to_tsvector` worked out again for every row a search reads. The models do not know
    the column, so only a search reads it."""

    def __init__(self, column: str) -> None:
        from django.contrib.postgres.search import SearchVectorField

        super().__init__(F(column), output_field=SearchVectorField())

    def as_sql(self, compiler, connection, **extra_context):
        column = self.source_expressions[0]  # the searched column, resolved to its table
        table = compiler.quote_name(column.alias)
        return f"{table}.{connection.ops.quote_name(column.target.column + '_document')}", []


# A word this many rows of one searched table hold is common: asking each release in turn
# then costs less than reading every match (see `search_releases`).
COMMON_WORD_ROWS = 1000


def _matches(model: type[Model], column: str, query) -> QuerySet:
    return model.objects.annotate(_document=StoredDocument(column)).filter(_document=query)


def _is_common(query) -> bool:
    """Whether one of the searched tables holds the searched words in `COMMON_WORD_ROWS`
    rows or more: one query, which reads no further than that row of each table's matches.

    Asked on every search: remembered, the answer would outlive the data it was read from
    (a history that grew, or a word the team took up)."""
    nth = [
        _matches(model, column, query)
        .order_by()
        .values("pk")[COMMON_WORD_ROWS - 1 : COMMON_WORD_ROWS]
        for model, _path, column in SEARCHED
    ]
    return nth[0].union(*nth[1:], all=True).exists()


# Where the SQL of `Found`, built once, names the release asked about and the searched text.
_OUTER = "__searched_release__"
_TEXT = "\x00searched text\x00"


@cache
def _found_sql(model: type[Model], path: str, column: str, per_row: bool) -> tuple[str, tuple]:
    """The SQL of `Found`, built by the ORM once per searched table and shape."""
    from django.contrib.postgres.search import SearchQuery

    query = SearchQuery(_TEXT, config=SEARCH_CONFIG, search_type="websearch")
    matches = _matches(model, column, query).order_by()
    if per_row:
        # A scalar subquery with its LIMIT, not EXISTS: PostgreSQL would turn an EXISTS
        # back into a set of every match (it drops an EXISTS's LIMIT).
        probe = matches.filter(**{path: RawSQL(_OUTER, [])}).annotate(_hit=RawSQL("true", []))
        sql, params = probe.values("_hit")[:1].query.sql_with_params()
        # Built outside any query, the probe names its tables as they are: none of them is
        # the release's, so the release it names is the one of the query around it.
        assert f'"{Release._meta.db_table}"' not in sql, sql
        return f"({sql})", params
    sql, params = matches.values(path).query.sql_with_params()
    return f"{_OUTER} IN ({sql})", params


class Found(Expression):
    """Whether the release of the row being read has a row of `model` (reached by `path`)
    whose `column` holds the searched words: asked of each release (`per_row`, stopping at
    the first such row) or as the set of every match (see `search_releases`).

    Building these subqueries cost the ORM about as much as PostgreSQL took to answer
    them, and only the searched text changes between two searches, so their SQL is built
    once (`_found_sql`) and each search binds its text."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, model, path: str, column: str, text: str, *, per_row: bool) -> None:
        super().__init__()
        self.searched, self.text, self.per_row = (model, path, column), text, per_row

    def as_sql(self, compiler, connection):
        sql, params = _found_sql(*self.searched, self.per_row)
        table = compiler.quote_name(compiler.query.base_table)
        release = f"{table}.{connection.ops.quote_name(Release._meta.pk.column)}"
        return sql.replace(_OUTER, release), [self.text if p == _TEXT else p for p in params]


def search_releases(
    releases: QuerySet[Release], text: str, *, stops_early: bool = False
) -> QuerySet[Release]:
    """Releases with the words of `text` in their name, decisions, conditions, actions or
    evidence titles.

    PostgreSQL: full-text search (`websearch_to_tsquery`, so "quotes" and `or` work), each
    column matched through its own GIN expression index. Elsewhere: every word must appear,
    case-insensitively, somewhere in those columns.

    On PostgreSQL the search takes one of two shapes. Each searched table's matching rows
    can be read once, as a set, through its GIN index: that costs what the matches do, and
    suits a word few rows hold, or a read of every match (an export). For a read that
    stops early (`stops_early`: a page, the limited count), a common word (`_is_common`)
    is asked of each release in turn instead, one small probe per searched table through
    the release's own rows: that costs what the read's limit does, where the sets of a
    word in every decision grow with the whole history.
    """
    text = text.strip()
    if not text:
        return releases
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery

        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        per_row = stops_early and _is_common(query)
        found = Q(pk__in=[])
        for model, path, column in SEARCHED:
            if per_row and model is Release:
                # The release's own column: no subquery at all.
                releases = releases.alias(_own_document=StoredDocument(column))
                found |= Q(_own_document=query)
            else:
                found |= Q(Found(model, path, column, text, per_row=per_row))
        return releases.filter(found)
    for word in text.split():
        found = Q(pk__in=[])
        for model, path, column in SEARCHED:
            hits = model.objects.filter(**{f"{column}__icontains": word})
            found |= Q(pk__in=hits.values(path))
        releases = releases.filter(found)
    return releases


@dataclass
class KeysetPage:
    """One page of rows and where the neighbouring pages start."""

    rows: list[Release]
    has_previous: bool
    has_next: bool

    @property
    def first_id(self) -> int | None:
        return self.rows[0].pk if self.rows else None

    @property
    def last_id(self) -> int | None:
        return self.rows[-1].pk if self.rows else None


def _beyond(keys: list[tuple[str, bool]], boundary: dict[str, Any], *, forward: bool) -> Q:
    """Rows after (forward) or before the boundary row in the order `keys` describe."""
    beyond = Q(pk__in=[])
    for i, (field, descending) in enumerate(keys):
        lookup = "lt" if descending == forward else "gt"
        equal = {name: boundary[name] for name, _ in keys[:i]}
        beyond |= Q(**equal, **{f"{field}__{lookup}": boundary[field]})
    return beyond


def _ordering(keys: list[tuple[str, bool]], *, reverse: bool = False) -> list[str]:
    return [f"{'-' if descending != reverse else ''}{field}" for field, descending in keys]


@lru_cache(maxsize=4)
def rows_for_day(today_by_zone: tuple[tuple[str, dt.date], ...]) -> QuerySet[Release]:
    """Every release with its history row figures, for the dates of `today_by_zone`.

    The figures are a dozen subqueries, and building them costs the ORM more than the
    database takes to answer them, so they are built once a day (or when a session brings
    a new time zone) rather than once a request. The queryset is never evaluated here:
    each request chains its own filters onto a copy, which leaves this one as it was.
    """
    return Release.objects.with_history_row(dict(today_by_zone))


class ReleaseFilter:
    """Builds the history queryset from the query string, through `HistoryFilterForm`.

    Invalid values are reported by the form; the fields that did validate still apply.
    """

    count_limit = COUNT_LIMIT

    def __init__(self, data: Any, releases: QuerySet[Release]) -> None:
        self.form = HistoryFilterForm(data)
        self.is_valid = self.form.is_valid()
        self.data = self.form.cleaned_data
        self.today_by_zone = local_today_by_zone()
        self.releases = releases

    @property
    def sort(self) -> str:
        return self.data.get("sort") or "-date"

    @cached_property
    def _with_rows(self) -> QuerySet[Release]:
        # The page, its cursor row and the count all start from these; the reader's own
        # visibility rule is added to the figures built for the day (`rows_for_day`).
        return rows_for_day(tuple(sorted(self.today_by_zone.items()))) & self.releases

    def queryset(self) -> QuerySet[Release]:
        """Every filtered release with its row figures, in the chosen order (an export
        reads them all: the search reads each table's matches once, as a set)."""
        return self._filtering(stops_early=False)

    @cached_property
    def _filtered(self) -> QuerySet[Release]:
        """The same, for the reads that stop early (the count, the pages): a common word
        is asked of each release in turn, so they cost what their limit does, and a rare
        one is read as sets (`search_releases`)."""
        return self._filtering(stops_early=True)

    def _filtering(self, *, stops_early: bool) -> QuerySet[Release]:
        data = self.data
        releases = self._with_rows
        if data.get("outcome") == UNDECIDED:
            releases = releases.filter(current_outcome__isnull=True)
        elif data.get("outcome"):
            releases = releases.filter(current_outcome=data["outcome"])
        if data.get("status"):
            releases = releases.filter(status=data["status"])
        if data.get("date_from"):
            releases = releases.filter(planned_date__gte=data["date_from"])
        if data.get("date_to"):
            releases = releases.filter(planned_date__lte=data["date_to"])
        if data.get("facilitator"):
            sessions = Session.objects.filter(facilitator=data["facilitator"])
            releases = releases.filter(pk__in=sessions.values("release"))
        if data.get("owner"):
            releases = releases.filter(
                pk__in=Action.objects.filter(owner=data["owner"]).values("release")
            )
        if data.get("area"):
            releases = releases.in_area(data["area"])
        if data.get("overdue"):
            releases = releases.with_overdue_actions(self.today_by_zone)
        if data.get("open_conditions"):
            releases = releases.with_open_conditions()
        if data.get("q"):
            releases = search_releases(releases, data["q"], stops_early=stops_early)
        return releases.order_by(*_ordering(SORTS[self.sort]))

    @cached_property
    def _matching_ids(self) -> list[int]:
        """The matching releases' ids in the chosen order, no further than one past
        `count_limit`.

        One reading of the filters serves the count and the first page (and the last,
        while every match is in the list): a search that matches most of the history
        builds its sets of matching rows once a request, not once for the count and once
        more for the page. Stopping one past the limit, a filter that matches most of a
        long history costs what the limit does rather than what the history does. Only
        the ids (and whatever the order reads) are selected, so the row figures are not
        worked out for the rows counted.
        """
        return list(self._filtered.values_list("pk", flat=True)[: self.count_limit + 1])

    def count(self) -> int:
        """How many releases match, counted no further than one past `count_limit`."""
        return len(self._matching_ids)

    def page(self, size: int = PAGE_SIZE) -> KeysetPage:
        """The page the cursor asks for: the first, the last, or the one after or before a row.

        Each page is one query whatever its depth: the cursor row's keys are read (one more
        query) and the page is the `size` rows beyond them in index order, never an OFFSET.
        The first page, and the last while every match is counted, are read from the ids
        the count already holds (`_matching_ids`).
        """
        keys = SORTS[self.sort]
        releases = self._filtered
        after, before, last = (
            self.data.get("after"),
            self.data.get("before"),
            self.data.get("last"),
        )
        boundary = None
        if after or before:
            fields = [field for field, _ in keys]
            boundary = self._with_rows.filter(pk=after or before).values(*fields).first()
        if boundary is not None and after:
            rows = list(releases.filter(_beyond(keys, boundary, forward=True))[: size + 1])
            return KeysetPage(rows[:size], has_previous=True, has_next=len(rows) > size)
        if last and boundary is None and len(self._matching_ids) <= self.count_limit:
            # Every match is in the list: the last page is its tail.
            ids = self._matching_ids
            return KeysetPage(
                self._rows(ids[-size:]),
                has_previous=len(ids) > size,
                has_next=False,
            )
        if boundary is not None or last:
            backwards = releases.order_by(*_ordering(keys, reverse=True))
            if boundary is not None:
                backwards = backwards.filter(_beyond(keys, boundary, forward=False))
            rows = list(backwards[: size + 1])
            if boundary is not None and len(rows) <= size:
                # Back at the start: show a full first page rather than a short one.
                return self._first(size)
            return KeysetPage(
                rows[:size][::-1], has_previous=len(rows) > size, has_next=boundary is not None
            )
        return self._first(size)

    def _first(self, size: int) -> KeysetPage:
        ids = self._matching_ids
        return KeysetPage(self._rows(ids[:size]), has_previous=False, has_next=len(ids) > size)

    def _rows(self, ids: list[int]) -> list[Release]:
        """The rows of `ids` with their figures, in the chosen order: the filters already
        chose them, so their query reads them by primary key alone."""
        if not ids:
            return []
        rows = self._with_rows.filter(pk__in=ids)
        return list(rows.order_by(*_ordering(SORTS[self.sort])))
