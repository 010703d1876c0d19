"""Timing pages in process, through every middleware, against a trivial logged-in view."""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import include, path

from readiness.bench.seed import WORKSPACE_PARTICIPANTS, WORKSPACE_ROWS, Workspace

# Medians of this many requests; a shared machine needs more than a quiet one.
RUNS = 21
TRIVIAL = engines["django"].from_string("<p>{{ user.get_username }}</p>{% csrf_token %}")


def _trivial(request: HttpRequest) -> HttpResponse:
    """The yardstick: a logged-in page through every middleware, with next to no content
    (it reads the login, as every page does, and renders a two-tag template)."""
    return HttpResponse(TRIVIAL.render({}, request))


# The site's routes, plus the yardstick (only the bench serves it).
urlpatterns = [path("bench/trivial", _trivial), path("", include("readiness.urls"))]


@dataclass
class Page:
    """A request the budget holds to a multiple of the trivial view."""

    name: str
    target: float
    get: Callable[[], HttpResponse]
    status: int = 200


@dataclass
class Timing:
    seconds: float
    # The trivial view's median over the same stretch of time, taken in turns with the page.
    trivial: float
    queries: int
    size: int


def median(run: Callable[[], object], runs: int = RUNS) -> float:
    """The median time of `runs` calls, after one to warm the caches."""
    run()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def ok(response: HttpResponse, status: int = 200) -> HttpResponse:
    assert response.status_code == status, (response.status_code, status)
    return response


def clients(workspace: Workspace) -> tuple[Client, Client]:
    facilitator, owner = Client(), Client()
    facilitator.force_login(workspace.facilitator)
    owner.force_login(workspace.owner)
    return facilitator, owner


def pages(workspace: Workspace, facilitator: Client, owner: Client) -> list[Page]:
    """Every page of the budget with its target, as a multiple of the trivial view."""
    session = workspace.large
    live_url = f"{session.get_workspace_url()}live"
    gate_url = f"/api/releases/{workspace.release.slug}/gate"

    # Nothing changes the session while its poll is timed: its revision is read once.
    session.refresh_from_db(fields=["revision"])
    unchanged = {"HX-Request": "true", "If-None-Match": f'"r{session.revision}"'}

    def live() -> HttpResponse:
        return facilitator.get(live_url, headers=unchanged)

    return [
        Page("history, first page", 10, lambda: facilitator.get("/releases/")),
        Page("history, last page", 10, lambda: facilitator.get("/releases/?last=1")),
        Page(
            "history, filtered page",
            10,
            lambda: facilitator.get("/releases/?overdue=on&area=QA&q=gateway"),
        ),
        Page(
            "release page, 200 actions",
            20,
            lambda: facilitator.get(workspace.release.get_absolute_url()),
        ),
        Page(
            "session page, 200 actions",
            25,
            lambda: facilitator.get(session.get_workspace_url()),
        ),
        Page("/me/, an owner's open work", 3, lambda: owner.get("/me/")),
        Page("deploy gate (API)", 5, lambda: facilitator.get(gate_url)),
        Page("live poll, nothing changed", 1.5, live, status=304),
    ]


def trivial(client: Client, runs: int = RUNS) -> float:
    return median(lambda: ok(client.get("/bench/trivial")), runs)


def time_page(page: Page, yardstick: Client, runs: int = RUNS) -> Timing:
    """The page's median time beside the trivial view's, the two requests taken in turns
    so that both meet the same load on a shared machine; then the queries and bytes of one
    more request."""
    ok(page.get(), page.status)
    ok(yardstick.get("/bench/trivial"))
    times, trivial_times = [], []
    for _ in range(runs):
        started = time.perf_counter()
        ok(yardstick.get("/bench/trivial"))
        between = time.perf_counter()
        ok(page.get(), page.status)
        trivial_times.append(between - started)
        times.append(time.perf_counter() - between)
    with CaptureQueriesContext(connection) as queries:
        response = ok(page.get(), page.status)
    return Timing(
        statistics.median(times),
        statistics.median(trivial_times),
        len(queries),
        len(response.content),
    )


# --- The session page's own rows, measured as they always were -----------------------------

SESSION_ROWS = [
    ("page HTML at 200", 250_000, "bytes"),
    ("each extra row / trivial view", 0.25, "x"),
    ("status change answer", 10_000, "bytes"),
    ("status change / trivial view", 3.0, "x"),
]


def session_rows(workspace: Workspace, client: Client, runs: int = RUNS) -> dict:
    """The long meeting against the short one, and one HTMX status change."""
    healthz = median(lambda: ok(client.get("/healthz")), runs)
    yardstick = trivial(client, runs)
    page_times, page_sizes = {}, {}
    for size, session in workspace.sessions.items():
        url = session.get_absolute_url()
        page_times[size] = median(lambda url=url: ok(client.get(url)), runs)
        page_sizes[size] = len(client.get(url).content)
    rows = {
        size: 2 * WORKSPACE_ROWS[size] + WORKSPACE_PARTICIPANTS[size] for size in WORKSPACE_ROWS
    }
    per_row = (page_times["large"] - page_times["small"]) / (rows["large"] - rows["small"])
    large = workspace.large
    action = large.actions.order_by("pk").first()
    status_url = f"{large.get_absolute_url()}actions/{action.pk}/status"
    flips = itertools.cycle(["blocked", "in_progress"])
    versions = itertools.count(action.version)

    def change() -> int:
        # As HTMX sends it (url-encoded); the version the last answer's row carried, so
        # that the bench times the change and not its own reads.
        data = {"status": next(flips), "reason": "Waiting for the vendor"}
        response = client.post(
            status_url,
            urlencode({**data, "version": next(versions)}),
            content_type="application/x-www-form-urlencoded",
            headers={"HX-Request": "true"},
        )
        return len(ok(response).content)

    change()
    change_size = change()
    # In turns with the trivial view, as the pages are (`time_page`): a shared machine's
    # slow stretch then weighs on both sides of the ratio alike.
    change_times, change_trivial = [], []
    for _ in range(max(runs - 1, 1)):
        started = time.perf_counter()
        ok(client.get("/bench/trivial"))
        between = time.perf_counter()
        change()
        change_trivial.append(between - started)
        change_times.append(time.perf_counter() - between)
    change_time = statistics.median(change_times)
    return {
        "trivial_ms": yardstick * 1000,
        "healthz_ms": healthz * 1000,
        "page_ms": {size: t * 1000 for size, t in page_times.items()},
        "page_bytes": page_sizes,
        "rows": rows,
        "status_change_ms": change_time * 1000,
        "measured": {
            "page HTML at 200": page_sizes["large"],
            "each extra row / trivial view": per_row / yardstick,
            "status change answer": change_size,
            "status change / trivial view": change_time / statistics.median(change_trivial),
        },
    }
