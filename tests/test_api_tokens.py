"""API tokens: how the API trusts them, and the settings page that makes and revokes them."""

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from readiness import services
from readiness.models import ApiToken, Decision, Event
from tests.factories import make_decision, make_release, make_session
from tests.helpers import assert_sends_to_login, snapshot

PAGE = "/settings/tokens/"


@pytest.fixture
def release(db):
    session = make_session(make_release("Billing Gateway"))
    make_decision(session, Decision.Outcome.GO)
    return session.release


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def _gate(client, release, token):
    return client.get(f"/api/releases/{release.slug}/gate", headers=_bearer(token))


# --- The token and the API ----------------------------------------------------------------


def test_it_keeps_only_the_hash_of_a_token(manager):
    api_token, token = services.api_token_create(user=manager, name="deploy")
    assert token.startswith("rdy_") and len(token) > 40
    assert api_token.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert api_token.prefix == token[:10]
    assert not ApiToken.objects.filter(token_hash=token).exists()
    event = Event.objects.get(verb="api_token.created")
    assert "token_hash" not in event.after and token not in str(event.after)


def test_it_accepts_a_valid_token(client, manager, release):
    _, token = services.api_token_create(user=manager, name="deploy")
    response = _gate(client, release, token)
    assert response.status_code == 200
    body = response.json()
    assert body["release"] == release.slug and body["ready"] is True and body["outcome"] == "go"


def test_it_answers_401_without_a_token(client, release):
    response = client.get(f"/api/releases/{release.slug}/gate")
    assert response.status_code == 401


@pytest.mark.parametrize("token", ["rdy_wrong", "not-even-prefixed", ""])
def test_it_answers_401_to_a_wrong_token(client, manager, release, token):
    services.api_token_create(user=manager, name="deploy")
    response = _gate(client, release, token)
    assert response.status_code == 401
    assert "detail" in response.json()


def test_it_does_not_fall_back_to_the_session_on_a_wrong_token(client, manager, release):
    client.force_login(manager)
    assert _gate(client, release, "rdy_wrong").status_code == 401


def test_it_answers_401_to_a_revoked_token(client, manager, release):
    api_token, token = services.api_token_create(user=manager, name="deploy")
    services.api_token_revoke(user=manager, api_token=api_token)
    response = _gate(client, release, token)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_it_answers_401_to_the_token_of_a_deactivated_login(client, manager, release):
    _, token = services.api_token_create(user=manager, name="deploy")
    manager.is_active = False
    manager.save()
    assert _gate(client, release, token).status_code == 401


def test_it_lets_a_restricted_token_read_its_release_gate_only(client, manager, release):
    other = make_release("Other")
    _, token = services.api_token_create(user=manager, name="deploy", release=release)
    response = _gate(client, release, token)
    assert response.status_code == 200
    body = response.json()
    assert body["release"] == release.slug and body["ready"] is True and body["outcome"] == "go"
    response = _gate(client, other, token)
    assert response.status_code == 403
    assert release.slug in response.json()["detail"]
    assert _gate(client, type("R", (), {"slug": "nothing"}), token).status_code == 403
    for url in ["/api/releases", f"/api/releases/{release.slug}/actions"]:
        assert client.get(url, headers=_bearer(token)).status_code == 403


def test_it_refuses_writes_to_a_restricted_token(client, owner, release):
    from tests.factories import make_action

    action = make_action(release.sessions.get(), owner=owner.person)
    _, token = services.api_token_create(user=owner, name="deploy", release=release)
    before = snapshot(action)
    response = client.post(
        f"/api/actions/{action.pk}/status",
        {"status": "done"},
        content_type="application/json",
        headers=_bearer(token),
    )
    assert response.status_code == 403
    before.assert_unchanged()


def test_it_notes_when_a_token_was_last_used(client, manager, release):
    api_token, token = services.api_token_create(user=manager, name="deploy")
    assert api_token.last_used_at is None
    _gate(client, release, token)
    api_token.refresh_from_db()
    first = api_token.last_used_at
    assert first is not None
    _gate(client, release, token)  # within a minute: not written again
    api_token.refresh_from_db()
    assert api_token.last_used_at == first
    ApiToken.objects.filter(pk=api_token.pk).update(
        last_used_at=timezone.now() - dt.timedelta(minutes=2)
    )
    _gate(client, release, token)
    api_token.refresh_from_db()
    assert api_token.last_used_at > first


