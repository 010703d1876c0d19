"""A deployment rehearsal: what the image runs, run on this host with production settings.

No Docker engine is needed: the test runs the image's steps (collectstatic, migrate,
gunicorn from readiness/gunicorn.py, the task worker) against a database of its own, then
uses the site over HTTP as a browser and a webhook receiver would.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import threading
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests import servers

PASSWORD = "rehearsal-" + secrets.token_urlsafe(12)


@pytest.fixture
def database_url(tmp_path):
    """A database of the rehearsal's own, on the server the suite uses."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'rehearsal.sqlite3'}"
        return
    import psycopg

    name = f"readiness_rehearsal_{os.getpid()}"
    parts = urllib.parse.urlsplit(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Hook)
        self.received: list[dict] = []


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append({"headers": dict(self.headers), "body": body})
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.mark.skipif(shutil.which("gunicorn", path=str(servers.BIN)) is None, reason="no gunicorn")
@pytest.mark.xdist_group(servers.GROUP)
def test_the_image_steps_serve_the_site_and_the_worker_delivers(tmp_path, database_url):
    port = servers.free_port()
    env = servers.production_env(
        tmp_path=tmp_path,
        database_url=database_url,
        port=port,
        TASKS_BACKEND="database",
        CACHE_BACKEND="database",
        WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8",
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
    )
    servers.manage(env, "collectstatic", "--no-input")
    servers.manage(env, "migrate", "--no-input")
    servers.manage(env, "createcachetable")
    servers.manage(
        env, "createsuperuser", "--no-input", "--username", "ops", "--email", "ops@example.com"
    )
    logs = tmp_path / "logs"
    logs.mkdir()
    processes = [
        servers.start(env, servers.gunicorn(), logs / "web.out"),
        servers.start(
            env,
            [*servers.MANAGE, "db_worker", "--interval", "0.2", "--no-startup-delay"],
            logs / "worker.out",
        ),
    ]
    receiver = _Receiver()
    hook_url = f"http://127.0.0.1:{receiver.server_address[1]}/h"
    threading.Thread(target=receiver.serve_forever, args=(0.05,), daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    try:
        servers.wait_for(
            lambda: servers.status_of(f"{base}/healthz") == 200, seconds=60, what="gunicorn"
        )

        # A person logs in over HTTP and reads a page.
        browser = servers.Browser(base)
        browser.log_in("ops", PASSWORD)
        status, headers, html = browser.request("/releases/")
        assert status == 200 and "<h1" in html
        assert "no-store" in headers["Cache-Control"]
        assert headers["Content-Security-Policy"]

        # The API answers a token, counting its calls in the shared cache table.
        token = servers.api_token(env)
        status, headers, body = browser.request(
            "/api/releases", headers={"Authorization": f"Bearer {token}"}
        )
        assert status == 200 and '"count"' in body

        # Its stylesheet comes hashed, compressed and cached for good.
        href = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', html).group(1)
        static = urllib.request.urlopen(
            urllib.request.Request(f"{base}{href}", headers={"Accept-Encoding": "br, gzip"})
        )
        assert static.headers["Content-Encoding"] in {"br", "gzip"}
        assert "max-age=315360000" in static.headers["Cache-Control"]
        assert "immutable" in static.headers["Cache-Control"]

        # A change queues its webhook; the worker, not the web process, delivers it.
        servers.manage(
            env,
            "shell",
            "-c",
            "from readiness import services; "
            "import datetime as dt; "
            f"services.webhook_create(user=None, url='{hook_url}', "
            "events=['decision.recorded']); "
            "r = services.release_create(user=None, name='Rehearsal', "
            "planned_date=dt.date(2026, 12, 10)); "
            "s = services.session_schedule(user=None, release=r, "
            "scheduled_at=dt.datetime(2026, 12, 9, 14, tzinfo=dt.UTC), time_zone='UTC'); "
            "services.decision_record(user=None, session=s, outcome='go', rationale='ok')",
        )
        servers.wait_for(lambda: receiver.received, seconds=30, what="the worker's delivery")
        (delivery,) = receiver.received
        assert b'"event":"decision.recorded"' in delivery["body"]
        headers = {k.lower(): v for k, v in delivery["headers"].items()}
        assert headers["webhook-signature"].startswith("v1,")
    finally:
        servers.stop(*processes)
        receiver.shutdown()
        receiver.server_close()
    web_log = (logs / "web.out").read_text()
    assert "Traceback" not in web_log, web_log[-3000:]
    assert "Traceback" not in (logs / "worker.out").read_text()
