"""The machinery every write shares: the Event, the stale-edit refusal, create and update."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from readiness.models import (
    Event,
    Release,
    Session,
    Versioned,
)

User = AbstractBaseUser | AnonymousUser | None


class StaleEdit(Exception):
    """The record changed since the user loaded it; their edit was not applied."""

    def __init__(self, obj: models.Model, expected: int) -> None:
        self.obj = obj
        self.expected = expected
        super().__init__(
            _(
                "%(record)s was changed by someone else since you opened it "
                "(your version %(expected)s, now %(current)s). Nothing was saved: "
                "review their change and apply yours again."
            )
            % {"record": obj, "expected": expected, "current": getattr(obj, "version", "?")}
        )


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The record's own field values, as JSON, for an Event's before/after."""
    data = {}
    # Secrets and token hashes never reach the log.
    redacted = getattr(obj, "EVENT_REDACTED", ())
    for field in obj._meta.concrete_fields:
        if field.primary_key or field.attname in redacted:
            continue
        data[field.attname] = _plain(getattr(obj, field.attname))
    return data


def _actor(user: User) -> AbstractBaseUser | None:
    return user if user is not None and user.is_authenticated else None


def event_record(
    *,
    user: User,
    verb: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    release: Release | None = None,
    session: Session | None = None,
) -> Event:
    actor = _actor(user)
    if session is None:
        session = obj if isinstance(obj, Session) else getattr(obj, "session", None)
    if release is None:
        release = obj if isinstance(obj, Release) else getattr(session, "release", None)
    is_addendum = False
    if session is not None:
        # Tell the live view something changed, and flag changes to closed minutes.
        Session.objects.filter(pk=session.pk).update(revision=F("revision") + 1)
        status = Session.objects.values_list("status", flat=True).get(pk=session.pk)
        # Closing and sending the minutes change nothing in them.
        is_addendum = status == Session.Status.CLOSED and verb not in (
            "session.closed",
            "session.minutes_sent",
        )
    return Event.objects.create(
        actor=actor,
        actor_name=(actor.get_full_name() or actor.get_username()) if actor else "",
        verb=verb,
        subject_type=obj._meta.model_name,
        subject_id=obj.pk,
        subject_repr=str(obj)[:300],
        release=release,
        session=session,
        before=before,
        after=after,
        is_addendum=is_addendum,
    )


def _create(obj: models.Model, *, user: User, verb: str, **where: Any) -> models.Model:
    obj.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            obj.save(force_insert=True)
    except IntegrityError as exc:
        # The checks before the insert make this a race with another writer.
        raise ValidationError(
            _("This conflicts with a record saved at the same time. Reload and try again."),
            code="conflict",
        ) from exc
    event_record(user=user, verb=verb, obj=obj, after=snapshot(obj), **where)
    return obj


def _update(
    obj: Versioned, *, user: User, verb: str, expected_version: int | None, **changes: Any
) -> Versioned:
    """Apply `changes` if `obj` is still at `expected_version`; bump the version; log it."""
    model = type(obj)
    current = model.objects.select_for_update().get(pk=obj.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(current, expected_version)
    before = snapshot(current)
    for name, value in changes.items():
        setattr(current, name, value)
    current.version += 1
    current.full_clean(validate_constraints=False)
    current.save()
    event_record(user=user, verb=verb, obj=current, before=before, after=snapshot(current))
    # Keep the caller's instance in step with what was saved.
    for field in model._meta.concrete_fields:
        setattr(obj, field.attname, getattr(current, field.attname))
    return obj


def _check_time_zone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("%(zone)s is not a known time zone.") % {"zone": name}, code="time_zone"
        ) from None


def _labelled(text: str, reference: str) -> str:
    return f"{reference}: {text}" if reference else text
