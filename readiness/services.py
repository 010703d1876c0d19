"""Every write to the domain: one transaction each, each writing its Event.

Views, the importer, commands and admin actions all call these functions; nothing
else saves a domain model. Functions are keyword-only and named `<entity>_<action>`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from readiness import gate, notifications, webhooks
from readiness.models import (
    API_TOKEN_PREFIX,
    Action,
    Addendum,
    AgendaItem,
    ApiToken,
    Condition,
    Decision,
    Event,
    Evidence,
    Participant,
    Person,
    ReadinessCheck,
    Release,
    Session,
    SessionTemplate,
    UserSettings,
    Versioned,
    Vote,
    Webhook,
    WebhookEvent,
    _is_web_url,
    release_slug,
)

User = AbstractBaseUser | AnonymousUser | None


class StaleEdit(Exception):
    """The record changed since the user loaded it; their edit was not applied."""

    def __init__(self, obj: models.Model, expected: int) -> None:
        self.obj = obj
        self.expected = expected
        super().__init__(
            _(
                "%(record)s was changed by someone else since you opened it "
                "(your version %(expected)s, now %(current)s). Nothing was saved: "
                "review their change and apply yours again."
            )
            % {"record": obj, "expected": expected, "current": getattr(obj, "version", "?")}
        )


@dataclass(frozen=True)
class ConditionSpec:
    """A condition to record with a conditional GO."""

    text: str
    reference: str = ""
    owner: Person | None = None
    deadline: dt.datetime | None = None


@dataclass(frozen=True)
class VoteSpec:
    """One voting member's sign-off, when a decision is put to a vote."""

    participant: Participant
    choice: str
    comment: str = ""


# --- Events -------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The record's own field values, as JSON, for an Event's before/after."""
    data = {}
    # Secrets and token hashes never reach the log.
    redacted = getattr(obj, "EVENT_REDACTED", ())
    for field in obj._meta.concrete_fields:
        if field.primary_key or field.attname in redacted:
            continue
        data[field.attname] = _plain(getattr(obj, field.attname))
    return data


def _actor(user: User) -> AbstractBaseUser | None:
    return user if user is not None and user.is_authenticated else None


def event_record(
    *,
    user: User,
    verb: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    release: Release | None = None,
    session: Session | None = None,
) -> Event:
    actor = _actor(user)
    if session is None:
        session = obj if isinstance(obj, Session) else getattr(obj, "session", None)
    if release is None:
        release = obj if isinstance(obj, Release) else getattr(session, "release", None)
    is_addendum = False
    if session is not None:
        # Tell the live view something changed, and flag changes to closed minutes.
        Session.objects.filter(pk=session.pk).update(revision=F("revision") + 1)
        status = Session.objects.values_list("status", flat=True).get(pk=session.pk)
        # Closing and sending the minutes change nothing in them.
        is_addendum = status == Session.Status.CLOSED and verb not in (
            "session.closed",
            "session.minutes_sent",
        )
    return Event.objects.create(
        actor=actor,
        actor_name=(actor.get_full_name() or actor.get_username()) if actor else "",
        verb=verb,
        subject_type=obj._meta.model_name,
        subject_id=obj.pk,
        subject_repr=str(obj)[:300],
        release=release,
        session=session,
        before=before,
        after=after,
        is_addendum=is_addendum,
    )


def _create(obj: models.Model, *, user: User, verb: str, **where: Any) -> models.Model:
    obj.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            obj.save(force_insert=True)
    except IntegrityError as exc:
        # The checks before the insert make this a race with another writer.
        raise ValidationError(
            _("This conflicts with a record saved at the same time. Reload and try again."),
            code="conflict",
        ) from exc
    event_record(user=user, verb=verb, obj=obj, after=snapshot(obj), **where)
    return obj


