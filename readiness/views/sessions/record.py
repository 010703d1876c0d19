"""What the meeting records: the decision and its conditions, actions, evidence, addenda."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from readiness import forms, permissions, services
from readiness.models import Action, Decision, Session
from readiness.views import HtmxHttpRequest, answers, wants_fragment
from readiness.views.sessions import workspace

# --- Decision -----------------------------------------------------------------------------


@require_POST
def decision_record(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    session = permissions.get_session_for_editor(request.user, slug, pk)
    members = session.members
    form = forms.DecisionForm(request.POST, members=members)
    formset = forms.ConditionFormSet(request.POST, prefix="conditions")
    if "add_condition" in request.POST:
        # "Add a condition" re-draws the form with one more row (by htmx, or as a page).
        form.is_valid()
        kept = {"decision_form": form, "condition_formset": formset.with_new_row()}
        return workspace.section_open(request, session, "decision", **kept)

    def write(data: dict) -> None:
        if not formset.is_valid():
            raise ValidationError(_("Check the conditions below."))
        services.decision_record_named(
            user=request.user,
            session=session,
            outcome=data["outcome"],
            rationale=data["rationale"],
            method=data["method"],
            conditions=[
                services.NamedCondition(
                    text=row["text"],
                    reference=row["reference"],
                    owner=row["owner"],
                    deadline=row.get("deadline"),
                )
                for row in formset.cleaned_data
                if row.get("text")
            ],
            votes=[
                services.VoteSpec(participant=member, choice=choice, comment=comment)
                for member, choice, comment in form.votes()
            ],
            review_on=data["review_on"],
            recorded_at=data["recorded_at"],
        )

    outcome = answers.submit(form, write)
    if (
        not outcome.ok
        and formset.total_form_count() == 0
        and (request.POST.get("outcome") == Decision.Outcome.CONDITIONAL_GO)
    ):
        # A GO with conditions refused for having none: a row to type the first one in.
        formset = formset.with_new_row()
    kept = {"decision_form": outcome.form, "condition_formset": formset}
    return workspace.section_answer(
        request, session, "decision", outcome, "decision-changed", kept=kept
    )


@require_GET
def decision_ballot(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """The voting members' ballot, fetched into the decision form when it is opened."""
    session = permissions.get_session_for_editor(request.user, slug, pk)
    if wants_fragment(request):
        form = forms.DecisionForm(members=session.members, initial={"method": "vote"})
        return render(
            request,
            f"{workspace.TEMPLATE}#ballot",
            {"decision_form": form, "ballot_open": True},
        )
    return render(request, *workspace.page(request, session, ballot_open=True))


def _condition_open(condition, form) -> dict:
    return workspace.CONDITION.opened(condition, form, controls="status_for")


def _condition_row(request, slug, pk, item) -> dict:
    condition = permissions.get_condition_for_user(request.user, item, slug=slug, session_pk=pk)
    return {"condition": condition, "satisfiable_conditions": {condition.pk}}


