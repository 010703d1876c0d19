"""Drawing the session page: the whole page, one of its sections, or one row.

`session_detail.html` holds a partial per section, named after its DOM id, and one per
list row (`participant-row`, `agenda-item`, `check-row`, `condition`, `action-row`,
`evidence-item`). A write to one row draws only that row, from a context of a few names
(`row`); an addition or a reordering draws its section (`section`), which needs the
page's context; a plain request gets the page. The answers themselves (422, 409, the
redirect) are `readiness.views.answers`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_http_methods, require_POST

from readiness import forms, permissions
from readiness.forms.base import COMMON_TIME_ZONES
from readiness.models import Action, Event, Session
from readiness.permissions import can_facilitate_session, can_satisfy_condition, can_update_action
from readiness.views import CLOSED, HtmxHttpRequest, answers, wants_fragment
from readiness.views.answers import Drawing
from readiness.views.sessions.signoff import signoff_context

TEMPLATE = "readiness/session_detail.html"
# The regions that follow someone else's change (`data-live-together`): when the live poll
# hears of one, those not in use come in one request naming them in this header.
LIVE_REGIONS = (
    "session-header",
    "participants",
    "agenda",
    "checks",
    "checklist",
    "decision",
    "actions",
    "evidence",
    "addenda",
    "timeline",
)
LIVE_REGIONS_HEADER = "Live-Regions"
# The regions of the page an HTMX request may ask for by its DOM id.
SECTIONS = {*LIVE_REGIONS, "follow-ups"}
TIMELINE_LENGTH = 50
# A ballot of up to this many voting members is on the page; a longer one is fetched
# when opened (each member is a choice and a comment field).
BALLOT_INLINE = 12
COMMON_AREAS = [
    "QA",
    "Compliance",
    "FinOps",
    "Residual risk",
    "Product",
    "Security",
    "Support",
    "Finance",
    "Operations",
]


@dataclass(frozen=True)
class RowKind:
    """A kind of row on the session page: the partial that draws it, its DOM id, and the
    names its partial opens its controls under."""

    kind: str  # what `editing.kind` / `status_for.kind` says in the partial
    partial: str
    prefix: str  # the DOM id is "<prefix>-<pk>"
    form_name: str  # the edit form's name in the partial

    def dom_id(self, obj: Any) -> str:
        return f"{self.prefix}-{obj.pk}"

    def opened(
        self, obj: Any, form: Any, *, controls: str = "editing", form_name: str = ""
    ) -> dict[str, Any]:
        """The row open: its edit form (or, with `controls="status_for"`, its status
        controls) drawn with `form`."""
        where = {"kind": self.kind, "pk": obj.pk, "row": self.dom_id(obj)}
        return {controls: where, form_name or self.form_name: form}


PARTICIPANT = RowKind("participant", "participant-row", "participant", "participant_edit_form")
AGENDA_ITEM = RowKind("agenda", "agenda-item", "agenda-item", "agenda_edit_form")
CHECK = RowKind("check", "check-row", "check", "check_edit_form")
ACTION = RowKind("action", "action-row", "action", "action_edit_form")
CONDITION = RowKind("condition", "condition", "condition", "status_form")


def _everything(session: Session) -> Session:
    """The session with everything the page shows prefetched (loaders bring less)."""
    if "actions" in getattr(session, "_prefetched_objects_cache", {}):
        return session
    return Session.objects.with_everything().get(pk=session.pk)


def page_context(request: HtmxHttpRequest, session: Session, **overrides: Any) -> dict:
    """What the whole page shows; `overrides` open a row or put back a refused form."""
    session = _everything(session)
    decision = session.current_decision
    follow_up_actions, follow_up_conditions = session.follow_ups()
    context = {
        "session": session,
        "session_url": session.get_workspace_url(),
        "live_url": f"{session.get_workspace_url()}live",
        "revision": session.revision,
        "release": session.release,
        "decision": decision,
        "can_edit": can_facilitate_session(request.user, session),
        "open_action_count": sum(1 for a in session.actions.all() if a.is_open),
        "follow_up_actions": follow_up_actions,
        "follow_up_conditions": follow_up_conditions,
        "events": Event.for_timeline(session.events.all()[:TIMELINE_LENGTH]),
        "addendum_events": session.events.filter(is_addendum=True).order_by("created_at", "pk")
        if session.is_closed
        else [],
        "common_areas": sorted(
            set(COMMON_AREAS) | {p.area for p in session.participants.all() if p.area}
        ),
        "common_time_zones": COMMON_TIME_ZONES,
        "editing": CLOSED,
        "stale": None,
        "evidence_open": False,
        "ballot_inline": BALLOT_INLINE,
        "status_for": CLOSED,
        "status_form": None,
        "counts": None,
        # The owner's own rows (and every row, for a facilitator) link to the status controls.
        "updatable_actions": {
            a.pk
            for a in [*session.actions.all(), *follow_up_actions]
            if can_update_action(request.user, a)
        },
        "follow_up": False,
        # A follow-up's facilitator controls are for whoever may run its own session.
        "facilitated_follow_ups": {
            a.pk for a in follow_up_actions if can_facilitate_session(request.user, a.session)
        },
        "satisfiable_conditions": {
            c.pk
            for c in (decision.conditions.all() if decision else [])
            if can_satisfy_condition(request.user, c)
        },
    }
    context.update(signoff_context(request, session, decision))
    context.update(overrides)
    defaults = {
        "participant_form": forms.ParticipantAddForm,
        "agenda_form": forms.AgendaItemAddForm,
        "check_form": forms.ReadinessCheckForm,
        "checklist_form": forms.ChecklistItemForm,
        "decision_form": lambda: forms.DecisionForm(
            members=session.members, initial={"method": "consensus"}
        ),
        "condition_formset": lambda: forms.ConditionFormSet(prefix="conditions", initial=[{}]),
        "action_form": lambda: forms.ActionForm(
            initial={"code": session.next_action_code, "kind": Action.Kind.ACTION}
        ),
        "evidence_form": lambda: forms.EvidenceForm(session=session),
        "addendum_form": forms.AddendumForm,
        "template_form": forms.TemplateSaveForm,
    }
    for name, factory in defaults.items():
        if name not in context:
            context[name] = factory()
    return context


def page(request: HtmxHttpRequest, session: Session, **overrides: Any) -> Drawing:
    return TEMPLATE, page_context(request, session, **overrides)


def section(request: HtmxHttpRequest, session: Session, name: str, **overrides: Any) -> Drawing:
    return f"{TEMPLATE}#{name}", page_context(request, session, **overrides)


def live_regions_asked(request: HtmxHttpRequest) -> list[str]:
    """The live regions a refresh asks for at once (`Live-Regions`: DOM ids, space
    separated), in the page's order; names the page has no live region for are left out."""
    asked = set(request.headers.get(LIVE_REGIONS_HEADER, "").split())
    return [name for name in LIVE_REGIONS if name in asked]


