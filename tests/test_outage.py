"""With the database gone, every door says so (503) in its own form, and all recover alone.

The test makes a throwaway PostgreSQL cluster of its own on another port, serves the site
from it with gunicorn, stops the cluster under it, starts it again, and removes it.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import servers

PASSWORD = "outage-" + secrets.token_urlsafe(12)
CLUSTER = f"outage{os.getpid()}"


def _version() -> str | None:
    root = Path("/etc/postgresql")
    versions = sorted(p.name for p in root.iterdir()) if root.is_dir() else []
    return versions[-1] if versions else None


pytestmark = [
    pytest.mark.xdist_group(servers.GROUP),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        reason="an outage is rehearsed on PostgreSQL, the production database",
    ),
    pytest.mark.skipif(
        shutil.which("pg_createcluster") is None or _version() is None or os.geteuid() != 0,
        reason="needs Debian's pg_createcluster, run as root, to make a throwaway cluster",
    ),
]


def _pg(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=120)


@pytest.fixture
def cluster():
    """A PostgreSQL cluster of the test's own, trusting local connections, on a free port."""
    version, port = _version(), servers.free_port()
    _pg("pg_createcluster", version, CLUSTER, "--port", str(port), "--", "--auth=trust")
    _pg("pg_ctlcluster", version, CLUSTER, "start")
    try:
        yield {
            "url": f"postgres://postgres@127.0.0.1:{port}/postgres",
            "stop": lambda: _pg("pg_ctlcluster", version, CLUSTER, "stop", "--mode", "fast"),
            "start": lambda: _pg("pg_ctlcluster", version, CLUSTER, "start"),
        }
    finally:
        subprocess.run(
            ["pg_dropcluster", "--stop", version, CLUSTER], capture_output=True, timeout=120
        )


def test_pages_htmx_writes_and_the_api_answer_503_and_recover(tmp_path, cluster):
    port = servers.free_port()
    env = servers.production_env(
        tmp_path=tmp_path,
        database_url=cluster["url"],
        port=port,
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
        # Each request finds out for itself that the connection it kept is gone.
        DATABASE_CONN_MAX_AGE="60",
    )
    servers.manage(env, "collectstatic", "--no-input")
    servers.manage(env, "migrate", "--no-input")
    servers.manage(
        env, "createsuperuser", "--no-input", "--username", "ops", "--email", "ops@example.com"
    )
    token = servers.api_token(env)
    base = f"http://127.0.0.1:{port}"
    web = servers.start(env, servers.gunicorn(), tmp_path / "web.out")
    try:
        servers.wait_for(
            lambda: servers.status_of(f"{base}/healthz") == 200, seconds=60, what="gunicorn"
        )
        browser = servers.Browser(base)
        browser.log_in("ops", PASSWORD)
        assert browser.request("/releases/")[0] == 200
        api_headers = {"Authorization": f"Bearer {token}"}
        assert browser.request("/api/releases", headers=api_headers)[0] == 200

        cluster["stop"]()

        assert servers.status_of(f"{base}/healthz") == 503
        status, headers, page = browser.request("/releases/")
        assert status == 503, page[:300]
        assert "Readiness is unavailable" in page and "nothing was saved" in page
        assert headers["Retry-After"]

        status, headers, fragment = browser.request(
            "/settings/feed/", data={}, headers={"HX-Request": "true"}
        )
        assert status == 503
        assert headers["HX-Retarget"] == "#connection-status"
        assert fragment.strip().startswith('<p class="connection-lost">')
        assert len(fragment) < 500

        status, headers, body = browser.request("/api/releases", headers=api_headers)
        assert status == 503 and headers["Content-Type"] == "application/json"
        assert "not answering" in json.loads(body)["detail"]

        cluster["start"]()

        servers.wait_for(
            lambda: servers.status_of(f"{base}/healthz") == 200, seconds=60, what="recovery"
        )
        assert browser.request("/releases/")[0] == 200
        assert browser.request("/api/releases", headers=api_headers)[0] == 200
    finally:
        servers.stop(web)
