"""The session's lists a facilitator keeps during the meeting: participants, the agenda,
the readiness checks. An addition answers with its section; a change to one row, with
that row."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from readiness import forms, permissions, services
from readiness.models import Person
from readiness.views import HtmxHttpRequest, answers
from readiness.views.sessions import workspace

# --- Participants -------------------------------------------------------------------------

PARTICIPANT = workspace.PARTICIPANT


@require_POST
def participant_add(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Add a participant by name; when the name is close to someone else in the directory
    ("Julia Martin" beside "Júlia Martins"), the answer says so, so a duplicate is noticed
    while the meeting is on (and merged on the person's page)."""
    session = permissions.get_session_for_editor(request.user, slug, pk)
    outcome = answers.submit(
        forms.ParticipantAddForm(request.POST),
        lambda data: services.participant_add_named(user=request.user, session=session, **data),
    )
    if not outcome.ok:
        return workspace.add_answer(
            request, session, outcome, "participants", "participant_form", "participants-changed"
        )
    notice = _close_notice(outcome.result.person)
    if notice and not request.htmx:
        messages.warning(request, notice)

    def region() -> answers.Drawing:
        template, context = workspace.added(request, session, "participants", "participant_form")
        context["participant_close"] = notice
        return template, context

    return answers.saved(
        request,
        redirect_to=f"{session.get_workspace_url()}#participants",
        region=region,
        events=("session-written", "participants-changed"),
    )


def _close_notice(person: Person) -> str:
    close = [p.name for p in Person.objects.exclude(pk=person.pk).close_to(person.name)]
    if not close:
        return ""
    return _(
        "%(name)s may be the same person as %(names)s in the directory; if so, merge them "
        "on the person's page."
    ) % {"name": person.name, "names": ", ".join(close)}


participant_edit = workspace.row_edit_view(
    PARTICIPANT,
    permissions.get_participant_for_editor,
    forms.ParticipantEditForm,
    lambda user, participant, changes: services.participant_update(
        user=user, participant=participant, **changes
    ),
    lambda request, participant: {"p": participant},
    "participants-changed",
)


@require_POST
def participant_attendance(
    request: HtmxHttpRequest, slug: str, pk: int, item: int
) -> HttpResponse:
    participant = permissions.get_participant_for_editor(request.user, slug, pk, item)
    form = forms.AttendanceForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Choose confirmed, present or absent."), status=400)
    services.participant_set_attendance(
        user=request.user, participant=participant, attendance=form.cleaned_data["attendance"]
    )
    fresh = permissions.get_participant_for_editor(request.user, slug, pk, item)
    # The row stays open: whoever calls the roll goes on to the next name from there.
    return answers.saved(
        request,
        redirect_to=f"{participant.session.get_workspace_url()}#participant-{fresh.pk}",
        region=lambda: workspace.row(
            request,
            fresh.session,
            "participant-row",
            p=fresh,
            **PARTICIPANT.opened(fresh, forms.ParticipantEditForm.for_record(fresh)),
        ),
        events=("session-written",),
    )


# --- Agenda -------------------------------------------------------------------------------


def _agenda_row(request, slug, pk, item) -> dict:
    agenda_item = permissions.get_agenda_item_for_editor(request.user, slug, pk, item)
    return _agenda_drawn(request, agenda_item)


def _agenda_drawn(request, agenda_item) -> dict:
    """An agenda item as its row draws it, knowing whether it is first or last."""
    positions = list(
        agenda_item.session.agenda_items.order_by("position").values_list("pk", flat=True)
    )
    return {
        "item": agenda_item,
        "first": positions[:1] == [agenda_item.pk],
        "last": positions[-1:] == [agenda_item.pk],
    }


agenda_item_add = workspace.add_view(
    forms.AgendaItemAddForm, services.agenda_item_add, "agenda", "agenda_form", "agenda-changed"
)
agenda_item_edit = workspace.row_edit_view(
    workspace.AGENDA_ITEM,
    permissions.get_agenda_item_for_editor,
    forms.AgendaItemEditForm,
    lambda user, item, changes: services.agenda_item_update(user=user, item=item, **changes),
    _agenda_drawn,
    "agenda-changed",
)


