"""The release history: filters, search, keyset pages, query counts and the CSV exports."""

import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.http import QueryDict, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from readiness.models import Action, Decision, Participant, Person, Release, Session
from readiness.models.releases import ReleaseQuerySet
from readiness.reports.exports import csv_cell
from readiness.reports.history import ReleaseFilter, rows_for_day
from tests.helpers import assert_sends_to_login
from tests.history_data import act, history_set, release_with_session

LIST = "/releases/"


@pytest.fixture
def known(db):
    return history_set()


def names(query: str) -> list[str]:
    """The names the history shows for a query string, in order (first page)."""
    history = ReleaseFilter(QueryDict(query), Release.objects.all())
    assert history.is_valid, history.form.errors
    return [release.name for release in history.page().rows]


def shown(response) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/releases/[^"]+/">([^<]+)</a>', response.text)


# --- Each filter --------------------------------------------------------------------------


ALL = [
    "Zeta Billing",
    "Epsilon Mobile",
    "Delta Search",
    "Gamma Refunds",
    "Beta Ledger",
    "Alpha Payments",
]


EACH_FILTER = [
    ("", ALL),
    ("outcome=go", ["Alpha Payments"]),
    ("outcome=conditional_go", ["Zeta Billing", "Beta Ledger"]),
    ("outcome=no_go", ["Gamma Refunds"]),
    ("outcome=postponed", ["Delta Search"]),
    ("outcome=undecided", ["Epsilon Mobile"]),
    ("status=deployed", ["Zeta Billing", "Alpha Payments"]),
    ("status=cancelled", ["Gamma Refunds"]),
    (
        "date_from=2024-03-05",
        ["Zeta Billing", "Epsilon Mobile", "Delta Search", "Gamma Refunds"],
    ),
    ("date_to=2024-03-05", ["Gamma Refunds", "Beta Ledger", "Alpha Payments"]),
    (
        "date_from=2024-02-01&date_to=2024-04-30",
        ["Delta Search", "Gamma Refunds", "Beta Ledger"],
    ),
    ("area=QA", ["Epsilon Mobile", "Alpha Payments"]),
    ("area=Security", ["Zeta Billing", "Beta Ledger"]),
    ("overdue=on", ["Epsilon Mobile", "Beta Ledger"]),
    ("open_conditions=on", ["Beta Ledger"]),
]


def test_it_filters_by_each_field(known):
    for query, expected in EACH_FILTER:
        assert names(query) == expected, query


def test_it_filters_by_facilitator_and_by_action_owner(known):
    assert names(f"facilitator={known.fay.pk}") == ["Gamma Refunds", "Alpha Payments"]
    assert names(f"facilitator={known.marco.pk}") == [
        "Zeta Billing",
        "Delta Search",
        "Beta Ledger",
    ]
    assert names(f"owner={known.ana.pk}") == ["Epsilon Mobile", "Alpha Payments"]
    assert names(f"owner={known.bruno.pk}") == ["Epsilon Mobile", "Beta Ledger"]


COMBINATIONS = [
    ("outcome=conditional_go&open_conditions=on", ["Beta Ledger"]),
    ("outcome=conditional_go&status=deployed", ["Zeta Billing"]),
    ("area=QA&overdue=on", ["Epsilon Mobile"]),
    ("status=planned&date_to=2024-04-30", ["Delta Search", "Beta Ledger"]),
    ("status=deployed&outcome=no_go", []),
    ("area=Security&outcome=conditional_go&date_from=2024-03-01", ["Zeta Billing"]),
    ("q=ledger&overdue=on", ["Beta Ledger"]),
]


def test_it_combines_filters(known):
    for query, expected in COMBINATIONS:
        assert names(query) == expected, query


def test_it_combines_facilitator_owner_and_outcome(known):
    query = f"facilitator={known.marco.pk}&owner={known.bruno.pk}&outcome=conditional_go"
    assert names(query) == ["Beta Ledger"]


# --- Search -------------------------------------------------------------------------------


SEARCHES = [
    ("kangaroo", ["Gamma Refunds"]),  # a word of an action's description
    ("Payments", ["Alpha Payments"]),  # a release name
    ("soak", ["Alpha Payments"]),  # a decision's rationale
    ("rotate", ["Beta Ledger"]),  # a condition
    ("walrus", ["Alpha Payments"]),  # an evidence title
    ("refund totals", ["Gamma Refunds"]),  # a superseded decision counts too
    ("ledger", ["Gamma Refunds", "Beta Ledger"]),
    ("nothing-like-this", []),
]


def test_it_searches_names_decisions_conditions_actions_and_evidence(known):
    for text, expected in SEARCHES:
        assert names(f"q={text}") == expected, text


def test_it_finds_a_release_by_a_word_of_an_action_description(client, manager, known):
    client.force_login(manager)
    assert shown(client.get(f"{LIST}?q=kangaroo")) == ["Gamma Refunds"]


def test_the_search_is_full_text_on_postgresql(known):
    history = ReleaseFilter(QueryDict("q=kangaroo"), Release.objects.all())
    sql = str(history.queryset().query)
    if connection.vendor == "postgresql":
        # The stored documents, parsed when their rows were written, not once per search.
        assert "websearch_to_tsquery" in sql
        assert '"description_document" @@' in sql and '"rationale_document" @@' in sql
        assert "to_tsvector" not in sql
    else:
        assert "LIKE" in sql


@pytest.mark.parametrize("common", [True, False])
def test_a_common_word_is_asked_of_each_release_and_a_rare_one_read_as_sets(
    known, monkeypatch, common
):
    """A page and the count stop early: a word many rows hold is asked of each release in
    turn, a rarer one read as each searched table's set of matches; the export reads
    every match, so it reads sets whatever the word. Every shape finds the same releases."""
    from readiness.reports import history

    # The test data is small: "common" is one row or more, "rare" more rows than it has.
    monkeypatch.setattr(history, "COMMON_WORD_ROWS", 1 if common else 10_000)
    for text, expected in SEARCHES:
        found = ReleaseFilter(QueryDict(f"q={text}"), Release.objects.all())
        assert [r.name for r in found.queryset()] == expected, text
        assert [r.name for r in found.page().rows] == expected, text
        # Read inside another query, where the releases' table has another alias.
        nested = Release.objects.filter(pk__in=found._filtered.values("pk"))
        assert sorted(r.name for r in nested) == sorted(expected), text
    if connection.vendor == "postgresql":
        found = ReleaseFilter(QueryDict("q=kangaroo"), Release.objects.all())
        page, export = str(found._filtered.query), str(found.queryset().query)
        assert export.count('"readiness_release"."id" IN (SELECT') == 5
        if common:
            # The release's own name, then one probe per other searched table, each
            # stopping at its first match (a scalar subquery: PostgreSQL would make an
            # EXISTS a set of every match again).
            assert '"readiness_release"."name_document" @@' in page
            assert page.count('AS "_hit" FROM') == 4
            assert '"readiness_release"."id" IN (SELECT' not in page
        else:
            assert '"_hit"' not in page
            assert page.count('"readiness_release"."id" IN (SELECT') == 5


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="stored search documents are PostgreSQL's"
)
def test_each_searched_column_has_a_stored_document_indexed_without_a_pending_list(db):
    from readiness.reports.history import SEARCHED

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.reloptions, pg_get_indexdef(c.oid) FROM pg_class c "
            "WHERE c.relname LIKE %s",
            ["%_document_idx"],
        )
        indexes = {name: (options, sql) for name, options, sql in cursor.fetchall()}
    assert len(indexes) == len(SEARCHED)
    for model, _path, column in SEARCHED:
        table = model._meta.db_table
        options, sql = next(i for i in indexes.values() if f" ON public.{table} " in i[1])
        assert f"gin ({column}_document)" in sql
        assert options == ["fastupdate=off"]


