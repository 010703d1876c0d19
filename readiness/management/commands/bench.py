"""The speed budget: pages timed against a trivial view at two data sizes, and a load run.

Everything the in-process part seeds is written inside a transaction it rolls back, so the
database is left as it was; the load run uses a database of its own and drops it. The
targets live in `readiness.bench`, not in the unit tests.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings

from readiness.bench import load, measure, report, seed

DEFAULT_JSON = Path("var") / "bench.json"


def database_label() -> str:
    """What is measured, said plainly: the engine, its version and the database's name."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0].split()[0]
        host = connection.settings_dict.get("HOST") or "local socket"
        return f"PostgreSQL {version}, database {connection.settings_dict['NAME']} on {host}"
    name = connection.settings_dict["NAME"]
    return f"SQLite {connection.Database.sqlite_version}, {name}"


class Command(BaseCommand):
    help = "Time the pages against a trivial view at two data sizes, then load gunicorn."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--sizes", type=int, nargs=2, default=[1_000, 10_000], metavar=("SMALL", "LARGE")
        )
        parser.add_argument(
            "--runs", type=int, default=measure.RUNS, choices=range(2, 101), metavar="N"
        )
        parser.add_argument("--json", type=Path, default=DEFAULT_JSON, metavar="PATH")
        parser.add_argument("--load-seconds", type=float, default=25.0, help="0 skips it")
        parser.add_argument("--load-users", type=int, default=20, metavar="1-200")
        parser.add_argument("--csv", action="store_true", help="also time the CSV exports")
        # Internal: the load run's seeding, in the production settings' own process.
        parser.add_argument("--seed-for-load", type=int, metavar="USERS", help="(internal)")

    def handle(self, *args, **options) -> None:
        if options["seed_for_load"]:
            with transaction.atomic():
                self.stdout.write(json.dumps(seed.seed_load(options["seed_for_load"])))
            return
        small, large = options["sizes"]
        if not 0 < small < large:
            raise CommandError("--sizes wants two growing sizes, such as 1000 10000.")
        if not 1 <= options["load_users"] <= 200:
            # Each person moves an action of their own, and the meeting has 200.
            raise CommandError("--load-users wants 1 to 200 people.")
        label = database_label()
        self.stdout.write(f"Measuring on {label}.")
        _vacuum()
        if connection.vendor != "postgresql":
            self.stdout.write(
                "  The budget is set on PostgreSQL: run it with "
                "DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench make bench"
            )
        results = {
            "database": {"vendor": connection.vendor, "label": label},
            "sizes": [small, large],
            "actions_per_release": seed.ACTIONS_PER_RELEASE,
            "runs": options["runs"],
        }
        with (
            override_settings(
                ALLOWED_HOSTS=["testserver"],
                SECURE_SSL_REDIRECT=False,
                ROOT_URLCONF="readiness.bench.measure",
                # Timed as production serves them: `make bench` runs with DEBUG=1 so that
                # a newcomer needs no secret key, but DEBUG keeps every query's SQL and
                # time, which production never does (0.1 ms more per query).
                DEBUG=False,
            ),
            transaction.atomic(),
            warnings.catch_warnings(),
        ):
            # Without DEBUG, WhiteNoise looks for the collected static files, which a
            # checkout has not got; the bench requests none.
            warnings.filterwarnings("ignore", "No directory at", UserWarning, "django")
            results.update(self._in_process([small, large], options))
            transaction.set_rollback(True)
        _reset_sequences()
        _vacuum()
        self.stdout.write("Rolled back: the database is as it was.")
        results["load"] = None
        if options["load_seconds"] > 0:
            self.stdout.write(
                f"Load run: {options['load_users']} users for {options['load_seconds']:.0f} s "
                "on a database of its own..."
            )
            results["load"] = load.run(
                database_url=_database_url(),
                seconds=options["load_seconds"],
                users=options["load_users"],
                workdir=Path("var") / "bench",
            )
            self.stdout.write("\n".join(report.load_table(results["load"])))
        results["pass"] = (
            all(row["pass"] for row in results["pages"])
            and all(row["pass"] for row in results["session_rows"])
            and (results["load"] is None or results["load"]["errors"] == 0)
        )
        report.write_json(options["json"], results)
        self.stdout.write(f"Wrote {options['json']}.")

    def _in_process(self, sizes: list[int], options: dict) -> dict:
        runs = options["runs"]
        started = time.perf_counter()
        workspace = seed.seed_workspace()
        facilitator, owner = measure.clients(workspace)
        people = seed.history_people()
        self.stdout.write(f"Seeded the meetings in {time.perf_counter() - started:.1f} s.")
        session = measure.session_rows(workspace, facilitator, runs)
        timings: dict[int, dict] = {}
        trivial: dict[int, float] = {}
        seeded = 0
        for size in sizes:
            started = time.perf_counter()
            seed.seed_history(seeded, size, people)
            seed.analyze()
            seeded = size
            self.stdout.write(
                f"Seeded {size:,} releases ({size * seed.ACTIONS_PER_RELEASE:,} actions) "
                f"in {time.perf_counter() - started:.1f} s; timing..."
            )
            trivial[size] = measure.trivial(facilitator, runs)
            timings[size] = {
                page.name: measure.time_page(page, facilitator, runs)
                for page in measure.pages(workspace, facilitator, owner)
            }
        rows = report.page_rows(measure.pages(workspace, facilitator, owner), timings)
        self.stdout.write("\n".join(report.page_table(rows, trivial)))
        self.stdout.write(
            f"Session page: trivial view {session['trivial_ms']:.1f} ms "
            f"(/healthz {session['healthz_ms']:.1f} ms); "
            f"page at 5 {session['page_ms']['small']:.0f} ms, "
            f"{session['page_bytes']['small']:,} bytes; "
            f"at 200 {session['page_ms']['large']:.0f} ms, "
            f"{session['page_bytes']['large']:,} bytes ({session['rows']['large']} rows); "
            f"one status change {session['status_change_ms']:.1f} ms."
        )
        session_rows = report.session_row_verdicts(session.pop("measured"))
        self.stdout.write("\n".join(report.session_table(session_rows)))
        results = {
            "trivial_ms": {str(size): round(t * 1000, 3) for size, t in trivial.items()},
            "pages": rows,
            "session": session,
            "session_rows": session_rows,
        }
        if options["csv"]:
            results["csv"] = self._csv(facilitator)
        return results

    def _csv(self, client: Client) -> dict:
        figures = {}
        for name, url in (
            ("history CSV", "/releases/export.csv"),
            ("actions CSV", "/actions/export.csv"),
        ):
            started = time.perf_counter()
            response = measure.ok(client.get(url))
            size = sum(len(chunk) for chunk in response.streaming_content)
            figures[name] = {"seconds": round(time.perf_counter() - started, 3), "bytes": size}
            self.stdout.write(f"{name}: {figures[name]['seconds']:.2f} s, {size:,} bytes")
        return figures


def _reset_sequences() -> None:
    """Set PostgreSQL's id sequences back to the rows that remain: a rollback leaves them
    advanced, and longer ids would make every run's pages a little heavier than the last."""
    if connection.vendor != "postgresql":
        return  # SQLite's sequence table is rolled back with the rest
    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _vacuum() -> None:
    """Clear PostgreSQL's dead rows, before the run and after its rollback.

    A rolled-back insert leaves its rows and index entries behind as dead tuples until a
    vacuum; a run writes over a hundred thousand actions, and without autovacuum (or
    before it gets to them) every later run's index scans wade through the dead rows of
    the earlier ones, so each run measured slower than the last. SQLite's rollback leaves
    nothing behind, and inside a transaction (a test's) there is nothing to clear yet.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM")


def _database_url() -> str:
    """The measured database as a URL, for the load run's own database beside it."""
    db = settings.DATABASES["default"]
    if connection.vendor != "postgresql":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{db.get('HOST') or ''}{port}/{db['NAME']}"
