"""Friendly error pages in the base layout, never a stack trace."""

import pytest


@pytest.fixture
def error_client(client, manager, settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.urls_errors"
    client.raise_request_exception = False
    client.force_login(manager)
    return client


def test_it_shows_a_friendly_500_without_the_stack_trace(error_client):
    response = error_client.get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert 'class="site-header"' in response.text


def test_it_shows_a_friendly_403(error_client):
    response = error_client.get("/forbidden/")
    assert response.status_code == 403
    assert "You are not allowed to see this" in response.text


def test_it_shows_a_friendly_404(error_client):
    response = error_client.get("/nowhere/")
    assert response.status_code == 404
    assert "This page does not exist" in response.text
