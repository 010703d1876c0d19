"""`/api/decisions/<id>/signoffs`: approvers sign a GO off under their own login.

A sign-off is a new record, so it carries no version; it is refused (4xx, nothing written)
when the decision is not pending, the caller is not an approver of it, or has signed.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Schema, Status
from pydantic import ConfigDict

from readiness import permissions, services
from readiness.api.auth import require_scope
from readiness.api.endpoints import READ_ERRORS, WRITE_ERRORS, Text, api
from readiness.models import SignOff


class SignOffIn(Schema):
    model_config = ConfigDict(extra="forbid")

    verdict: Literal[tuple(SignOff.Verdict.values)]  # type: ignore[valid-type]
    comment: Annotated[Text, Field(max_length=5000)] = ""
    participant_id: int | None = Field(
        None, description="Sign as this approver's proxy (a facilitator, with a reason)."
    )
    proxy_reason: Annotated[Text, Field(max_length=2000)] = ""


class SignOffOut(Schema):
    id: int
    decision_id: int
    approver: str
    area: str
    verdict: str
    comment: str
    proxy_reason: str
    recorded_by: str | None
    recorded_at: dt.datetime
    decision_approval: str


def _out(signoff: SignOff) -> dict[str, Any]:
    by = signoff.recorded_by
    return {
        "id": signoff.pk,
        "decision_id": signoff.decision_id,
        "approver": signoff.participant.person.name,
        "area": signoff.area,
        "verdict": signoff.verdict,
        "comment": signoff.comment,
        "proxy_reason": signoff.proxy_reason,
        "recorded_by": (by.get_full_name() or by.get_username()) if by else None,
        "recorded_at": signoff.recorded_at,
        "decision_approval": signoff.decision.approval,
    }


@api.get(
    "/decisions/{decision_id}/signoffs",
    response={200: list[SignOffOut], **READ_ERRORS},
    tags=["sign-off"],
    url_name="decision_signoffs",
)
def decision_signoffs(request: HttpRequest, decision_id: int) -> list[dict[str, Any]]:
    """The decision's sign-offs so far, oldest first."""
    require_scope(request)
    decision = permissions.get_decision_for_signer(request.user, decision_id)
    signoffs = decision.signoffs.select_related("participant__person", "recorded_by")
    return [_out(s) for s in signoffs]


@api.post(
    "/decisions/{decision_id}/signoffs",
    response={201: SignOffOut, **WRITE_ERRORS},
    tags=["sign-off"],
    url_name="decision_signoffs",
)
def signoff_create(request: HttpRequest, decision_id: int, body: SignOffIn) -> Any:
    """Sign the decision off as its approver: 201 with the sign-off and where the decision
    now stands (`decision_approval`: pending, signed, rejected)."""
    require_scope(request)
    decision = permissions.get_decision_for_signer(request.user, decision_id)
    participant = permissions.signer_participant(request.user, decision, body.participant_id)
    signoff = services.signoff_record(
        user=request.user,
        decision=decision,
        participant=participant,
        verdict=body.verdict,
        comment=body.comment,
        proxy_reason=body.proxy_reason,
    )
    signoff.decision.refresh_from_db(fields=["approval"])
    return Status(201, _out(signoff))
