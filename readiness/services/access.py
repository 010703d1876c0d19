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

from readiness import webhooks
from readiness.models import (
    API_TOKEN_PREFIX,
    ApiToken,
    Release,
    UserSettings,
    Webhook,
)
from readiness.services._core import User, _actor, _create, event_record, snapshot

# Recording every request's use would write on every call; a minute's precision is enough.
TOKEN_USE_PRECISION = dt.timedelta(minutes=1)


def api_token_hash(token: str) -> str:
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
        token_hash=api_token_hash(token),
        prefix=token[: len(API_TOKEN_PREFIX) + 6],
        release=release,
    )
    _create(api_token, user=user, verb="api_token.created", release=None)
    return api_token, token


@transaction.atomic
def api_token_revoke(*, user: User, api_token: ApiToken) -> ApiToken:
    current = ApiToken.objects.select_for_update().get(pk=api_token.pk)
    if current.revoked_at is not None:
        raise ValidationError(_("This token is already revoked."), code="invalid_state")
    before = snapshot(current)
    current.revoked_at = timezone.now()
    current.save(update_fields=["revoked_at"])
    event_record(
        user=user, verb="api_token.revoked", obj=current, before=before, after=snapshot(current)
    )
    api_token.revoked_at = current.revoked_at
    return api_token


def api_token_use(*, token: str) -> ApiToken | None:
    """The active token with that value, its last use noted; None for an unknown or revoked
    one. No Event: using a credential changes nothing in the record (like a login)."""
    if not token.startswith(API_TOKEN_PREFIX):
        return None
    api_token = (
        ApiToken.objects.active()
        .select_related("user", "release")
        .filter(token_hash=api_token_hash(token), user__is_active=True)
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
    chat_format: bool = False,
) -> Webhook:
    url = url.strip()
    webhooks.target_check(url)
    webhook = Webhook(
        url=url,
        events=sorted(set(events)),
        release=release,
        chat_format=chat_format,
        secret=secrets.token_urlsafe(32),
        created_by=_actor(user),
    )
    return _create(webhook, user=user, verb="webhook.created", release=release)


@transaction.atomic
def webhook_delete(*, user: User, webhook: Webhook) -> None:
    """Remove the webhook and its delivery log; the Event keeps what it was."""
    event_record(
        user=user,
        verb="webhook.deleted",
        obj=webhook,
        before=snapshot(webhook),
        release=webhook.release,
    )
    webhook.delete()


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _settings_for_update(user: AbstractBaseUser) -> tuple[UserSettings, dict[str, Any] | None]:
    found = UserSettings.objects.select_for_update().filter(user=user).first()
    if found is None:
        return UserSettings(user=user), None
    return found, snapshot(found)


@transaction.atomic
def user_settings_update(
    *, user: AbstractBaseUser, language: str, reminders: bool
) -> UserSettings:
    if language not in dict(UserSettings._meta.get_field("language").choices):
        raise ValidationError({"language": _("Unknown language.")})
    current, before = _settings_for_update(user)
    current.language, current.reminders = language, reminders
    current.save()
    verb = "user_settings.updated" if before else "user_settings.created"
    event_record(user=user, verb=verb, obj=current, before=before, after=snapshot(current))
    return current


@transaction.atomic
def feed_token_regenerate(*, user: AbstractBaseUser) -> str:
    """A new calendar feed token; the old address stops working. Returned here only."""
    current, before = _settings_for_update(user)
    token = secrets.token_urlsafe(32)
    current.feed_token_hash = feed_token_hash(token)
    current.feed_created_at = timezone.now()
    current.save()
    event_record(
        user=user,
        verb="user_settings.feed_regenerated",
        obj=current,
        before=before,
        after=snapshot(current),
    )
    return token
