"""Insights: every figure checked against numbers worked out by hand, and the page itself."""

import datetime as dt

import pytest

from readiness.models import Action, Decision, Release, local_today_by_zone
from readiness.reports import charts
from readiness.reports.insights import (
    Scope,
    conditional_gos,
    on_time_rates,
    outcomes_per_month,
    overdue_by_owner,
)
from tests.factories import make_person
from tests.helpers import assert_sends_to_login
from tests.history_data import act, at, decide, release_with_session, satisfy

URL = "/insights/"
GO, COND, NO_GO = Decision.Outcome.GO, Decision.Outcome.CONDITIONAL_GO, Decision.Outcome.NO_GO


@pytest.fixture
def small(db):
    """
    Releases (planned date, latest outcome):
      A 2024-01-10 conditional GO: decided 01-08 12:00 UTC; conditions met 01-09 12:00 UTC
        and 01-11 02:30 UTC (23:30 on the 10th in São Paulo, so still in time): in time,
        2 days 14.5 hours = 2.6042 days.
      B 2024-01-20 conditional GO: decided 01-15 00:00 UTC; met 01-25 00:00 UTC: late, 10 days.
      C 2024-02-05 conditional GO, its condition still open: not in time, no duration.
      D 2024-02-10 GO.  E 2024-03-01 NO-GO.  F 2024-03-15 undecided.
    Members: Ana (QA) and Bruno (Security) in A, Carla observes A; Dora (QA) in E.
    Actions, all due 2024-01-12 unless said otherwise:
      a1 Ana done 01-11 (on time)         a2 Ana done 01-14 (late)
      a3 Bruno open (overdue)              a4 Carla done 01-12 23:00 São Paulo (on time)
      a5 Bruno open, due 2099 (not due)    a6 Ana cancelled (left out)
      a7 Bruno done, no due date (left out)
      a8 Dora blocked, due 2024-03-02 (overdue)
    """
    ana, bruno = make_person("Ana Souza"), make_person("Bruno Dias")
    carla, dora = make_person("Carla Reis"), make_person("Dora Lima")
    a = release_with_session(
        "A", dt.date(2024, 1, 10), members=((ana, "QA"), (bruno, "Security")), observers=(carla,)
    )
    decision = decide(a, COND, conditions=["one", "two"], recorded_at=at(2024, 1, 8))
    first, second = decision.conditions.order_by("position")
    satisfy(first, at(2024, 1, 9))
    satisfy(second, dt.datetime(2024, 1, 11, 2, 30, tzinfo=dt.UTC))
    b = release_with_session("B", dt.date(2024, 1, 20))
    decision = decide(b, COND, conditions=["one"], recorded_at=at(2024, 1, 15, hour=0))
    satisfy(decision.conditions.get(), at(2024, 1, 25, hour=0))
    c = release_with_session("C", dt.date(2024, 2, 5))
    decide(c, COND, conditions=["one"], recorded_at=at(2024, 2, 1))
    decide(release_with_session("D", dt.date(2024, 2, 10)), GO)
    e = release_with_session("E", dt.date(2024, 3, 1), members=((dora, "QA"),))
    decide(e, NO_GO)
    release_with_session("F", dt.date(2024, 3, 15))

    due = dt.date(2024, 1, 12)
    act(a, "A1", ana, due=due, status="done", completed=at(2024, 1, 11))
    act(a, "A2", ana, due=due, status="done", completed=at(2024, 1, 14))
    act(a, "A3", bruno, due=due)
    act(a, "A4", carla, due=due, status="done", completed=at(2024, 1, 13, hour=2))
    act(a, "A5", bruno, due=dt.date(2099, 1, 1))
    act(a, "A6", ana, due=due, status="cancelled")
    act(a, "A7", bruno, due=None, status="done")
    act(e, "A8", dora, due=dt.date(2024, 3, 2), status="blocked")


