"""Correcting the record: edit or remove evidence, remove a participant or a readiness
check, change a condition's owner or deadline. Each answers with the one row it changed
(nothing, for a removed row), or that row open again with the refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from readiness import forms, notifications, permissions, services
from readiness.models import Session
from readiness.views import HtmxHttpRequest, answers
from readiness.views.sessions import workspace

EVIDENCE = workspace.RowKind("evidence", "evidence-item", "evidence", "evidence_edit_form")
CONDITION_EDIT = workspace.RowKind("condition", "condition", "condition", "condition_edit_form")


def row_remove(
    request: HtmxHttpRequest,
    write: Callable[[dict], Any],
    *,
    session: Session,
    partial: str,
    row_id: str,
    section: str,
    reload: Callable[[], dict[str, Any]],
    opened: Callable[[django_forms.Form], dict[str, Any]],
    events: tuple[str, ...] = (),
) -> HttpResponse:
    """A remove button on one row. Done: to HTMX, nothing in the row's place (it is gone);
    without JavaScript, back to its section. Refused (in use: 422; changed since: 409):
    the row open again with the reason."""
    outcome = answers.submit(forms.RemoveForm(request.POST), write, where=row_id)
    if outcome.ok:
        if not request.htmx:
            return redirect(f"{session.get_workspace_url()}#{section}")
        response = HttpResponse("")
        for event in ("session-written", *events):
            trigger_client_event(response, event)
        return response
    kept = {**opened(outcome.form), "stale": outcome.stale, "remove_form": outcome.form}
    return answers.refused(
        request,
        status=outcome.status,
        region=lambda: workspace.row(request, session, partial, **reload(), **kept),
        page=lambda: workspace.page(request, session, **kept),
    )


# --- Participants -------------------------------------------------------------------------


@require_POST
def participant_remove(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    participant = permissions.get_participant_for_editor(request.user, slug, pk, item)
    row = workspace.PARTICIPANT
    return row_remove(
        request,
        lambda data: services.participant_remove(
            user=request.user, participant=participant, expected_version=data["version"]
        ),
        session=participant.session,
        partial=row.partial,
        row_id=row.dom_id(participant),
        section="participants",
        reload=lambda: {"p": participant},
        opened=lambda form: row.opened(
            participant, forms.ParticipantEditForm.for_record(participant)
        ),
        events=("participants-changed",),
    )


# --- Readiness checks ---------------------------------------------------------------------


@require_POST
def check_remove(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    check = permissions.get_check_for_editor(request.user, slug, pk, item)
    row = workspace.CHECK
    return row_remove(
        request,
        lambda data: services.readiness_check_remove(
            user=request.user, check=check, expected_version=data["version"]
        ),
        session=check.session,
        partial=row.partial,
        row_id=row.dom_id(check),
        section="checks",
        reload=lambda: {"check": check},
        opened=lambda form: row.opened(check, forms.ReadinessCheckEditForm.for_record(check)),
        events=("checks-changed",),
    )


# --- Evidence -----------------------------------------------------------------------------


evidence_edit = workspace.row_edit_view(
    EVIDENCE,
    permissions.get_evidence_for_editor,
    forms.EvidenceEditForm,
    lambda user, evidence, changes: services.evidence_update(
        user=user, evidence=evidence, **changes
    ),
    lambda request, evidence: {"ev": evidence},
    "evidence-changed",
)


@require_POST
def evidence_remove(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    evidence = permissions.get_evidence_for_editor(request.user, slug, pk, item)
    return row_remove(
        request,
        lambda data: services.evidence_remove(
            user=request.user, evidence=evidence, expected_version=data["version"]
        ),
        session=evidence.session,
        partial=EVIDENCE.partial,
        row_id=EVIDENCE.dom_id(evidence),
        section="evidence",
        reload=lambda: {"ev": evidence},
        opened=lambda form: EVIDENCE.opened(evidence, forms.EvidenceEditForm.for_record(evidence)),
        events=("evidence-changed",),
    )


# --- A condition's owner and deadline -----------------------------------------------------


def _condition_drawn(request: HtmxHttpRequest, condition) -> dict[str, Any]:
    allowed = permissions.can_satisfy_condition(request.user, condition)
    return {"condition": condition, "satisfiable_conditions": {condition.pk} if allowed else set()}


@require_http_methods(["GET", "POST"])
def condition_edit(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    condition = permissions.get_condition_for_editor(request.user, slug, pk, item)
    session = condition.decision.session
    if request.method == "GET":
        opened = CONDITION_EDIT.opened(condition, forms.ConditionEditForm.for_record(condition))
        return workspace.row_open(
            request, session, CONDITION_EDIT.partial, _condition_drawn(request, condition), opened
        )
    old_owner = condition.owner_id

    def reload() -> dict[str, Any]:
        fresh = permissions.get_condition_for_editor(request.user, slug, pk, item)
        return {**_condition_drawn(request, fresh), "told": _told(fresh, old_owner)}

    form = forms.ConditionEditForm(request.POST)
    return workspace.row_write(
        request,
        form,
        lambda data: services.condition_update_named(
            user=request.user, condition=condition, **forms.ConditionEditForm.changes(data)
        ),
        session=session,
        partial=CONDITION_EDIT.partial,
        row_id=CONDITION_EDIT.dom_id(condition),
        reload=reload,
        opened=lambda form: CONDITION_EDIT.opened(condition, form),
        events=("decision-changed",),
    )


def _told(condition, old_owner: int | None) -> str:
    """What the row says about telling a new owner: told by e-mail, or not, for want of
    an address. Nothing when the owner did not change."""
    owner = condition.owner
    if owner is None or owner.pk == old_owner:
        return ""
    if notifications.person_address(owner):
        return _("%(name)s is told by e-mail.") % {"name": owner.name}
    return _("%(name)s has no e-mail address: nobody was told.") % {"name": owner.name}
