"""Recording decisions (append-only), their conditions, votes and reviews."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from readiness import bounds, notifications, webhooks
from readiness.models import (
    Condition,
    Decision,
    Event,
    Participant,
    Person,
    Session,
    Vote,
    WebhookEvent,
)
from readiness.services._core import (
    User,
    _actor,
    _create,
    _labelled,
    _refuse_if,
    _update,
    event_record,
)
from readiness.services._moments import recorded_moment
from readiness.services._ready import _announce_if_ready, _is_ready_if_heard
from readiness.services.evidence import clean_location, evidence_add
from readiness.services.signoffs import approval_for, signoff_request


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
    imported: bool = False,
) -> Decision:
    """Record the session's decision; an earlier one is superseded, never changed or deleted.

    Owners, webhooks and facilitators hear about it unless `notify` is off: minutes being
    imported tell of decisions taken long ago, which nobody should be paged about now.
    An `imported` decision is in force as the minutes record it; one taken here follows
    the release's sign-off policy (`services.signoffs`).
    """
    conditions = list(conditions)
    votes = list(votes)
    bounds.check_day(review_on, field="review_on", label=_("The post-go-live review"))
    # History (imports, back-filled records) may be decided on another day than the
    # meeting's; the session page's door holds its decisions to the meeting's day.
    recorded_at = recorded_moment(
        recorded_at,
        session=session,
        field="recorded_at",
        label=_("The decision's time"),
        meeting_day=False,
    )
    for spec in conditions:
        bounds.check_moment(spec.deadline, field="deadline", label=_("A condition's deadline"))
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
        _update(previous, user=user, verb=Event.Verb.DECISION_SUPERSEDED, is_current=False)
    approval = approval_for(release=session.release, outcome=outcome, imported=imported)
    decision = Decision(
        session=session,
        outcome=outcome,
        approval=approval,
        in_force_at=None if approval == Decision.Approval.PENDING else recorded_at,
        rationale=rationale.strip(),
        method=method,
        review_on=review_on,
        recorded_by=_actor(user),
        recorded_at=recorded_at,
        supersedes=previous,
    )
    _create(decision, user=user, verb=Event.Verb.DECISION_RECORDED)
    default_deadline = session.release.deploy_window_start
    for position, spec in enumerate(conditions, start=1):
        if not bounds.clean_text(spec.text).strip():
            raise ValidationError(_("A condition needs a text."))
        condition = Condition(
            decision=decision,
            position=position,
            text=spec.text.strip(),
            reference=spec.reference.strip(),
            owner=spec.owner,
            deadline=spec.deadline or default_deadline,
        )
        _create(condition, user=user, verb=Event.Verb.CONDITION_ADDED, session=session)
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
        _create(vote, user=user, verb=Event.Verb.VOTE_RECORDED, session=session)
    release = session.release
    if not notify:
        return decision
    if approval == Decision.Approval.PENDING:
        signoff_request(decision=decision)
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
    satisfied_at: dt.datetime | None = None,
) -> Condition:
    """Mark the condition met; `satisfied_at` is when it really was (now by default)."""
    release = condition.decision.session.release
    at = recorded_moment(
        satisfied_at,
        session=condition.decision.session,
        field="satisfied_at",
        label=_("The time it was satisfied"),
        meeting_day=False,
    )
    was_ready = _is_ready_if_heard(release)
    _update(
        condition,
        user=user,
        verb=Event.Verb.CONDITION_SATISFIED,
        expected_version=expected_version,
        check=_refuse_if(
            lambda current: current.is_satisfied, _("This condition is already satisfied.")
        ),
        satisfied_at=at,
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
    decision = condition.decision
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
    """Satisfy the condition and link the evidence that shows it, both or neither. The
    evidence points where any evidence may: an http(s) URL or a repository path."""
    url = clean_location(url, field="evidence_url")
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
def condition_update(
    *,
    user: User,
    condition: Condition,
    expected_version: int | None,
    owner: Person | None,
    deadline: dt.datetime | None,
) -> Condition:
    """Give an open condition another owner or deadline. A new owner is told (when they
    have an address); a new deadline may expire again, so the facilitator will be told
    again if it passes."""
    bounds.check_moment(deadline, field="deadline", label=_("A condition's deadline"))
    old_owner, old_deadline = condition.owner_id, condition.deadline
    changes: dict = {"owner": owner, "deadline": deadline}
    if deadline != old_deadline:
        changes["expiry_notified_at"] = None
    _update(
        condition,
        user=user,
        verb=Event.Verb.CONDITION_UPDATED,
        expected_version=expected_version,
        check=_refuse_if(
            lambda current: current.is_satisfied, _("This condition is already satisfied.")
        ),
        **changes,
    )
    if owner is not None and owner.pk != old_owner:
        notifications.notify("condition_assigned", condition_id=condition.pk)
    return condition


@transaction.atomic
def condition_expiry_notify(*, user: User, condition: Condition) -> bool:
    """Tell the facilitator, once, that the condition's deadline passed unsatisfied.

    The telling is recorded before the e-mail leaves (after the commit), so that however
    many times the gate is asked, the facilitator gets one e-mail per condition. The Event
    says whom it goes to, or that nobody has an address (then nothing is sent); a send
    that fails writes an Event saying so.
    """
    now = timezone.now()
    recipients = notifications.facilitator_addresses(condition)
    if recipients:
        verb, note = Event.Verb.CONDITION_EXPIRY_NOTIFIED, {"sent_to": recipients}
    else:
        facilitator = condition.decision.session.facilitator
        who = facilitator.name if facilitator is not None else _("the facilitators")
        verb, note = Event.Verb.CONDITION_EXPIRY_UNSENT, {"no_address": [who]}
    notified = _update(
        condition,
        user=user,
        verb=verb,
        check=lambda current: current.expiry_notified_at is None and current.is_expired(now),
        bump_version=False,
        note=note,
        expiry_notified_at=now,
    )
    if notified is None:
        return False
    if recipients:
        transaction.on_commit(lambda: _tell_expired(user, condition, recipients))
    return True


def _tell_expired(user: User, condition: Condition, recipients: list[str]) -> None:
    """Send the e-mail; when it could not leave, the log says so rather than "told"."""
    if notifications.expired_condition_tell(condition):
        return
    with transaction.atomic():
        event_record(
            user=user,
            verb=Event.Verb.CONDITION_EXPIRY_FAILED,
            obj=condition,
            after={"failed": recipients},
        )


@transaction.atomic
def decision_review_done(*, user: User, decision: Decision) -> Decision:
    """Record that the post-go-live review was held. What was decided stays as it was:
    only the review's completion is written next to it."""

    def refuse(current: Decision) -> None:
        if current.review_on is None:
            raise ValidationError(
                _("This decision has no post-go-live review."), code="invalid_state"
            )
        if current.review_done_at is not None:
            raise ValidationError(_("This review is already recorded."), code="invalid_state")

    _update(
        decision,
        user=user,
        verb=Event.Verb.DECISION_REVIEW_DONE,
        check=refuse,
        review_done_at=timezone.now(),
        review_done_by=_actor(user),
    )
    return decision