def _update(
    obj: Versioned, *, user: User, verb: str, expected_version: int | None, **changes: Any
) -> Versioned:
    """Apply `changes` if `obj` is still at `expected_version`; bump the version; log it."""
    model = type(obj)
    current = model.objects.select_for_update().get(pk=obj.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(current, expected_version)
    before = snapshot(current)
    for name, value in changes.items():
        setattr(current, name, value)
    current.version += 1
    current.full_clean(validate_constraints=False)
    current.save()
    event_record(user=user, verb=verb, obj=current, before=before, after=snapshot(current))
    # Keep the caller's instance in step with what was saved.
    for field in model._meta.concrete_fields:
        setattr(obj, field.attname, getattr(current, field.attname))
    return obj


# --- People -------------------------------------------------------------------------------


@transaction.atomic
def person_get_or_create(
    *, user: User, name: str, title: str = "", email: str = "", as_of: dt.date | None = None
) -> Person:
    """The one Person of that name (case-insensitive), created if new.

    `as_of` is the date the title was seen (a meeting's date): an older document does not
    overwrite the title a newer one gave. Without it, the given title is taken as current.
    """
    name = " ".join(name.split())
    title = title.strip()
    if not name:
        raise ValidationError(_("A person needs a name."))
    person = Person.objects.select_for_update().filter(name__iexact=name).first()
    if person is None:
        return _create(
            Person(name=name, title=title, email=email.strip(), title_as_of=as_of),
            user=user,
            verb="person.created",
        )
    changes: dict[str, Any] = {}
    newer = as_of is None or person.title_as_of is None or as_of >= person.title_as_of
    if title and title != person.title and newer:
        changes["title"] = title
    if title and newer and as_of is not None and as_of != person.title_as_of:
        changes["title_as_of"] = as_of
    if email.strip() and email.strip() != person.email:
        changes["email"] = email.strip()
    if changes:
        _update(person, user=user, verb="person.updated", expected_version=None, **changes)
    return person


# --- Releases and sessions ----------------------------------------------------------------


@transaction.atomic
def release_create(
    *,
    user: User,
    name: str,
    planned_date: dt.date,
    deploy_window_start: dt.datetime | None = None,
    deploy_window_end: dt.datetime | None = None,
    product_owner: Person | None = None,
    language: str = "en",
) -> Release:
    name = " ".join(name.split())
    slug = release_slug(planned_date, name)
    if Release.objects.filter(slug=slug).exists():
        raise ValidationError(
            _("A release named %(slug)s already exists.") % {"slug": slug}, code="duplicate"
        )
    if deploy_window_start and deploy_window_end and deploy_window_end <= deploy_window_start:
        raise ValidationError(_("The deploy window must end after it starts."))
    release = Release(
        name=name,
        slug=slug,
        planned_date=planned_date,
        deploy_window_start=deploy_window_start,
        deploy_window_end=deploy_window_end,
        product_owner=product_owner,
        language=language,
    )
    return _create(release, user=user, verb="release.created", release=release)


@transaction.atomic
def release_record_import(
    *, user: User, release: Release, source: str, replaced: dict[str, Any] | None = None
) -> Event:
    """Log that `release` came from a minutes document (and what it replaced, if anything).

    This event also marks the point after which changes were made in the app: a release
    with later events is not replaced by a new import, so that those changes are not lost.
    """
    return event_record(
        user=user,
        verb="release.imported",
        obj=release,
        after={"source": source[:300], "replaced": replaced},
    )


@transaction.atomic
def release_delete(*, user: User, release: Release, record: dict[str, Any]) -> Event:
    """Delete a release with all its sessions; the Event keeps `record` (what it held).

    The Event is not tied to the release (that would delete it too) but names it, so that
    the log still says who removed what and holds the content.
    """
    actor = _actor(user)
    event = Event.objects.create(
        actor=actor,
        actor_name=(actor.get_full_name() or actor.get_username()) if actor else "",
        verb="release.deleted",
        subject_type=release._meta.model_name,
        subject_id=release.pk,
        subject_repr=str(release)[:300],
        before=record,
    )
    # A decision protects the one it superseded, so the newest ones go first.
    for decision in Decision.objects.filter(session__release=release).order_by("-pk"):
        decision.delete()
    release.delete()
    return event


@transaction.atomic
def release_set_status(
    *, user: User, release: Release, status: str, expected_version: int | None
) -> Release:
    if status not in Release.Status.values:
        raise ValidationError(_("Unknown release status %(status)s.") % {"status": status})
    return _update(
        release,
        user=user,
        verb="release.status_changed",
        expected_version=expected_version,
        status=status,
    )


def _check_time_zone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("%(zone)s is not a known time zone.") % {"zone": name}, code="time_zone"
        ) from None


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
        scheduled_at = scheduled_at.replace(tzinfo=zoneinfo.ZoneInfo(time_zone))
    session = Session(
        release=release,
        title=title.strip() or "Go/No-Go",
        scheduled_at=scheduled_at,
        time_zone=time_zone,
        objective=objective.strip(),
        facilitator=facilitator,
        notes=notes.strip(),
    )
    return _create(session, user=user, verb="session.scheduled")


