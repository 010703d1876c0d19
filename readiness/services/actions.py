"""Work assigned in a meeting, and every change of its status."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from readiness import bounds, notifications, permissions, webhooks
from readiness.models import (
    Action,
    Event,
    Person,
    Session,
    WebhookEvent,
)
from readiness.services._core import Locked, StaleEdit, User, _create, _labelled, _lock, _update
from readiness.services._moments import recorded_moment
from readiness.services._ready import _announce_if_ready, _is_ready_if_heard
from readiness.services.evidence import evidence_add


@transaction.atomic
def action_create(
    *,
    user: User,
    session: Session,
    code: str,
    description: str,
    owner: Person,
    due_date: dt.date | None = None,
    kind: str = Action.Kind.ACTION,
    before_deploy: bool = False,
    notify: bool = True,
) -> Action:
    """A new action; its owner is told unless `notify` is off (history being imported)."""
    code = _clean_code(code)
    bounds.check_day(due_date, field="due_date", label=_("The due date"))
    _refuse_taken_code(release_id=session.release_id, code=code, session_id=session.pk)
    action = Action(
        session=session,
        release_id=session.release_id,
        code=code,
        description=description.strip(),
        owner=owner,
        due_date=due_date,
        kind=kind,
        before_deploy=before_deploy,
    )
    _create(action, user=user, verb=Event.Verb.ACTION_CREATED)
    if notify:
        notifications.notify("action_assigned", action_id=action.pk)
    return action


@transaction.atomic
def action_update(
    *,
    user: User,
    action: Action,
    expected_version: int | None,
    description: str,
    owner: Person,
    due_date: dt.date | None,
    kind: str,
    code: str | None = None,
    before_deploy: bool | None = None,
) -> Action:
    """Change what the action says; `code` (None or "" keeps it) must stay free in the release:
    the check below words the refusal, the database's constraint settles a race.
    `before_deploy` None keeps the flag."""
    if not bounds.clean_text(description).strip():
        raise ValidationError({"description": _("Say what has to be done.")})
    bounds.check_day(due_date, field="due_date", label=_("The due date"))
    if kind not in Action.Kind.values:
        raise ValidationError({"kind": _("Unknown kind.")})
    changes = {}
    if before_deploy is not None:
        changes["before_deploy"] = before_deploy
    if code:
        code = _clean_code(code)
        if code != action.code:
            _refuse_taken_code(
                release_id=action.release_id, code=code, session_id=action.session_id, field="code"
            )
            changes["code"] = code
    old_owner, old_due = action.owner_id, action.due_date
    try:
        with transaction.atomic():
            _update(
                action,
                user=user,
                verb=Event.Verb.ACTION_UPDATED,
                expected_version=expected_version,
                description=description.strip(),
                owner=owner,
                due_date=due_date,
                kind=kind,
                **changes,
            )
    except IntegrityError as exc:
        # Another action took the code between the check and the save.
        raise ValidationError({"code": _taken(changes.get("code", action.code))}) from exc
    if action.owner_id != old_owner:
        notifications.notify("action_assigned", action_id=action.pk)
    elif action.due_date != old_due:
        notifications.notify(
            "action_due_changed",
            action_id=action.pk,
            old_due=old_due.isoformat() if old_due else "",
        )
    return action


def _clean_code(code: str) -> str:
    code = bounds.clean_line(code).strip().upper()
    if not code:
        raise ValidationError({"code": _("Give the action a code, such as A5.")})
    return code


def code_with_free_suffix(code: str, used: set[str]) -> str:
    """`code` with the first suffix free in `used` (A1-2, A1-3...): how a code that an
    earlier session of the release already gave is renumbered (migration 0012 does the
    same to the codes stored before codes were one per release)."""
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = code[: 20 - len(suffix)] + suffix
        if candidate not in used:
            return candidate
        n += 1


def _taken(code: str) -> str:
    return _("Action code %(code)s is already used in this release.") % {"code": code}


def _refuse_taken_code(
    *, release_id: int, code: str, session_id: int, field: str | None = None
) -> None:
    """A code names one action in the whole release, whichever session assigned it."""
    holder = Action.objects.filter(release_id=release_id, code=code).values("session_id")
    found = holder.first()
    if found is not None:
        if found["session_id"] == session_id:
            message = _("Action code %(code)s is already used in this session.") % {"code": code}
        else:
            message = _taken(code)
        raise ValidationError({field: message} if field else message, code="duplicate")


# --- Status ---------------------------------------------------------------------------------
#
# `action_change_status` is the one way the pages, /me/, the API and commands change an
# action's status; `action_status_import` is the importer's, for minutes that already tell
# what happened. Both check the same state rules, in `_check_transition`, against the row
# as it is under its lock, so two doors can never disagree about what is allowed.


@transaction.atomic
def action_change_status(
    *,
    user: User,
    action: Action,
    status: str,
    reason: str = "",
    note: str = "",
    evidence_url: str = "",
    evidence_title: str = "",
    expected_version: int,
    from_session: Session | None = None,
    completed_at: dt.datetime | None = None,
) -> Action:
    """Move the action to `status` as `user`, if they may and the rules allow it.

    Done takes an optional note (kept as the reason) and a link to what shows it; blocked
    and reopening (from done or cancelled back to an open status) need a reason; only whoever
    may facilitate the session cancels or reopens; a closed action is not closed again.
    `completed_at` is when the work was really done (now by default; never in the future).
    Raises PermissionDenied, StaleEdit (the action moved on since `expected_version`) or
    ValidationError, and changes nothing when it does.

    `from_session` is a later session of the release whose follow-ups list the action:
    the change is that session's (its Event, the evidence linked), not an addendum to
    the action's own, perhaps closed, session. Who may make it is asked of the action's
    own session, as anywhere else.
    """
    context = _follow_up_context(action, from_session)
    locked = _lock(action, related=("owner",))
    current = locked.row
    if not permissions.can_change_action_status(user, current, status):
        raise PermissionDenied(_refusal(current, status))
    if current.version != expected_version:
        raise StaleEdit(current, expected_version)
    evidence_url = evidence_url.strip()
    reason = _stored_text(reason)
    if status == Action.Status.DONE:
        reason = _stored_text(note) or reason
        if evidence_url:
            evidence_url = bounds.check_web_url(evidence_url, field="evidence_url")
    _check_transition(current, status, reason)
    done_at = _completed_at(completed_at, locked=locked, status=status)
    _apply_status(
        user=user,
        action=action,
        locked=locked,
        status=status,
        reason=reason,
        done_at=done_at,
        context=context,
    )
    if status == Action.Status.DONE and evidence_url:
        evidence_add(
            user=user,
            session=context or action.session,
            title=evidence_title.strip() or _labelled(action.description, action.code)[:300],
            location=evidence_url,
            action=action,
        )
    return action


@transaction.atomic
def action_status_import(
    *,
    user: User,
    action: Action,
    status: str,
    reason: str = "",
    completed_at: dt.datetime | None = None,
) -> Action:
    """The status the imported minutes give an action the import has just created.

    Who may import was asked at the import's door (or it is a command run by the operator);
    the state rules are those of `action_change_status`.
    """
    locked = _lock(action, related=("owner",))
    reason = _stored_text(reason)
    _check_transition(locked.row, status, reason)
    done_at = _completed_at(completed_at, locked=locked, status=status)
    _apply_status(
        user=user, action=action, locked=locked, status=status, reason=reason, done_at=done_at
    )
    return action


def _follow_up_context(action: Action, session: Session | None) -> Session | None:
    """The later session a change is made from, or None for the action's own."""
    if session is None or session.pk == action.session_id:
        return None
    own = action.session
    later = (session.scheduled_at, session.pk) > (own.scheduled_at, own.pk)
    if session.release_id != action.release_id or not later:
        raise ValidationError(
            _("This action is not a follow-up of that session."), code="invalid_state"
        )
    return session


