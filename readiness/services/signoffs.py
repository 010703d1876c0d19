"""The sign-off policy of a release, and the approvers' sign-offs of a GO under it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from readiness import bounds, permissions, signoff_mail, webhooks
from readiness.models import (
    Decision,
    Event,
    Participant,
    Policy,
    Release,
    Session,
    SessionTemplate,
    SignOff,
    Team,
    WebhookEvent,
)
from readiness.models.signoffs import Progress
from readiness.services._core import User, _actor, _create, _update
from readiness.services._ready import _announce_if_ready, _is_ready_if_heard

SIGNED_VERBS = {
    SignOff.Verdict.APPROVE: Event.Verb.SIGNOFF_APPROVED,
    SignOff.Verdict.REJECT: Event.Verb.SIGNOFF_REJECTED,
    SignOff.Verdict.ABSTAIN: Event.Verb.SIGNOFF_ABSTAINED,
}
POLICY_FIELDS = ("required_areas", "rule", "quorum", "owner_not_sole_approver", "go_valid_days")


def policy_for(release: Release) -> Policy:
    """The release's own policy, else the site's default, else one that requires nothing."""
    return Policy.for_release(release)


def policy_copy_to(*, user: User, release: Release) -> Policy | None:
    """Give a new release its own copy of its team's default policy, else of the site's,
    when there is one."""
    default = Policy.default_for(release.team)
    if default is None:
        return None
    copy = Policy(release=release, **{name: getattr(default, name) for name in POLICY_FIELDS})
    return _create(copy, user=user, verb=Event.Verb.POLICY_CREATED, release=release)


def policy_defaults_of(release: Release) -> dict | None:
    """The policy a template saved from this release's session carries: the release's own
    or the default it follows; None when there is none (a template then brings none)."""
    policy = Policy.for_release(release)
    return policy.as_dict() if policy.pk else None


@transaction.atomic
def policy_from_template(
    *, user: User, release: Release, template: SessionTemplate
) -> Policy | None:
    """Give the release the template's policy while it has no decision yet. After its first
    decision the release keeps the policy its decisions were taken under, and a template
    without a policy changes nothing: both answer None. A policy already equal to the
    template's is left as it is, without an Event."""
    if not template.policy:
        return None
    Release.objects.select_for_update().get(pk=release.pk)
    if Decision.objects.filter(session__release=release).exists():
        return None
    values = Policy().as_dict() | {
        name: template.policy[name] for name in POLICY_FIELDS if name in template.policy
    }
    current = Policy.objects.filter(release=release).first()
    if current is not None and current.as_dict() == Policy(**values).as_dict():
        return current
    return policy_update(
        user=user,
        release=release,
        expected_version=current.version if current is not None else None,
        **values,
    )


def _clean_areas(areas: list[str]) -> list[str]:
    kept: list[str] = []
    for area in areas:
        area = " ".join(bounds.clean_line(str(area)).split())[:100]
        if area and area.casefold() not in {a.casefold() for a in kept}:
            kept.append(area)
    return kept


@transaction.atomic
def policy_update(
    *,
    user: User,
    release: Release | None,
    expected_version: int | None,
    required_areas: list[str],
    team: Team | None = None,
    rule: str,
    quorum: int | None,
    owner_not_sole_approver: bool = True,
    go_valid_days: int | None = None,
) -> Policy:
    """Set the release's policy (with `release` None, the default of `team`, or the site's
    without one). A release's policy is fixed once it has a decision: the decisions were
    taken under it; a default changes only what later releases copy."""
    if release is not None:
        team = None
    if release is not None:
        Release.objects.select_for_update().get(pk=release.pk)
        if Decision.objects.filter(session__release=release).exists():
            raise ValidationError(
                _("The sign-off policy cannot change once the release has a decision."),
                code="invalid_state",
            )
    if rule not in Policy.Rule.values:
        raise ValidationError({"rule": _("Unknown sign-off rule.")})
    if rule == Policy.Rule.QUORUM and not quorum:
        raise ValidationError({"quorum": _("Say how many approvals a GO needs.")})
    if go_valid_days is not None and not 1 <= go_valid_days <= 365:
        raise ValidationError({"go_valid_days": _("A GO stays valid 1 to 365 days.")})
    values = {
        "required_areas": _clean_areas(required_areas),
        "rule": rule,
        "quorum": quorum if rule == Policy.Rule.QUORUM else None,
        "owner_not_sole_approver": owner_not_sole_approver,
        "go_valid_days": go_valid_days,
    }
    current = Policy.objects.filter(release=release, team=team).first()
    if current is None:
        return _create(
            Policy(release=release, team=team, **values),
            user=user,
            verb=Event.Verb.POLICY_CREATED,
            release=release,
        )
    _update(
        current,
        user=user,
        verb=Event.Verb.POLICY_UPDATED,
        expected_version=expected_version,
        **values,
    )
    return current


def approval_for(*, release: Release, outcome: str, imported: bool) -> str:
    """How a decision being recorded comes into force: as the minutes say, at once, or
    once its approvers sign."""
    if imported:
        return Decision.Approval.MINUTES
    shippable = outcome in (Decision.Outcome.GO, Decision.Outcome.CONDITIONAL_GO)
    if shippable and policy_for(release).requires_signoff:
        return Decision.Approval.PENDING
    return Decision.Approval.NOT_REQUIRED


def approvers_of(decision: Decision, policy: Policy) -> list[Participant]:
    """The session's voting members who sign the decision under the policy."""
    return [
        p
        for p in decision.session.participants.select_related("person__user")
        if not p.is_observer and policy.is_required_area(p.area)
    ]