@transaction.atomic
def session_close(*, user: User, session: Session, expected_version: int | None) -> Session:
    if session.status == Session.Status.CLOSED:
        raise ValidationError(_("This session is already closed."))
    return _update(
        session,
        user=user,
        verb="session.closed",
        expected_version=expected_version,
        status=Session.Status.CLOSED,
        closed_at=timezone.now(),
    )


@transaction.atomic
def participant_add(
    *,
    user: User,
    session: Session,
    person: Person,
    area: str = "",
    role: str = Participant.Role.MEMBER,
    attendance: str = Participant.Attendance.CONFIRMED,
) -> Participant:
    if session.participants.filter(person=person).exists():
        raise ValidationError(
            _("%(person)s already takes part in this session.") % {"person": person.name},
            code="duplicate",
        )
    participant = Participant(
        session=session, person=person, area=area.strip(), role=role, attendance=attendance
    )
    return _create(participant, user=user, verb="participant.added")


@transaction.atomic
def agenda_item_add(
    *,
    user: User,
    session: Session,
    title: str,
    time_box_minutes: int | None = None,
    notes: str = "",
    discussed: bool = False,
) -> AgendaItem:
    last = session.agenda_items.aggregate(m=models.Max("position"))["m"] or 0
    item = AgendaItem(
        session=session,
        position=last + 1,
        title=title.strip(),
        time_box_minutes=time_box_minutes,
        notes=notes.strip(),
        discussed=discussed,
    )
    return _create(item, user=user, verb="agenda_item.added")


@transaction.atomic
def readiness_check_set(
    *,
    user: User,
    session: Session,
    area: str,
    status: str,
    summary: str = "",
    expected_version: int | None = None,
) -> ReadinessCheck:
    """Create the area's check or update it; areas are unique per session."""
    area = " ".join(area.split())
    existing = session.readiness_checks.filter(area__iexact=area).first()
    if existing is None:
        position = (session.readiness_checks.aggregate(m=models.Max("position"))["m"] or 0) + 1
        check = ReadinessCheck(
            session=session, area=area, status=status, summary=summary.strip(), position=position
        )
        return _create(check, user=user, verb="readiness_check.added")
    return _update(
        existing,
        user=user,
        verb="readiness_check.updated",
        expected_version=expected_version,
        status=status,
        summary=summary.strip(),
    )


# --- Decisions and conditions -------------------------------------------------------------