def _completed_at(
    at: dt.datetime | None, *, locked: Locked[Action], status: str
) -> dt.datetime | None:
    """When the work was done: only finished work has a time; now unless given."""
    if status != Action.Status.DONE:
        if at is not None:
            raise ValidationError(
                {"completed_at": _("Only finished work has a completion time.")},
                code="not_done",
            )
        return None
    return recorded_moment(
        at,
        session=locked.session,
        field="completed_at",
        label=_("The completion time"),
        meeting_day=False,
    )


def _stored_text(value: str) -> str:
    """The text as the row will hold it: a reason of control characters alone is none."""
    return bounds.clean_text(value).strip()


def _refusal(action: Action, status: str) -> str:
    if status == Action.Status.CANCELLED or (
        not action.is_open and status in Action.OPEN_STATUSES
    ):
        return _("Only a facilitator may cancel or reopen an action.")
    return _("Only the action's owner or a facilitator may update it.")


def _check_transition(action: Action, status: str, reason: str) -> None:
    """The state rules, the same for every door: `action` is the row as it is now."""
    if status not in Action.Status.values:
        raise ValidationError(
            _("Unknown action status %(status)s.") % {"status": status}, code="unknown_status"
        )
    if status in (Action.Status.DONE, Action.Status.CANCELLED) and not action.is_open:
        raise ValidationError(_("This action is already closed."), code="invalid_state")
    if status == action.status:
        raise ValidationError(
            _("This action is already “%(status)s”.") % {"status": action.get_status_display()},
            code="invalid_state",
        )
    if not action.is_open and not reason.strip():
        raise ValidationError(
            {"reason": _("Say why the action is reopened.")}, code="reason_required"
        )
    if status == Action.Status.BLOCKED and not reason.strip():
        raise ValidationError(
            {"reason": _("Say what blocks this action.")}, code="reason_required"
        )


