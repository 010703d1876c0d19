"""Logging in: the login page, and the answer to a login refused by the throttle."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from readiness import sso


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


class LoginView(auth_views.LoginView):
    """Django's login page, with the identity provider's button beside (or, with
    PASSWORD_LOGIN=0, instead of) the password form."""

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "sign_in": sso.sign_in_option(),
            "password_login": settings.PASSWORD_LOGIN,
        }

    def post(self, request, *args, **kwargs):
        if not settings.PASSWORD_LOGIN:
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, _("Passwords are turned off here: use the sign-in button."))
            return self.render_to_response(self.get_context_data(form=form), status=403)
        return super().post(request, *args, **kwargs)
