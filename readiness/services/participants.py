"""Who takes part in a session, in which role, and whether they came."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from readiness.models import (
    Action,
    Condition,
    Event,
    Participant,
    Person,
    Session,
)
from readiness.services._core import User, _create, _remove, _update


@transaction.atomic
def participant_add(
    *,
    user: User,
    session: Session,
    person: Person,
    area: str = "",
    role: str = Participant.Role.MEMBER,
    attendance: str = Participant.Attendance.CONFIRMED,
    title: str | None = None,
) -> Participant:
    """`title` is the person's title at this meeting (their current one when not given); it
    stays with the participation, so later titles never rewrite these minutes."""
    if session.participants.filter(person=person).exists():
        raise ValidationError(
            _("%(person)s already takes part in this session.") % {"person": person.name},
            code="duplicate",
        )
    participant = Participant(
        session=session,
        person=person,
        title=(person.title if title is None else title).strip(),
        area=area.strip(),
        role=role,
        attendance=attendance,
    )
    return _create(participant, user=user, verb=Event.Verb.PARTICIPANT_ADDED)


@transaction.atomic
def participant_update(
    *,
    user: User,
    participant: Participant,
    expected_version: int | None,
    area: str,
    role: str,
) -> Participant:
    if role not in Participant.Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    return _update(
        participant,
        user=user,
        verb=Event.Verb.PARTICIPANT_UPDATED,
        expected_version=expected_version,
        area=area.strip(),
        role=role,
    )


@transaction.atomic
def participant_set_attendance(
    *, user: User, participant: Participant, attendance: str
) -> Participant:
    """One click in the room: setting the same attendance again changes nothing."""
    if attendance not in Participant.Attendance.values:
        raise ValidationError({"attendance": _("Unknown attendance.")})
    if participant.attendance == attendance:
        return participant
    return _update(
        participant,
        user=user,
        verb=Event.Verb.PARTICIPANT_ATTENDANCE,
        expected_version=None,
        attendance=attendance,
    )


@transaction.atomic
def participant_remove(
    *, user: User, participant: Participant, expected_version: int | None
) -> None:
    """Take someone off the session's list, as long as the record does not need them:
    a participant who voted, or who owns an action or a condition of this session,
    stays (the minutes would otherwise lose who did it)."""

    def refuse_if_needed(current: Participant) -> None:
        session, person = current.session_id, current.person_id
        needed = [_("%(person)s cannot be removed.") % {"person": current.person.name}]
        if current.votes.exists():
            needed.append(_("They voted in this session."))
        if Action.objects.filter(session_id=session, owner_id=person).exists():
            needed.append(_("They own an action of this session."))
        if Condition.objects.filter(decision__session_id=session, owner_id=person).exists():
            needed.append(_("They own a condition of this session."))
        if len(needed) > 1:
            raise ValidationError(" ".join(needed), code="in_use")

    _remove(
        participant,
        user=user,
        verb=Event.Verb.PARTICIPANT_REMOVED,
        expected_version=expected_version,
        check=refuse_if_needed,
    )
