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
from readiness.services._core import User, _actor, _create, _update


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
    location = bounds.clean_line(location).strip()
    if not location:
        raise ValidationError({"location": _("Give a URL or a repository path.")})
    problem = bounds.location_problem(location)
    if problem:
        raise ValidationError({"location": problem}, code="url")
    targets = [t for t in (agenda_item, readiness_check, condition, action) if t is not None]
    if len(targets) > 1:
        raise ValidationError(_("Evidence backs one item at most."))
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
