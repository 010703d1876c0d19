"""The API's rate limits: per caller, and wrong tokens per address."""

import pytest

from readiness import services

GATE = "/api/releases/{slug}/gate"


@pytest.fixture
def token(manager):
    return services.api_token_create(user=manager, name="CI")[1]


def _gate(client, slug, token):
    return client.get(GATE.format(slug=slug), headers={"Authorization": f"Bearer {token}"})


def test_wrong_tokens_from_one_address_are_throttled_then_even_a_right_one_waits(
    client, sample_release, token, settings
):
    settings.API_WRONG_TOKEN_RATE = "3/min"
    for _ in range(3):
        assert _gate(client, sample_release.slug, "rdy_guess").status_code == 401
    refused = _gate(client, sample_release.slug, token)
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/json")
    assert "Too many wrong API tokens" in refused.json()["detail"]


def test_a_right_token_is_not_counted_as_a_wrong_one(client, sample_release, token, settings):
    settings.API_WRONG_TOKEN_RATE = "2/min"
    for _ in range(5):
        assert _gate(client, sample_release.slug, token).status_code == 200
    assert _gate(client, sample_release.slug, "rdy_guess").status_code == 401


def test_each_caller_has_a_request_rate(client, sample_release, token, settings, manager):
    settings.API_RATE = "4/min"
    answers = [_gate(client, sample_release.slug, token).status_code for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429]
    # Another caller has a budget of its own.
    other = services.api_token_create(user=services_user(manager), name="other")[1]
    assert _gate(client, sample_release.slug, other).status_code == 200


def services_user(manager):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username="pipeline", password="x" * 20)