def _figures(scope: Scope):
    releases = scope.releases(Release.objects.all())
    actions = scope.actions(Action.objects.all())
    today = local_today_by_zone()
    return (
        outcomes_per_month(releases),
        conditional_gos(releases),
        on_time_rates(actions, today),
        overdue_by_owner(actions, today),
    )


def _months(months):
    return {m.month.isoformat()[:7]: {k: v for k, v in m.counts.items() if v} for m in months}


def _rates(rates):
    return {r.label: (r.on_time, r.settled, r.percent) for r in rates}


def test_the_figures_match_the_hand_count(small):
    months, gos, rates, overdue = _figures(Scope())
    assert _months(months) == {
        "2024-01": {"conditional_go": 2},
        "2024-02": {"conditional_go": 1, "go": 1},
        "2024-03": {"no_go": 1, "undecided": 1},
    }
    assert [m.total for m in months] == [2, 2, 2]
    assert (gos.in_time, gos.not_in_time, gos.total) == (1, 2, 3)
    assert gos.days_to_last_condition == pytest.approx([2 + 14.5 / 24, 10.0])
    assert gos.median_days == pytest.approx((2 + 14.5 / 24 + 10) / 2)
    assert _rates(rates["area"]) == {
        "QA": (1, 3, 33),
        "Security": (0, 1, 0),
        "No area": (1, 1, 100),
    }
    assert _rates(rates["owner"]) == {
        "Ana Souza": (1, 2, 50),
        "Bruno Dias": (0, 1, 0),
        "Carla Reis": (1, 1, 100),
        "Dora Lima": (0, 1, 0),
    }
    assert overdue == [("Bruno Dias", 1), ("Dora Lima", 1)]


def test_the_figures_follow_the_area(small):
    months, gos, rates, overdue = _figures(Scope(area="QA"))
    assert _months(months) == {
        "2024-01": {"conditional_go": 1},
        "2024-02": {},
        "2024-03": {"no_go": 1},
    }
    assert (gos.in_time, gos.not_in_time) == (1, 0)
    assert gos.median_days == pytest.approx(2 + 14.5 / 24)
    assert _rates(rates["area"]) == {"QA": (1, 3, 33)}
    assert _rates(rates["owner"]) == {"Ana Souza": (1, 2, 50), "Dora Lima": (0, 1, 0)}
    assert overdue == [("Dora Lima", 1)]


def test_the_figures_follow_the_date_range(small):
    scope = Scope(date_from=dt.date(2024, 2, 1), date_to=dt.date(2024, 3, 31))
    months, gos, rates, overdue = _figures(scope)
    assert list(_months(months)) == ["2024-02", "2024-03"]
    assert (gos.in_time, gos.not_in_time, gos.median_days) == (0, 1, None)
    assert _rates(rates["owner"]) == {"Dora Lima": (0, 1, 0)}
    assert overdue == [("Dora Lima", 1)]


def test_there_are_no_figures_without_releases(db):
    months, gos, rates, overdue = _figures(Scope())
    assert months == [] and gos.total == 0 and gos.median_days is None
    assert rates == {"area": [], "owner": []} and overdue == []


# --- Charts -------------------------------------------------------------------------------


def test_stacked_columns_stack_each_series_on_the_last():
    chart = charts.stacked_columns(
        [("2024-01", {"go": 2, "no_go": 1}), ("2024-02", {"go": 4})],
        [("go", "GO", "chart-go"), ("no_go", "NO-GO", "chart-no_go")],
        width=100,
        height=100,
    )
    # Axis up to 5 (the next round number above 4) over a plot 48 high.
    go, no_go, second = chart.rects
    assert go.css_class == "chart-go" and no_go.css_class == "chart-no_go"
    assert go.height == pytest.approx(48 * 2 / 5) and no_go.height == pytest.approx(48 / 5)
    assert no_go.y + no_go.height == pytest.approx(go.y)
    assert second.height == pytest.approx(48 * 4 / 5)
    assert go.title == "2024-01: GO 2"
    assert [label.text for label in chart.labels] == ["2024-01", "2024-02"]
    assert [g.text for g in chart.grid] == ["0", "1", "2", "3", "4", "5"]


