"""What each door answers when the database is away, or something else failed."""

import json
import sys

import pytest
from django.db import OperationalError
from django.test import RequestFactory

from readiness.views.errors import server_error


def _answer(path, **headers):
    request = RequestFactory().get(path, headers=headers)
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        assert sys.exc_info()[0] is OperationalError
        return server_error(request)


def test_a_page_gets_a_503_page_that_needs_no_database(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = _answer("/releases/")
    assert response.status_code == 503
    assert "Readiness is unavailable for a moment" in response.text
    assert "nothing was saved" in response.text
    assert response["Retry-After"] == "30"


def test_an_htmx_write_gets_a_small_notice_in_the_status_region():
    response = _answer("/releases/x/sessions/1/agenda/add", **{"HX-Request": "true"})
    assert response.status_code == 503
    assert response["HX-Retarget"] == "#connection-status"
    assert response["HX-Reswap"] == "innerHTML"
    assert response.text.strip() == (
        '<p class="connection-lost">The database is not answering, so nothing was saved. '
        "Try again in a moment.</p>"
    )


def test_the_api_gets_json():
    response = _answer("/api/releases")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "detail": "The database is not answering, so nothing was saved. Try again in a moment."
    }


@pytest.mark.parametrize("path, kind", [("/api/releases", "application/json"), ("/x", "text")])
def test_any_other_failure_is_a_500_in_the_door_s_form(path, kind):
    request = RequestFactory().get(path)
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500
    assert kind in response["Content-Type"]


def test_the_page_s_htmx_config_swaps_the_503_notice(client, manager):
    client.force_login(manager)
    page = client.get("/releases/").text
    assert '{"code": "503", "swap": true}' in page
    assert '<div id="connection-status" class="connection-status" role="alert"></div>' in page