def test_the_search_follows_a_changed_text(known):
    action = Action.objects.get(description__icontains="kangaroo")
    Action.objects.filter(pk=action.pk).update(description="Count the platypus tickets.")
    Release.objects.filter(name="Beta Ledger").update(name="Beta Wombat")
    assert names("q=kangaroo") == []
    assert names("q=platypus") == [action.release.name]
    assert names("q=wombat") == ["Beta Wombat"]


# --- Bad values ---------------------------------------------------------------------------


BAD_VALUES = [
    "outcome=maybe",
    "status=lost",
    "date_from=yesterday",
    "date_from=2024-05-01&date_to=2024-01-01",
    "facilitator=abc",
    "owner=999999",
    "area=Nowhere",
    "sort=random",
    "after=-3",
    "q=" + "x" * 300,
]


def test_it_shows_bad_filter_values_as_form_errors(client, manager, known):
    client.force_login(manager)
    for query in BAD_VALUES:
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 422, query
        assert "Some filters could not be applied" in response.text
        if not query.startswith("after"):  # a page link has no control to mark
            assert 'class="errorlist' in response.text, query
        else:
            assert "Page link: " in response.text


def test_it_still_applies_the_valid_filters_next_to_a_bad_one(client, manager, known):
    client.force_login(manager)
    response = client.get(f"{LIST}?outcome=maybe&status=deployed")
    assert shown(response) == ["Zeta Billing", "Alpha Payments"]