def live_regions(request: HtmxHttpRequest, session: Session, names: list[str]) -> HttpResponse:
    """Those regions, each to replace its namesake out of band, from one load of the
    session and one page context: a change someone else made costs each person in the
    room one request, not one per region."""
    context = page_context(request, session, oob=True)
    return HttpResponse(
        "".join(render_to_string(f"{TEMPLATE}#{name}", context, request=request) for name in names)
    )


def row(request: HtmxHttpRequest, session: Session, name: str, **context: Any) -> Drawing:
    """One row, drawn from the row's object and the few names every row reads.

    `session` is the row's own (loaded with its release and facilitator): nothing else
    of the page is fetched.
    """
    base = {
        "session": session,
        "release": session.release,
        "session_url": session.get_workspace_url(),
        "can_edit": can_facilitate_session(request.user, session),
        "editing": None,
        "status_for": None,
        "follow_up": False,
    }
    return f"{TEMPLATE}#{name}", base | context


def focused(form: django_forms.Form) -> django_forms.Form:
    """An add form, empty again, with the cursor on its first field still to fill in
    (an action's code comes suggested), ready for the next item."""
    first = next(
        name
        for name, field in form.fields.items()
        if not field.widget.is_hidden and not form.initial.get(name, field.initial)
    )
    form.fields[first].widget.attrs["autofocus"] = True
    return form


