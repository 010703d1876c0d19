"""The live meeting workspace: a facilitator runs a go/no-go session from one page.

Each section of `session_detail.html` is a template partial named after its DOM id. A
write answers an HTMX request with the section it changed, and events that refresh the
sections depending on it; a plain form post gets a redirect back to the section. Invalid
input comes back in the same form with the user's text kept: 422, or 409 when someone
else saved first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from readiness import calendars, forms, services
from readiness.models import (
    Action,
    AgendaItem,
    Condition,
    Event,
    Evidence,
    Participant,
    Person,
    ReadinessCheck,
    Release,
    Session,
)
from readiness.permissions import (
    can_facilitate_session,
    can_record_review,
    can_satisfy_condition,
    can_update_action,
    can_view_release,
    get_release_for_user,
    is_facilitator,
)
from readiness.views import HtmxHttpRequest, wants_fragment

TEMPLATE = "readiness/session_detail.html"
# The regions of the page an HTMX request may ask for by its DOM id.
SECTIONS = {
    "session-header",
    "participants",
    "agenda",
    "checks",
    "decision",
    "actions",
    "evidence",
    "addenda",
    "follow-ups",
    "timeline",
}
TIMELINE_LENGTH = 50
# The forms that add one more item: after a save they come back empty and focused.
ADD_FORMS = {
    forms.ParticipantAddForm: "participant_form",
    forms.AgendaItemAddForm: "agenda_form",
    forms.ReadinessCheckForm: "check_form",
    forms.ActionForm: "action_form",
    forms.EvidenceForm: "evidence_form",
}
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
COMMON_TIME_ZONES = [
    "America/Sao_Paulo",
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Mexico_City",
    "America/Bogota",
    "America/Argentina/Buenos_Aires",
    "Europe/Lisbon",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Madrid",
    "Africa/Lagos",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
]


# --- Loading and permissions --------------------------------------------------------------


def _load_session(request: HtmxHttpRequest, slug: str, pk: int) -> Session:
    release = get_release_for_user(request.user, slug)
    session = get_object_or_404(Session.objects.with_everything(), pk=pk, release=release)
    return session


def _session_for_editor(request: HtmxHttpRequest, slug: str, pk: int) -> Session:
    """The session, if the user may run it: its facilitator, a facilitator, or an admin."""
    session = _load_session(request, slug, pk)
    if not can_facilitate_session(request.user, session):
        raise PermissionDenied
    return session


def _child(queryset, session: Session, pk: int):
    return get_object_or_404(queryset, pk=pk, session=session)


# --- Rendering ----------------------------------------------------------------------------


def _page_context(request: HtmxHttpRequest, session: Session, **overrides: Any) -> dict:
    decision = session.current_decision
    earlier = Session.objects.filter(release_id=session.release_id).filter(
        Q(scheduled_at__lt=session.scheduled_at)
        | Q(scheduled_at=session.scheduled_at, pk__lt=session.pk)
    )
    context = {
        "session": session,
        "session_url": session.get_workspace_url(),
        "release": session.release,
        "decision": decision,
        "can_edit": can_facilitate_session(request.user, session),
        "open_action_count": sum(1 for a in session.actions.all() if a.is_open),
        "follow_up_actions": Action.objects.open()
        .filter(session__in=earlier)
        .select_related("owner", "session"),
        "follow_up_conditions": Condition.objects.filter(
            decision__session__in=earlier, decision__is_current=True, satisfied_at__isnull=True
        ).select_related("owner", "decision__session"),
        "events": Event.for_timeline(session.events.all()[:TIMELINE_LENGTH]),
        "addendum_events": session.events.filter(is_addendum=True).order_by("created_at", "pk")
        if session.is_closed
        else [],
        "common_areas": sorted(
            set(COMMON_AREAS) | {p.area for p in session.participants.all() if p.area}
        ),
        "common_time_zones": COMMON_TIME_ZONES,
        "next_action_code": session.next_action_code,
        "editing": None,
        "stale": None,
        # The owner's own rows (and every row, for a facilitator) get the status controls.
        "updatable_actions": {
            a.pk for a in session.actions.all() if can_update_action(request.user, a)
        },
        "satisfiable_conditions": {
            c.pk
            for c in (decision.conditions.all() if decision else [])
            if can_satisfy_condition(request.user, c)
        },
        "status_for": None,
        "status_form": None,
    }
    context.update(overrides)
    defaults: dict[str, Callable[[], Any]] = {
        "participant_form": forms.ParticipantAddForm,
        "agenda_form": forms.AgendaItemAddForm,
        "check_form": forms.ReadinessCheckForm,
        "decision_form": lambda: forms.DecisionForm(
            members=session.members, initial={"method": "consensus"}
        ),
        "condition_formset": lambda: forms.ConditionFormSet(prefix="conditions", initial=[{}, {}]),
        "action_form": lambda: forms.ActionForm(
            initial={"code": context["next_action_code"], "kind": Action.Kind.ACTION}
        ),
        "evidence_form": lambda: forms.EvidenceForm(session=session),
        "addendum_form": forms.AddendumForm,
        "template_form": forms.TemplateSaveForm,
    }
    for name, factory in defaults.items():
        if name not in context:
            context[name] = factory()
    return context


def _render(
    request: HtmxHttpRequest,
    session: Session,
    section: str | None = None,
    *,
    status: int = 200,
    **overrides: Any,
) -> HttpResponse:
    context = _page_context(request, session, **overrides)
    if section and wants_fragment(request):
        return render(request, f"{TEMPLATE}#{section}", context, status=status)
    return render(request, TEMPLATE, context, status=status)


def _reload(session: Session) -> Session:
    return Session.objects.with_everything().get(pk=session.pk)


def _after_write(
    request: HtmxHttpRequest,
    session: Session,
    section: str,
    *events: str,
    again: django_forms.Form | None = None,
) -> HttpResponse:
    """Post/Redirect/Get without JavaScript; the changed section with it.

    After adding something (`again`, the form just used), the section comes back with that
    form empty and focused, ready for the next item.
    """
    if not request.htmx:
        return redirect(f"{session.get_workspace_url()}#{section}")
    session = _reload(session)
    overrides = {}
    if again is not None and not isinstance(again, forms.VersionedForm):
        form_name = ADD_FORMS.get(type(again))
        if form_name:
            fresh = _page_context(request, session)[form_name]
            # The first field still to fill in (an action's code comes suggested).
            first = next(
                name
                for name, field in fresh.fields.items()
                if not field.widget.is_hidden and not fresh.initial.get(name, field.initial)
            )
            fresh.fields[first].widget.attrs["autofocus"] = True
            overrides[form_name] = fresh
    response = _render(request, session, section, **overrides)
    # The header, the timeline and whatever depends on this section refresh themselves.
    for event in ("session-written", *events):
        trigger_client_event(response, event)
    return response


def _add_errors(form: django_forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def _write(
    request: HtmxHttpRequest,
    session: Session,
    *,
    section: str,
    form: django_forms.Form,
    form_name: str,
    write: Callable[[dict], Any],
    events: tuple[str, ...] = (),
    extra: dict | None = None,
    stale_target: Any = None,
) -> HttpResponse:
    """Validate, call the service, answer. The one shape every workspace write takes."""
    extra = extra or {}
    if form.is_valid():
        try:
            # People named in the form are created in the same transaction as the write,
            # so a refused write leaves nothing behind.
            with transaction.atomic():
                write(form.cleaned_data)
        except services.StaleEdit as stale:
            return _stale(request, session, section, form, form_name, stale, extra)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _after_write(request, session, section, *events, again=form)
    return _render(
        request,
        session,
        section if wants_fragment(request) else None,
        status=422,
        **{form_name: form},
        **extra,
    )


def _stale(
    request: HtmxHttpRequest,
    session: Session,
    section: str,
    form: django_forms.Form,
    form_name: str,
    stale: services.StaleEdit,
    extra: dict,
) -> HttpResponse:
    """Refuse the save, show what the other person changed, keep this person's text.

    The form now carries the current version, so saving it again applies it on purpose.
    """
    data = form.data.copy()
    data["version"] = stale.obj.version
    kwargs = {"session": session} if isinstance(form, forms.EvidenceForm) else {}
    if isinstance(form, forms.DecisionForm):
        kwargs = {"members": session.members}
    fresh = type(form)(data, **kwargs)
    fresh.is_valid()
    fresh.add_error(None, str(stale))
    their_change = (
        Event.objects.filter(subject_type=stale.obj._meta.model_name, subject_id=stale.obj.pk)
        .order_by("-created_at", "-pk")
        .first()
    )
    return _render(
        request,
        _reload(session),
        section if wants_fragment(request) else None,
        status=409,
        stale={"event": their_change, "section": section},
        **{form_name: fresh},
        **extra,
    )


# --- Pages --------------------------------------------------------------------------------


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def session_detail(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    session = _load_session(request, slug, pk)
    target = request.htmx.target if request.htmx else None
    if target in SECTIONS and wants_fragment(request):
        return render(request, f"{TEMPLATE}#{target}", _page_context(request, session))
    return _render(request, session)


@require_GET
@never_cache
def session_live(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """The live view's poll: 304 while nothing changed, one indexed query to know it."""
    if not can_view_release(request.user, Release(slug=slug)):
        raise PermissionDenied
    revision = (
        Session.objects.filter(pk=pk, release__slug=slug)
        .values_list("revision", flat=True)
        .first()
    )
    if revision is None:
        return HttpResponse(status=404)
    etag = f'"r{revision}"'
    if request.headers.get("If-None-Match") == etag:
        return HttpResponseNotModified(headers={"ETag": etag})
    response = render(
        request,
        f"{TEMPLATE}#live",
        {
            "session": Session(pk=pk, revision=revision),
            "release": Release(slug=slug),
            # Screen readers hear that the page changed (role="status", out of band).
            "changed_at": timezone.now(),
        },
    )
    response["ETag"] = etag
    return trigger_client_event(response, "session-changed")


