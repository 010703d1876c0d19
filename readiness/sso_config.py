"""Single sign-on's settings, read from the environment: no Django model is imported here,
since readiness/settings.py calls it before the apps are loaded."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

# The team roles, most to least (readiness.models.teams.TeamRole's values).
ROLES = ("facilitator", "approver", "member", "viewer")
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
# The allauth provider id: it is part of the redirect URI the identity provider registers.
PROVIDER_ID = "oidc"
EXAMPLE = "billing-facilitators=billing:facilitator,billing-qa=billing:approver:QA"


@dataclass(frozen=True)
class GroupRole:
    """Members of `group` (as the identity provider names it) get `role` in `team`."""

    group: str
    team: str
    role: str
    area: str = ""


def parse_group_roles(raw: str, *, name: str = "OIDC_GROUP_ROLES") -> tuple[GroupRole, ...]:
    """`group=team:role[:area]` entries, separated by commas or new lines.

    A group may appear more than once (one entry per team it gives a role in); an area is
    what an approver signs off for, and only approvers take one.
    """
    rules: list[GroupRole] = []
    seen: set[tuple[str, str]] = set()
    for entry in re.split(r"[,\n]", raw):
        entry = entry.strip()
        if not entry:
            continue
        group, equals, target = (part.strip() for part in entry.rpartition("="))
        parts = [part.strip() for part in target.split(":")]
        problem = ""
        if not equals or not group:
            problem = "is not group=team:role"
        elif len(parts) not in (2, 3) or not _SLUG.match(parts[0]):
            problem = "needs team:role after '=', the team by its short name (slug)"
        elif parts[1] not in ROLES:
            problem = f"has the role {parts[1]!r}: use one of {', '.join(ROLES)}"
        elif parts[1] == "approver" and (len(parts) < 3 or not parts[2]):
            problem = "gives the approver role without an area (team:approver:AREA)"
        elif parts[1] != "approver" and len(parts) == 3:
            problem = "gives an area to a role other than approver"
        elif (group, parts[0]) in seen:
            problem = "maps the same group to the same team twice"
        if problem:
            raise ImproperlyConfigured(
                f"{name}: the entry {entry!r} {problem}. Expected entries such as {EXAMPLE}"
            )
        seen.add((group, parts[0]))
        rules.append(GroupRole(group, parts[0], parts[1], parts[2] if len(parts) == 3 else ""))
    return tuple(rules)


def _bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use 1/0, true/false, yes/no.")


@dataclass(frozen=True)
class SignOn:
    """The identity provider, as configured; `enabled` is False when none is."""

    issuer: str = ""
    client_id: str = ""
    client_secret: str = ""
    name: str = ""
    groups_claim: str = "groups"
    scopes: tuple[str, ...] = ("openid", "profile", "email")
    # E-mail domains the provider owns: their addresses count as verified even without an
    # `email_verified` claim (Microsoft Entra ID sends none).
    trusted_email_domains: tuple[str, ...] = ()
    group_roles: tuple[GroupRole, ...] = ()
    password_login: bool = True

    @property
    def enabled(self) -> bool:
        return bool(self.issuer)

    @property
    def discovery_url(self) -> str:
        # OpenID Connect Discovery: the issuer without its trailing slash, then the path.
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    @property
    def origin(self) -> str:
        """Where the sign-in button's form is redirected to: the browser's form-action
        rule (the Content Security Policy) must allow it."""
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}" if self.enabled else ""

    def allauth_providers(self) -> dict:
        """SOCIALACCOUNT_PROVIDERS for django-allauth: one app, or none."""
        if not self.enabled:
            return {"openid_connect": {"APPS": []}}
        return {
            "openid_connect": {
                "OAUTH_PKCE_ENABLED": True,
                "APPS": [
                    {
                        "provider_id": PROVIDER_ID,
                        "name": self.name,
                        "client_id": self.client_id,
                        "secret": self.client_secret,
                        "settings": {
                            "server_url": self.discovery_url,
                            # Checked against the discovery document and every id_token.
                            "issuer": self.issuer,
                            "fetch_userinfo": True,
                            "oauth_pkce_enabled": True,
                            "scope": list(self.scopes),
                        },
                    }
                ],
            }
        }


def sign_on_from(environ: Mapping[str, str]) -> SignOn:
    """The identity provider the OIDC_* variables describe, checked; SignOn() with none."""

    def get(name: str, default: str = "") -> str:
        return environ.get(name, default).strip()

    issuer = get("OIDC_ISSUER")
    password_login = _bool(environ, "PASSWORD_LOGIN", True)
    others = [n for n in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_GROUP_ROLES") if get(n)]
    if not issuer:
        if others:
            raise ImproperlyConfigured(
                f"{', '.join(others)} set without OIDC_ISSUER: set the identity provider's "
                "issuer URL too, or unset them."
            )
        if not password_login:
            raise ImproperlyConfigured(
                "PASSWORD_LOGIN=0 needs single sign-on: set OIDC_ISSUER, OIDC_CLIENT_ID and "
                "OIDC_CLIENT_SECRET, or nobody could log in."
            )
        return SignOn()
    parts = urlsplit(issuer)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"OIDC_ISSUER={issuer!r} is not an http(s) URL without query or fragment."
        )
    missing = [n for n in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET") if not get(n)]
    if missing:
        raise ImproperlyConfigured(
            f"OIDC_ISSUER is set but {' and '.join(missing)} not: copy them from the client "
            "registered at the identity provider."
        )
    groups_claim = get("OIDC_GROUPS_CLAIM", "groups") or "groups"
    scopes = tuple(get("OIDC_SCOPES", "openid profile email").replace(",", " ").split())
    if "openid" not in scopes:
        raise ImproperlyConfigured(f"OIDC_SCOPES={' '.join(scopes)!r} must include openid.")
    domains = tuple(
        d.strip().lower().lstrip("@") for d in get("OIDC_TRUSTED_EMAIL_DOMAINS").split(",")
    )
    domains = tuple(d for d in domains if d)
    for domain in domains:
        if not re.match(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$", domain):
            raise ImproperlyConfigured(
                f"OIDC_TRUSTED_EMAIL_DOMAINS: {domain!r} is not a domain such as example.com."
            )
    return SignOn(
        issuer=issuer,
        client_id=get("OIDC_CLIENT_ID"),
        client_secret=get("OIDC_CLIENT_SECRET"),
        name=get("OIDC_NAME") or parts.hostname or issuer,
        groups_claim=groups_claim,
        scopes=scopes,
        trusted_email_domains=domains,
        group_roles=parse_group_roles(get("OIDC_GROUP_ROLES")),
        password_login=password_login,
    )
