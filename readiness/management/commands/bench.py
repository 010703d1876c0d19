"""Time the history and the session page at scale, inside a transaction it rolls back.

The history: seed releases, time the list's ends and the CSV exports. The session page:
one session with 200 actions, 200 agenda items and 50 participants, one with 5 of each,
and a trivial logged-in view through the same middleware to compare them with, since
absolute times depend on the machine. Everything it writes is rolled back at the end, so
the database is left as it was. The speed targets live here, not in the unit tests.
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import include, path
from django.utils import timezone

from readiness import services
from readiness.models import (
    Action,
    Condition,
    Decision,
    Evidence,
    Participant,
    Person,
    Release,
    Session,
)

AREAS = ["QA", "Security", "Support", "Finance", "Product"]
ACTIONS_PER_SESSION = 5
# (what, target in seconds)
TARGETS = {
    "list, first page": 0.5,
    "list, last page": 0.5,
    "list, last page by outcome": 1.0,
    "list, overdue + area + search": 1.0,
    "history CSV": 5.0,
    "actions CSV": 10.0,
}


# The session page: (what, target, unit).
WORKSPACE_ROWS = {"small": 5, "large": 200}
WORKSPACE_PARTICIPANTS = {"small": 5, "large": 50}
WORKSPACE_TARGETS = [
    ("page HTML at 200", 250_000, "bytes"),
    ("each extra row / trivial view", 0.25, "x"),
    ("status change answer", 10_000, "bytes"),
    ("status change / trivial view", 3.0, "x"),
]
RUNS = 15
TRIVIAL = engines["django"].from_string("<p>{{ user.get_username }}</p>{% csrf_token %}")


def _trivial(request: HttpRequest) -> HttpResponse:
    """The yardstick: a logged-in page through every middleware, with next to no content
    (it reads the login, as every page does, and renders a two-tag template)."""
    return HttpResponse(TRIVIAL.render({}, request))


# The site's routes, plus the yardstick (only this command serves it).
urlpatterns = [path("bench/trivial", _trivial), path("", include("readiness.urls"))]


class Command(BaseCommand):
    help = "Seed data in a rolled-back transaction; time the history and the session page."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--releases", type=int, default=10_000)
        parser.add_argument(
            "--only", choices=["history", "workspace"], help="run one of the two benches"
        )

    def handle(self, *args, **options) -> None:
        n = options["releases"]
        with override_settings(
            ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False, ROOT_URLCONF=__name__
        ):
            if options["only"] != "history":
                with transaction.atomic():
                    self._workspace()
                    transaction.set_rollback(True)
            if options["only"] != "workspace":
                with transaction.atomic():
                    started = time.perf_counter()
                    self._seed(n)
                    self.stdout.write(
                        f"Seeded {n} releases, {n * ACTIONS_PER_SESSION} actions on "
                        f"{connection.vendor} in {time.perf_counter() - started:.1f} s."
                    )
                    self._measure()
                    transaction.set_rollback(True)
        self.stdout.write("Rolled back: the database is as it was.")

    # --- The session page -----------------------------------------------------------------

    def _workspace(self) -> None:
        facilitator = get_user_model().objects.create_superuser("bench-facilitator", "", None)
        client = Client()
        client.force_login(facilitator)
        release = services.release_create(
            user=None, name="Billing Gateway", planned_date=dt.date(2024, 7, 15)
        )
        sessions = {size: _workspace_session(release, size) for size in WORKSPACE_ROWS}
        healthz = _median(lambda: _ok(client.get("/healthz")))
        trivial = _median(lambda: _ok(client.get("/bench/trivial")))
        page_times, page_sizes = {}, {}
        for size, session in sessions.items():
            url = session.get_absolute_url()
            page_times[size] = _median(lambda url=url: _ok(client.get(url)))
            page_sizes[size] = len(client.get(url).content)
        rows = {size: 2 * WORKSPACE_ROWS[size] + WORKSPACE_PARTICIPANTS[size] for size in sessions}
        per_row = (page_times["large"] - page_times["small"]) / (rows["large"] - rows["small"])
        large = sessions["large"]
        action = large.actions.order_by("pk").first()
        status_url = f"{large.get_absolute_url()}actions/{action.pk}/status"
        flips = itertools.cycle(["blocked", "in_progress"])
        versions = itertools.count(action.version)

        def change() -> int:
            # As HTMX sends it (url-encoded); the version the last answer's row carried.
            data = {"status": next(flips), "reason": "Waiting for the vendor"}
            response = client.post(
                status_url,
                urlencode({**data, "version": next(versions)}),
                content_type="application/x-www-form-urlencoded",
                headers={"HX-Request": "true"},
            )
            return len(_ok(response).content)

        change()
        change_size = change()
        change_time = _median(change, runs=RUNS - 1)
        self.stdout.write(
            f"Session page on {connection.vendor}: trivial view {trivial * 1000:.1f} ms "
            f"(/healthz {healthz * 1000:.1f} ms); "
            f"page at 5 {page_times['small'] * 1000:.0f} ms, {page_sizes['small']:,} bytes; "
            f"at 200 {page_times['large'] * 1000:.0f} ms, {page_sizes['large']:,} bytes "
            f"({rows['large']} rows); one status change {change_time * 1000:.1f} ms."
        )
        measured = {
            "page HTML at 200": page_sizes["large"],
            "each extra row / trivial view": per_row / trivial,
            "status change answer": change_size,
            "status change / trivial view": change_time / trivial,
        }
        self.stdout.write(f"{'what':<34}{'measured':>12}{'target':>12}")
        for name, target, unit in WORKSPACE_TARGETS:
            value = measured[name]
            shown = f"{value:,.0f}" if unit == "bytes" else f"{value:.2f}x"
            goal = f"{target:,}" if unit == "bytes" else f"{target:.2f}x"
            verdict = "PASS" if value <= target else "FAIL"
            self.stdout.write(f"{name:<34}{shown:>12}{goal:>12}  {verdict}")

    def _measure(self) -> None:
        user = get_user_model().objects.create_user("bench-reader", password=None)
        client = Client()
        client.force_login(user)
        bench: list[tuple[str, Callable[[], int]]] = [
            ("list, first page", lambda: _get(client, "/releases/")),
            ("list, last page", lambda: _get(client, "/releases/?last=1")),
            ("list, last page by outcome", lambda: _get(client, "/releases/?sort=outcome&last=1")),
            (
                "list, overdue + area + search",
                lambda: _get(client, "/releases/?overdue=on&area=QA&q=gateway"),
            ),
            ("history CSV", lambda: _stream(client, "/releases/export.csv")),
            ("actions CSV", lambda: _stream(client, "/actions/export.csv")),
        ]
        self.stdout.write(f"{'what':<32}{'seconds':>9}{'target':>8}{'queries':>9}{'size':>12}")
        for name, run in bench:
            run()  # warm the caches once, as a second visitor would find them
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                size = run()
                elapsed = time.perf_counter() - started
            target = TARGETS[name]
            verdict = "ok" if elapsed <= target else "SLOW"
            figures = f"{elapsed:>9.3f}{target:>8.1f}{len(queries):>9}{size:>12}"
            self.stdout.write(f"{name:<32}{figures}  {verdict}")

    def _seed(self, n: int) -> None:
        people = Person.objects.bulk_create(Person(name=f"Bench person {i}") for i in range(60))
        start = dt.date(2000, 1, 1)
        releases = Release.objects.bulk_create(
            Release(
                name=f"Bench {'gateway' if i % 7 == 0 else 'service'} {i}",
                slug=f"bench-{i}",
                planned_date=start + dt.timedelta(days=i % 9000),
                status=Release.Status.values[i % 4],
            )
            for i in range(n)
        )
        if not all(r.pk for r in releases):
            releases = list(Release.objects.filter(slug__startswith="bench-").order_by("pk"))
        sessions = Session.objects.bulk_create(
            Session(
                release=release,
                scheduled_at=timezone.make_aware(
                    dt.datetime.combine(release.planned_date, dt.time(14))
                ),
                time_zone="America/Sao_Paulo",
                facilitator=people[i % 5],
            )
            for i, release in enumerate(releases)
        )
        if not all(s.pk for s in sessions):
            sessions = list(
                Session.objects.filter(release__slug__startswith="bench-").order_by("pk")
            )
        Participant.objects.bulk_create(
            Participant(session=s, person=people[5 + (i + k) % 50], area=AREAS[(i + k) % 5])
            for i, s in enumerate(sessions)
            for k in range(3)
        )
        outcomes = Decision.Outcome.values
        decisions = Decision.objects.bulk_create(
            Decision(
                session=s,
                outcome=outcomes[i % len(outcomes)],
                rationale=f"Decided after reviewing the gateway metrics for release {i}.",
            )
            for i, s in enumerate(sessions)
            if i % 9 != 8  # some stay undecided
        )
        if not all(d.pk for d in decisions):
            decisions = list(Decision.objects.filter(session__in=sessions).order_by("pk"))
        now = timezone.now()
        Condition.objects.bulk_create(
            Condition(
                decision=d,
                position=k,
                text=f"Condition {k}",
                satisfied_at=now if (d.pk + k) % 3 else None,
            )
            for d in decisions
            if d.outcome == Decision.Outcome.CONDITIONAL_GO
            for k in (1, 2)
        )
        statuses = Action.Status.values
        Action.objects.bulk_create(
            Action(
                session=s,
                code=f"A{k}",
                description=f"=Follow up {k} with Júlia and Guilherme",
                owner=people[5 + (i + k) % 50],
                due_date=s.release.planned_date + dt.timedelta(days=k),
                status=statuses[(i + k) % len(statuses)],
                status_reason="waiting" if statuses[(i + k) % len(statuses)] == "blocked" else "",
                completed_at=now if statuses[(i + k) % len(statuses)] == "done" else None,
            )
            for i, s in enumerate(sessions)
            for k in range(ACTIONS_PER_SESSION)
        )
        Evidence.objects.bulk_create(
            Evidence(session=s, title=f"Test report {i}", location=f"docs/{i}.md")
            for i, s in enumerate(sessions)
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")


def _get(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(response.content)


def _stream(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200 and response.streaming, url
    return sum(len(chunk) for chunk in response.streaming_content)


def _workspace_session(release: Release, size: str) -> Session:
    """A session as a long meeting leaves it, written through the services."""
    n = WORKSPACE_ROWS[size]
    session = services.session_schedule(
        user=None,
        release=release,
        scheduled_at=timezone.make_aware(dt.datetime(2024, 7, 15, 14)),
        time_zone="America/Sao_Paulo",
    )
    people = [
        services.person_get_or_create(user=None, name=f"Bench {size} person {i}", title="SRE")
        for i in range(WORKSPACE_PARTICIPANTS[size])
    ]
    for i, person in enumerate(people):
        services.participant_add(user=None, session=session, person=person, area=AREAS[i % 5])
    for i in range(n):
        services.agenda_item_add(
            user=None, session=session, title=f"Review the {AREAS[i % 5]} metrics, part {i}"
        )
        services.action_create(
            user=None,
            session=session,
            code=f"A{i + 1}",
            description=f"Re-run the k6 script for the {AREAS[i % 5]} checks, part {i}.",
            owner=people[i % len(people)],
            # Due within the coming weeks; one in ten already overdue.
            due_date=timezone.localdate() + dt.timedelta(days=-3 if i % 10 == 9 else 7 + i % 21),
            notify=False,
        )
    return session


def _ok(response):
    assert response.status_code == 200, response.status_code
    return response


def _median(run: Callable[[], object], runs: int = RUNS) -> float:
    """The median time of `runs` calls, after one to warm the caches."""
    run()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
