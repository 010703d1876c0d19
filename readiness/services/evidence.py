"""Evidence linked to a session and its verification."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from readiness import bounds
from readiness.models import (
    Action,
    AgendaItem,
    Condition,
    Event,
    Evidence,
    ReadinessCheck,
    Session,
)
from readiness.services._core import User, _actor, _create, _remove, _update


@transaction.atomic
def evidence_add(
    *,
    user: User,
    session: Session,
    title: str,
    location: str,
    category: str = Evidence.Category.OTHER,
    agenda_item: AgendaItem | None = None,
    readiness_check: ReadinessCheck | None = None,
    condition: Condition | None = None,
    action: Action | None = None,
) -> Evidence:
    # Any text is kept (nothing a document says is lost); only http(s) URLs and relative
    # repository paths ever become links, see Evidence.href(). A location that says it is
    # a URL (`scheme://...`, `http:...`) must be one that parses, over http(s), with a host.
    location = clean_location(location)
    targets = [t for t in (agenda_item, readiness_check, condition, action) if t is not None]
    if len(targets) > 1:
        raise ValidationError(_("Evidence backs one item at most."))
    if not _backs_own_session(session, agenda_item, readiness_check, condition, action):
        raise ValidationError(_("Evidence backs an item of its own session."))
    evidence = Evidence(
        session=session,
        title=bounds.clean_line(title).strip(),
        location=location,
        category=category,
        agenda_item=agenda_item,
        readiness_check=readiness_check,
        condition=condition,
        action=action,
    )
    return _create(evidence, user=user, verb=Event.Verb.EVIDENCE_ADDED)


def _backs_own_session(
    session: Session,
    agenda_item: AgendaItem | None,
    readiness_check: ReadinessCheck | None,
    condition: Condition | None,
    action: Action | None,
) -> bool:
    """Whether what the evidence backs belongs to its session. An action carried into a
    later session of its release may be closed there, with that session's evidence; a
    session's page finds its records' evidence by this rule (`models.link_evidence`)."""
    if action is not None:
        return action.release_id == session.release_id
    if condition is not None:
        return condition.decision.session_id == session.pk
    item = agenda_item or readiness_check
    return item is None or item.session_id == session.pk


def clean_location(location: str, *, field: str = "location") -> str:
    """What any evidence may point to: an http(s) URL or a path in the repository."""
    location = bounds.clean_line(location).strip()
    if not location:
        raise ValidationError({field: _("Give a URL or a repository path.")})
    problem = bounds.location_problem(location)
    if problem:
        raise ValidationError({field: problem}, code="url")
    return location


@transaction.atomic
def evidence_update(
    *,
    user: User,
    evidence: Evidence,
    expected_version: int | None,
    title: str,
    location: str,
    category: str,
) -> Evidence:
    """Correct what the evidence says and where it is. A verified piece stays verified
    only if it still points where it did: a new location must be verified again."""
    location = clean_location(location)
    title = bounds.clean_line(title).strip()
    if not title:
        raise ValidationError({"title": _("Give the evidence a title.")})
    if category not in Evidence.Category.values:
        raise ValidationError({"category": _("Unknown category.")})
    changes = {"title": title, "location": location, "category": category}
    if location != evidence.location and evidence.verified:
        changes.update(verified=False, verified_by=None, verified_at=None)
    return _update(
        evidence,
        user=user,
        verb=Event.Verb.EVIDENCE_UPDATED,
        expected_version=expected_version,
        **changes,
    )


@transaction.atomic
def evidence_remove(*, user: User, evidence: Evidence, expected_version: int | None) -> None:
    _remove(
        evidence, user=user, verb=Event.Verb.EVIDENCE_REMOVED, expected_version=expected_version
    )


@transaction.atomic
def evidence_verify(
    *, user: User, evidence: Evidence, expected_version: int | None = None
) -> Evidence:
    if evidence.verified:
        raise ValidationError(_("This evidence is already verified."), code="invalid_state")
    return _update(
        evidence,
        user=user,
        verb=Event.Verb.EVIDENCE_VERIFIED,
        expected_version=expected_version,
        verified=True,
        verified_by=_actor(user),
        verified_at=timezone.now(),
    )