def test_horizontal_bars_scale_to_the_maximum():
    chart = charts.horizontal_bars([("QA", 0.5, "50%"), ("Security", 1.0, "100%")], maximum=1)
    qa, security = chart.rects
    assert security.width == pytest.approx(2 * qa.width)
    assert [label.text for label in chart.labels] == ["QA", "50%", "Security", "100%"]


@pytest.mark.parametrize(("value", "expected"), [(0, 1), (1, 1), (3, 5), (7, 10), (42, 50)])
def test_axis_bounds_are_round(value, expected):
    assert charts.nice_max(value) == expected


# --- The page -----------------------------------------------------------------------------


def test_the_page_shows_each_chart_with_its_table(client, manager, small):
    client.force_login(manager)
    page = client.get(URL).text
    for chart_id in ["outcomes-chart", "gos-chart", "area-chart", "owner-chart", "overdue-chart"]:
        assert f'aria-labelledby="{chart_id}-title"' in page, chart_id
        assert f'<table class="compact figures" id="{chart_id}-table">' in page, chart_id
    assert "6.3 days" in page and "over 2 fully satisfied decisions" in page
    overdue = page.split('id="overdue-chart-table"', 1)[1].split("</table>", 1)[0]
    # Each figure names its column, for the phone's stacked rows.
    assert (
        '<th scope="row">Bruno Dias</th><td class="num" data-label="Overdue actions">1</td>'
        in overdue
    )
    area = page.split('id="area-chart-table"', 1)[1].split("</table>", 1)[0]
    assert (
        '<th scope="row">QA</th><td class="num" data-label="On time">1</td>'
        '<td class="num" data-label="Done or due">3</td>'
    ) in area
    assert "33%" in area
    # The Content Security Policy forbids inline styles: charts use classes and attributes.
    assert "style=" not in page and "<style" not in page


def test_the_page_keeps_the_filters_and_answers_htmx_with_the_figures(client, manager, small):
    client.force_login(manager)
    page = client.get(f"{URL}?area=QA&date_from=2024-01-01").text
    assert '<option value="QA" selected>QA</option>' in page
    assert 'value="2024-01-01"' in page
    fragment = client.get(f"{URL}?area=QA", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="insights-figures"')
    assert "<html" not in fragment.text and "<form" not in fragment.text
    assert "HX-Request" in fragment["Vary"]


def test_the_page_reports_bad_filters(client, manager, small):
    client.force_login(manager)
    for query in ["date_from=soon", "date_from=2024-05-01&date_to=2024-01-01", "area=Mars"]:
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 422, query
        assert "Some filters could not be applied" in response.text


def test_the_page_makes_the_same_queries_with_more_data(
    client, manager, small, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(manager)
    with CaptureQueriesContext(connection) as ctx:
        client.get(URL)
    owners = [make_person(f"Owner {i}") for i in range(5)]
    for i in range(20):
        session = release_with_session(f"More {i}", dt.date(2024, 4, 1) + dt.timedelta(days=i))
        decide(session, COND, conditions=["x"])
        act(session, "A1", owners[i % 5], due=dt.date(2024, 4, 2))
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        client.get(URL)


def test_the_nav_links_to_insights(client, manager):
    client.force_login(manager)
    page = client.get(URL).text
    assert '<a href="/insights/" aria-current="page">Insights</a>' in page


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    assert_sends_to_login(client.get(URL))


def test_it_answers_every_role(client, any_role, small):
    client.force_login(any_role)
    response = client.get(URL)
    assert response.status_code == 200
    assert '<div id="insights-figures"' in response.text
    assert "6.3 days" in response.text


def test_it_refuses_other_methods(client, manager):
    client.force_login(manager)
    assert client.post(URL).status_code == 405