# --- The page -----------------------------------------------------------------------------


def test_it_shows_each_row_with_outcome_conditions_actions_and_facilitator(client, manager, known):
    client.force_login(manager)
    page = client.get(LIST).text
    beta = page.split(">Beta Ledger</a>", 1)[1].split("</tr>", 1)[0]
    assert "GO with conditions" in beta and "outcome-conditional_go" in beta
    assert "1 of 2" in beta  # conditions satisfied of total
    assert "0 of 1" in beta and "1 overdue" in beta  # actions done of total, overdue
    assert "Marco Reis" in beta
    epsilon = page.split(">Epsilon Mobile</a>", 1)[1].split("</tr>", 1)[0]
    assert "Undecided" in epsilon and "0 of 2" in epsilon and "1 overdue" in epsilon
    assert "6 releases" in page


def test_the_count_stops_one_past_its_limit_and_says_more_than(
    client, manager, known, monkeypatch
):
    client.force_login(manager)
    monkeypatch.setattr(ReleaseFilter, "count_limit", 6)
    assert "6 releases" in client.get(LIST).text
    monkeypatch.setattr(ReleaseFilter, "count_limit", 4)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(LIST).text
    assert "More than 4 releases" in page and "6 releases" not in page
    # Counted from the matching ids, read no further than the fifth match and without
    # the row figures.
    (count,) = [q["sql"] for q in queries if "LIMIT 5" in q["sql"]]
    assert count.startswith('SELECT "readiness_release"."id" AS "pk" FROM')
    assert "Mais de 4 releases" in client.get(LIST, headers={"Accept-Language": "pt-BR"}).text
    # Past the limit, the filtered count still says so; under it, it is exact.
    assert "More than 4 releases" in client.get(f"{LIST}?date_from=2024-01-01").text
    assert "2 releases" in client.get(f"{LIST}?outcome=conditional_go").text


