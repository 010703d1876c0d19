"""The session itself: scheduling it, its page and live poll, its header's writes."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from readiness import bounds, calendars, forms, permissions, services
from readiness.models import Event, Person, Session
from readiness.views import HtmxHttpRequest, answers, wants_fragment
from readiness.views.sessions import workspace
from readiness.views.sessions.workspace import COMMON_TIME_ZONES, SECTIONS, TEMPLATE

PROJECTOR = "readiness/session_projector.html"


@require_http_methods(["GET", "POST"])
def release_create(request: HtmxHttpRequest) -> HttpResponse:
    permissions.check_can_create_release(request.user)
    form = forms.ReleaseCreateForm(request.POST or None, user=request.user)
    lookalikes = []
    if request.method == "POST" and form.is_valid():
        # A warning, asked once: the same name or day may be another release after all.
        form.warn(
            services.release_lookalikes(
                name=form.cleaned_data["name"],
                planned_date=form.cleaned_data["planned_date"],
                within=permissions.releases_for_user(request.user),
            )
        )
        lookalikes = form.lookalikes
    if request.method == "POST":
        outcome = answers.submit(
            form,
            lambda data: services.release_create(
                user=request.user,
                name=data["name"],
                planned_date=data["planned_date"],
                deploy_window_start=data["window_start"],
                deploy_window_end=data["window_end"],
                language=data["language"],
                team=data["team"],
            ),
        )
        if outcome.ok:
            return redirect("sessions:create", slug=outcome.result.slug)
    return render(
        request,
        "readiness/release_form.html",
        {"form": form, "common_time_zones": COMMON_TIME_ZONES, "lookalikes": lookalikes},
        status=422 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
def session_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    release = permissions.get_release_for_scheduler(request.user, slug)
    initial = {"date": release.planned_date}
    me = Person.objects.filter(user=request.user).first()
    if me is not None:
        initial["facilitator"] = me.name
    # The next session of a release starts from the latest one (the form says which, so
    # that a session scheduled meanwhile changes nothing of what was offered).
    previous = _previous_session(release, request.POST.get("previous"))
    if previous is None:
        form = forms.SessionScheduleForm(request.POST or None, initial=initial, release=release)
    else:
        form = forms.NextSessionForm(
            request.POST or None, initial=initial, previous=previous, release=release
        )

    def carried() -> dict:
        if previous is None:
            return {}
        return {
            "carried_participants": form.carried_participants(),
            "carried_agenda": form.carried_agenda(),
        }

    if request.method == "POST":
        outcome = answers.submit(
            form,
            lambda data: services.session_schedule_named(
                user=request.user,
                release=release,
                scheduled_at=form.scheduled_at(),
                time_zone=data["time_zone"],
                objective=data["objective"],
                facilitator=data["facilitator"],
                title=data["title"],
                template=data["template"],
                **carried(),
            ),
        )
        if outcome.ok:
            return redirect(outcome.result.get_workspace_url())
    return render(
        request,
        "readiness/session_form.html",
        {
            "form": form,
            "release": release,
            "previous": previous,
            "common_time_zones": COMMON_TIME_ZONES,
        },
        status=422 if form.is_bound else 200,
    )


def _previous_session(release, asked: str | None) -> Session | None:
    """The session the form carries over from: the one it named (of this release), or the
    release's latest."""
    sessions = release.sessions.select_related("facilitator")
    if asked is not None:
        return sessions.filter(pk=asked).first() if asked.isdigit() else None
    return sessions.order_by("-scheduled_at", "-pk").first()


