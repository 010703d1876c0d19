"""Running the site as production does, in processes of its own, for the suite to talk to
over HTTP on 127.0.0.1: the deployment rehearsal and the database outage use it."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

from readiness.bench.servers import (  # noqa: F401 (the suite reaches them as servers.*)
    BIN,
    MANAGE,
    ROOT,
    free_port,
    gunicorn,
    manage,
    production_env,
    start,
    stop,
    wait_for,
)

# The tests that start gunicorn (each on a database, or a PostgreSQL cluster, of its own) run
# one after another on one process of a parallel run: two such servers at once would only
# compete for the same cores.
GROUP = "gunicorn"


def api_token(env: dict) -> str:
    """A new API token for the one user of the deployment, as `manage.py shell` makes it."""
    return manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from django.contrib.auth import get_user_model; from readiness import services; "
        "print(services.api_token_create(user=get_user_model().objects.get(), name='CI')[1])",
    ).split()[-1]


def status_of(url: str) -> int | None:
    """The status of a GET, or None when nothing answers. The wait is long enough for a
    loaded machine (a parallel run, other work beside it) to let the answer come: a status
    is what the tests hold, not its time."""
    try:
        return urllib.request.urlopen(url, timeout=15).status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Browser:
    """Cookies, CSRF and no redirects followed, so each answer is seen as it came."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _KeepRedirects
        )

    def request(self, path: str, *, data: dict | None = None, headers: dict | None = None):
        """(status, headers, body) of a GET, or of a POST when `data` is given."""
        headers = {"Referer": f"{self.base}/", **(headers or {})}
        body = None
        if data is not None:
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf}).encode()
        request = urllib.request.Request(f"{self.base}{path}", data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=20) as answer:
                return answer.status, answer.headers, answer.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read().decode()

    @property
    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def log_in(self, username: str, password: str) -> None:
        status, _, page = self.request("/accounts/login/")
        assert status == 200 and re.search(r'name="csrfmiddlewaretoken"', page)
        status, headers, _ = self.request(
            "/accounts/login/", data={"username": username, "password": password}
        )
        assert status == 302, status
