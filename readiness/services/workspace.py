"""Writes from the session page that name people as facilitators type them.

Each creates the people its form names ("Ana Souza (SRE Lead)") and then writes, in one
transaction, so a refused write leaves no new person behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from readiness.models import (
    Action,
    Condition,
    Decision,
    Participant,
    Session,
)
from readiness.services._core import User
from readiness.services._moments import recorded_moment
from readiness.services.actions import action_create, action_update
from readiness.services.decisions import ConditionSpec, condition_update, decision_record
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
    # Without an area, the one the directory gives the person.
    area = area.strip() or person.default_area
    return participant_add(user=user, session=session, person=person, area=area, role=role)


# The wrappers below take the wrapped service's own keywords (`fields`), as it names and
# checks them, plus the one person the form names by label.


@transaction.atomic
def action_create_named(*, user: User, owner: str, **fields: Any) -> Action:
    """`action_create`, its owner named as the form names them."""
    return action_create(user=user, owner=person_from_label(user=user, label=owner), **fields)


@transaction.atomic
def action_update_named(*, user: User, owner: str, **fields: Any) -> Action:
    """`action_update`, its owner named as the form names them."""
    return action_update(user=user, owner=person_from_label(user=user, label=owner), **fields)


@transaction.atomic
def condition_update_named(
    *, user: User, condition: Condition, owner: str, deadline: dt.datetime | None, **fields: Any
) -> Condition:
    """`condition_update`, its owner named as the form names them (none when blank), its
    deadline in the session's wall-clock time."""
    zone = condition.decision.session.tzinfo
    return condition_update(
        user=user,
        condition=condition,
        owner=person_from_label(user=user, label=owner) if owner else None,
        deadline=deadline.replace(tzinfo=zone) if deadline else None,
        **fields,
    )


@transaction.atomic
def session_schedule_named(*, user: User, facilitator: str, **fields: Any) -> Session:
    """`session_schedule_from_template`, its facilitator named as the form names them."""
    return session_schedule_from_template(
        user=user, facilitator=person_from_label(user=user, label=facilitator), **fields
    )


@transaction.atomic
def session_update_named(*, user: User, facilitator: str, **fields: Any) -> Session:
    """`session_update`, its facilitator named as the form names them."""
    return session_update(
        user=user, facilitator=person_from_label(user=user, label=facilitator), **fields
    )


@transaction.atomic
def decision_record_named(
    *, user: User, session: Session, conditions: Iterable[NamedCondition], **fields: Any
) -> Decision:
    """`decision_record`, its conditions as the form holds them: owners by name, deadlines
    in the session's own time zone; the time it was decided, if given, on the meeting's day."""
    if fields.get("recorded_at") is not None:
        fields["recorded_at"] = recorded_moment(
            fields["recorded_at"],
            session=session,
            field="recorded_at",
            label=_("The decision's time"),
        )
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
    return decision_record(user=user, session=session, conditions=specs, **fields)
