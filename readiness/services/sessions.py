"""A session's own life: scheduling, editing, starting, closing, its minutes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from readiness import bounds, notifications
from readiness.models import (
    Addendum,
    AgendaItem,
    Event,
    Membership,
    Participant,
    Person,
    ReadinessCheck,
    Release,
    Session,
    SessionTemplate,
)
from readiness.services._core import User, _actor, _check_time_zone, _create, _update, event_record
from readiness.services._moments import recorded_moment
from readiness.services.agenda import agenda_item_add, readiness_check_set
from readiness.services.checklists import checklist_item_add
from readiness.services.participants import participant_add
from readiness.services.signoffs import policy_defaults_of, policy_from_template


@transaction.atomic
def session_schedule(
    *,
    user: User,
    release: Release,
    scheduled_at: dt.datetime,
    time_zone: str,
    objective: str = "",
    facilitator: Person | None = None,
    title: str = "Go/No-Go",
    notes: str = "",
) -> Session:
    _check_time_zone(time_zone)
    if timezone.is_naive(scheduled_at):
        scheduled_at = scheduled_at.replace(tzinfo=bounds.zone_or_none(time_zone))
    _check_scheduled_at(scheduled_at)
    session = Session(
        release=release,
        title=_title(title),
        scheduled_at=scheduled_at,
        time_zone=time_zone,
        objective=objective.strip(),
        facilitator=facilitator,
        notes=notes.strip(),
    )
    return _create(session, user=user, verb=Event.Verb.SESSION_SCHEDULED)


def _title(title: str) -> str:
    # A title is one line: it heads the minutes and an invitation's summary.
    return " ".join(bounds.clean_line(title).split()) or "Go/No-Go"


def _check_scheduled_at(scheduled_at: dt.datetime) -> None:
    bounds.check_moment(scheduled_at, field="scheduled_at", label=_("The session's time"))


@transaction.atomic
def session_close(
    *,
    user: User,
    session: Session,
    expected_version: int | None,
    closed_at: dt.datetime | None = None,
) -> Session:
    """Close the minutes; `closed_at` is when the meeting really ended (now by default)."""
    if session.status == Session.Status.CLOSED:
        raise ValidationError(_("This session is already closed."))
    at = recorded_moment(
        closed_at, session=session, field="closed_at", label=_("The session's end")
    )
    if session.started_at is not None and at < session.started_at:
        raise ValidationError(
            {"closed_at": _("The session cannot end before it started.")}, code="before_start"
        )
    return _move(
        session, Session.Status.CLOSED, user=user, expected_version=expected_version, at=at
    )


# The steps of a session's life after scheduling: the Event each writes, and the field that
# keeps when it happened.
_STEPS = {
    Session.Status.IN_PROGRESS: (Event.Verb.SESSION_STARTED, "started_at"),
    Session.Status.CLOSED: (Event.Verb.SESSION_CLOSED, "closed_at"),
}


def _move(
    session: Session,
    status: str,
    *,
    user: User,
    expected_version: int | None,
    at: dt.datetime,
) -> Session:
    verb, moment = _STEPS[status]
    return _update(
        session,
        user=user,
        verb=verb,
        expected_version=expected_version,
        status=status,
        **{moment: at},
    )


@transaction.atomic
def session_schedule_from_template(
    *,
    user: User,
    release: Release,
    scheduled_at: dt.datetime,
    time_zone: str,
    objective: str = "",
    facilitator: Person | None = None,
    title: str = "Go/No-Go",
    template: SessionTemplate | None = None,
    carried_participants: Iterable[tuple[Participant, str]] = (),
    carried_agenda: Iterable[AgendaItem] = (),
) -> Session:
    """Schedule a session, blank or with a template's agenda, readiness areas and sign-off
    policy (the release's while it has no decision: `policy_from_template`), and
    with what is carried over from an earlier session of the release: its participants
    (each in the same role and title, with the area given) and agenda items (title and
    time box; the notes and whether it was discussed stay with that meeting)."""
    session = session_schedule(
        user=user,
        release=release,
        scheduled_at=scheduled_at,
        time_zone=time_zone,
        objective=objective,
        facilitator=facilitator,
        title=title,
    )
    if template is not None:
        for item in template.agenda:
            agenda_item_add(
                user=user,
                session=session,
                title=item["title"],
                time_box_minutes=item.get("time_box_minutes"),
            )
        for area in template.areas:
            readiness_check_set(
                user=user, session=session, area=area, status=ReadinessCheck.Status.NOT_ASSESSED
            )
            for entry in (template.checklists or {}).get(area, []):
                checklist_item_add(
                    user=user,
                    session=session,
                    area=area,
                    key=entry["key"],
                    label=entry.get("label", ""),
                    required=entry.get("required", True),
                )
        policy_from_template(user=user, release=release, template=template)
    for participant, area in carried_participants:
        if participant.session.release_id != release.pk:
            raise ValidationError(_("Only a session of the same release is carried over."))
        participant_add(
            user=user,
            session=session,
            person=participant.person,
            area=area,
            role=participant.role,
            title=participant.title,
        )
    for item in carried_agenda:
        if item.session.release_id != release.pk:
            raise ValidationError(_("Only a session of the same release is carried over."))
        agenda_item_add(
            user=user, session=session, title=item.title, time_box_minutes=item.time_box_minutes
        )
    _seat_approvers(user=user, session=session)
    return session


def _seat_approvers(*, user: User, session: Session) -> None:
    """Seat the team's approvers who are not in the session yet as voting members of the
    area they sign off for: the team said who approves, the facilitator need not."""
    seated = set(session.participants.values_list("person_id", flat=True))
    approvers = Membership.objects.filter(
        team_id=session.release.team_id, role=Membership.Role.APPROVER
    ).select_related("person")
    for membership in approvers.order_by("person__name", "pk"):
        if membership.person_id in seated:
            continue
        participant_add(
            user=user,
            session=session,
            person=membership.person,
            area=membership.area,
            role=Participant.Role.MEMBER,
        )


@transaction.atomic
def session_update(
    *,
    user: User,
    session: Session,
    expected_version: int | None,
    title: str,
    scheduled_at: dt.datetime,
    time_zone: str,
    objective: str,
    facilitator: Person | None,
) -> Session:
    _check_time_zone(time_zone)
    _check_scheduled_at(scheduled_at)
    return _update(
        session,
        user=user,
        verb=Event.Verb.SESSION_UPDATED,
        expected_version=expected_version,
        title=_title(title),
        scheduled_at=scheduled_at,
        time_zone=time_zone,
        objective=objective.strip(),
        facilitator=facilitator,
    )


@transaction.atomic
def session_start(
    *,
    user: User,
    session: Session,
    expected_version: int | None,
    started_at: dt.datetime | None = None,
) -> Session:
    """Start the meeting; `started_at` is when it really began (now by default)."""
    if session.status != Session.Status.SCHEDULED:
        raise ValidationError(_("Only a scheduled session can start."), code="invalid_state")
    at = recorded_moment(
        started_at, session=session, field="started_at", label=_("The session's start")
    )
    return _move(
        session, Session.Status.IN_PROGRESS, user=user, expected_version=expected_version, at=at
    )


@transaction.atomic
def session_template_save(*, user: User, session: Session, name: str) -> SessionTemplate:
    """Keep this session's agenda, readiness areas and its release's sign-off policy as a
    template for the next ones."""
    name = " ".join(bounds.clean_line(name).split())
    if not name:
        raise ValidationError({"name": _("Give the template a name.")})
    if SessionTemplate.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("A template with this name already exists.")})
    template = SessionTemplate(
        name=name,
        team_id=session.release.team_id,
        agenda=[
            {"title": item.title, "time_box_minutes": item.time_box_minutes}
            for item in session.agenda_items.all()
        ],
        areas=[check.area for check in session.readiness_checks.all()],
        # The items each area checks, without this meeting's states and exemptions.
        checklists={
            check.area: [
                {"key": i.key, "label": i.label, "required": i.required} for i in check.items.all()
            ]
            for check in session.readiness_checks.prefetch_related("items")
            if check.items.all()
        },
        policy=policy_defaults_of(session.release),
        created_by=_actor(user),
    )
    return _create(template, user=user, verb=Event.Verb.TEMPLATE_SAVED, session=session)


@transaction.atomic
def session_minutes_send(*, user: User, session: Session) -> Event:
    """E-mail the closed minutes to every participant with an address, after the commit.

    The Event names who they go to and who has no address (`sent_to`, `no_address`); with
    no address at all, nothing is sent and the Event says so instead.
    """
    if session.status != Session.Status.CLOSED:
        raise ValidationError(
            _("Close the session before sending its minutes."), code="invalid_state"
        )
    sent_to, no_address = [], []
    for participant in session.participants.select_related("person__user").order_by("pk"):
        person = participant.person
        address = notifications.person_address(person)
        (sent_to if address else no_address).append(
            f"{person.name} <{address}>" if address else person.name
        )
    verb = Event.Verb.SESSION_MINUTES_SENT if sent_to else Event.Verb.SESSION_MINUTES_UNSENT
    event = event_record(
        user=user,
        verb=verb,
        obj=session,
        after={"sent_to": sent_to, "no_address": no_address},
    )
    if sent_to:
        notifications.notify("minutes", session_id=session.pk)
    return event


@transaction.atomic
def addendum_add(*, user: User, session: Session, text: str) -> Addendum:
    """A note added to closed minutes, kept apart with its author and time."""
    text = bounds.clean_text(text).strip()
    if not text:
        raise ValidationError({"text": _("Write the addendum.")})
    if session.status != Session.Status.CLOSED:
        raise ValidationError(
            _("Addenda are for closed minutes; while the session is open, edit the minutes."),
            code="invalid_state",
        )
    actor = _actor(user)
    addendum = Addendum(
        session=session,
        text=text,
        author=actor,
        author_name=(actor.get_full_name() or actor.get_username()) if actor else "",
    )
    return _create(addendum, user=user, verb=Event.Verb.ADDENDUM_ADDED, session=session)
