"""A deployment rehearsal: what the image runs, run on this host with production settings.

No Docker engine is needed: the test runs the image's steps (collectstatic, migrate,
gunicorn from readiness/gunicorn.py, the task worker) against a database of its own, then
uses the site over HTTP as a browser and a webhook receiver would.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "rehearsal-" + secrets.token_urlsafe(12)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


def _wait_for(predicate, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.skipif(shutil.which("gunicorn", path=str(BIN)) is None, reason="no gunicorn")
def test_the_image_steps_serve_the_site_and_the_worker_delivers(tmp_path, database_url):
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))},
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        # Plain HTTP on loopback; TLS is the proxy's in a real deployment.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "STATIC_ROOT": str(tmp_path / "static"),
        "TASKS_BACKEND": "database",
        "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
        "LOG_LEVEL": "WARNING",
    }
    python = [sys.executable, str(ROOT / "manage.py")]

    def manage(*args: str) -> str:
        done = subprocess.run(
            [*python, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
        return done.stdout

    manage("collectstatic", "--no-input")
    manage("migrate", "--no-input")
    manage("createsuperuser", "--no-input", "--username", "ops", "--email", "ops@example.com")

    logs = tmp_path / "logs"
    logs.mkdir()
    processes = [
        subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "python:readiness.gunicorn", "readiness.wsgi"],
            env=env,
            cwd=ROOT,
            stdout=(logs / "web.out").open("w"),
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [*python, "db_worker", "--interval", "0.2", "--no-startup-delay"],
            env=env,
            cwd=ROOT,
            stdout=(logs / "worker.out").open("w"),
            stderr=subprocess.STDOUT,
        ),
    ]
    receiver = _Receiver()
    hook_url = f"http://127.0.0.1:{receiver.server_address[1]}/h"
    threading.Thread(target=receiver.serve_forever, args=(0.05,), daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _status(f"{base}/healthz") == 200, seconds=60, what="gunicorn")

        # A person logs in over HTTP and reads a page.
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
        login = browser.open(f"{base}/accounts/login/").read().decode()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login).group(1)
        form = urllib.parse.urlencode(
            {"username": "ops", "password": PASSWORD, "csrfmiddlewaretoken": csrf}
        ).encode()
        answer = browser.open(
            urllib.request.Request(
                f"{base}/accounts/login/", data=form, headers={"Referer": f"{base}/"}
            )
        )
        assert answer.status == 302, answer.read()[:500]
        page = browser.open(f"{base}/releases/")
        html = page.read().decode()
        assert page.status == 200 and "<h1" in html
        assert "no-store" in page.headers["Cache-Control"]
        assert page.headers["Content-Security-Policy"]

        # Its stylesheet comes hashed, compressed and cached for good.
        href = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', html).group(1)
        static = urllib.request.urlopen(
            urllib.request.Request(f"{base}{href}", headers={"Accept-Encoding": "br, gzip"})
        )
        assert static.headers["Content-Encoding"] in {"br", "gzip"}
        assert "max-age=315360000" in static.headers["Cache-Control"]
        assert "immutable" in static.headers["Cache-Control"]

        # A change queues its webhook; the worker, not the web process, delivers it.
        manage(
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
        _wait_for(lambda: receiver.received, seconds=30, what="the worker's delivery")
        (delivery,) = receiver.received
        assert b'"event":"decision.recorded"' in delivery["body"]
        headers = {k.lower(): v for k, v in delivery["headers"].items()}
        assert headers["webhook-signature"].startswith("v1,")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        receiver.shutdown()
        receiver.server_close()
    web_log = (logs / "web.out").read_text()
    assert "Traceback" not in web_log, web_log[-3000:]
    assert "Traceback" not in (logs / "worker.out").read_text()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None

    def http_error_302(self, req, fp, code, msg, headers):
        return fp


def _status(url: str) -> int | None:
    try:
        request = urllib.request.Request(url, headers={"Host": "127.0.0.1"})
        return urllib.request.urlopen(request, timeout=2).status
    except OSError:
        return None