@transaction.atomic
def decision_record(
    *,
    user: User,
    session: Session,
    outcome: str,
    rationale: str = "",
    method: str = Decision.Method.CONSENSUS,
    conditions: Iterable[ConditionSpec] = (),
    votes: Iterable[VoteSpec] = (),
    review_on: dt.date | None = None,
    recorded_at: dt.datetime | None = None,
    notify: bool = True,
) -> Decision:
    """Record the session's decision; an earlier one is superseded, never changed or deleted.

    Owners, webhooks and facilitators hear about it unless `notify` is off: minutes being
    imported tell of decisions taken long ago, which nobody should be paged about now.
    """
    conditions = list(conditions)
    votes = list(votes)
    _check_votes(session=session, method=method, votes=votes)
    if review_on is not None and outcome not in (
        Decision.Outcome.GO,
        Decision.Outcome.CONDITIONAL_GO,
    ):
        raise ValidationError(
            {"review_on": _("A post-go-live review only follows a GO.")}, code="review_on"
        )
    was_ready = _is_ready_if_heard(session.release)
    if outcome not in Decision.Outcome.values:
        raise ValidationError(_("Unknown outcome %(outcome)s.") % {"outcome": outcome})
    if outcome == Decision.Outcome.CONDITIONAL_GO and not conditions:
        raise ValidationError(_("A GO with conditions needs at least one condition."))
    if outcome != Decision.Outcome.CONDITIONAL_GO and conditions:
        raise ValidationError(_("Only a GO with conditions can carry conditions."))
    # Lock the session row so that two people recording at once are serialised.
    Session.objects.select_for_update().get(pk=session.pk)
    previous = session.decisions.filter(is_current=True).first()
    if previous is not None:
        before = snapshot(previous)
        previous.is_current = False
        previous.save(update_fields=["is_current"])
        event_record(
            user=user,
            verb="decision.superseded",
            obj=previous,
            before=before,
            after=snapshot(previous),
        )
    decision = Decision(
        session=session,
        outcome=outcome,
        rationale=rationale.strip(),
        method=method,
        review_on=review_on,
        recorded_by=_actor(user),
        recorded_at=recorded_at or timezone.now(),
        supersedes=previous,
    )
    _create(decision, user=user, verb="decision.recorded")
    default_deadline = session.release.deploy_window_start
    for position, spec in enumerate(conditions, start=1):
        if not spec.text.strip():
            raise ValidationError(_("A condition needs a text."))
        condition = Condition(
            decision=decision,
            position=position,
            text=spec.text.strip(),
            reference=spec.reference.strip(),
            owner=spec.owner,
            deadline=spec.deadline or default_deadline,
        )
        _create(condition, user=user, verb="condition.added", session=session)
        if condition.owner is not None and notify:
            notifications.notify("condition_assigned", condition_id=condition.pk)
    for spec in votes:
        vote = Vote(
            decision=decision,
            participant=spec.participant,
            area=spec.participant.area,
            choice=spec.choice,
            comment=spec.comment.strip(),
        )
        _create(vote, user=user, verb="vote.recorded", session=session)
    release = session.release
    if not notify:
        return decision
    webhooks.emit(
        event=WebhookEvent.DECISION_RECORDED,
        release=release,
        data={
            "decision": {
                "id": decision.pk,
                "outcome": decision.outcome,
                "rationale": decision.rationale,
                "recorded_at": decision.recorded_at.isoformat(),
                "conditions": len(conditions),
            }
        },
        text=_("%(release)s: decision recorded: %(outcome)s.")
        % {"release": release, "outcome": decision.get_outcome_display()},
    )
    _announce_if_ready(release=release, was_ready=was_ready)
    return decision


def _check_votes(*, session: Session, method: str, votes: list[VoteSpec]) -> None:
    """Only voting members of this session vote, once each; the product owner is never
    the only approver."""
    if method != Decision.Method.VOTE:
        if votes:
            raise ValidationError(_("Votes are only recorded when the decision is put to a vote."))
        return
    if not votes:
        raise ValidationError(_("A vote needs at least one voting member's sign-off."))
    seen = set()
    for spec in votes:
        participant = spec.participant
        if participant.session_id != session.pk:
            raise ValidationError(_("Only participants of this session can vote."))
        if participant.is_observer:
            raise ValidationError(
                _("%(name)s is an observer and cannot vote.") % {"name": participant.person.name},
                code="observer_vote",
            )
        if participant.pk in seen:
            raise ValidationError(_("Each member votes once."))
        if spec.choice not in Vote.Choice.values:
            raise ValidationError(_("Unknown vote %(choice)s.") % {"choice": spec.choice})
        seen.add(participant.pk)
    approvers = {s.participant.person_id for s in votes if s.choice == Vote.Choice.GO}
    owner_id = session.release.product_owner_id
    if owner_id is not None and approvers == {owner_id}:
        raise ValidationError(
            _("The release's own product owner cannot be its only approver."),
            code="sole_approver",
        )