def test_the_filters_are_read_once_for_the_count_and_the_first_page(known):
    history = ReleaseFilter(QueryDict("q=ledger&overdue=on"), Release.objects.all())
    with CaptureQueriesContext(connection) as queries:
        page = history.page()
        total = history.count()
    assert [r.name for r in page.rows] == ["Beta Ledger"] and total == 1
    assert not page.has_next and not page.has_previous
    # The matching ids, then their rows by primary key: the search and the overdue test
    # are asked once, in the first query only (on PostgreSQL, after one that asks whether
    # the word is common, which reads no release).
    sql = [q["sql"] for q in queries]
    if connection.vendor == "postgresql":
        common, *sql = sql
        assert "OFFSET 999" in common and "readiness_release_id" not in common
        assert '"readiness_release"."id"' not in common
    ids, rows = sql
    assert "ledger" in ids.lower() and "ledger" not in rows.lower()
    assert f'"readiness_release"."id" IN ({known.releases["beta"].pk})' in rows


def test_the_last_page_is_the_tail_of_the_counted_ids(client, manager):
    newest_first = [r.name for r in _bulk_releases(60)]
    history = ReleaseFilter(QueryDict("last=1"), Release.objects.all())
    with CaptureQueriesContext(connection) as queries:
        page = history.page()
        assert history.count() == 60
    assert [r.name for r in page.rows] == newest_first[-25:]
    assert page.has_previous and not page.has_next
    assert len(queries) == 2
    # Past the count's limit, the last page is read backwards in the index instead.
    history = ReleaseFilter(QueryDict("last=1"), Release.objects.all())
    history.count_limit = 50
    assert [r.name for r in history.page().rows] == newest_first[-25:]
    assert history.count() == 51


def test_it_labels_every_filter_control(client, manager, known):
    client.force_login(manager)
    page = client.get(LIST).text
    form = page.split('id="history-filters"', 1)[1].split("</form>", 1)[0]
    for name in [
        "q",
        "outcome",
        "status",
        "date_from",
        "date_to",
        "facilitator",
        "owner",
        "area",
        "overdue",
        "open_conditions",
        "sort",
    ]:
        assert f'<label for="id_{name}"' in form, name
        assert f'id="id_{name}"' in form, name
    assert 'hx-get="/releases/"' in form and 'hx-push-url="true"' in form
    assert 'method="get" action="/releases/"' in form


def test_it_keeps_the_filters_in_the_form_and_the_export_link(client, manager, known):
    client.force_login(manager)
    page = client.get(f"{LIST}?status=deployed&overdue=on&q=alpha").text
    assert '<option value="deployed" selected>' in page
    assert 'name="overdue" id="id_overdue" checked' in page
    assert 'href="/releases/export.csv?status=deployed&amp;overdue=on&amp;q=alpha"' in page


