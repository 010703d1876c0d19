"""Time the history at scale: seed releases, time the list's ends and the CSV exports, roll back.

Everything it writes is inside one transaction that is rolled back at the end, so the
database is left as it was. The speed targets live here, not in the unit tests.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

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


class Command(BaseCommand):
    help = "Seed N releases in a rolled-back transaction and time the history pages and exports."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--releases", type=int, default=10_000)

    def handle(self, *args, **options) -> None:
        n = options["releases"]
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
        with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
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