@transaction.atomic
def condition_satisfy(
    *,
    user: User,
    condition: Condition,
    note: str = "",
    expected_version: int | None = None,
) -> Condition:
    # Read it again under a lock: two people satisfying it at once must not both succeed.
    current = Condition.objects.select_for_update().get(pk=condition.pk)
    if current.is_satisfied:
        raise ValidationError(_("This condition is already satisfied."), code="invalid_state")
    release = current.decision.session.release
    was_ready = _is_ready_if_heard(release)
    _update(
        condition,
        user=user,
        verb="condition.satisfied",
        expected_version=expected_version,
        satisfied_at=timezone.now(),
        satisfied_by=_actor(user),
        satisfied_note=note.strip(),
    )
    webhooks.emit(
        event=WebhookEvent.CONDITION_SATISFIED,
        release=release,
        data={
            "condition": {
                "id": condition.pk,
                "text": condition.text,
                "reference": condition.reference,
                "satisfied_at": condition.satisfied_at.isoformat(),
                "note": condition.satisfied_note,
            }
        },
        text=_("%(release)s: condition satisfied: %(condition)s")
        % {"release": release, "condition": _labelled(condition.text, condition.reference)},
    )
    decision = current.decision
    if (
        decision.is_current
        and decision.is_conditional
        and not decision.conditions.filter(satisfied_at__isnull=True).exists()
    ):
        notifications.notify("conditions_satisfied", decision_id=decision.pk)
    _announce_if_ready(release=release, was_ready=was_ready)
    return condition


@transaction.atomic
def condition_satisfy_with_evidence(
    *,
    user: User,
    condition: Condition,
    url: str,
    title: str = "",
    note: str = "",
    expected_version: int | None = None,
) -> Condition:
    """Satisfy the condition and link the evidence that shows it, both or neither."""
    url = url.strip()
    if not _is_web_url(url):
        raise ValidationError({"evidence_url": _("Give an http:// or https:// URL.")})
    condition_satisfy(user=user, condition=condition, note=note, expected_version=expected_version)
    evidence_add(
        user=user,
        session=condition.decision.session,
        title=title.strip() or _labelled(condition.text, condition.reference)[:300],
        location=url,
        condition=condition,
    )
    return condition


@transaction.atomic
def condition_expiry_notify(*, user: User, condition: Condition) -> bool:
    """Tell the facilitator, once, that the condition's deadline passed unsatisfied.

    The telling is recorded before the e-mail leaves (after the commit), so that however
    many times the gate is asked, the facilitator gets one e-mail per condition.
    """
    current = Condition.objects.select_for_update().get(pk=condition.pk)
    if current.expiry_notified_at is not None or not current.is_expired(timezone.now()):
        return False
    before = snapshot(current)
    current.expiry_notified_at = timezone.now()
    current.save(update_fields=["expiry_notified_at"])
    session = current.decision.session
    event_record(
        user=user,
        verb="condition.expiry_notified",
        obj=current,
        before=before,
        after=snapshot(current),
        session=session,
    )
    condition.expiry_notified_at = current.expiry_notified_at
    transaction.on_commit(lambda: notifications.expired_condition_tell(current))
    return True


def release_gate_check(
    *, release: Release, now: dt.datetime | None = None, user: User = None
) -> gate.GateResult:
    """The gate's answer, telling the facilitator about conditions that just expired."""
    result = gate.release_gate(release, now=now or timezone.now())
    for condition in result.expired_conditions:
        if condition.expiry_notified_at is None:
            condition_expiry_notify(user=user, condition=condition)
    return result


def _labelled(text: str, reference: str) -> str:
    return f"{reference}: {text}" if reference else text


def _is_ready_if_heard(release: Release) -> bool | None:
    """Whether the release is ready now, when a webhook listens for it becoming ready."""
    listening = Webhook.objects.filter(
        models.Q(release=release) | models.Q(release__isnull=True)
    ).values_list("events", flat=True)
    if not any(WebhookEvent.RELEASE_READY in events for events in listening):
        return None
    return gate.release_gate(release, now=timezone.now()).ready


