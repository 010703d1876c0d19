"""The load run: concurrent people using one long meeting through gunicorn, as production
serves it, on a database of the run's own that is dropped afterwards."""

from __future__ import annotations

import contextlib
import http.client
import json
import statistics
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from readiness.bench import servers

KINDS = ["session page", "live poll", "/me/", "status change"]


@contextlib.contextmanager
def load_database(database_url: str, workdir: Path) -> Iterator[str]:
    """A database of the run's own: `<name>_load` on the same PostgreSQL server, or a
    SQLite file in the work directory."""
    if not database_url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{workdir / 'load.sqlite3'}"
        return
    import psycopg

    parts = urllib.parse.urlsplit(database_url)
    name = f"{parts.path.lstrip('/') or 'readiness'}_load"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _Visitor:
    """One person's browser: a kept-alive connection, its cookies, the CSRF token."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def request(
        self, method: str, path: str, data: dict | None = None, headers: dict | None = None
    ) -> tuple[int, http.client.HTTPResponse, bytes]:
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        sent.update(headers or {})
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=sent)
                response = self.conn.getresponse()
                content = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A recycled worker (max_requests) closed the kept-alive connection before
                # reading the request: a browser opens a new one and sends it again.
                self._reconnect()
                if attempt == 2:
                    raise
            except Exception:
                self._reconnect()
                raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self._reconnect()
        return response.status, response, content

    def _reconnect(self) -> None:
        self.conn.close()
        self.conn = self._connect()

    def log_in(self, cookie: str, session_cookie: str) -> None:
        """Take the login the seeding made, then read a page as a browser would, which
        hands out the CSRF cookie the writes need."""
        self.cookies[cookie] = session_cookie
        status, _, _ = self.request("GET", "/me/")
        assert status == 200 and "csrftoken" in self.cookies, f"/me/ answered {status}"


@dataclass
class _Log:
    lock: threading.Lock = field(default_factory=threading.Lock)
    times: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    samples: list[str] = field(default_factory=list)

    def record(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.times[kind].append(seconds)
            if error:
                self.errors[kind] += 1
                if len(self.samples) < 5:
                    self.samples.append(f"{kind}: {error}")


def _loop(visitor: _Visitor, user: dict, seed: dict, deadline: float, log: _Log) -> None:
    """Read the page, poll it, read /me/, move one's own action along; until the deadline."""
    page = seed["session_url"]
    live = f"{page}live"
    status_url = f"{page}actions/{user['action']}/status"
    etag = f'"r{seed["revision"]}"'
    version = user["version"]
    flip = ["blocked", "in_progress"]
    n = 0
    # Whole rounds: every kind is measured, however short the run.
    while time.monotonic() < deadline:
        for kind in KINDS:
            started = time.perf_counter()
            error = None
            try:
                if kind == "session page":
                    status, _, body = visitor.request("GET", page)
                    error = None if status == 200 and b"</html>" in body else f"{status}"
                elif kind == "live poll":
                    status, response, _ = visitor.request(
                        "GET", live, headers={"HX-Request": "true", "If-None-Match": etag}
                    )
                    etag = response.getheader("ETag") or etag
                    error = None if status in (200, 304) else f"{status}"
                elif kind == "/me/":
                    status, _, body = visitor.request("GET", "/me/")
                    error = None if status == 200 else f"{status}"
                else:
                    data = {"status": flip[n % 2], "reason": "Waiting for the vendor"}
                    status, _, body = visitor.request(
                        "POST",
                        status_url,
                        {**data, "version": version},
                        headers={"HX-Request": "true"},
                    )
                    if status == 200:
                        version += 1
                        n += 1
                    else:
                        error = f"{status} {body[:200]!r}"
            except Exception as exc:  # noqa: BLE001 (every failure is counted and shown)
                error = repr(exc)
            log.record(kind, time.perf_counter() - started, error)


def _percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def run(*, database_url: str, seconds: float, users: int, workdir: Path) -> dict[str, Any]:
    """Start gunicorn with production settings on 127.0.0.1, let `users` people use the long
    meeting for `seconds`, and return the requests per second and latencies per kind."""
    workdir.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(dir=workdir) as tmp,
        load_database(database_url, Path(tmp)) as url,
    ):
        port = servers.free_port()
        env = servers.production_env(tmp_path=Path(tmp), database_url=url, port=port)
        # The image's own gunicorn settings (readiness/gunicorn.py), not the suite's.
        for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS"):
            env.pop(name)
        servers.manage(env, "collectstatic", "--no-input")
        servers.manage(env, "migrate", "--no-input")
        seed = json.loads(servers.manage(env, "bench", "--seed-for-load", str(users)))
        process = servers.start(env, servers.gunicorn(), workdir / "load-gunicorn.log")
        try:
            servers.wait_for(
                lambda: _healthy(port), seconds=60, what="gunicorn to answer /healthz"
            )
            visitors = [_Visitor(port) for _ in seed["users"]]
            logins = [
                threading.Thread(target=v.log_in, args=(seed["cookie"], u["session_cookie"]))
                for v, u in zip(visitors, seed["users"], strict=True)
            ]
            for thread in logins:
                thread.start()
            for thread in logins:
                thread.join()
            log = _Log()
            started = time.monotonic()
            deadline = started + seconds
            threads = [
                threading.Thread(target=_loop, args=(v, u, seed, deadline, log))
                for v, u in zip(visitors, seed["users"], strict=True)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - started
        finally:
            servers.stop(process)
    from readiness import gunicorn as settings

    total = sum(len(t) for t in log.times.values())
    return {
        "users": users,
        "seconds": elapsed,
        "workers": settings.workers,
        "threads": settings.threads,
        "requests": total,
        "rps": total / elapsed,
        "errors": sum(log.errors.values()),
        "error_samples": log.samples,
        "kinds": {
            kind: {
                "count": len(times),
                "rps": round(len(times) / elapsed, 2),
                "p50_ms": round(_percentile(times, 50) * 1000, 2),
                "p95_ms": round(_percentile(times, 95) * 1000, 2),
                "errors": log.errors[kind],
            }
            for kind, times in log.times.items()
        },
    }


def _healthy(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except OSError:
        return False