@require_http_methods(["GET", "POST"])
def release_create(request: HtmxHttpRequest) -> HttpResponse:
    if not is_facilitator(request.user):
        raise PermissionDenied
    form = forms.ReleaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            release = services.release_create(
                user=request.user,
                name=data["name"],
                planned_date=data["planned_date"],
                deploy_window_start=data["window_start"],
                deploy_window_end=data["window_end"],
                language=data["language"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return redirect("sessions:create", slug=release.slug)
    status = 422 if form.is_bound else 200
    return render(
        request,
        "readiness/release_form.html",
        {"form": form, "common_time_zones": COMMON_TIME_ZONES},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def session_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    release = get_release_for_user(request.user, slug)
    if not is_facilitator(request.user):
        raise PermissionDenied
    initial = {"date": release.planned_date}
    me = Person.objects.filter(user=request.user).first()
    if me is not None:
        initial["facilitator"] = me.name
    form = forms.SessionScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.session_schedule_from_template(
                user=request.user,
                release=release,
                scheduled_at=form.scheduled_at(),
                time_zone=data["time_zone"],
                objective=data["objective"],
                facilitator=_person(request, data["facilitator"]),
                title=data["title"],
                template=data["template"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return redirect(session.get_workspace_url())
    return render(
        request,
        "readiness/session_form.html",
        {"form": form, "release": release, "common_time_zones": COMMON_TIME_ZONES},
        status=422 if form.is_bound else 200,
    )


def _person(request: HtmxHttpRequest, name: str, title: str = "") -> Person | None:
    if not name:
        return None
    name, title = forms.person_for(name, title)
    return services.person_get_or_create(user=request.user, name=name, title=title)


@require_GET
def people_search(request: HtmxHttpRequest) -> HttpResponse:
    """Options for the people datalist, as a facilitator types a name."""
    term = next(
        (
            request.GET[k].strip()
            for k in ("q", "name", "owner", "facilitator")
            if request.GET.get(k)
        ),
        "",
    )
    people = Person.objects.filter(name__icontains=term)[:15] if len(term) >= 2 else []
    return render(request, "readiness/people_options.html", {"people": people})


# --- The session itself -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def session_edit(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    session = _session_for_editor(request, slug, pk)
    if request.method == "GET":
        form = forms.SessionEditForm(initial=forms.SessionForm.initial_for(session))
        return _render(request, session, "session-header", editing="session", session_form=form)

    form = forms.SessionEditForm(request.POST)

    def write(data: dict) -> None:
        services.session_update(
            user=request.user,
            session=session,
            expected_version=data["version"],
            title=data["title"],
            scheduled_at=form.scheduled_at(),
            time_zone=data["time_zone"],
            objective=data["objective"],
            facilitator=_person(request, data["facilitator"]),
        )

    return _write(
        request,
        session,
        section="session-header",
        form=form,
        form_name="session_form",
        write=write,
        extra={"editing": "session"},
    )


@require_POST
def session_start(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    session = _session_for_editor(request, slug, pk)
    return _simple(
        request,
        session,
        "session-header",
        lambda: services.session_start(user=request.user, session=session, expected_version=None),
    )


@require_POST
def session_close(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    session = _session_for_editor(request, slug, pk)
    return _simple(
        request,
        session,
        "session-header",
        lambda: services.session_close(user=request.user, session=session, expected_version=None),
        "session-closed",
    )


def _simple(
    request: HtmxHttpRequest,
    session: Session,
    section: str,
    write: Callable[[], Any],
    *events: str,
) -> HttpResponse:
    """A one-button write with nothing to type: a refusal comes back as a message."""
    try:
        with transaction.atomic():
            write()
    except ValidationError as error:
        return _render(
            request,
            session,
            section if wants_fragment(request) else None,
            status=422,
            error={"section": section, "messages": error.messages},
        )
    return _after_write(request, session, section, *events)


@require_POST
def template_save(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    session = _session_for_editor(request, slug, pk)
    form = forms.TemplateSaveForm(request.POST)
    return _write(
        request,
        session,
        section="session-header",
        form=form,
        form_name="template_form",
        write=lambda data: services.session_template_save(
            user=request.user, session=session, name=data["name"]
        ),
        extra={"editing": "template"},
    )


# --- Participants -------------------------------------------------------------------------


@require_POST
def participant_add(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    session = _session_for_editor(request, slug, pk)
    form = forms.ParticipantAddForm(request.POST)

    def write(data: dict) -> None:
        person = _person(request, data["name"], data["title"])
        services.participant_add(
            user=request.user, session=session, person=person, area=data["area"], role=data["role"]
        )

    return _write(
        request,
        session,
        section="participants",
        form=form,
        form_name="participant_form",
        write=write,
        events=("participants-changed",),
    )


@require_http_methods(["GET", "POST"])
def participant_edit(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    session = _session_for_editor(request, slug, pk)
    participant = _child(Participant.objects, session, item)
    editing = {"kind": "participant", "pk": participant.pk}
    if request.method == "GET":
        form = forms.ParticipantEditForm(
            initial={
                "area": participant.area,
                "role": participant.role,
                "version": participant.version,
            }
        )
        return _render(
            request, session, "participants", editing=editing, participant_edit_form=form
        )
    form = forms.ParticipantEditForm(request.POST)
    return _write(
        request,
        session,
        section="participants",
        form=form,
        form_name="participant_edit_form",
        write=lambda data: services.participant_update(
            user=request.user,
            participant=participant,
            expected_version=data["version"],
            area=data["area"],
            role=data["role"],
        ),
        events=("participants-changed",),
        extra={"editing": editing},
    )


@require_POST
def participant_attendance(
    request: HtmxHttpRequest, slug: str, pk: int, item: int
) -> HttpResponse:
    session = _session_for_editor(request, slug, pk)
    participant = _child(Participant.objects, session, item)
    form = forms.AttendanceForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Choose confirmed, present or absent."), status=400)
    services.participant_set_attendance(
        user=request.user, participant=participant, attendance=form.cleaned_data["attendance"]
    )
    return _after_write(request, session, "participants")


# --- Agenda -------------------------------------------------------------------------------


@require_POST
def agenda_item_add(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    session = _session_for_editor(request, slug, pk)
    form = forms.AgendaItemAddForm(request.POST)
    return _write(
        request,
        session,
        section="agenda",
        form=form,
        form_name="agenda_form",
        write=lambda data: services.agenda_item_add(
            user=request.user,
            session=session,
            title=data["title"],
            time_box_minutes=data["time_box_minutes"],
        ),
        events=("agenda-changed",),
    )


@require_http_methods(["GET", "POST"])
def agenda_item_edit(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    session = _session_for_editor(request, slug, pk)
    agenda_item = _child(AgendaItem.objects, session, item)
    editing = {"kind": "agenda", "pk": agenda_item.pk}
    if request.method == "GET":
        form = forms.AgendaItemEditForm(
            initial={
                "title": agenda_item.title,
                "time_box_minutes": agenda_item.time_box_minutes,
                "notes": agenda_item.notes,
                "version": agenda_item.version,
            }
        )
        return _render(request, session, "agenda", editing=editing, agenda_edit_form=form)
    form = forms.AgendaItemEditForm(request.POST)
    return _write(
        request,
        session,
        section="agenda",
        form=form,
        form_name="agenda_edit_form",
        write=lambda data: services.agenda_item_update(
            user=request.user,
            item=agenda_item,
            expected_version=data["version"],
            title=data["title"],
            time_box_minutes=data["time_box_minutes"],
            notes=data["notes"],
        ),
        extra={"editing": editing},
    )


@require_POST
def agenda_item_delete(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    session = _session_for_editor(request, slug, pk)
    agenda_item = _child(AgendaItem.objects, session, item)
    services.agenda_item_delete(user=request.user, item=agenda_item)
    return _after_write(request, session, "agenda", "agenda-changed")


@require_POST
def agenda_item_move(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    session = _session_for_editor(request, slug, pk)
    agenda_item = _child(AgendaItem.objects, session, item)
    form = forms.MoveForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Move an item up or down."), status=400)
    services.agenda_item_move(
        user=request.user, item=agenda_item, direction=form.cleaned_data["direction"]
    )
    return _after_write(request, session, "agenda")


@require_POST
def agenda_item_discuss(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    session = _session_for_editor(request, slug, pk)
    agenda_item = _child(AgendaItem.objects, session, item)
    services.agenda_item_start_discussion(user=request.user, item=agenda_item)
    return _after_write(request, session, "agenda")


@require_POST
def agenda_item_discussed(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    session = _session_for_editor(request, slug, pk)
    agenda_item = _child(AgendaItem.objects, session, item)
    form = forms.DiscussedForm(request.POST)
    form.is_valid()
    services.agenda_item_set_discussed(
        user=request.user, item=agenda_item, discussed=form.cleaned_data.get("discussed", False)
    )
    return _after_write(request, session, "agenda")


# --- Readiness checks ---------------------------------------------------------------------


@require_POST
def check_add(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    session = _session_for_editor(request, slug, pk)
    form = forms.ReadinessCheckForm(request.POST)

    def write(data: dict) -> None:
        if any(c.area.lower() == data["area"].lower() for c in session.readiness_checks.all()):
            raise ValidationError(
                {"area": _("This area already has a check: change it in the list.")}
            )
        services.readiness_check_set(
            user=request.user,
            session=session,
            area=data["area"],
            status=data["status"],
            summary=data["summary"],
        )

    return _write(
        request,
        session,
        section="checks",
        form=form,
        form_name="check_form",
        write=write,
        events=("checks-changed",),
    )


@require_http_methods(["GET", "POST"])
def check_edit(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    session = _session_for_editor(request, slug, pk)
    check = _child(ReadinessCheck.objects, session, item)
    editing = {"kind": "check", "pk": check.pk}
    if request.method == "GET":
        form = forms.ReadinessCheckEditForm(
            initial={"status": check.status, "summary": check.summary, "version": check.version}
        )
        return _render(request, session, "checks", editing=editing, check_edit_form=form)
    form = forms.ReadinessCheckEditForm(request.POST)
    return _write(
        request,
        session,
        section="checks",
        form=form,
        form_name="check_edit_form",
        write=lambda data: services.readiness_check_set(
            user=request.user,
            session=session,
            area=check.area,
            status=data["status"],
            summary=data["summary"],
            expected_version=data["version"],
        ),
        events=("checks-changed",),
        extra={"editing": editing},
    )


# --- Decision -----------------------------------------------------------------------------


@require_POST
def decision_record(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    session = _session_for_editor(request, slug, pk)
    form = forms.DecisionForm(request.POST, members=session.members)
    formset = forms.ConditionFormSet(request.POST, prefix="conditions")
    if "add_condition" in request.POST:
        # Without JavaScript, "one more condition" re-renders the form with an empty row.
        data = request.POST.copy()
        data["conditions-TOTAL_FORMS"] = str(int(data.get("conditions-TOTAL_FORMS", 0)) + 1)
        formset = forms.ConditionFormSet(data, prefix="conditions")
        formset.is_valid()
        form.is_valid()
        return _render(
            request,
            session,
            "decision" if wants_fragment(request) else None,
            decision_form=form,
            condition_formset=formset,
        )

    def write(data: dict) -> None:
        if not formset.is_valid():
            raise ValidationError(_("Check the conditions below."))
        conditions = [
            services.ConditionSpec(
                text=row["text"],
                reference=row["reference"].strip("` "),
                owner=_person(request, row["owner"]),
                deadline=row["deadline"].replace(tzinfo=session.tzinfo)
                if row.get("deadline")
                else None,
            )
            for row in formset.cleaned_data
            if row.get("text")
        ]
        votes = [
            services.VoteSpec(participant=member, choice=choice, comment=comment)
            for member, choice, comment in form.votes()
        ]
        services.decision_record(
            user=request.user,
            session=session,
            outcome=data["outcome"],
            rationale=data["rationale"],
            method=data["method"],
            conditions=conditions,
            votes=votes,
            review_on=data["review_on"],
        )

    return _write(
        request,
        session,
        section="decision",
        form=form,
        form_name="decision_form",
        write=write,
        events=("decision-changed",),
        extra={"condition_formset": formset},
    )


# --- Actions ------------------------------------------------------------------------------


@require_POST
def action_add(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    session = _session_for_editor(request, slug, pk)
    form = forms.ActionForm(request.POST)
    return _write(
        request,
        session,
        section="actions",
        form=form,
        form_name="action_form",
        write=lambda data: services.action_create(
            user=request.user,
            session=session,
            code=data["code"],
            description=data["description"],
            owner=_person(request, data["owner"]),
            due_date=data["due_date"],
            kind=data["kind"],
        ),
        events=("action-changed",),
    )


@require_http_methods(["GET", "POST"])
def action_edit(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    session = _session_for_editor(request, slug, pk)
    action = _child(Action.objects.select_related("owner"), session, item)
    editing = {"kind": "action", "pk": action.pk}
    if request.method == "GET":
        form = forms.ActionEditForm(
            initial={
                "description": action.description,
                "owner": action.owner.name,
                "due_date": action.due_date,
                "kind": action.kind,
                "version": action.version,
            }
        )
        return _render(request, session, "actions", editing=editing, action_edit_form=form)
    form = forms.ActionEditForm(request.POST)
    return _write(
        request,
        session,
        section="actions",
        form=form,
        form_name="action_edit_form",
        write=lambda data: services.action_update(
            user=request.user,
            action=action,
            expected_version=data["version"],
            description=data["description"],
            owner=_person(request, data["owner"]),
            due_date=data["due_date"],
            kind=data["kind"],
        ),
        events=("action-changed",),
        extra={"editing": editing},
    )


@require_POST
def action_cancel(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    session = _session_for_editor(request, slug, pk)
    action = _child(Action.objects, session, item)
    return _simple(
        request,
        session,
        "actions",
        lambda: services.action_change_status(
            user=request.user,
            action=action,
            status=Action.Status.CANCELLED,
            expected_version=action.version,
        ),
        "action-changed",
    )


@require_POST
def action_status(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    """The owner's (or a facilitator's) one-click status change, from the session page."""
    session = _load_session(request, slug, pk)
    action = _child(Action.objects.select_related("owner", "session__facilitator"), session, item)
    if not can_update_action(request.user, action, to_status=request.POST.get("status")):
        raise PermissionDenied
    form = forms.ActionStatusForm(request.POST)
    return _write(
        request,
        session,
        section="actions",
        form=form,
        form_name="status_form",
        write=lambda data: services.action_change_status(
            user=request.user,
            action=action,
            status=data["status"],
            reason=data["reason"],
            note=data["note"],
            evidence_url=data["evidence_url"],
            expected_version=data["version"],
        ),
        events=("action-changed",),
        extra={"status_for": {"kind": "action", "pk": action.pk}},
    )


@require_POST
def condition_satisfy(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    session = _load_session(request, slug, pk)
    condition = get_object_or_404(
        Condition.objects.select_related("owner", "decision__session__facilitator"),
        pk=item,
        decision__session=session,
    )
    if not can_satisfy_condition(request.user, condition):
        raise PermissionDenied
    form = forms.ConditionSatisfyForm(request.POST)
    return _write(
        request,
        session,
        section="decision",
        form=form,
        form_name="status_form",
        write=lambda data: services.condition_satisfy_with_evidence(
            user=request.user,
            condition=condition,
            url=data["evidence_url"],
            note=data["note"],
            expected_version=data["version"],
        ),
        events=("decision-changed",),
        extra={"status_for": {"kind": "condition", "pk": condition.pk}},
    )


@require_POST
def review_done(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    session = _load_session(request, slug, pk)
    decision = session.current_decision
    if decision is None:
        raise Http404
    if not can_record_review(request.user, decision):
        raise PermissionDenied
    return _simple(
        request,
        session,
        "decision",
        lambda: services.decision_review_done(user=request.user, decision=decision),
        "decision-changed",
    )


@require_POST
def minutes_send(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """E-mail the closed minutes to the participants; the sending happens after the answer."""
    session = _session_for_editor(request, slug, pk)
    return _simple(
        request,
        session,
        "session-header",
        lambda: services.session_minutes_send(user=request.user, session=session),
    )


@require_GET
def session_invite(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """The session as a calendar event, in its time zone, to add to one's calendar."""
    session = _load_session(request, slug, pk)
    response = HttpResponse(calendars.session_invite(session), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}.ics"'
    return response


# --- Evidence and addenda -----------------------------------------------------------------


@require_POST
def evidence_add(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    session = _session_for_editor(request, slug, pk)
    form = forms.EvidenceForm(request.POST, session=session)
    return _write(
        request,
        session,
        section="evidence",
        form=form,
        form_name="evidence_form",
        write=lambda data: services.evidence_add(
            user=request.user,
            session=session,
            title=data["title"],
            location=data["location"],
            category=data["category"],
            **form.target(),
        ),
        events=("evidence-changed",),
    )


@require_POST
def evidence_verify(request: HtmxHttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    session = _session_for_editor(request, slug, pk)
    evidence = _child(Evidence.objects, session, item)
    return _simple(
        request,
        session,
        "evidence",
        lambda: services.evidence_verify(user=request.user, evidence=evidence),
        "evidence-changed",
    )


@require_POST
def addendum_add(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    session = _session_for_editor(request, slug, pk)
    form = forms.AddendumForm(request.POST)
    return _write(
        request,
        session,
        section="addenda",
        form=form,
        form_name="addendum_form",
        write=lambda data: services.addendum_add(
            user=request.user, session=session, text=data["text"]
        ),
    )
