"""Writes from the session page that name people as facilitators type them.

Each creates the people its form names ("Ana Souza (SRE Lead)") and then writes, in one
transaction, so a refused write leaves no new person behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from readiness.models import (
    Action,
    Decision,
    Participant,
    Release,
    Session,
    SessionTemplate,
)
from readiness.services._core import User
from readiness.services.actions import action_create, action_update
from readiness.services.decisions import ConditionSpec, VoteSpec, decision_record
from readiness.services.participants import participant_add
from readiness.services.people import person_from_label
from readiness.services.sessions import session_schedule_from_template, session_update


@dataclass(frozen=True)
class NamedCondition:
    """A condition as the decision form holds it: its owner by name, its deadline in the
    session's wall-clock time (what the facilitator typed)."""

    text: str
    reference: str = ""
    owner: str = ""
    deadline: dt.datetime | None = None


@transaction.atomic
def participant_add_named(
    *,
    user: User,
    session: Session,
    name: str,
    title: str = "",
    area: str = "",
    role: str = Participant.Role.MEMBER,
) -> Participant:
    person = person_from_label(user=user, label=name, title=title)
    return participant_add(user=user, session=session, person=person, area=area, role=role)


@transaction.atomic
def action_create_named(
    *,
    user: User,
    session: Session,
    code: str,
    description: str,
    owner: str,
    due_date: dt.date | None = None,
    kind: str = Action.Kind.ACTION,
) -> Action:
    return action_create(
        user=user,
        session=session,
        code=code,
        description=description,
        owner=person_from_label(user=user, label=owner),
        due_date=due_date,
        kind=kind,
    )


@transaction.atomic
def action_update_named(
    *,
    user: User,
    action: Action,
    expected_version: int | None,
    description: str,
    owner: str,
    due_date: dt.date | None,
    kind: str,
) -> Action:
    return action_update(
        user=user,
        action=action,
        expected_version=expected_version,
        description=description,
        owner=person_from_label(user=user, label=owner),
        due_date=due_date,
        kind=kind,
    )


@transaction.atomic
def session_schedule_named(
    *,
    user: User,
    release: Release,
    scheduled_at: dt.datetime,
    time_zone: str,
    objective: str,
    facilitator: str,
    title: str,
    template: SessionTemplate | None,
) -> Session:
    return session_schedule_from_template(
        user=user,
        release=release,
        scheduled_at=scheduled_at,
        time_zone=time_zone,
        objective=objective,
        facilitator=person_from_label(user=user, label=facilitator),
        title=title,
        template=template,
    )


@transaction.atomic
def session_update_named(
    *,
    user: User,
    session: Session,
    expected_version: int | None,
    title: str,
    scheduled_at: dt.datetime,
    time_zone: str,
    objective: str,
    facilitator: str,
) -> Session:
    return session_update(
        user=user,
        session=session,
        expected_version=expected_version,
        title=title,
        scheduled_at=scheduled_at,
        time_zone=time_zone,
        objective=objective,
        facilitator=person_from_label(user=user, label=facilitator),
    )


@transaction.atomic
def decision_record_named(
    *,
    user: User,
    session: Session,
    outcome: str,
    rationale: str,
    method: str,
    conditions: Iterable[NamedCondition],
    votes: Iterable[VoteSpec],
    review_on: dt.date | None,
) -> Decision:
    """A decision whose conditions name their owners and give deadlines in the session's
    own time zone, as the form shows them."""
    specs = [
        ConditionSpec(
            text=c.text,
            reference=c.reference.strip("` "),
            owner=person_from_label(user=user, label=c.owner),
            deadline=c.deadline.replace(tzinfo=session.tzinfo) if c.deadline else None,
        )
        for c in conditions
        if c.text
    ]
    return decision_record(
        user=user,
        session=session,
        outcome=outcome,
        rationale=rationale,
        method=method,
        conditions=specs,
        votes=list(votes),
        review_on=review_on,
    )
