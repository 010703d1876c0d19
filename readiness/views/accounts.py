"""Logging in: the answer to a login refused by the throttle."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def login_locked_out(request: HttpRequest, credentials: dict | None = None) -> HttpResponse:
    """django-axes calls this instead of the login view while the pair is locked out.

    It says the same whether or not the username exists, and never which part was wrong.
    """
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return render(
        request,
        "registration/locked_out.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes},
        status=429,
    )