# --- The settings page --------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_the_login_page(client, db):
    assert_sends_to_login(client.get(PAGE))


def test_it_shows_each_role_their_own_tokens_only(client, any_role, manager, django_user_model):
    other = django_user_model.objects.create_user("someone", password="x")
    services.api_token_create(user=other, name="someone else's")
    services.api_token_create(user=any_role, name="mine")
    client.force_login(any_role)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "mine" in response.text and "someone else&#x27;s" not in response.text
    assert "Never" in response.text  # last used


def test_it_shows_a_new_token_once_after_a_redirect(client, manager, release):
    client.force_login(manager)
    response = client.post("/settings/tokens/create/", {"name": "billing deploy", "release": ""})
    assert response.status_code == 302 and response["Location"] == PAGE
    page = client.get(PAGE).text
    api_token = ApiToken.objects.get(user=manager)
    token = page.split('<code class="secret">')[1].split("</code>")[0]
    assert hashlib.sha256(token.encode()).hexdigest() == api_token.token_hash
    response = _gate(client, release, token)
    assert response.status_code == 200
    body = response.json()
    assert body["release"] == release.slug and body["ready"] is True and body["outcome"] == "go"
    assert '<code class="secret">' not in client.get(PAGE).text


def test_it_creates_a_token_restricted_to_a_release(client, manager, release):
    client.force_login(manager)
    client.post("/settings/tokens/create/", {"name": "gate only", "release": release.pk})
    assert ApiToken.objects.get(user=manager).release == release


def test_it_creates_a_token_over_htmx_and_shows_it_in_the_panel(client, manager):
    client.force_login(manager)
    response = client.post(
        "/settings/tokens/create/", {"name": "ci"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="token-panel">')
    assert '<code class="secret">rdy_' in response.text


def test_it_keeps_the_input_of_an_invalid_form(client, manager):
    client.force_login(manager)
    response = client.post("/settings/tokens/create/", {"name": "", "release": "999999"})
    assert response.status_code == 422
    assert "This field is required." in response.text
    assert not ApiToken.objects.exists()
    response = client.post(
        "/settings/tokens/create/",
        {"name": "kept", "release": "999999"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert 'value="kept"' in response.text


def test_it_revokes_a_token(client, manager):
    api_token, _ = services.api_token_create(user=manager, name="old")
    client.force_login(manager)
    response = client.post(f"/settings/tokens/{api_token.pk}/revoke/")
    assert response.status_code == 302
    api_token.refresh_from_db()
    assert api_token.revoked_at is not None
    assert "Revoked" in client.get(PAGE).text
    # Revoking twice changes nothing.
    assert client.post(f"/settings/tokens/{api_token.pk}/revoke/").status_code == 302
    assert Event.objects.filter(verb="api_token.revoked").count() == 1


def test_it_revokes_over_htmx(client, manager):
    api_token, _ = services.api_token_create(user=manager, name="old")
    client.force_login(manager)
    response = client.post(
        f"/settings/tokens/{api_token.pk}/revoke/", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and 'id="token-panel"' in response.text


def test_it_hides_other_peoples_tokens(client, manager, admin_user):
    api_token, _ = services.api_token_create(user=manager, name="mine")
    client.force_login(admin_user)
    assert client.post(f"/settings/tokens/{api_token.pk}/revoke/").status_code == 404
    assert client.post("/settings/tokens/999999/revoke/").status_code == 404
    api_token.refresh_from_db()
    assert api_token.is_active


def test_it_refuses_the_wrong_method(client, manager):
    client.force_login(manager)
    assert client.get("/settings/tokens/create/").status_code == 405
    assert client.post(PAGE).status_code == 405


def test_it_links_the_settings_from_the_navigation(client, manager):
    # The navigation leads to the settings page, which leads to the tokens.
    client.force_login(manager)
    assert 'href="/settings/"' in client.get("/releases/").text
    assert f'href="{PAGE}"' in client.get("/settings/").text