def test_it_serves_only_the_list_region_to_htmx(client, manager, known):
    client.force_login(manager)
    response = client.get(f"{LIST}?outcome=go", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="release-list"')
    assert "<form" not in response.text and "<html" not in response.text
    assert shown(response) == ["Alpha Payments"]
    assert "HX-Request" in response["Vary"]


def test_it_sorts_by_date_name_and_outcome(known):
    assert names("sort=date") == ALL[::-1]
    assert names("sort=name") == sorted(ALL)
    assert names("sort=-name") == sorted(ALL, reverse=True)
    assert names("sort=outcome") == [
        "Alpha Payments",  # GO
        "Zeta Billing",  # GO with conditions, newest first
        "Beta Ledger",
        "Gamma Refunds",  # NO-GO
        "Delta Search",  # postponed
        "Epsilon Mobile",  # undecided
    ]


# --- Keyset pages -------------------------------------------------------------------------


def _bulk_releases(n: int, start: dt.date = dt.date(2020, 1, 1)) -> list[Release]:
    """`n` releases, one a day, created in one statement (the services would take minutes)."""
    Release.objects.bulk_create(
        Release(
            name=f"Bulk {i:05d}",
            slug=f"{start + dt.timedelta(days=i)}-bulk-{i:05d}",
            planned_date=start + dt.timedelta(days=i),
        )
        for i in range(n)
    )
    return list(Release.objects.order_by("-planned_date", "-pk"))


def _page(client, query: str):
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    return response, shown(response)


def _link(response, label: str) -> str | None:
    match = re.search(rf'<a href="([^"]*)"[^>]*>{label}</a>', response.text)
    return match.group(1).replace("&amp;", "&") if match else None


def _follow(client, response, label: str):
    """The page the link `label` of `response` leads to."""
    return _page(client, _link(response, label).lstrip("?"))


def test_it_pages_forward_to_the_end_and_back_to_the_start(client, manager):
    newest_first = [r.name for r in _bulk_releases(60)]
    client.force_login(manager)
    first, rows = _page(client, "")
    assert rows == newest_first[:25]
    assert _link(first, "Previous") is None and _link(first, "First") is None
    second, rows = _follow(client, first, "Next")
    assert rows == newest_first[25:50]
    third, rows = _follow(client, second, "Next")
    assert rows == newest_first[50:]
    assert _link(third, "Next") is None and _link(third, "Last") is None
    back, rows = _follow(client, third, "Previous")
    assert rows == newest_first[25:50]
    start, rows = _follow(client, back, "Previous")
    assert rows == newest_first[:25]
    assert _link(start, "Previous") is None


def test_it_jumps_to_the_last_page_and_pages_back_from_it(client, manager):
    newest_first = [r.name for r in _bulk_releases(60)]
    client.force_login(manager)
    first, _rows = _page(client, "")
    last, rows = _follow(client, first, "Last")
    assert rows == newest_first[-25:]
    assert _link(last, "Next") is None and _link(last, "Last") is None
    assert _link(last, "Previous") is not None
    before, rows = _follow(client, last, "Previous")
    assert rows == newest_first[10:35]
    # Paging back again would leave a short page of 10: the first page is shown whole.
    start, rows = _follow(client, before, "Previous")
    assert rows == newest_first[:25]
    assert _link(start, "Previous") is None


def test_it_pages_within_the_filters_and_the_sort(client, manager):
    releases = _bulk_releases(60)
    Release.objects.filter(pk__in=[r.pk for r in releases[::2]]).update(status="deployed")
    by_name = sorted(r.name for r in releases[::2])
    client.force_login(manager)
    first, rows = _page(client, "status=deployed&sort=name")
    assert rows == by_name[:25]
    second, rows = _follow(client, first, "Next")
    assert rows == by_name[25:]
    assert "status=deployed" in _link(second, "Previous")
    last, rows = _follow(client, first, "Last")
    assert rows == by_name[-25:]


def test_it_pages_by_outcome_across_equal_keys(known):
    history = ReleaseFilter(QueryDict("sort=outcome"), Release.objects.all())
    page = history.page(size=2)
    seen = [r.name for r in page.rows]
    while page.has_next:
        history = ReleaseFilter(
            QueryDict(f"sort=outcome&after={page.last_id}"), Release.objects.all()
        )
        page = history.page(size=2)
        seen += [r.name for r in page.rows]
    assert seen == names("sort=outcome")


# --- Queries do not grow with the data ----------------------------------------------------


def _bulk_history(n: int) -> None:
    """`n` releases with a session, a facilitator, a member, a decision and two actions."""
    person = Person.objects.create(name=f"Bulk person {n}")
    start = dt.date(2021, 1, 1)
    Release.objects.bulk_create(
        Release(
            name=f"History {n}-{i}",
            slug=f"history-{n}-{i}",
            planned_date=start + dt.timedelta(days=i % 900),
        )
        for i in range(n)
    )
    releases = Release.objects.filter(slug__startswith=f"history-{n}-")
    Session.objects.bulk_create(
        Session(
            release=r,
            scheduled_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
            time_zone="America/Sao_Paulo",
            facilitator=person,
        )
        for r in releases
    )
    sessions = list(Session.objects.filter(release__in=releases))
    Participant.objects.bulk_create(
        Participant(session=s, person=person, area="QA") for s in sessions
    )
    outcomes = Decision.Outcome.values
    Decision.objects.bulk_create(
        Decision(session=s, outcome=outcomes[i % len(outcomes)]) for i, s in enumerate(sessions)
    )
    Action.objects.bulk_create(
        Action(
            session=s,
            release_id=s.release_id,
            code=f"A{k}",
            description="Bulk",
            owner=person,
            due_date=start,
        )
        for s in sessions
        for k in (1, 2)
    )


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "query", ["", "sort=outcome&last=1", "overdue=on&area=QA&sort=name", "q=history"]
)
def test_the_history_makes_the_same_queries_for_10_and_1000_releases(
    client, manager, django_assert_max_num_queries, query
):
    _bulk_history(10)
    client.force_login(manager)
    small = _queries(client, f"{LIST}?{query}")
    _bulk_history(1000)
    with django_assert_max_num_queries(small):
        response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200 and len(shown(response)) == 25
    first = shown(client.get(f"{LIST}?{query}"))
    boundary = Release.objects.get(name=first[-1])
    with django_assert_max_num_queries(small + 1):  # the cursor row's keys
        client.get(f"{LIST}?{query}&after={boundary.pk}")