def _announce_if_ready(*, release: Release, was_ready: bool | None) -> None:
    if was_ready is None or was_ready:
        return
    result = gate.release_gate(release, now=timezone.now())
    if result.ready:
        webhooks.emit(
            event=WebhookEvent.RELEASE_READY,
            release=release,
            data={"gate": result.as_dict()},
            text=_("%(release)s is ready to ship.") % {"release": release},
        )


# --- Actions ------------------------------------------------------------------------------


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
    _create(action, user=user, verb="action.created")
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
        verb="action.status_changed",
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


# --- Evidence -----------------------------------------------------------------------------


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
    # repository paths ever become links, see Evidence.href().
    location = location.strip()
    if not location:
        raise ValidationError({"location": _("Give a URL or a repository path.")})
    targets = [t for t in (agenda_item, readiness_check, condition, action) if t is not None]
    if len(targets) > 1:
        raise ValidationError(_("Evidence backs one item at most."))
    evidence = Evidence(
        session=session,
        title=title.strip(),
        location=location,
        category=category,
        agenda_item=agenda_item,
        readiness_check=readiness_check,
        condition=condition,
        action=action,
    )
    return _create(evidence, user=user, verb="evidence.added")


@transaction.atomic
def evidence_verify(
    *, user: User, evidence: Evidence, expected_version: int | None = None
) -> Evidence:
    if evidence.verified:
        raise ValidationError(_("This evidence is already verified."), code="invalid_state")
    return _update(
        evidence,
        user=user,
        verb="evidence.verified",
        expected_version=expected_version,
        verified=True,
        verified_by=_actor(user),
        verified_at=timezone.now(),
    )


@transaction.atomic
def person_link_user(*, user: User, person: Person, login: AbstractBaseUser | None) -> Person:
    """Tie a Person to the login they use, so that their actions show up as theirs."""
    return _update(
        person,
        user=user,
        verb="person.login_linked",
        expected_version=None,
        user_id=(login.pk if login is not None else None),
    )


# --- The live meeting ---------------------------------------------------------------------


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
) -> Session:
    """Schedule a session, blank or with a template's agenda and readiness areas."""
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
    return session


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
    return _update(
        session,
        user=user,
        verb="session.updated",
        expected_version=expected_version,
        title=title.strip() or "Go/No-Go",
        scheduled_at=scheduled_at,
        time_zone=time_zone,
        objective=objective.strip(),
        facilitator=facilitator,
    )


@transaction.atomic
def session_start(*, user: User, session: Session, expected_version: int | None) -> Session:
    if session.status != Session.Status.SCHEDULED:
        raise ValidationError(_("Only a scheduled session can start."), code="invalid_state")
    return _update(
        session,
        user=user,
        verb="session.started",
        expected_version=expected_version,
        status=Session.Status.IN_PROGRESS,
        started_at=timezone.now(),
    )


