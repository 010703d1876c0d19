"""API tokens, webhooks and a login's own settings."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from readiness import bounds, webhooks
from readiness.models import (
    API_TOKEN_PREFIX,
    ApiToken,
    Event,
    Release,
    Team,
    UserSettings,
    Webhook,
)
from readiness.services._core import (
    User,
    _actor,
    _create,
    _refuse_if,
    _update,
    event_record,
    snapshot,
)

# Recording every request's use would write on every call; a minute's precision is enough.
TOKEN_USE_PRECISION = dt.timedelta(minutes=1)


def secret_hash(token: str) -> str:
    """What is kept of a secret shown once (an API token, a feed address): its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, user: AbstractBaseUser, name: str, release: Release | None = None
) -> tuple[ApiToken, str]:
    """A new token for `user`; the token itself is returned here and never again."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Name the token after what uses it.")})
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    api_token = ApiToken(
        user=user,
        name=name,
        token_hash=secret_hash(token),
        prefix=token[: len(API_TOKEN_PREFIX) + 6],
        release=release,
    )
    _create(api_token, user=user, verb=Event.Verb.API_TOKEN_CREATED, release=None)
    return api_token, token


@transaction.atomic
def api_token_revoke(*, user: User, api_token: ApiToken) -> ApiToken:
    _update(
        api_token,
        user=user,
        verb=Event.Verb.API_TOKEN_REVOKED,
        check=_refuse_if(
            lambda current: current.revoked_at is not None, _("This token is already revoked.")
        ),
        revoked_at=timezone.now(),
    )
    return api_token


def api_token_use(*, token: str) -> ApiToken | None:
    """The active token with that value, its last use noted; None for an unknown or revoked
    one. No Event: using a credential changes nothing in the record (like a login)."""
    if not token.startswith(API_TOKEN_PREFIX):
        return None
    api_token = (
        ApiToken.objects.active()
        .select_related("user", "release")
        .filter(token_hash=secret_hash(token), user__is_active=True)
        .first()
    )
    if api_token is None:
        return None
    now = timezone.now()
    if api_token.last_used_at is None or now - api_token.last_used_at >= TOKEN_USE_PRECISION:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        api_token.last_used_at = now
    return api_token


@transaction.atomic
def webhook_create(
    *,
    user: User,
    url: str,
    events: Iterable[str],
    release: Release | None = None,
    team: Team | None = None,
    chat_format: bool = False,
) -> Webhook:
    """A webhook of one release, of one team's releases (`team`), or, with neither, of
    every release."""
    url = url.strip()
    webhooks.target_check(url)
    webhook = Webhook(
        url=url,
        events=sorted(set(events)),
        release=release,
        team=team if release is None else None,
        chat_format=chat_format,
        secret=secrets.token_urlsafe(32),
        created_by=_actor(user),
    )
    return _create(webhook, user=user, verb=Event.Verb.WEBHOOK_CREATED, release=release)


@transaction.atomic
def webhook_delete(*, user: User, webhook: Webhook) -> None:
    """Remove the webhook and its delivery log; the Event keeps what it was."""
    event_record(
        user=user,
        verb=Event.Verb.WEBHOOK_DELETED,
        obj=webhook,
        before=snapshot(webhook),
        release=webhook.release,
    )
    webhook.delete()


def _settings_write(
    *, user: AbstractBaseUser, verb: str, first_verb: str, **changes: Any
) -> UserSettings:
    """Change the login's settings, making them on the first change (UserSettings.for_user
    gives the defaults until then)."""
    found = UserSettings.objects.filter(user=user).first()
    if found is not None:
        return _update(found, user=user, verb=verb, **changes)
    return _create(UserSettings(user=user, **changes), user=user, verb=first_verb)


@transaction.atomic
def user_settings_update(
    *, user: AbstractBaseUser, language: str, reminders: bool, time_zone: str = ""
) -> UserSettings:
    """The login's language (pages and e-mails), reminders and time zone ("" for the
    site's)."""
    if language not in dict(UserSettings._meta.get_field("language").choices):
        raise ValidationError({"language": _("Unknown language.")})
    time_zone = time_zone.strip()
    if time_zone:
        bounds.check_time_zone(time_zone)
    return _settings_write(
        user=user,
        verb=Event.Verb.USER_SETTINGS_UPDATED,
        first_verb=Event.Verb.USER_SETTINGS_CREATED,
        language=language,
        reminders=reminders,
        time_zone=time_zone,
    )


@transaction.atomic
def feed_token_regenerate(*, user: AbstractBaseUser) -> str:
    """A new calendar feed token; the old address stops working. Returned here only."""
    token = secrets.token_urlsafe(32)
    _settings_write(
        user=user,
        verb=Event.Verb.USER_SETTINGS_FEED_REGENERATED,
        first_verb=Event.Verb.USER_SETTINGS_FEED_REGENERATED,
        feed_token_hash=secret_hash(token),
        feed_created_at=timezone.now(),
    )
    return token
