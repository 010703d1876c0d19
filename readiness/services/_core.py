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
from typing import Any, NamedTuple

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
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
    if isinstance(value, dt.datetime | dt.date | dt.time):
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
    locked: Session | None = None,
) -> Event:
    """Log `verb` on `obj` and tell the live view its session changed.

    `locked` is the session as `_lock_parents` left it: locked by this write, its
    revision already bumped, its status current.
    """
    actor = _actor(user)
    session = locked or session or _session_of(obj)
    if release is None:
        if isinstance(obj, Release):
            release = obj
        elif session is not None:
            release = session.release
        elif getattr(obj, "release_id", None) is not None:
            # A release's own record with no session above it (its policy, say).
            release = obj.release
    is_addendum = False
    if session is not None:
        status = locked.status if locked is not None else _tell(session)
        # Closing and sending the minutes change nothing in them.
        is_addendum = status == Session.Status.CLOSED and verb not in (
            Event.Verb.SESSION_CLOSED,
            Event.Verb.SESSION_MINUTES_SENT,
            Event.Verb.SESSION_MINUTES_UNSENT,
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


def _tell(session: Session) -> str:
    """Tell the live view something changed; the session's status, to flag changes to
    closed minutes."""
    Session.objects.filter(pk=session.pk).update(revision=F("revision") + 1)
    return Session.objects.values_list("status", flat=True).get(pk=session.pk)


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


class Locked[M: models.Model](NamedTuple):
    """A record locked for a change, and its session locked before it (None when the
    record is a release or a session, or belongs to neither)."""

    session: Session | None
    row: M


def _lock_parents(obj: models.Model) -> Session | None:
    """Lock the session above `obj` before `obj` itself is locked (the order above).

    The lock is taken by counting the write in the session's revision (which the live
    view polls), so the one statement both locks and tells. The session comes back with
    its release and facilitator as they are under the lock: when `obj` already holds its
    session (a loader brought it), the bump's own answer refreshes that instance.
    """
    if isinstance(obj, Session | Release):
        return None
    session_id = getattr(obj, "session_id", None)
    if session_id is None and getattr(obj, "decision_id", None) is not None:
        session_id = Decision.objects.values_list("session_id", flat=True).get(pk=obj.decision_id)
    if session_id is None:
        return None
    status, facilitator_id = _bump_revision(session_id)
    cached = getattr(obj, "session_id", None) == session_id and type(obj).session.is_cached(obj)
    if not cached or not Session.release.is_cached(obj.session):
        return Session.objects.select_related("release", "facilitator").get(pk=session_id)
    session = obj.session
    session.status = status
    # Assigning an id that moved drops the stale facilitator; an unchanged one keeps it.
    session.facilitator_id = facilitator_id
    return session


def _bump_revision(session_id: int) -> tuple[str, int | None]:
    """Count a write in the session's revision, locking its row; its status and
    facilitator as they are now. One statement, written out because the ORM's update
    cannot return what it updated."""
    fields = Session._meta
    quote = connection.ops.quote_name
    revision = quote(fields.get_field("revision").column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(fields.db_table)} SET {revision} = {revision} + 1 "
            f"WHERE {quote(fields.pk.column)} = %s RETURNING "
            f"{quote(fields.get_field('status').column)}, "
            f"{quote(fields.get_field('facilitator').column)}",
            [session_id],
        )
        return cursor.fetchone()


def _lock[M: models.Model](obj: M, *, related: tuple[str, ...] = ()) -> Locked[M]:
    """Lock `obj`'s session, then `obj`: the row as it is now, for a write to check."""
    session = _lock_parents(obj)
    if isinstance(obj, Session):
        related = ("release", *related)  # its Event names the release
    row = type(obj).objects.select_for_update(of=("self",))
    if related:
        row = row.select_related(*related)
    current = row.get(pk=obj.pk)
    if session is not None and getattr(current, "session_id", None) == session.pk:
        current.session = session
    return Locked(session, current)


def _update[M: models.Model](
    obj: M,
    *,
    user: User,
    verb: str,
    expected_version: int | None = None,
    check: Callable[[M], bool | None] | None = None,
    bump_version: bool = True,
    locked: Locked[M] | None = None,
    context: Session | None = None,
    note: dict[str, Any] | None = None,
    **changes: Any,
) -> M | None:
    """Apply `changes` to `obj` under a lock and log the change: the one way to change a record.

    A versioned record must still be at `expected_version` (when one is given) and its
    version grows. `check`, called with the locked row, refuses by raising, or answers
    False when there is nothing to change: then nothing is written and None is returned.
    `bump_version=False` is for a change that must not make others' open edits stale.
    `locked` is the caller's own `_lock(obj)`, when it had to read the row under its
    lock before deciding to write. `context` is a later session of the same release the
    change was made from (a follow-up closed in the next meeting): its Event is that
    session's, so a closed earlier session does not get it as an addendum. The context
    session is locked last, after the record's own: a later session after an earlier
    one, always in that order. `note` adds to the Event what is not a field (whom an
    e-mail went to).
    """
    model = type(obj)
    session, current = locked if locked is not None else _lock(obj)
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
    # Only the changed columns are written: the row is locked, the rest is as read.
    current.save(update_fields=[*changes, *(["version"] if versioned and bump_version else [])])
    where = _where(session) if context is None else {"session": context}
    event_record(
        user=user,
        verb=verb,
        obj=current,
        before=before,
        after={**snapshot(current), **(note or {})},
        **where,
    )
    # Keep the caller's instance in step with what was saved.
    for field in model._meta.concrete_fields:
        setattr(obj, field.attname, getattr(current, field.attname))
    for name in changes:
        field = model._meta.get_field(name)
        if field.is_relation and field.is_cached(current):
            field.set_cached_value(obj, field.get_cached_value(current))
    return obj


def _remove(
    obj: models.Model,
    *,
    user: User,
    verb: str,
    expected_version: int | None = None,
    check: Callable[[Any], None] | None = None,
) -> None:
    """Delete `obj` under the same lock, version check and Event as `_update`: the Event
    keeps what it held (`before`), so the record stays readable in the log.

    `check`, called with the locked row, refuses by raising; nothing is deleted then."""
    session, current = _lock(obj)
    if check is not None:
        check(current)
    versioned = isinstance(current, Versioned)
    if versioned and expected_version is not None and current.version != expected_version:
        raise StaleEdit(current, expected_version)
    before = snapshot(current)
    event_record(user=user, verb=verb, obj=current, before=before, **_where(session))
    current.delete()


def _refuse_if[M: models.Model](done: Callable[[M], bool], message: str) -> Callable[[M], None]:
    """A `check` for `_update` refusing a change that was already made: asked of the locked
    row, so that of two people doing it at once, only one succeeds."""

    def check(current: M) -> None:
        if done(current):
            raise ValidationError(message, code="invalid_state")

    return check


def _where(session: Session | None) -> dict[str, Any]:
    """What `event_record` need not do again about the session this write locked."""
    if session is None:
        return {}
    return {"locked": session, "release": session.release}


def _check_time_zone(name: str) -> None:
    bounds.check_time_zone(name)


def _labelled(text: str, reference: str) -> str:
    return f"{reference}: {text}" if reference else text