@transaction.atomic
def session_template_save(*, user: User, session: Session, name: str) -> SessionTemplate:
    """Keep this session's agenda and readiness areas as a template for the next ones."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Give the template a name.")})
    if SessionTemplate.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("A template with this name already exists.")})
    template = SessionTemplate(
        name=name,
        agenda=[
            {"title": item.title, "time_box_minutes": item.time_box_minutes}
            for item in session.agenda_items.all()
        ],
        areas=[check.area for check in session.readiness_checks.all()],
        created_by=_actor(user),
    )
    return _create(template, user=user, verb="template.saved", session=session)


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
        verb="participant.updated",
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
        verb="participant.attendance",
        expected_version=None,
        attendance=attendance,
    )


@transaction.atomic
def agenda_item_update(
    *,
    user: User,
    item: AgendaItem,
    expected_version: int | None,
    title: str,
    time_box_minutes: int | None,
    notes: str,
) -> AgendaItem:
    if not title.strip():
        raise ValidationError({"title": _("An agenda item needs a title.")})
    return _update(
        item,
        user=user,
        verb="agenda_item.updated",
        expected_version=expected_version,
        title=title.strip(),
        time_box_minutes=time_box_minutes,
        notes=notes.strip(),
    )


@transaction.atomic
def agenda_item_delete(*, user: User, item: AgendaItem) -> None:
    session = item.session
    before = snapshot(item)
    Session.objects.filter(pk=session.pk, current_agenda_item=item).update(
        current_agenda_item=None
    )
    event_record(user=user, verb="agenda_item.deleted", obj=item, before=before)
    item.delete()
    # Close the gap so positions stay 1..n.
    for position, other in enumerate(session.agenda_items.order_by("position", "pk"), start=1):
        if other.position != position:
            AgendaItem.objects.filter(pk=other.pk).update(position=position)


@transaction.atomic
def agenda_item_move(*, user: User, item: AgendaItem, direction: str) -> AgendaItem:
    """Swap the item with its neighbour above ("up") or below ("down")."""
    if direction not in ("up", "down"):
        raise ValidationError(_("Move an item up or down."))
    items = list(
        AgendaItem.objects.select_for_update()
        .filter(session_id=item.session_id)
        .order_by("position", "pk")
    )
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    neighbour_index = index - 1 if direction == "up" else index + 1
    if not 0 <= neighbour_index < len(items):
        return item  # Already first or last: nothing to do.
    items[index], items[neighbour_index] = items[neighbour_index], items[index]
    before = {"position": item.position}
    for position, other in enumerate(items, start=1):
        if other.position != position:
            AgendaItem.objects.filter(pk=other.pk).update(
                position=position, version=F("version") + 1
            )
    item.refresh_from_db()
    event_record(
        user=user,
        verb="agenda_item.moved",
        obj=item,
        before=before,
        after={"position": item.position},
    )
    return item


@transaction.atomic
def agenda_item_start_discussion(*, user: User, item: AgendaItem) -> AgendaItem:
    """Highlight the item for everyone, its clock running against its time box."""
    session = Session.objects.select_for_update().get(pk=item.session_id)
    previous = session.current_agenda_item_id
    if previous == item.pk:
        return item
    Session.objects.filter(pk=session.pk).update(current_agenda_item=item)
    item = _update(
        item,
        user=user,
        verb="agenda_item.discussing",
        expected_version=None,
        discussion_started_at=timezone.now(),
    )
    return item


@transaction.atomic
def agenda_item_set_discussed(*, user: User, item: AgendaItem, discussed: bool) -> AgendaItem:
    if discussed:
        Session.objects.filter(pk=item.session_id, current_agenda_item=item).update(
            current_agenda_item=None
        )
    if item.discussed == discussed:
        return item
    return _update(
        item,
        user=user,
        verb="agenda_item.discussed" if discussed else "agenda_item.reopened",
        expected_version=None,
        discussed=discussed,
    )


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
        verb="action.updated",
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


@transaction.atomic
def decision_review_done(*, user: User, decision: Decision) -> Decision:
    """Record that the post-go-live review was held. What was decided stays as it was:
    only the review's completion is written next to it."""
    current = Decision.objects.select_for_update().get(pk=decision.pk)
    if current.review_on is None:
        raise ValidationError(_("This decision has no post-go-live review."), code="invalid_state")
    if current.review_done_at is not None:
        raise ValidationError(_("This review is already recorded."), code="invalid_state")
    before = snapshot(current)
    current.review_done_at = timezone.now()
    current.review_done_by = _actor(user)
    current.save(update_fields=["review_done_at", "review_done_by"])
    event_record(
        user=user, verb="decision.review_done", obj=current, before=before, after=snapshot(current)
    )
    decision.review_done_at, decision.review_done_by = (
        current.review_done_at,
        current.review_done_by,
    )
    return decision


@transaction.atomic
def session_minutes_send(*, user: User, session: Session) -> Event:
    """E-mail the closed minutes to every participant with an address, after the commit."""
    if session.status != Session.Status.CLOSED:
        raise ValidationError(
            _("Close the session before sending its minutes."), code="invalid_state"
        )
    event = event_record(user=user, verb="session.minutes_sent", obj=session)
    notifications.notify("minutes", session_id=session.pk)
    return event


@transaction.atomic
def addendum_add(*, user: User, session: Session, text: str) -> Addendum:
    """A note added to closed minutes, kept apart with its author and time."""
    text = text.strip()
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
    return _create(addendum, user=user, verb="addendum.added", session=session)


# --- API tokens ---------------------------------------------------------------------------

