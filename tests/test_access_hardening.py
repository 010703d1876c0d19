"""Login throttling, idle and absolute session limits, and answers no cache may keep."""

import datetime as dt
import re
import time

from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from readiness import middleware, services
from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"


def _login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- Login throttling ---------------------------------------------------------------------


def test_it_locks_a_login_out_after_five_wrong_passwords(client, owner):
    for _ in range(4):
        response = _login(client, "owner", "wrong-password")
        assert response.status_code == 200  # the login form again, with its error
        assert "Please enter a correct username and password" in response.text
    # The fifth failure locks the login out; the right password then changes nothing.
    assert _login(client, "owner", "wrong-password").status_code == 429
    response = _login(client, "owner", PASSWORD)
    assert response.status_code == 429
    assert not _logged_in(client)
    assert "wrong passwords in a row" in response.text
    assert "Try again in 15 minutes" in response.text


def test_it_answers_the_same_whether_or_not_the_username_exists(client, owner):
    answers = []
    for username in ("owner", "nobody-by-that-name"):
        other = Client()
        for _ in range(4):
            _login(other, username, "wrong-password")
        response = _login(other, username, "wrong-password")
        answers.append((response.status_code, response.text.replace(username, "USER")))
    assert answers[0][0] == answers[1][0] == 429
    assert _strip_tokens(answers[0][1]) == _strip_tokens(answers[1][1])


def _strip_tokens(html: str) -> str:
    """The page's content, without the CSRF token and CSP nonce each answer has its own of."""
    return re.sub(r"[A-Za-z0-9_-]{20,}", "TOKEN", html)


def test_it_lets_the_login_in_again_after_the_cool_off(client, owner):
    for _ in range(5):
        _login(client, "owner", "wrong-password")
    assert _login(client, "owner", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))
    response = _login(client, "owner", PASSWORD)
    assert response.status_code == 302
    assert _logged_in(client)


def test_an_administrator_unlocks_a_login_early(client, owner):
    for _ in range(5):
        _login(client, "owner", "wrong-password")
    assert _login(client, "owner", PASSWORD).status_code == 429
    call_command("axes_reset_username", "owner")
    assert _login(client, "owner", PASSWORD).status_code == 302


def test_it_locks_one_username_without_locking_the_others(client, owner, facilitator):
    for _ in range(5):
        _login(client, "owner", "wrong-password")
    assert _login(client, "owner", PASSWORD).status_code == 429
    assert _login(client, "facilitator", PASSWORD).status_code == 302


# --- Idle and absolute session limits -----------------------------------------------------


def _age_session(client, *, since: int = 0, seen: int = 0) -> None:
    session = client.session
    now = int(time.time())
    session[middleware.SINCE] = now - since
    session[middleware.SEEN] = now - seen
    session.save()


def test_it_logs_out_a_session_idle_for_too_long(client, manager, settings):
    client.force_login(manager)
    assert client.get("/releases/").status_code == 200
    _age_session(client, seen=int(settings.SESSION_IDLE_TIMEOUT.total_seconds()) + 5)
    response = client.get("/releases/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not _logged_in(client)


def test_it_keeps_an_active_session_and_notes_the_activity(client, manager, settings):
    client.force_login(manager)
    client.get("/releases/")
    _age_session(client, seen=int(settings.SESSION_IDLE_TIMEOUT.total_seconds()) - 60)
    assert client.get("/releases/").status_code == 200
    assert int(time.time()) - client.session[middleware.SEEN] < 5


def test_the_live_poll_does_not_keep_a_session_alive(client, manager, sample_release):
    session = sample_release.sessions.first()
    client.force_login(manager)
    client.get("/releases/")
    _age_session(client, seen=600)
    live = reverse("sessions:live", args=[sample_release.slug, session.pk])
    assert client.get(live).status_code == 200
    assert int(time.time()) - client.session[middleware.SEEN] >= 600


def test_it_ends_a_session_at_its_maximum_age_however_active(client, manager, settings):
    client.force_login(manager)
    client.get("/releases/")
    _age_session(client, since=int(settings.SESSION_MAX_AGE.total_seconds()) + 5)
    assert client.get("/releases/").status_code == 302
    assert not _logged_in(client)


def test_an_htmx_request_after_the_timeout_is_sent_to_the_login_page(client, manager, settings):
    client.force_login(manager)
    client.get("/releases/")
    _age_session(client, seen=int(settings.SESSION_IDLE_TIMEOUT.total_seconds()) + 5)
    response = client.get("/releases/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login"))


# --- Cache-Control ------------------------------------------------------------------------


def _routes(resolver=None, prefix=""):
    """Every route of the URLconf as a concrete path, with sample values for its parts."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("admin/"):
                yield prefix + route  # the admin is one app: its index stands for it
                continue
            yield from _routes(entry, prefix + route)
        elif isinstance(entry, URLPattern):
            if route.startswith("^"):
                continue
            yield prefix + route


def _concrete(route: str, values: dict[str, str]) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), "1"), route)


def test_every_authenticated_answer_carries_private_no_store(client, facilitator, sample_release):
    session = sample_release.sessions.first()
    values = {"slug": sample_release.slug, "pk": str(session.pk)}
    client.force_login(facilitator)
    paths = sorted({_concrete(route, values) for route in _routes()})
    assert len(paths) > 40
    for path in paths:
        response = client.get(path)
        cache_control = response.get("Cache-Control", "")
        assert "no-store" in cache_control and "private" in cache_control, (
            path,
            response.status_code,
            cache_control,
        )


def test_api_answers_to_a_token_carry_private_no_store(client, manager, sample_release):
    _, token = services.api_token_create(user=manager, name="CI")
    response = client.get(
        f"/api/releases/{sample_release.slug}/gate", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