def _apply_status(
    *,
    user: User,
    action: Action,
    locked: Locked[Action],
    status: str,
    reason: str,
    done_at: dt.datetime | None,
    context: Session | None = None,
) -> None:
    """Save the change checked against the locked row, then tell who listens."""
    release = locked.session.release
    # Only opening or closing an action can change whether the release is ready (every
    # open status blocks alike), so only then is the gate asked before and after.
    turns = locked.row.is_open != (status in Action.OPEN_STATUSES)
    was_ready = _is_ready_if_heard(release) if turns else None
    _update(
        action,
        user=user,
        verb=Event.Verb.ACTION_STATUS_CHANGED,
        expected_version=locked.row.version,
        locked=locked,
        context=context,
        status=status,
        status_reason=reason.strip(),
        # Only finished work has a completion time; a cancelled action was never completed.
        completed_at=done_at,
    )
    if status == Action.Status.BLOCKED:
        notifications.notify("action_blocked", action_id=action.pk)
    if status in (Action.Status.DONE, Action.Status.BLOCKED):
        done = status == Action.Status.DONE
        text = (
            _("%(release)s: action %(code)s done (%(owner)s).")
            if done
            else _("%(release)s: action %(code)s blocked (%(owner)s): %(reason)s")
        )
        webhooks.emit(
            event=WebhookEvent.ACTION_DONE if done else WebhookEvent.ACTION_BLOCKED,
            release=release,
            data={
                "action": {
                    "id": action.pk,
                    "code": action.code,
                    "description": action.description,
                    "owner": action.owner.name,
                    "status": action.status,
                    "reason": action.status_reason,
                }
            },
            text=text
            % {
                "release": release,
                "code": action.code,
                "owner": action.owner.name,
                "reason": reason,
            },
        )
    _announce_if_ready(release=release, was_ready=was_ready)