def added(
    request: HtmxHttpRequest, session: Session, name: str, form_name: str, *, open: bool = True
) -> Drawing:
    """The section after an addition, its add form empty, focused and open for the next."""
    template, context = section(request, session, name, evidence_open=open)
    context[form_name] = focused(context[form_name])
    return template, context


def section_open(
    request: HtmxHttpRequest, session: Session, name: str, **opened: Any
) -> HttpResponse:
    """A GET that opens a form in a section: the section to HTMX, the page without."""
    if wants_fragment(request):
        template, context = section(request, session, name, **opened)
    else:
        template, context = page(request, session, **opened)
    return render(request, template, context)


def section_saved(
    request: HtmxHttpRequest, session: Session, name: str, *events: str
) -> HttpResponse:
    """After a write that one section shows (or that reorders its rows): that section."""
    return answers.saved(
        request,
        redirect_to=f"{session.get_workspace_url()}#{name}",
        region=lambda: section(request, session, name),
        events=("session-written", *events),
    )


def section_refused(
    request: HtmxHttpRequest, session: Session, name: str, *, status: int, **kept: Any
) -> HttpResponse:
    """A refused write in a section: the section with `kept` (the input, the refusal)."""
    return answers.refused(
        request,
        status=status,
        region=lambda: section(request, session, name, **kept),
        page=lambda: page(request, session, **kept),
    )


def section_answer(
    request: HtmxHttpRequest,
    session: Session,
    name: str,
    outcome: answers.Outcome,
    *events: str,
    kept: dict[str, Any],
) -> HttpResponse:
    """A form in a section: the section again, or `kept` (the form refused) in it."""
    if outcome.ok:
        return section_saved(request, session, name, *events)
    return section_refused(request, session, name, status=outcome.status, **kept)


def section_attempt(
    request: HtmxHttpRequest, session: Session, name: str, write: Callable[[], Any], *events: str
) -> HttpResponse:
    """A button in a section (start, close, review done): the section again, or its
    refusal shown in it."""
    error = answers.attempt(write, where=name)
    if error is None:
        return section_saved(request, session, name, *events)
    return section_refused(request, session, name, status=422, error=error)


def add_answer(
    request: HtmxHttpRequest,
    session: Session,
    outcome: answers.Outcome,
    name: str,
    form_name: str,
    *events: str,
) -> HttpResponse:
    """After an add form: its section with the form empty again, or the form refused."""
    if outcome.ok:
        return answers.saved(
            request,
            redirect_to=f"{session.get_workspace_url()}#{name}",
            region=lambda: added(request, session, name, form_name),
            events=("session-written", *events),
        )
    return section_refused(
        request, session, name, status=outcome.status, **{form_name: outcome.form}
    )


def row_write(
    request: HtmxHttpRequest,
    form: django_forms.Form,
    write: Callable[[dict], Any],
    *,
    session: Session,
    partial: str,
    row_id: str,
    reload: Callable[[], dict[str, Any]],
    opened: Callable[[django_forms.Form], dict[str, Any]],
    events: tuple[str, ...] = (),
) -> HttpResponse:
    """A form on one row, submitted (`write` calls the service) and answered.

    Saved: the row again, closed, drawn from `reload()` (its object fetched afresh), with
    `session-written` and `events`. Refused: the row still open (`opened(form)`: which
    row, which form) with the input kept, 422 or 409; without JavaScript, the whole page
    with that row open. `row_id` is the row's DOM id (where a stale save's notice shows).
    A request that targets the whole section (HX-Target) gets the section instead.
    """
    outcome = answers.submit(form, write, where=row_id)
    target = request.htmx.target if request.htmx else None
    if outcome.ok:
        return answers.saved(
            request,
            redirect_to=f"{session.get_workspace_url()}#{row_id}",
            region=lambda: (
                section(request, session, target)
                if target in SECTIONS
                else row(request, session, partial, **reload())
            ),
            events=("session-written", *events),
        )
    kept = {**opened(outcome.form), "stale": outcome.stale}
    return answers.refused(
        request,
        status=outcome.status,
        region=lambda: (
            section(request, session, target, **kept)
            if target in SECTIONS
            else row(request, session, partial, **reload(), **kept)
        ),
        page=lambda: page(request, session, **kept),
    )


