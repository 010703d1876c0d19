"""Answers when something failed on our side, and above all when the database is gone.

With the database down nothing that reads it can run, this answer included: it renders
without the database (no login, no session) and says what happened in the form each door
expects. The app recovers by itself: connections are health-checked on their next use.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER = "30"


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 as JSON for the API, a small notice for an HTMX request, a page otherwise."""
    message = _("The database is not answering, so nothing was saved. Try again in a moment.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    elif request.headers.get("HX-Request") == "true":
        response = HttpResponse(
            loader.render_to_string("includes/unavailable.html", {"message": message}),
            status=503,
        )
        # Shown in the page's status region, wherever the request meant to swap.
        response["HX-Retarget"] = "#connection-status"
        response["HX-Reswap"] = "innerHTML"
    else:
        response = HttpResponse(
            loader.render_to_string("503.html", {"message": message}), status=503
        )
    response["Retry-After"] = RETRY_AFTER
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500: 503 when the database is down, the friendly 500 otherwise."""
    if isinstance(sys.exc_info()[1], UNAVAILABLE):
        return database_unavailable(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Something went wrong on our side.")}, status=500)
    return HttpResponse(loader.render_to_string("500.html"), status=500)