def signoff_request(*, decision: Decision) -> None:
    """Ask every approver to sign (after the commit), and tell the webhooks."""
    release = decision.session.release
    approvers = approvers_of(decision, policy_for(release))
    for participant in approvers:
        signoff_mail.notify_requested(decision_id=decision.pk, participant_id=participant.pk)
    webhooks.emit(
        event=WebhookEvent.SIGNOFF_REQUESTED,
        release=release,
        data={
            "decision": {"id": decision.pk, "outcome": decision.outcome},
            "approvers": [{"name": p.person.name, "area": p.area} for p in approvers],
        },
        text=_("%(release)s: sign-off requested for %(outcome)s.")
        % {"release": release, "outcome": decision.get_outcome_display()},
    )


def _check_signer(
    *, user: User, session: Session, participant: Participant, proxy_reason: str, by_link: bool
) -> str:
    """The proxy reason to record: empty when approvers sign for themselves; refused when
    someone else signs for them, unless they may run the session and give a reason."""
    own = participant.person.user_id is not None and participant.person.user_id == user.pk
    if own:
        return ""
    if by_link or not permissions.can_facilitate_session(user, session):
        raise PermissionDenied(_("Only the approver signs for themselves."))
    reason = bounds.clean_text(proxy_reason).strip()
    if not reason:
        raise ValidationError(
            {
                "proxy_reason": _("Say why you sign on %(name)s's behalf.")
                % {"name": participant.person.name}
            },
            code="proxy_reason",
        )
    return reason


@transaction.atomic
def signoff_record(
    *,
    user: User,
    decision: Decision,
    participant: Participant,
    verdict: str,
    comment: str = "",
    proxy_reason: str = "",
    link_nonce: str | None = None,
) -> SignOff:
    """One approver's verdict on a GO pending sign-off; the GO comes into force when the
    policy's rule is met, and a rejection from a required area stops it."""
    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("release", "facilitator")
        .get(pk=decision.session_id)
    )
    release = session.release
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    decision.session = session
    if verdict not in SignOff.Verdict.values:
        raise ValidationError({"verdict": _("Choose approve, reject or abstain.")})
    if not decision.is_current or decision.approval != Decision.Approval.PENDING:
        raise ValidationError(_("This decision is not awaiting sign-off."), code="invalid_state")
    policy = policy_for(release)
    if participant.session_id != session.pk or participant.is_observer:
        raise ValidationError(_("Only the session's voting members sign off."))
    if not policy.is_required_area(participant.area):
        raise ValidationError(
            _("%(area)s is not an area this release's policy asks to sign.")
            % {"area": participant.area or _("No area")}
        )
    reason = _check_signer(
        user=user,
        session=session,
        participant=participant,
        proxy_reason=proxy_reason,
        by_link=link_nonce is not None,
    )
    if SignOff.objects.filter(decision=decision, participant=participant).exists():
        raise ValidationError(
            _("%(name)s has already signed this decision.") % {"name": participant.person.name},
            code="invalid_state",
        )
    if link_nonce is not None and SignOff.objects.filter(link_nonce=link_nonce).exists():
        raise ValidationError(_("This link was already used."), code="invalid_state")
    was_ready = _is_ready_if_heard(release)
    signoff = SignOff(
        decision=decision,
        participant=participant,
        area=participant.area,
        verdict=verdict,
        comment=bounds.clean_text(comment).strip(),
        recorded_by=_actor(user),
        proxy_reason=reason,
        link_nonce=link_nonce,
    )
    _create(signoff, user=user, verb=SIGNED_VERBS[verdict], session=session)
    webhooks.emit(
        event=WebhookEvent.SIGNOFF_RECORDED,
        release=release,
        data={
            "decision": {"id": decision.pk, "outcome": decision.outcome},
            "signoff": {
                "id": signoff.pk,
                "approver": participant.person.name,
                "area": signoff.area,
                "verdict": verdict,
                "comment": signoff.comment,
                "proxy_reason": reason,
            },
        },
        text=_("%(release)s: %(name)s (%(area)s): %(verdict)s.")
        % {
            "release": release,
            "name": participant.person.name,
            "area": signoff.area,
            "verdict": signoff.get_verdict_display(),
        },
    )
    signoff_mail.notify_recorded(signoff_id=signoff.pk)
    _settle(user=user, decision=decision, policy=policy)
    _announce_if_ready(release=release, was_ready=was_ready)
    return signoff


def _settle(*, user: User, decision: Decision, policy: Policy) -> None:
    """Bring the decision into force, or mark it rejected, when its sign-offs say so."""
    signoffs = list(decision.signoffs.select_related("participant"))
    progress = Progress(policy, signoffs, decision.session.release.product_owner_id)
    if progress.rejected:
        _update(
            decision,
            user=user,
            verb=Event.Verb.DECISION_SIGNOFF_REJECTED,
            approval=Decision.Approval.REJECTED,
        )
        return
    if not progress.met:
        return
    _update(
        decision,
        user=user,
        verb=Event.Verb.DECISION_IN_FORCE,
        approval=Decision.Approval.SIGNED,
        in_force_at=timezone.now(),
    )
    release = decision.session.release
    webhooks.emit(
        event=WebhookEvent.DECISION_IN_FORCE,
        release=release,
        data={"decision": {"id": decision.pk, "outcome": decision.outcome}},
        text=_("%(release)s: %(outcome)s is signed off and in force.")
        % {"release": release, "outcome": decision.get_outcome_display()},
    )
    signoff_mail.notify_in_force(decision_id=decision.pk)
