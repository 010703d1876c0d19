"""The session's lists a facilitator keeps during the meeting: participants, the agenda,
the readiness checks. An addition answers with its section; a change to one row, with
that row."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from readiness import forms, permissions, services
from readiness.views import HtmxHttpRequest, answers
from readiness.views.sessions import workspace

# --- Participants -------------------------------------------------------------------------


def _participant_open(participant, form) -> dict:
    row = f"participant-{participant.pk}"
    return {
        "editing": {"kind": "participant", "pk": participant.pk, "row": row},
        "participant_edit_form": form,
    }


def _participant_form(participant) -> forms.ParticipantEditForm:
    return forms.ParticipantEditForm(
        initial={
            "area": participant.area,
            "role": participant.role,
            "version": participant.version,
        }
    )


@require_POST
def participant_add(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    session = permissions.get_session_for_editor(request.user, slug, pk)
    outcome = answers.submit(
        forms.ParticipantAddForm(request.POST),
        lambda data: services.participant_add_named(
            user=request.user,
            session=session,
            name=data["name"],
            title=data["title"],
            area=data["area"],
            role=data["role"],
        ),
    )
    return workspace.add_answer(
        request, session, outcome, "participants", "participant_form", "participants-changed"
    )


@require_http_methods(["GET", "POST"])
def participant_edit(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    participant = permissions.get_participant_for_editor(request.user, slug, pk, item)
    session = participant.session
    if request.method == "GET":
        opened = _participant_open(participant, _participant_form(participant))
        return workspace.row_open(request, session, "participant-row", {"p": participant}, opened)
    return workspace.row_write(
        request,
        forms.ParticipantEditForm(request.POST),
        lambda data: services.participant_update(
            user=request.user,
            participant=participant,
            expected_version=data["version"],
            area=data["area"],
            role=data["role"],
        ),
        session=session,
        partial="participant-row",
        row_id=f"participant-{participant.pk}",
        reload=lambda: {"p": permissions.get_participant_for_editor(request.user, slug, pk, item)},
        opened=lambda form: _participant_open(participant, form),
        events=("participants-changed",),
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
            **_participant_open(fresh, _participant_form(fresh)),
        ),
        events=("session-written",),
    )


# --- Agenda -------------------------------------------------------------------------------


def _agenda_open(item, form) -> dict:
    return {
        "editing": {"kind": "agenda", "pk": item.pk, "row": f"agenda-item-{item.pk}"},
        "agenda_edit_form": form,
    }


def _agenda_row(request, slug, pk, item) -> dict:
    """An agenda item as its row draws it, knowing whether it is first or last."""
    agenda_item = permissions.get_agenda_item_for_editor(request.user, slug, pk, item)
    positions = list(
        agenda_item.session.agenda_items.order_by("position").values_list("pk", flat=True)
    )
    return {
        "item": agenda_item,
        "first": positions[:1] == [agenda_item.pk],
        "last": positions[-1:] == [agenda_item.pk],
    }


@require_POST
def agenda_item_add(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    session = permissions.get_session_for_editor(request.user, slug, pk)
    outcome = answers.submit(
        forms.AgendaItemAddForm(request.POST),
        lambda data: services.agenda_item_add(
            user=request.user,
            session=session,
            title=data["title"],
            time_box_minutes=data["time_box_minutes"],
        ),
    )
    return workspace.add_answer(
        request, session, outcome, "agenda", "agenda_form", "agenda-changed"
    )


@require_http_methods(["GET", "POST"])
def agenda_item_edit(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    agenda_item = permissions.get_agenda_item_for_editor(request.user, slug, pk, item)
    session = agenda_item.session
    if request.method == "GET":
        form = forms.AgendaItemEditForm(
            initial={
                "title": agenda_item.title,
                "time_box_minutes": agenda_item.time_box_minutes,
                "notes": agenda_item.notes,
                "version": agenda_item.version,
            }
        )
        objects = _agenda_row(request, slug, pk, item)
        return workspace.row_open(
            request, session, "agenda-item", objects, _agenda_open(agenda_item, form)
        )
    return workspace.row_write(
        request,
        forms.AgendaItemEditForm(request.POST),
        lambda data: services.agenda_item_update(
            user=request.user,
            item=agenda_item,
            expected_version=data["version"],
            title=data["title"],
            time_box_minutes=data["time_box_minutes"],
            notes=data["notes"],
        ),
        session=session,
        partial="agenda-item",
        row_id=f"agenda-item-{agenda_item.pk}",
        reload=lambda: _agenda_row(request, slug, pk, item),
        opened=lambda form: _agenda_open(agenda_item, form),
        events=("agenda-changed",),
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


def _check_open(check, form) -> dict:
    return {
        "editing": {"kind": "check", "pk": check.pk, "row": f"check-{check.pk}"},
        "check_edit_form": form,
    }


@require_POST
def check_add(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    session = permissions.get_session_for_editor(request.user, slug, pk)
    outcome = answers.submit(
        forms.ReadinessCheckForm(request.POST),
        lambda data: services.readiness_check_add(
            user=request.user,
            session=session,
            area=data["area"],
            status=data["status"],
            summary=data["summary"],
        ),
    )
    return workspace.add_answer(
        request, session, outcome, "checks", "check_form", "checks-changed"
    )


@require_http_methods(["GET", "POST"])
def check_edit(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    check = permissions.get_check_for_editor(request.user, slug, pk, item)
    session = check.session
    if request.method == "GET":
        form = forms.ReadinessCheckEditForm(
            initial={"status": check.status, "summary": check.summary, "version": check.version}
        )
        return workspace.row_open(
            request, session, "check-row", {"check": check}, _check_open(check, form)
        )
    return workspace.row_write(
        request,
        forms.ReadinessCheckEditForm(request.POST),
        lambda data: services.readiness_check_set(
            user=request.user,
            session=session,
            area=check.area,
            status=data["status"],
            summary=data["summary"],
            expected_version=data["version"],
        ),
        session=session,
        partial="check-row",
        row_id=f"check-{check.pk}",
        reload=lambda: {"check": permissions.get_check_for_editor(request.user, slug, pk, item)},
        opened=lambda form: _check_open(check, form),
        events=("checks-changed",),
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
    elif kind == "actions":
        action = permissions.get_action_for_user(request.user, item, slug=slug, session_pk=pk)
        objects = {"action": action, **workspace.action_rights(request, action)}
        partial, session = "action-row", action.session
    else:
        raise Http404
    return workspace.row_open(request, session, partial, objects, {})
