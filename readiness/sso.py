"""Single sign-on through OpenID Connect: what Readiness adds to django-allauth.

allauth runs the authorization-code flow (with PKCE and state). This module decides who a
sign-in is (the linking rule, docs/single-sign-on.md), holds the identity provider to the
configured issuer, and hands each sign-in to `services.sign_in_sync`, which links the
Person and brings the team roles the groups claim gives up to date.
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialLogin
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from readiness import services
from readiness.sso_config import PROVIDER_ID

log = logging.getLogger("readiness.sso")


class UntrustedAnswer(OAuth2Error):
    """The identity provider answered for another issuer than the configured one, or with
    an id_token that does not verify."""


def sign_in_option() -> dict[str, str] | None:
    """The login page's button: the provider's name and where the button posts."""
    if not settings.SIGN_ON.enabled:
        return None
    return {
        "name": settings.SIGN_ON.name,
        "url": reverse("openid_connect_login", kwargs={"provider_id": PROVIDER_ID}),
    }


def refusal(request: HttpRequest, message: str, *, status: int = 403) -> HttpResponse:
    """The page a refused sign-in ends on: what went wrong, and the way back."""
    return render(
        request,
        "registration/sso_error.html",
        {"message": message, "provider_name": settings.SIGN_ON.name},
        status=status,
    )


class CheckedOpenIDConnectAdapter(OpenIDConnectOAuth2Adapter):
    """allauth's OpenID Connect adapter, held to the configured issuer.

    allauth compares an id_token's `iss` with the issuer the discovery document states,
    whatever that document says, and skips the signature when the token came straight
    from the token endpoint. Here the discovery document must name the configured issuer,
    and every id_token must carry that issuer and a valid signature from its keys.
    """

    def _issuer(self) -> str:
        return self.get_provider().app.settings["issuer"]

    @property
    def openid_config(self) -> dict[str, Any]:
        config = super().openid_config
        if config.get("issuer") != self._issuer():
            raise UntrustedAnswer(
                f"the discovery document names the issuer {config.get('issuer')!r}, "
                f"not {self._issuer()!r}"
            )
        return config

    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict:
        try:
            return jwtkit.verify_and_decode(
                credential=id_token,
                keys_url=self.openid_config["jwks_uri"],
                issuer=self._issuer(),
                audience=app.client_id,
                lookup_kid=jwtkit.lookup_kid_jwk,
                verify_signature=True,
            )
        except OAuth2Error as exc:
            raise UntrustedAnswer(f"the id_token was refused: {exc.__cause__ or exc}") from exc


def claims_of(sociallogin: SocialLogin) -> dict[str, Any]:
    """The identity provider's claims: the id_token's, then the userinfo answer's."""
    data = sociallogin.account.extra_data or {}
    return {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}


def _groups(claims: dict[str, Any]) -> list[str]:
    groups = claims.get(settings.SIGN_ON.groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    return [str(group) for group in groups if isinstance(group, str | int)]


def _display_name(claims: dict[str, Any], email: str) -> str:
    name = str(claims.get("name") or "").strip()
    if not name:
        given = str(claims.get("given_name") or "").strip()
        family = str(claims.get("family_name") or "").strip()
        name = f"{given} {family}".strip()
    return name or str(claims.get("preferred_username") or "").strip() or email


def _verified_email(sociallogin: SocialLogin) -> str:
    """The e-mail the provider vouches for: marked verified, or in a domain it owns."""
    trusted = settings.SIGN_ON.trusted_email_domains
    for address in sociallogin.email_addresses:
        email = (address.email or "").strip()
        domain = email.rpartition("@")[2].lower()
        if email and (address.verified or domain in trusted):
            return email
    return ""


def _sync(sociallogin: SocialLogin) -> None:
    claims = claims_of(sociallogin)
    email = str(claims.get("email") or "").strip()
    services.sign_in_sync(
        login=sociallogin.user,
        email=_verified_email(sociallogin),
        name=_display_name(claims, email),
        groups=_groups(claims),
        rules=settings.SIGN_ON.group_roles,
    )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Who a sign-in is, and what it brings: see docs/single-sign-on.md."""

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        if not sociallogin.is_existing:
            self._connect_existing_login(request, sociallogin)
        if sociallogin.is_existing:
            if not sociallogin.user.is_active:
                raise ImmediateHttpResponse(
                    refusal(request, _("This login is turned off. Ask an administrator."))
                )
            _sync(sociallogin)

    def _connect_existing_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """A first sign-in joins the one existing login with the same verified e-mail;
        otherwise a new login is made, and only from a verified e-mail."""
        email = _verified_email(sociallogin)
        if not email:
            log.warning("sign-in refused: the identity provider gave no verified e-mail")
            raise ImmediateHttpResponse(
                refusal(
                    request,
                    _(
                        "Your identity provider did not confirm an e-mail address for you, "
                        "so Readiness cannot tell who you are. Ask its administrator."
                    ),
                )
            )
        same = list(get_user_model().objects.filter(email__iexact=email)[:2])
        if not same:
            return
        user = same[0]
        other_identity = SocialAccount.objects.filter(user=user, provider=PROVIDER_ID).exists()
        if len(same) > 1 or user.is_superuser or user.is_staff or other_identity:
            log.warning("sign-in refused: the login with its e-mail cannot be joined")
            raise ImmediateHttpResponse(
                refusal(
                    request,
                    _(
                        "A login with your e-mail address already exists, and Readiness "
                        "does not join it to your sign-in by itself. Ask an administrator."
                    ),
                )
            )
        sociallogin.connect(request, user)

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return True

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form=None):
        # The new login and what it is given are one write.
        with transaction.atomic():
            user = super().save_user(request, sociallogin, form)
            _sync(sociallogin)
        return user

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ) -> None:
        log.warning("sign-in failed: %s %s", error, exception)
        if isinstance(exception, UntrustedAnswer):
            message = _(
                "The identity provider's answer did not come from the issuer Readiness "
                "trusts, or could not be verified, so the sign-in was refused. Tell an "
                "administrator."
            )
        elif error == "cancelled":
            message = _("The sign-in was cancelled.")
        else:
            message = _("The sign-in did not complete. Try again, or tell an administrator.")
        raise ImmediateHttpResponse(refusal(request, message, status=401))


class AccountAdapter(DefaultAccountAdapter):
    """No sign-up with a password: logins come from an administrator or a sign-in."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


class NoPasswordBackend(ModelBackend):
    """With PASSWORD_LOGIN=0: sessions and permissions as usual, and no password is ever
    accepted, the admin's login included."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        return None
