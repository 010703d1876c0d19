"""The machinery every write shares: the Event, the stale-edit refusal, create and update.

Locks are taken in one order, parent before child: release, then session, then the
session's records (agenda items, participants, checks, decisions and their conditions,
actions, evidence). `_update` is the one path that changes an existing record: it locks the
record's session (`_lock_parents`), then the record, checks the version, snapshots, saves
and writes the Event. Writing the Event bumps the session's revision, which locks the
session; a write that locked a child first and the session second would deadlock against
one that locked the session first. A write that locks several rows of its own (moving or
renumbering agenda items) calls `_lock_parents` before them; a write that changes a release
and its sessions locks the release first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from readiness import bounds
from readiness.models import (
    Decision,
    Event,
    Release,
    Session,
    Versioned,
)
from readiness.services._checks import clean_record

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
        session = _session_of(obj)
    if release is None:
        release = obj if isinstance(obj, Release) else getattr(session, "release", None)
    is_addendum = False
    if session is not None:
        # Tell the live view something changed, and flag changes to closed minutes.
        Session.objects.filter(pk=session.pk).update(revision=F("revision") + 1)
        status = Session.objects.values_list("status", flat=True).get(pk=session.pk)
        # Closing and sending the minutes change nothing in them.
        is_addendum = status == Session.Status.CLOSED and verb not in (
            Event.Verb.SESSION_CLOSED,
            Event.Verb.SESSION_MINUTES_SENT,
        )
    return Event.objects.create(
        actor=actor,
        actor_name=(actor.get_full_name() or actor.get_username()) if actor else "",
        verb=verb,
        subject_type=obj._meta.model_name,
        subject_id=obj.pk,
        subject_repr=str(obj)[:300],
        release=release,
        release_slug=release.slug if release is not None else "",
        session=session,
        before=before,
        after=after,
        is_addendum=is_addendum,
    )


def _create(obj: models.Model, *, user: User, verb: str, **where: Any) -> models.Model:
    clean_record(obj)
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


def _session_of(obj: models.Model) -> Session | None:
    """The session a record belongs to, directly or through its decision."""
    if isinstance(obj, Session):
        return obj
    if getattr(obj, "session_id", None) is not None:
        return obj.session
    if isinstance(getattr(obj, "decision", None), Decision):
        return obj.decision.session
    return None


def _lock_parents(obj: models.Model) -> None:
    """Lock the session above `obj` before `obj` itself is locked (the order above)."""
    if isinstance(obj, Session | Release):
        return
    session_id = getattr(obj, "session_id", None)
    if session_id is None and getattr(obj, "decision_id", None) is not None:
        # One query, locking only the session row (not the decision joined to find it).
        parents = Session.objects.select_for_update(of=("self",)).filter(decisions=obj.decision_id)
    elif session_id is not None:
        parents = Session.objects.select_for_update().filter(pk=session_id)
    else:
        return
    list(parents.values_list("pk", flat=True))


def _update[M: models.Model](
    obj: M,
    *,
    user: User,
    verb: str,
    expected_version: int | None = None,
    check: Callable[[M], bool | None] | None = None,
    bump_version: bool = True,
    **changes: Any,
) -> M | None:
    """Apply `changes` to `obj` under a lock and log the change: the one way to change a record.

    A versioned record must still be at `expected_version` (when one is given) and its
    version grows. `check`, called with the locked row, refuses by raising, or answers
    False when there is nothing to change: then nothing is written and None is returned.
    `bump_version=False` is for a change that must not make others' open edits stale.
    """
    model = type(obj)
    _lock_parents(obj)
    current = model.objects.select_for_update().get(pk=obj.pk)
    # A refusal on the record's state says more than "someone changed it", so it comes first.
    if check is not None and check(current) is False:
        return None
    versioned = isinstance(current, Versioned)
    if versioned and expected_version is not None and current.version != expected_version:
        raise StaleEdit(current, expected_version)
    before = snapshot(current)
    for name, value in changes.items():
        setattr(current, name, value)
    if versioned and bump_version:
        current.version += 1
    # Only what changed is validated: the rest was valid (or imported) before.
    clean_record(current, changes)
    unchanged = [f.name for f in model._meta.concrete_fields if f.name not in changes]
    current.full_clean(exclude=unchanged, validate_constraints=False)
    current.save()
    event_record(user=user, verb=verb, obj=current, before=before, after=snapshot(current))
    # Keep the caller's instance in step with what was saved.
    for field in model._meta.concrete_fields:
        setattr(obj, field.attname, getattr(current, field.attname))
    for name in changes:
        field = model._meta.get_field(name)
        if field.is_relation and field.is_cached(current):
            field.set_cached_value(obj, field.get_cached_value(current))
    return obj


def _check_time_zone(name: str) -> None:
    bounds.check_time_zone(name)


def _labelled(text: str, reference: str) -> str:
    return f"{reference}: {text}" if reference else text