# Recording every request's use would write on every call; a minute's precision is enough.
TOKEN_USE_PRECISION = dt.timedelta(minutes=1)


def api_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, user: AbstractBaseUser, name: str, release: Release | None = None
) -> tuple[ApiToken, str]:
    """A new token for `user`; the token itself is returned here and never again."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Name the token after what uses it.")})
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    api_token = ApiToken(
        user=user,
        name=name,
        token_hash=api_token_hash(token),
        prefix=token[: len(API_TOKEN_PREFIX) + 6],
        release=release,
    )
    _create(api_token, user=user, verb="api_token.created", release=None)
    return api_token, token


@transaction.atomic
def api_token_revoke(*, user: User, api_token: ApiToken) -> ApiToken:
    current = ApiToken.objects.select_for_update().get(pk=api_token.pk)
    if current.revoked_at is not None:
        raise ValidationError(_("This token is already revoked."), code="invalid_state")
    before = snapshot(current)
    current.revoked_at = timezone.now()
    current.save(update_fields=["revoked_at"])
    event_record(
        user=user, verb="api_token.revoked", obj=current, before=before, after=snapshot(current)
    )
    api_token.revoked_at = current.revoked_at
    return api_token


def api_token_use(*, token: str) -> ApiToken | None:
    """The active token with that value, its last use noted; None for an unknown or revoked
    one. No Event: using a credential changes nothing in the record (like a login)."""
    if not token.startswith(API_TOKEN_PREFIX):
        return None
    api_token = (
        ApiToken.objects.active()
        .select_related("user", "release")
        .filter(token_hash=api_token_hash(token), user__is_active=True)
        .first()
    )
    if api_token is None:
        return None
    now = timezone.now()
    if api_token.last_used_at is None or now - api_token.last_used_at >= TOKEN_USE_PRECISION:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        api_token.last_used_at = now
    return api_token


# --- Webhooks -----------------------------------------------------------------------------


@transaction.atomic
def webhook_create(
    *,
    user: User,
    url: str,
    events: Iterable[str],
    release: Release | None = None,
    chat_format: bool = False,
) -> Webhook:
    webhook = Webhook(
        url=url.strip(),
        events=sorted(set(events)),
        release=release,
        chat_format=chat_format,
        secret=secrets.token_urlsafe(32),
        created_by=_actor(user),
    )
    return _create(webhook, user=user, verb="webhook.created", release=release)


@transaction.atomic
def webhook_delete(*, user: User, webhook: Webhook) -> None:
    """Remove the webhook and its delivery log; the Event keeps what it was."""
    event_record(
        user=user,
        verb="webhook.deleted",
        obj=webhook,
        before=snapshot(webhook),
        release=webhook.release,
    )
    webhook.delete()


# --- A login's own settings ---------------------------------------------------------------


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _settings_for_update(user: AbstractBaseUser) -> tuple[UserSettings, dict[str, Any] | None]:
    found = UserSettings.objects.select_for_update().filter(user=user).first()
    if found is None:
        return UserSettings(user=user), None
    return found, snapshot(found)


@transaction.atomic
def user_settings_update(
    *, user: AbstractBaseUser, language: str, reminders: bool
) -> UserSettings:
    if language not in dict(UserSettings._meta.get_field("language").choices):
        raise ValidationError({"language": _("Unknown language.")})
    current, before = _settings_for_update(user)
    current.language, current.reminders = language, reminders
    current.save()
    verb = "user_settings.updated" if before else "user_settings.created"
    event_record(user=user, verb=verb, obj=current, before=before, after=snapshot(current))
    return current


@transaction.atomic
def feed_token_regenerate(*, user: AbstractBaseUser) -> str:
    """A new calendar feed token; the old address stops working. Returned here only."""
    current, before = _settings_for_update(user)
    token = secrets.token_urlsafe(32)
    current.feed_token_hash = feed_token_hash(token)
    current.feed_created_at = timezone.now()
    current.save()
    event_record(
        user=user,
        verb="user_settings.feed_regenerated",
        obj=current,
        before=before,
        after=snapshot(current),
    )
    return token