@require_POST
def condition_satisfy(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    condition = permissions.get_condition_for_user(request.user, item, slug=slug, session_pk=pk)
    return workspace.row_write(
        request,
        forms.ConditionSatisfyForm(request.POST),
        lambda data: services.condition_satisfy_with_evidence(
            user=request.user, condition=condition, **forms.ConditionSatisfyForm.changes(data)
        ),
        session=condition.decision.session,
        partial=workspace.CONDITION.partial,
        row_id=workspace.CONDITION.dom_id(condition),
        reload=lambda: _condition_row(request, slug, pk, item),
        opened=lambda form: _condition_open(condition, form),
        events=("decision-changed",),
    )


@require_POST
def review_done(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    decision = permissions.get_decision_for_reviewer(request.user, slug=slug, session_pk=pk)
    return workspace.section_attempt(
        request,
        decision.session,
        "decision",
        lambda: services.decision_review_done(user=request.user, decision=decision),
        "decision-changed",
    )


# --- Actions ------------------------------------------------------------------------------


def _action_row(request, slug, pk, item) -> dict:
    action = permissions.get_action_for_user(request.user, item, slug=slug, session_pk=pk)
    session = workspace.action_session(request, action, slug, pk)
    return workspace.action_drawn(request, action, session)


def _refreshed(request, action, session, *, was_open: bool) -> dict:
    """The action just written (or refused), as its row draws it on `session`'s page: its
    fields as the service left them, its owner, session and release from the loader, its
    evidence read by the row itself (a change to done may have added some); the header's
    count of open actions only when the change opened or closed one of the page's own."""
    own = action.session_id == session.pk
    changed = own and action.is_open != was_open
    counts = workspace.header_counts(session) if changed else None
    return {**workspace.action_drawn(request, action, session), "counts": counts}


def _status_open(action, form) -> dict:
    return workspace.ACTION.opened(action, form, controls="status_for", form_name="status_form")


action_add = workspace.add_view(
    forms.ActionForm,
    services.action_create_named,
    "actions",
    "action_form",
    "action-changed",
    "header-changed",
)
action_edit = workspace.row_edit_view(
    workspace.ACTION,
    permissions.get_action_for_editor,
    forms.ActionEditForm,
    lambda user, action, changes: services.action_update_named(
        user=user, action=action, **changes
    ),
    lambda request, action: {"action": action, **workspace.action_rights(request, action)},
    "action-changed",
)


@require_POST
def action_cancel(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    # Whoever may run the action's own session cancels it, from there or as a follow-up.
    action = permissions.get_action_for_status_change(
        request.user, item, to_status=Action.Status.CANCELLED, slug=slug, session_pk=pk
    )
    session = workspace.action_session(request, action, slug, pk)
    error = answers.attempt(
        lambda: services.action_change_status(
            user=request.user,
            action=action,
            status=Action.Status.CANCELLED,
            expected_version=action.version,
            from_session=session,
        ),
        where=f"action-{action.pk}",
    )
    return _action_answer(request, slug, pk, item, error)


def _action_answer(request, slug, pk, item, error) -> HttpResponse:
    """A one-button change to an action: its row closed, or open with the refusal."""
    objects = _action_row(request, slug, pk, item)
    session = workspace.action_session(request, objects["action"], slug, pk)
    if error is None:
        objects["counts"] = workspace.header_counts(session)
        return answers.saved(
            request,
            redirect_to=f"{session.get_workspace_url()}#action-{item}",
            region=lambda: workspace.row(request, session, "action-row", **objects),
            events=("session-written", "action-changed"),
        )
    opened = {**_status_open(objects["action"], None), "error": error}
    return answers.refused(
        request,
        status=422,
        region=lambda: workspace.row(request, session, "action-row", **objects, **opened),
        page=lambda: workspace.page(request, session, **opened),
    )


@require_GET
def action_open(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    """An action's row with its status controls open (its "Update" link), for whoever may
    change its status; the page with that row open without JavaScript."""
    action = permissions.get_action_for_updater(request.user, slug, pk, item)
    session = workspace.action_session(request, action, slug, pk)
    objects = workspace.action_drawn(request, action, session)
    return workspace.row_open(request, session, "action-row", objects, _status_open(action, None))


@require_POST
def action_status(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    """The owner's (or a facilitator's) one-click status change, from the session page."""
    action = permissions.get_action_for_status_change(
        request.user, item, to_status=request.POST.get("status"), slug=slug, session_pk=pk
    )
    session = workspace.action_session(request, action, slug, pk)
    was_open = action.is_open
    return workspace.row_write(
        request,
        forms.ActionStatusForm(request.POST),
        lambda data: services.action_change_status(
            user=request.user,
            action=action,
            from_session=session,
            **forms.ActionStatusForm.changes(data),
        ),
        session=session,
        partial=workspace.ACTION.partial,
        row_id=workspace.ACTION.dom_id(action),
        reload=lambda: _refreshed(request, action, session, was_open=was_open),
        opened=lambda form: _status_open(action, form),
        events=("action-changed",),
    )


# --- Evidence and addenda -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def evidence_add(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """A GET opens the form (it lists every item evidence can back, so the page leaves
    it out until asked); a POST links the evidence."""
    session = permissions.get_session_for_editor(request.user, slug, pk)
    if request.method == "GET":
        return workspace.section_open(request, session, "evidence", evidence_open=True)
    form = forms.EvidenceForm(request.POST, session=session)
    outcome = answers.submit(
        form,
        lambda data: services.evidence_add(
            user=request.user,
            session=session,
            title=data["title"],
            location=data["location"],
            category=data["category"],
            **form.target(),
        ),
    )
    return workspace.add_answer(
        request, session, outcome, "evidence", "evidence_form", "evidence-changed"
    )


@require_POST
def evidence_verify(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    evidence = permissions.get_evidence_for_editor(request.user, slug, pk, item)
    session = evidence.session
    error = answers.attempt(
        lambda: services.evidence_verify(user=request.user, evidence=evidence),
        where="evidence",
    )
    if error is None:
        fresh = permissions.get_evidence_for_editor(request.user, slug, pk, item)
        return answers.saved(
            request,
            redirect_to=f"{session.get_workspace_url()}#evidence-{fresh.pk}",
            region=lambda: workspace.row(request, session, "evidence-item", ev=fresh),
            events=("session-written", "evidence-changed"),
        )
    return workspace.section_refused(request, session, "evidence", status=422, error=error)


@require_POST
def addendum_add(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    session = permissions.get_session_for_editor(request.user, slug, pk)
    outcome = answers.submit(
        forms.AddendumForm(request.POST),
        lambda data: services.addendum_add(user=request.user, session=session, text=data["text"]),
    )
    return workspace.add_answer(request, session, outcome, "addenda", "addendum_form")


# --- Sign-off -----------------------------------------------------------------------------


def _decision(session: Session) -> Decision:
    decision = session.decisions.filter(is_current=True).first()
    if decision is None:
        raise Http404
    return decision


@require_POST
def signoff_record(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """The user's own sign-off of the session's current decision, or (with `participant`)
    a proxy one."""
    session = permissions.get_session_for_user(request.user, slug, pk)
    decision = _decision(session)
    proxy = "participant" in request.POST
    if proxy:
        permissions.get_session_for_editor(request.user, slug, pk)
        seats = list(session.participants.select_related("person").filter(role="member"))
        form: forms.SignOffForm = forms.ProxySignOffForm(request.POST, approvers=seats)
    else:
        form = forms.SignOffForm(request.POST)

    def write(data: dict[str, Any]) -> None:
        participant = data.get("participant") or permissions.signer_participant(
            request.user, decision
        )
        services.signoff_record(
            user=request.user,
            decision=decision,
            participant=participant,
            verdict=data["verdict"],
            comment=data["comment"],
            proxy_reason=data.get("proxy_reason", ""),
        )

    outcome = answers.submit(form, write)
    kept = {"proxy_form" if proxy else "signoff_form": outcome.form}
    return workspace.section_answer(
        request, session, "decision", outcome, "decision-changed", kept=kept
    )