@require_POST
def agenda_item_delete(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    agenda_item = permissions.get_agenda_item_for_editor(request.user, slug, pk, item)
    services.agenda_item_delete(user=request.user, item=agenda_item)
    return workspace.section_saved(request, agenda_item.session, "agenda", "agenda-changed")


@require_POST
def agenda_item_move(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    agenda_item = permissions.get_agenda_item_for_editor(request.user, slug, pk, item)
    form = forms.MoveForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Move an item up or down."), status=400)
    services.agenda_item_move(
        user=request.user, item=agenda_item, direction=form.cleaned_data["direction"]
    )
    return workspace.section_saved(request, agenda_item.session, "agenda")


@require_POST
def agenda_item_discuss(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    agenda_item = permissions.get_agenda_item_for_editor(request.user, slug, pk, item)
    services.agenda_item_start_discussion(user=request.user, item=agenda_item)
    # Two rows change (the item discussed before, and this one): the section.
    return workspace.section_saved(request, agenda_item.session, "agenda")


@require_POST
def agenda_item_discussed(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    agenda_item = permissions.get_agenda_item_for_editor(request.user, slug, pk, item)
    form = forms.DiscussedForm(request.POST)
    form.is_valid()
    services.agenda_item_set_discussed(
        user=request.user, item=agenda_item, discussed=form.cleaned_data.get("discussed", False)
    )
    return answers.saved(
        request,
        redirect_to=f"{agenda_item.session.get_workspace_url()}#agenda-item-{agenda_item.pk}",
        region=lambda: _fresh_agenda_row(request, slug, pk, item),
        events=("session-written",),
    )


def _fresh_agenda_row(request, slug, pk, item) -> answers.Drawing:
    objects = _agenda_row(request, slug, pk, item)
    session = objects["item"].session
    return workspace.row(request, session, "agenda-item", **objects)


# --- Readiness checks ---------------------------------------------------------------------


check_add = workspace.add_view(
    forms.ReadinessCheckForm,
    services.readiness_check_add,
    "checks",
    "check_form",
    "checks-changed",
)
check_edit = workspace.row_edit_view(
    workspace.CHECK,
    permissions.get_check_for_editor,
    forms.ReadinessCheckEditForm,
    lambda user, check, changes: services.readiness_check_set(
        user=user, session=check.session, area=check.area, **changes
    ),
    lambda request, check: {"check": check},
    "checks-changed",
)


# --- Closing a row ------------------------------------------------------------------------


@require_GET
def row_closed(request: HtmxHttpRequest, slug: str, pk: int, kind: str, item: int) -> HttpResponse:
    """One row with its controls folded away again (the "Close" and "Cancel" links)."""
    if kind == "participants":
        objects = {"p": permissions.get_participant_for_editor(request.user, slug, pk, item)}
        partial, session = "participant-row", objects["p"].session
    elif kind == "agenda":
        objects = _agenda_row(request, slug, pk, item)
        partial, session = "agenda-item", objects["item"].session
    elif kind == "checks":
        objects = {"check": permissions.get_check_for_editor(request.user, slug, pk, item)}
        partial, session = "check-row", objects["check"].session
    elif kind == "checklist":
        objects = {"item": permissions.get_checklist_item_for_editor(request.user, slug, pk, item)}
        partial, session = "checklist-item", objects["item"].session
    elif kind == "actions":
        action = permissions.get_action_for_user(request.user, item, slug=slug, session_pk=pk)
        session = workspace.action_session(request, action, slug, pk)
        objects = workspace.action_drawn(request, action, session)
        partial = "action-row"
    elif kind == "evidence":
        objects = {"ev": permissions.get_evidence_for_editor(request.user, slug, pk, item)}
        partial, session = "evidence-item", objects["ev"].session
    elif kind == "conditions":
        condition = permissions.get_condition_for_editor(request.user, slug, pk, item)
        session = condition.decision.session
        allowed = permissions.can_satisfy_condition(request.user, condition)
        objects = {
            "condition": condition,
            "satisfiable_conditions": {condition.pk} if allowed else set(),
        }
        partial = "condition"
    else:
        raise Http404
    return workspace.row_open(request, session, partial, objects, {})
