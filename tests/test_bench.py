"""`make bench` runs and reports every row of the speed budget (its timings are not judged
here: the suite holds query counts, the bench holds time)."""

from __future__ import annotations

import json
import shutil
from io import StringIO

import pytest
from django.core.management import call_command

from readiness.bench import load as bench_load
from readiness.bench import measure, report
from readiness.management.commands import bench as bench_command
from tests import servers

PAGES = [
    "history, first page",
    "history, last page",
    "history, filtered page",
    "release page, 200 actions",
    "session page, 200 actions",
    "/me/, an owner's open work",
    "deploy gate (API)",
    "live poll, nothing changed",
]


def _run(tmp_path, *args: str) -> tuple[dict, str]:
    out = tmp_path / "bench.json"
    printed = StringIO()
    call_command(
        "bench", "--sizes", "3", "6", "--runs", "2", "--json", str(out), *args, stdout=printed
    )
    return json.loads(out.read_text(encoding="utf-8")), printed.getvalue()


@pytest.mark.django_db
def test_it_writes_every_row_of_the_budget_as_json(tmp_path):
    results, printed = _run(tmp_path, "--load-seconds", "0")

    assert results["sizes"] == [3, 6]
    assert results["database"]["vendor"] in {"sqlite", "postgresql"}
    assert [row["name"] for row in results["pages"]] == PAGES
    for row in results["pages"]:
        assert set(row["sizes"]) == {"3", "6"}
        for figures in row["sizes"].values():
            assert figures["ms"] > 0 and figures["ratio"] > 0 and figures["queries"] > 0
        assert row["queries_constant"] is True
        assert row["name"] in printed
    assert [row["name"] for row in results["session_rows"]] == [
        name for name, _, _ in measure.SESSION_ROWS
    ]
    assert results["load"] is None
    assert isinstance(results["pass"], bool)
    assert "Measuring on " in printed and "Rolled back" in printed


def test_it_fails_a_page_whose_query_count_changes_with_the_size():
    page = measure.Page("a page", 10, get=lambda: None)
    timings = {
        10: {"a page": measure.Timing(0.002, 0.001, 5, 100)},
        100: {"a page": measure.Timing(0.002, 0.001, 6, 100)},
    }

    (row,) = report.page_rows([page], timings)

    assert row["queries_constant"] is False and row["pass"] is False
    assert "query count differs" in report.page_table([row], {})[1]


def test_it_fails_a_page_that_grows_with_the_data():
    page = measure.Page("a page", 10, get=lambda: None)
    timings = {
        10: {"a page": measure.Timing(0.002, 0.001, 5, 100)},
        100: {"a page": measure.Timing(0.003, 0.001, 5, 100)},
    }

    (row,) = report.page_rows([page], timings)

    assert row["ratio_pass"] is True and row["scaling"] == 1.5 and row["pass"] is False


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(shutil.which("gunicorn", path=str(servers.BIN)) is None, reason="no gunicorn")
@pytest.mark.xdist_group(servers.GROUP)
def test_the_load_run_serves_the_meeting_through_gunicorn_without_errors(tmp_path):
    # The load run alone (the in-process part is the test above), as `make bench` starts it.
    load = bench_load.run(
        database_url=bench_command._database_url(), seconds=2, users=3, workdir=tmp_path
    )
    printed = "\n".join(report.load_table(load))

    assert load["users"] == 3 and load["errors"] == 0, load["error_samples"]
    assert set(load["kinds"]) == {"session page", "live poll", "/me/", "status change"}
    assert all(kind["count"] > 0 for kind in load["kinds"].values())
    assert load["kinds"]["session page"]["p95_ms"] >= load["kinds"]["session page"]["p50_ms"]
    assert "requests/s" in printed


@pytest.mark.django_db(transaction=True)
def test_it_clears_the_dead_rows_its_rollback_leaves_on_postgresql():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's rollback leaves no dead rows behind")
    bench_command._vacuum()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = %s",
            ["readiness_action"],
        )
        assert cursor.fetchone() == (True,)
