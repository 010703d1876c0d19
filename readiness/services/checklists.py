"""The items of an area's checklist: added and set on the session page or by a pipeline,
exempted by a facilitator with a reason until a day."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from readiness import bounds
from readiness.models import ChecklistItem, Event, ReadinessCheck, Release, Session
from readiness.services._core import User, _create, _update
from readiness.services._ready import _announce_if_ready, _is_ready_if_heard
from readiness.services.agenda import readiness_check_set

KEY = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


def _clean_key(key: str) -> str:
    key = key.strip().lower()
    if not KEY.match(key):
        raise ValidationError(
            {"key": _("Use letters, digits, dots, dashes or underscores, such as e2e.")},
            code="key",
        )
    return key


def _clean_evidence(evidence_url: str) -> str:
    evidence_url = bounds.clean_line(evidence_url).strip()
    problem = bounds.location_problem(evidence_url)
    if problem:
        raise ValidationError({"evidence_url": problem}, code="evidence_url")
    return evidence_url


def _check_state(state: str) -> None:
    if state not in ChecklistItem.State.values:
        raise ValidationError({"state": _("Unknown state.")}, code="state")


def _area_check(*, user: User, session: Session, area: str) -> ReadinessCheck:
    """The session's check of `area`, added (not assessed) when the session has none."""
    area = " ".join(bounds.clean_line(area).split())
    if not area:
        raise ValidationError({"area": _("Name the area.")}, code="area")
    existing = session.readiness_checks.filter(area__iexact=area).first()
    if existing is not None:
        return existing
    return readiness_check_set(
        user=user, session=session, area=area, status=ReadinessCheck.Status.NOT_ASSESSED
    )


def _new_item(
    *,
    user: User,
    check: ReadinessCheck,
    key: str,
    label: str,
    required: bool,
    state: str = ChecklistItem.State.PENDING,
    evidence_url: str = "",
    token_name: str = "",
) -> ChecklistItem:
    position = (check.items.aggregate(m=models.Max("position"))["m"] or 0) + 1
    is_set = state != ChecklistItem.State.PENDING or bool(evidence_url)
    item = ChecklistItem(
        readiness_check=check,
        session_id=check.session_id,
        key=key,
        label=" ".join(bounds.clean_line(label).split()) or key,
        position=position,
        required=required,
        state=state,
        evidence_url=evidence_url,
        set_by=user if is_set and getattr(user, "is_authenticated", False) else None,
        set_by_token=token_name if is_set else "",
        set_at=timezone.now() if is_set else None,
    )
    return _create(item, user=user, verb=Event.Verb.CHECKLIST_ITEM_ADDED)


@transaction.atomic
def checklist_item_add(
    *, user: User, session: Session, area: str, key: str, label: str = "", required: bool = True
) -> ChecklistItem:
    """A new item on the area's checklist of the session (the area's check is added when
    the session has none); a key the area already has is refused, not overwritten."""
    key = _clean_key(key)
    check = _area_check(user=user, session=session, area=area)
    if check.items.filter(key=key).exists():
        raise ValidationError(
            {"key": _("This area already has an item with this key.")}, code="key_taken"
        )
    return _new_item(user=user, check=check, key=key, label=label, required=required)


@transaction.atomic
def checklist_item_set(
    *,
    user: User,
    item: ChecklistItem,
    expected_version: int | None,
    state: str,
    evidence_url: str = "",
    required: bool | None = None,
    token_name: str = "",
) -> ChecklistItem:
    """Set the item's state and evidence (and `required`, unless None): who set it and
    when are recorded. The same values again change nothing and write no Event."""
    _check_state(state)
    evidence_url = _clean_evidence(evidence_url)
    changes: dict = {"state": state, "evidence_url": evidence_url}
    if required is not None:
        changes["required"] = required
    if all(getattr(item, name) == value for name, value in changes.items()):
        # A pipeline reporting the same thing again: nothing to record.
        return item
    by_person = getattr(user, "is_authenticated", False)
    release = item.session.release
    was_ready = _is_ready_if_heard(release)
    _update(
        item,
        user=user,
        verb=Event.Verb.CHECKLIST_ITEM_SET,
        expected_version=expected_version,
        set_by=user if by_person else None,
        set_by_token=token_name,
        set_at=timezone.now(),
        **changes,
    )
    _announce_if_ready(release=release, was_ready=was_ready)
    return item


@transaction.atomic
def checklist_item_exempt(
    *,
    user: User,
    item: ChecklistItem,
    expected_version: int | None,
    reason: str,
    until: dt.date | None,
) -> ChecklistItem:
    """Exempt the item from blocking the gate through `until` (a reason is required), or
    lift the exemption (`until` None)."""
    reason = bounds.clean_text(reason).strip()
    bounds.check_day(until, field="until", label=_("The exemption's last day"))
    if until is not None and not reason:
        raise ValidationError({"reason": _("Say why the item is exempted.")}, code="reason")
    if until is None:
        reason = ""
    release = item.session.release
    was_ready = _is_ready_if_heard(release)
    by_person = until is not None and getattr(user, "is_authenticated", False)
    _update(
        item,
        user=user,
        verb=Event.Verb.CHECKLIST_ITEM_EXEMPTED,
        expected_version=expected_version,
        exempt_reason=reason,
        exempt_until=until,
        exempted_by=user if by_person else None,
    )
    _announce_if_ready(release=release, was_ready=was_ready)
    return item


@transaction.atomic
def checklist_item_put(
    *,
    user: User,
    release: Release,
    area: str,
    key: str,
    state: str,
    evidence_url: str = "",
    required: bool | None = None,
    token_name: str = "",
    expected_version: int | None = None,
) -> tuple[ChecklistItem, bool]:
    """A pipeline's report for one item: the item of the area's current check (the latest
    session holding the area), added when the area has no such key (required unless
    `required` says otherwise); an area no session holds gets a check on the latest
    session. Answers the item and whether it was created."""
    key = _clean_key(key)
    _check_state(state)
    evidence_url = _clean_evidence(evidence_url)
    area = " ".join(bounds.clean_line(area).split())
    check = (
        ReadinessCheck.objects.filter(session__release=release, area__iexact=area)
        .order_by("-session__scheduled_at", "-session__pk")
        .first()
    )
    if check is None:
        session = release.sessions.order_by("-scheduled_at", "-pk").first()
        if session is None:
            raise ValidationError(
                _("The release has no session to hold the check of this area."),
                code="invalid_state",
            )
        check = _area_check(user=user, session=session, area=area)
    item = check.items.filter(key=key).first()
    if item is None:
        item = _new_item(
            user=user,
            check=check,
            key=key,
            label=key,
            required=True if required is None else required,
            state=state,
            evidence_url=evidence_url,
            token_name=token_name,
        )
        return item, True
    item = checklist_item_set(
        user=user,
        item=item,
        expected_version=expected_version,
        state=state,
        evidence_url=evidence_url,
        required=required,
        token_name=token_name,
    )
    return item, False
