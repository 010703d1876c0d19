"""Writes to the freeze calendar and break-glass overrides of the gate."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from readiness import bounds, gate, overrides_mail, webhooks
from readiness.models import Event, Freeze, Override, Release, WebhookEvent
from readiness.services._core import (
    User,
    _actor,
    _create,
    _remove,
    _update,
    event_record,
    snapshot,
)

# An override is for getting one deploy out, not a standing exemption.
MAX_OVERRIDE = dt.timedelta(days=7)
MAX_REASON = 2000


def _freeze_fields(
    *,
    name: str,
    kind: str,
    time_zone: str,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    start_weekday: int | None = None,
    start_time: dt.time | None = None,
    end_weekday: int | None = None,
    end_time: dt.time | None = None,
) -> dict[str, Any]:
    """The fields of a freeze as given, checked together; the other kind's fields empty."""
    name = " ".join(bounds.clean_line(name).split())
    if not name:
        raise ValidationError({"name": _("A freeze needs a name.")})
    bounds.check_time_zone(time_zone)
    if kind == Freeze.Kind.ONCE:
        errors = {}
        if starts_at is None:
            errors["starts_at"] = _("Give the moment the freeze starts.")
        if ends_at is None:
            errors["ends_at"] = _("Give the moment the freeze ends.")
        if errors:
            raise ValidationError(errors)
        bounds.check_moment(starts_at, field="starts_at", label=_("The start"))
        bounds.check_moment(ends_at, field="ends_at", label=_("The end"))
        if ends_at <= starts_at:
            raise ValidationError({"ends_at": _("The freeze must end after it starts.")})
        weekly = dict.fromkeys(("start_weekday", "start_time", "end_weekday", "end_time"))
        return {"name": name, "kind": kind, "time_zone": time_zone,
                "starts_at": starts_at, "ends_at": ends_at, **weekly}  # fmt: skip
    if kind != Freeze.Kind.WEEKLY:
        raise ValidationError({"kind": _("Choose whether the freeze repeats every week.")})
    errors = {}
    for field, value in (
        ("start_weekday", start_weekday),
        ("start_time", start_time),
        ("end_weekday", end_weekday),
        ("end_time", end_time),
    ):
        if value is None:
            errors[field] = _("A weekly freeze needs its weekdays and times.")
    if errors:
        raise ValidationError(errors)
    if start_weekday not in range(7) or end_weekday not in range(7):
        raise ValidationError({"start_weekday": _("Choose a weekday.")})
    return {
        "name": name,
        "kind": kind,
        "time_zone": time_zone,
        "starts_at": None,
        "ends_at": None,
        "start_weekday": start_weekday,
        "start_time": start_time.replace(second=0, microsecond=0, tzinfo=None),
        "end_weekday": end_weekday,
        "end_time": end_time.replace(second=0, microsecond=0, tzinfo=None),
    }


@transaction.atomic
def freeze_create(*, user: User, **fields: Any) -> Freeze:
    """A new freeze, weekly or once: of one team (`team`), or site-wide without one."""
    team = fields.pop("team", None)
    return _create(
        Freeze(team=team, **_freeze_fields(**fields)), user=user, verb=Event.Verb.FREEZE_CREATED
    )


@transaction.atomic
def freeze_update(
    *, user: User, freeze: Freeze, expected_version: int | None, **fields: Any
) -> Freeze:
    """Change a freeze; refused as stale when someone else saved it since."""
    return _update(
        freeze,
        user=user,
        verb=Event.Verb.FREEZE_UPDATED,
        expected_version=expected_version,
        **_freeze_fields(**fields),
    )


@transaction.atomic
def freeze_delete(*, user: User, freeze: Freeze, expected_version: int | None) -> None:
    _remove(freeze, user=user, verb=Event.Verb.FREEZE_DELETED, expected_version=expected_version)


# --- Overrides ------------------------------------------------------------------------------


def _check_override(release: Release, reason: str, expires_at: dt.datetime | None, now) -> str:
    reason = bounds.clean_text(reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Say why the gate is overridden: the reason is mandatory.")
    elif len(reason) > MAX_REASON:
        errors["reason"] = _("A reason is at most %(max)s characters long.") % {"max": MAX_REASON}
    if expires_at is None or not bounds.moment_is_valid(expires_at):
        errors["expires_at"] = _("Give the moment the override expires.")
    elif expires_at <= now:
        errors["expires_at"] = _("The override must expire in the future.")
    elif expires_at > now + MAX_OVERRIDE:
        errors["expires_at"] = _("An override lasts at most %(days)s days.") % {
            "days": MAX_OVERRIDE.days
        }
    if release.status == Release.Status.CANCELLED:
        errors["__all__"] = _("A cancelled release does not ship, even with an override.")
    if errors:
        raise ValidationError(errors)
    return reason


@transaction.atomic
def override_grant(
    *,
    user: User,
    release: Release,
    reason: str,
    expires_at: dt.datetime | None,
    now: dt.datetime | None = None,
) -> Override:
    """Let `release` ship while the gate blocks it, until `expires_at`: the gate answers
    ready with an `override` section. Facilitators and managers are told by e-mail, and
    webhooks hear `override.used`."""
    now = now or timezone.now()
    # The release row is locked first (release before session), so two grants queue.
    release = Release.objects.select_for_update().get(pk=release.pk)
    reason = _check_override(release, reason, expires_at, now)
    result = gate.release_gate(release, now=now)
    actor = _actor(user)
    override = Override(
        release=release,
        reason=reason,
        expires_at=expires_at,
        granted_at=now,
        granted_by=actor,
        granted_by_name=(actor.get_full_name() or actor.get_username()) if actor else "",
        overrode=[b.as_dict() for b in result.blocking],
    )
    override.full_clean()
    override.save(force_insert=True)
    told = overrides_mail.addresses(release)
    event_record(
        user=user,
        verb=Event.Verb.OVERRIDE_GRANTED,
        obj=override,
        release=release,
        after={**snapshot(override), "told": told},
    )
    webhooks.emit(
        event=WebhookEvent.OVERRIDE_USED,
        release=release,
        data=gate.override_dict(override, result.blocking),
        text=_("%(who)s overrode the gate of %(release)s until %(until)s: %(reason)s")
        % {
            "who": override.granted_by_name or "?",
            "release": release,
            "until": expires_at.isoformat(),
            "reason": reason,
        },
    )
    if told:
        overrides_mail.notify(override.pk)
    return override


@transaction.atomic
def override_revoke(*, user: User, override: Override, now: dt.datetime | None = None) -> Override:
    """End an override before it expires; the gate blocks again at once."""
    now = now or timezone.now()
    current = Override.objects.select_for_update().get(pk=override.pk)
    if not current.is_valid(now):
        raise ValidationError(_("This override no longer applies."), code="invalid_state")
    before = snapshot(current)
    current.revoked_at = now
    current.revoked_by = _actor(user)
    current.save(update_fields=["revoked_at", "revoked_by"])
    event_record(
        user=user,
        verb=Event.Verb.OVERRIDE_REVOKED,
        obj=current,
        release=current.release,
        before=before,
        after=snapshot(current),
    )
    return current
