"""Work assigned in a meeting, and every change of its status."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from readiness import notifications, webhooks
from readiness.models import (
    Action,
    Event,
    Person,
    Session,
    WebhookEvent,
    _is_web_url,
)
from readiness.services._core import User, _create, _labelled, _update
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
    notify: bool = True,
) -> Action:
    """A new action; its owner is told unless `notify` is off (history being imported)."""
    code = code.strip().upper()
    if session.actions.filter(code=code).exists():
        raise ValidationError(
            _("Action code %(code)s is already used in this session.") % {"code": code},
            code="duplicate",
        )
    action = Action(
        session=session,
        code=code,
        description=description.strip(),
        owner=owner,
        due_date=due_date,
        kind=kind,
    )
    _create(action, user=user, verb=Event.Verb.ACTION_CREATED)
    if notify:
        notifications.notify("action_assigned", action_id=action.pk)
    return action


@transaction.atomic
def action_set_status(
    *,
    user: User,
    action: Action,
    status: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Action:
    if status not in Action.Status.values:
        raise ValidationError(_("Unknown action status %(status)s.") % {"status": status})
    reason = reason.strip()
    if status == Action.Status.BLOCKED and not reason:
        raise ValidationError(
            {"reason": _("Say what blocks this action.")}, code="reason_required"
        )
    closing = status in (Action.Status.DONE, Action.Status.CANCELLED)
    release = action.session.release
    was_ready = _is_ready_if_heard(release)
    previous = Action.objects.values_list("status", flat=True).get(pk=action.pk)
    _update(
        action,
        user=user,
        verb=Event.Verb.ACTION_STATUS_CHANGED,
        expected_version=expected_version,
        status=status,
        status_reason=reason,
        completed_at=timezone.now() if closing else None,
    )
    if status != previous and status == Action.Status.BLOCKED:
        notifications.notify("action_blocked", action_id=action.pk)
    if status != previous and status in (Action.Status.DONE, Action.Status.BLOCKED):
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
) -> Action:
    if not description.strip():
        raise ValidationError({"description": _("Say what has to be done.")})
    if kind not in Action.Kind.values:
        raise ValidationError({"kind": _("Unknown kind.")})
    old_owner, old_due = action.owner_id, action.due_date
    _update(
        action,
        user=user,
        verb=Event.Verb.ACTION_UPDATED,
        expected_version=expected_version,
        description=description.strip(),
        owner=owner,
        due_date=due_date,
        kind=kind,
    )
    if action.owner_id != old_owner:
        notifications.notify("action_assigned", action_id=action.pk)
    elif action.due_date != old_due:
        notifications.notify(
            "action_due_changed",
            action_id=action.pk,
            old_due=old_due.isoformat() if old_due else "",
        )
    return action


@transaction.atomic
def action_complete(
    *,
    user: User,
    action: Action,
    note: str = "",
    evidence_url: str = "",
    evidence_title: str = "",
    expected_version: int | None = None,
) -> Action:
    """Mark the action done, with an optional note and a link to what shows it."""
    evidence_url = evidence_url.strip()
    if evidence_url and not _is_web_url(evidence_url):
        raise ValidationError({"evidence_url": _("Give an http:// or https:// URL.")})
    if not action.is_open:
        raise ValidationError(_("This action is already closed."), code="invalid_state")
    action_set_status(
        user=user,
        action=action,
        status=Action.Status.DONE,
        reason=note,
        expected_version=expected_version,
    )
    if evidence_url:
        evidence_add(
            user=user,
            session=action.session,
            title=evidence_title.strip() or _labelled(action.description, action.code)[:300],
            location=evidence_url,
            action=action,
        )
    return action


@transaction.atomic
def action_status_change(
    *,
    user: User,
    action: Action,
    status: str,
    reason: str = "",
    note: str = "",
    evidence_url: str = "",
    expected_version: int | None = None,
) -> Action:
    """The one-click status change of the owner's pages: done takes a note and a link,
    back to open from done is a reopening, anything else is a plain status change."""
    if status == Action.Status.DONE:
        return action_complete(
            user=user,
            action=action,
            note=note,
            evidence_url=evidence_url,
            expected_version=expected_version,
        )
    if action.status == Action.Status.DONE and status in Action.OPEN_STATUSES:
        return action_reopen(
            user=user, action=action, reason=reason, expected_version=expected_version
        )
    return action_set_status(
        user=user, action=action, status=status, reason=reason, expected_version=expected_version
    )


@transaction.atomic
def action_reopen(
    *, user: User, action: Action, reason: str, expected_version: int | None = None
) -> Action:
    """Put a done action back to open; the reason says what was missing."""
    if action.status != Action.Status.DONE:
        raise ValidationError(_("Only a done action can be reopened."), code="invalid_state")
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the action is reopened.")})
    return action_set_status(
        user=user,
        action=action,
        status=Action.Status.OPEN,
        reason=reason,
        expected_version=expected_version,
    )