def add_view(
    form_class: type[django_forms.Form],
    write: Callable[..., Any],
    name: str,
    form_name: str,
    *events: str,
) -> Callable[..., HttpResponse]:
    """The view of the add form in section `name`, for whoever may edit the session:
    `write(user=..., session=..., **the form's data)` is its service; the answer is the
    section with the form empty again, or the form refused (`add_answer`)."""

    @require_POST
    def view(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
        session = permissions.get_session_for_editor(request.user, slug, pk)
        outcome = answers.submit(
            form_class(request.POST),
            lambda data: write(user=request.user, session=session, **data),
        )
        return add_answer(request, session, outcome, name, form_name, *events)

    return view


def row_edit_view(
    row: RowKind,
    load: Callable[..., Any],
    form_class: type[forms.VersionedForm],
    write: Callable[[Any, Any, dict[str, Any]], Any],
    draw: Callable[[HtmxHttpRequest, Any], dict[str, Any]],
    *events: str,
) -> Callable[..., HttpResponse]:
    """The view of a row's edit form. `load(user, slug, pk, item)` is the row's loader
    (404 or 403 first); a GET opens the form on the record; a POST gives
    `write(user, record, changes)` the service's keywords (`form_class.changes`) and
    answers as `row_write` does. `draw(request, record)` is what the row's partial reads
    besides the session."""

    @require_http_methods(["GET", "POST"])
    def view(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
        record = load(request.user, slug, pk, item)
        session = record.session
        if request.method == "GET":
            opened = row.opened(record, form_class.for_record(record))
            return row_open(request, session, row.partial, draw(request, record), opened)
        return row_write(
            request,
            form_class(request.POST),
            lambda data: write(request.user, record, form_class.changes(data)),
            session=session,
            partial=row.partial,
            row_id=row.dom_id(record),
            reload=lambda: draw(request, load(request.user, slug, pk, item)),
            opened=lambda form: row.opened(record, form),
            events=events,
        )

    return view


def row_open(
    request: HtmxHttpRequest,
    session: Session,
    partial: str,
    objects: dict[str, Any],
    opened: dict[str, Any],
) -> HttpResponse:
    """A GET that opens a row's controls: the row to HTMX, the page with it open without."""
    if wants_fragment(request):
        template, context = row(request, session, partial, **objects, **opened)
    else:
        template, context = page(request, session, **opened)
    return render(request, template, context)


def action_rights(request: HtmxHttpRequest, action: Action) -> dict[str, Any]:
    """What an action's row shows this user: its status controls, if they may use them,
    and the facilitator's (cancel, reopen, edit) if they may run the action's session."""
    allowed = can_update_action(request.user, action)
    return {
        "updatable_actions": {action.pk} if allowed else set(),
        "can_edit": can_facilitate_session(request.user, action.session),
    }


def action_session(request: HtmxHttpRequest, action: Action, slug: str, pk: int) -> Session:
    """The session whose page the action's row is on: its own, or the later session that
    lists it among its follow-ups (the loader let through no other)."""
    if action.session_id == pk:
        return action.session
    return permissions.get_session_for_user(
        request.user, slug, pk, Session.objects.select_related("release", "facilitator")
    )


def action_drawn(request: HtmxHttpRequest, action: Action, session: Session) -> dict[str, Any]:
    """An action as its row draws it on `session`'s page (a follow-up there or not)."""
    follow_up = action.session_id != session.pk
    return {**action_rights(request, action), "action": action, "follow_up": follow_up}


def header_counts(session: Session) -> dict[str, int]:
    """The header's figures a row write can change, sent out of band with the row (one
    small query, so the header need not be drawn again)."""
    return {"open_actions": Action.objects.filter(session=session).open().count()}