def test_the_row_figures_are_built_once_a_day_and_each_reader_keeps_their_own_rule(
    known, monkeypatch
):
    rows_for_day.cache_clear()
    built = []
    with_history_row = ReleaseQuerySet.with_history_row

    def counted(self, today_by_zone):
        built.append(today_by_zone)
        return with_history_row(self, today_by_zone)

    monkeypatch.setattr(ReleaseQuerySet, "with_history_row", counted)
    everyone = ReleaseFilter(QueryDict(""), Release.objects.all())
    only_alpha = ReleaseFilter(QueryDict(""), Release.objects.filter(name="Alpha Payments"))
    assert [r.name for r in everyone.page().rows] == ALL
    assert [r.name for r in only_alpha.page().rows] == ["Alpha Payments"]
    assert only_alpha.count() == 1
    # The second reader's figures are the first one's, still unevaluated, and still right.
    assert len(built) == 1
    alpha = only_alpha.page().rows[0]
    assert (alpha.action_count, alpha.current_outcome) == (
        Action.objects.filter(release=alpha).exclude(status="cancelled").count(),
        Decision.Outcome.GO,
    )
    rows_for_day.cache_clear()


# --- Who may see it -----------------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST, "/releases/export.csv", "/actions/export.csv"])
def test_it_sends_anonymous_visitors_to_the_login_page(client, url):
    assert_sends_to_login(client.get(url))


@pytest.mark.parametrize("url", [LIST, "/releases/export.csv", "/actions/export.csv"])
def test_it_answers_every_role(client, any_role, known, url):
    client.force_login(any_role)
    response = client.get(url)
    assert response.status_code == 200
    if url == LIST:
        assert len(shown(response)) == min(Release.objects.count(), 25)
    else:
        rows = _csv(response)
        model = Release if url.startswith("/releases/") else Action
        assert len(rows) == 1 + model.objects.count()


@pytest.mark.parametrize("url", [LIST, "/releases/export.csv", "/actions/export.csv"])
def test_it_refuses_other_methods(client, manager, url):
    client.force_login(manager)
    assert client.post(url).status_code == 405
    assert client.delete(url).status_code == 405


@pytest.mark.parametrize("url", [LIST, "/releases/export.csv", "/actions/export.csv"])
def test_it_refuses_an_inactive_login(client, manager, url):
    client.force_login(manager)
    manager.is_active = False
    manager.save()
    assert client.get(url).status_code == 302


# --- CSV ----------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def test_it_exports_the_filtered_history_as_csv(client, manager, known):
    client.force_login(manager)
    response = client.get("/releases/export.csv?status=deployed&sort=name")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="releases-')
    rows = _csv(response)
    assert rows[0][:4] == ["Release", "Planned for", "Status", "Latest outcome"]
    assert [row[0] for row in rows[1:]] == ["Alpha Payments", "Zeta Billing"]
    zeta = rows[2]
    assert zeta[1:10] == [
        "2024-06-01",
        "Deployed",
        "GO with conditions",
        "1",
        "1",
        "0",
        "0",
        "0",
        "Marco Reis",
    ]


