"""The session page's sign-off panel: where the GO stands, and who may still sign it."""

from __future__ import annotations

from readiness import forms, permissions
from readiness.models import Decision, Participant, Policy, Session
from readiness.models.signoffs import Progress
from readiness.views import HtmxHttpRequest


def approvers(session: Session, policy: Policy) -> list[Participant]:
    """The session's voting members who sign under the policy (prefetched participants)."""
    return [p for p in session.members if policy.is_required_area(p.area)]


def signoff_context(request: HtmxHttpRequest, session: Session, decision: Decision | None):
    """The decision section's sign-off panel: where it stands, the user's own form when
    they are an approver still to sign, the proxy form for who runs the session."""
    if decision is None or decision.approval not in (
        Decision.Approval.PENDING,
        Decision.Approval.SIGNED,
        Decision.Approval.REJECTED,
    ):
        return {"signoff": None}
    policy = Policy.for_release(session.release)
    signoffs = list(decision.signoffs.all())
    signed = {s.participant_id for s in signoffs}
    seats = approvers(session, policy)
    waiting = [p for p in seats if p.pk not in signed]
    pending = decision.approval == Decision.Approval.PENDING
    user_id = request.user.pk
    mine = next((p for p in waiting if user_id and p.person.user_id == user_id), None)
    can_proxy = pending and permissions.can_facilitate_session(request.user, session)
    return {
        "signoff": {
            "progress": Progress(policy, signoffs, session.release.product_owner_id),
            "signoffs": signoffs,
            "waiting": waiting,
            "pending": pending,
            "mine": mine if pending else None,
            "can_proxy": can_proxy and bool(waiting),
        },
        "signoff_form": forms.SignOffForm(),
        "proxy_form": forms.ProxySignOffForm(approvers=waiting) if can_proxy else None,
    }