@require_GET
@vary_on_headers("HX-Request", "HX-Target", workspace.LIVE_REGIONS_HEADER)
def session_detail(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    session = permissions.get_session_for_user(
        request.user, slug, pk, Session.objects.with_everything()
    )
    regions = workspace.live_regions_asked(request) if wants_fragment(request) else []
    if regions:
        return workspace.live_regions(request, session, regions)
    target = request.htmx.target if request.htmx else None
    if target in SECTIONS and wants_fragment(request):
        template, context = workspace.section(request, session, target)
    else:
        template, context = workspace.page(request, session)
    return render(request, template, context)


@require_GET
@never_cache
def session_live(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """The live view's poll: 304 while nothing changed, one indexed query to know it."""
    revision = permissions.get_session_revision_for_user(request.user, slug, pk)
    etag = f'"r{revision}"'
    if request.headers.get("If-None-Match") == etag:
        return HttpResponseNotModified(headers={"ETag": etag})
    response = render(
        request,
        f"{TEMPLATE}#live",
        {
            "live_url": request.path,
            "revision": revision,
            # Screen readers hear that the page changed (role="status", out of band).
            "changed_at": timezone.now(),
        },
    )
    response["ETag"] = etag
    return trigger_client_event(response, "session-changed")


@require_GET
@vary_on_headers("HX-Request")
def session_projector(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """The session on the room's screen: large, read-only, the item under discussion and the
    decision. It follows changes through the page's live poll, like the session page."""
    session = permissions.get_session_for_user(
        request.user, slug, pk, Session.objects.with_everything()
    )
    context = {
        "session": session,
        "release": session.release,
        "decision": session.current_decision,
        "current_item": next(
            (i for i in session.agenda_items.all() if i.pk == session.current_agenda_item_id),
            None,
        ),
        "session_url": session.get_workspace_url(),
        "projector_url": f"{session.get_workspace_url()}projector",
        "live_url": f"{session.get_workspace_url()}live",
        "revision": session.revision,
    }
    template = PROJECTOR
    if wants_fragment(request):
        template = f"{PROJECTOR}#projector"
    return render(request, template, context)


@require_GET
def session_invite(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """The session as a calendar event, in its time zone, to add to one's calendar."""
    session = permissions.get_session_for_user(request.user, slug, pk)
    response = HttpResponse(calendars.session_invite(session), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}.ics"'
    return response


@require_GET
def people_search(request: HtmxHttpRequest) -> HttpResponse:
    """Options for the people datalist, as a facilitator types a name."""
    term = next(
        (
            bounds.clean_line(request.GET[k]).strip()
            for k in ("q", "name", "owner", "facilitator")
            if request.GET.get(k)
        ),
        "",
    )
    # Accents and case aside, so "julia" offers "Júlia Martins" before a duplicate is typed.
    people = list(Person.objects.directory(term)[:15]) if len(term) >= 2 else []
    if people or len(term) >= 3:
        # And names written another way ("Julia Martin" offers "Júlia Martins").
        seen = {p.pk for p in people}
        people += [p for p in Person.objects.close_to(term) if p.pk not in seen]
    return render(request, "readiness/people_options.html", {"people": people})


# --- The header's writes ------------------------------------------------------------------


HEADER = "session-header"


@require_http_methods(["GET", "POST"])
def session_edit(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    session = permissions.get_session_for_editor(request.user, slug, pk)
    if request.method == "GET":
        form = forms.SessionEditForm(initial=forms.SessionForm.initial_for(session))
        return workspace.section_open(
            request, session, HEADER, editing="session", session_form=form
        )
    form = forms.SessionEditForm(request.POST)
    outcome = answers.submit(
        form,
        lambda data: services.session_update_named(
            user=request.user,
            session=session,
            expected_version=data["version"],
            title=data["title"],
            scheduled_at=form.scheduled_at(),
            time_zone=data["time_zone"],
            objective=data["objective"],
            facilitator=data["facilitator"],
        ),
        where=HEADER,
    )
    kept = {"editing": "session", "session_form": outcome.form, "stale": outcome.stale}
    return workspace.section_answer(request, session, HEADER, outcome, kept=kept)


@require_POST
def session_start(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    session = permissions.get_session_for_editor(request.user, slug, pk)
    return workspace.section_attempt(
        request,
        session,
        HEADER,
        lambda: services.session_start(
            user=request.user,
            session=session,
            expected_version=None,
            started_at=forms.SessionStartForm(request.POST).moment(),
        ),
    )


@require_POST
def session_close(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    session = permissions.get_session_for_editor(request.user, slug, pk)
    return workspace.section_attempt(
        request,
        session,
        HEADER,
        lambda: services.session_close(
            user=request.user,
            session=session,
            expected_version=None,
            closed_at=forms.SessionCloseForm(request.POST).moment(),
        ),
        "session-closed",
    )


@require_POST
def minutes_send(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """E-mail the closed minutes to the participants; the page says who they went to and
    who has no address. The sending happens after the answer."""
    session = permissions.get_session_for_editor(request.user, slug, pk)
    sent: list = []
    refusal = answers.attempt(
        lambda: sent.append(services.session_minutes_send(user=request.user, session=session)),
        where=HEADER,
    )
    if refusal is not None:
        return workspace.section_refused(request, session, HEADER, status=422, error=refusal)
    notice = _minutes_notice(sent[0])
    if not request.htmx:
        messages.info(request, notice)
    return answers.saved(
        request,
        redirect_to=f"{session.get_workspace_url()}#{HEADER}",
        region=lambda: workspace.section(request, session, HEADER, minutes_notice=notice),
        events=("session-written",),
    )


def _minutes_notice(event: Event) -> str:
    after = event.after or {}
    sent, missing = after.get("sent_to", []), after.get("no_address", [])
    if not sent:
        return _("The minutes were not sent: no participant has an e-mail address.")
    notice = _("The minutes are being sent to %(names)s.") % {"names": ", ".join(sent)}
    if missing:
        notice += " " + _("No e-mail address, not sent: %(names)s.") % {
            "names": ", ".join(missing)
        }
    return notice


@require_POST
def template_save(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    session = permissions.get_session_for_editor(request.user, slug, pk)
    form = forms.TemplateSaveForm(request.POST)
    outcome = answers.submit(
        form,
        lambda data: services.session_template_save(
            user=request.user, session=session, name=data["name"]
        ),
    )
    kept = {"editing": "template", "template_form": outcome.form}
    return workspace.section_answer(request, session, HEADER, outcome, kept=kept)