def test_the_history_export_refuses_bad_filters(client, manager):
    client.force_login(manager)
    response = client.get("/releases/export.csv?date_from=nope")
    assert response.status_code == 400
    assert "date_from" in response.text


def test_it_streams_the_export_without_loading_every_row(client, manager):
    _bulk_history(30)
    client.force_login(manager)
    response = client.get("/releases/export.csv")
    assert response.streaming
    lines = iter(response.streaming_content)
    assert next(lines).decode().startswith("\ufeffRelease,")
    assert sum(1 for _ in lines) == 30


def test_it_exports_all_actions_with_area_and_timeliness(client, manager):
    ana, carla = Person.objects.create(name="Júlia Martins"), Person.objects.create(name="Carla")
    session = release_with_session(
        "Billing Gateway", dt.date(2024, 7, 15), members=((ana, "Finanças"),)
    )
    tz_late_evening = dt.datetime(2024, 7, 17, 2, 0, tzinfo=dt.UTC)  # 23:00 on the 16th in SP
    act(session, "A1", ana, due=dt.date(2024, 7, 16), status="done", completed=tz_late_evening)
    act(
        session,
        "A2",
        carla,
        due=dt.date(2024, 7, 16),
        status="done",
        completed=dt.datetime(2024, 7, 18, 12, tzinfo=dt.UTC),
    )
    act(session, "A3", carla, due=dt.date(2024, 7, 16), description='=HYPERLINK("http://x")')
    client.force_login(manager)
    response = client.get("/actions/export.csv")
    assert response["Content-Disposition"].startswith('attachment; filename="actions-')
    rows = _csv(response)
    header = rows[0]
    assert header == [
        "Release",
        "Planned for",
        "Session",
        "Code",
        "Kind",
        "Action",
        "Owner",
        "Area",
        "Due",
        "Status",
        "Completed at",
        "Closed on time",
        "Overdue",
    ]
    by_code = {row[3]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_code["A1"]["Owner"] == "Júlia Martins" and by_code["A1"]["Area"] == "Finanças"
    assert by_code["A1"]["Closed on time"] == "yes" and by_code["A1"]["Overdue"] == "no"
    assert by_code["A2"]["Area"] == "" and by_code["A2"]["Closed on time"] == "no"
    assert by_code["A3"]["Closed on time"] == "" and by_code["A3"]["Overdue"] == "yes"
    assert by_code["A3"]["Action"] == '\'=HYPERLINK("http://x")'
    assert by_code["A1"]["Session"] == "2024-07-13T14:00-03:00"
    assert by_code["A1"]["Release"] == "Billing Gateway"


def test_the_export_is_utf8_that_spreadsheets_recognise(client, manager):
    release_with_session("Júlia e Guilherme", dt.date(2024, 7, 15))
    client.force_login(manager)
    body = b"".join(client.get("/releases/export.csv").streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    assert "Júlia e Guilherme".encode() in body


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+55 11 5555", "'+55 11 5555"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Plain text", "Plain text"),
        ("a=b", "a=b"),
        (3, 3),
        (None, ""),
        (dt.date(2024, 7, 15), "2024-07-15"),
    ],
)
def test_it_neutralises_formulas_in_csv_cells(value, expected):
    assert csv_cell(value) == expected


def test_the_history_export_neutralises_formulas_in_names(client, manager):
    release_with_session("=cmd|' /C calc'!A0", dt.date(2024, 7, 15))
    client.force_login(manager)
    rows = _csv(client.get("/releases/export.csv"))
    assert rows[1][0] == "'=cmd|' /C calc'!A0"
