"""The identity provider's two doors: the sign-in start and the callback it returns to."""

from __future__ import annotations

from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from requests import RequestException

from readiness import sso


def _run(view_class, request: HttpRequest, provider_id: str) -> HttpResponse:
    adapter = sso.CheckedOpenIDConnectAdapter(request, provider_id)
    try:
        return view_class.adapter_view(adapter)(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None
    except sso.UntrustedAnswer as exc:
        sso.log.warning("sign-in refused: %s", exc)
        return sso.refusal(
            request,
            _(
                "The identity provider's answer did not come from the issuer Readiness "
                "trusts, or could not be verified, so the sign-in was refused. Tell an "
                "administrator."
            ),
            status=502,
        )
    except (OAuth2Error, RequestException, ValueError, KeyError) as exc:
        # The provider is down, or its discovery document is not one.
        sso.log.warning("sign-in failed: the identity provider did not answer: %s", exc)
        return sso.refusal(
            request,
            _("The identity provider did not answer. Try again in a moment."),
            status=502,
        )


@login_not_required
def oidc_login(request: HttpRequest, provider_id: str) -> HttpResponse:
    """A POST sends the browser to the identity provider; a GET only shows the button."""
    return _run(OAuth2LoginView, request, provider_id)


@login_not_required
def oidc_callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    return _run(OAuth2CallbackView, request, provider_id)


@login_not_required
def sign_in_stopped(request: HttpRequest) -> HttpResponse:
    """Where allauth sends a sign-in it gave up on: cancelled at the provider, or one that
    would need its sign-up form or its inactive-account page, which Readiness does not
    offer (readiness.sso refuses those sign-ins before)."""
    return sso.refusal(request, _("The sign-in did not complete."), status=401)


@login_not_required
@require_GET
def to_login(request: HttpRequest) -> HttpResponse:
    """allauth's name for the login page, pointing at Django's."""
    return redirect("login")
