"""The team pages: the teams a login may see, a team's defaults, members and releases;
its facilitators (and admins) edit it and keep its members."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from readiness import forms, notifications, permissions, services
from readiness.forms.base import COMMON_TIME_ZONES
from readiness.models import Event, Membership, Release, SessionTemplate, Team
from readiness.views import CLOSED, HtmxHttpRequest, answers, wants_fragment

LIST = "readiness/team_list.html"
DETAIL = "readiness/team_detail.html"
EDIT = "readiness/team_edit.html"
CREATE = "readiness/team_form.html"
MEMBERS = "team-members"
RELEASES = "team-releases"
HISTORY = "team-history"
# What a member write tells the page, so that the latest changes follow.
MEMBERS_CHANGED = "members-changed"
RELEASES_PER_PAGE = 20
HISTORY_LENGTH = 10

# Facilitators first, viewers last, as the role choices are ordered.
_ROLE_RANK = Case(
    *(When(role=role, then=Value(rank)) for rank, role in enumerate(Membership.Role.values)),
    output_field=IntegerField(),
)


def _count_of(model, field: str) -> Coalesce:
    """How many `model` rows point at the team: a subquery, so that two counts do not
    multiply each other's rows."""
    rows = (
        model.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


@require_GET
def team_list(request: HtmxHttpRequest) -> HttpResponse:
    user = request.user
    roles = permissions.team_roles(user)
    teams = list(
        permissions.teams_for_user(user).annotate(
            member_count=_count_of(Membership, "team"),
            release_count=_count_of(Release, "team"),
        )
    )
    for team in teams:
        role = roles.get(team.pk)
        team.my_role = Membership.Role(role).label if role else ""
    return render(request, LIST, {"teams": teams, "can_create": permissions.can_create_team(user)})


@require_http_methods(["GET", "POST"])
def team_create(request: HtmxHttpRequest) -> HttpResponse:
    permissions.check_can_create_team(request.user)
    form = forms.TeamCreateForm(request.POST or None)
    if request.method == "POST":
        outcome = answers.submit(
            form, lambda data: services.team_create(user=request.user, **data)
        )
        if outcome.ok:
            return redirect(outcome.result)
        form = outcome.form
    context = {"form": form, "common_time_zones": COMMON_TIME_ZONES}
    return render(request, CREATE, context, status=422 if form.is_bound else 200)


# --- A team's page ------------------------------------------------------------------------


def _members(team: Team) -> list[Membership]:
    return list(
        Membership.objects.filter(team=team)
        .select_related("person__user")
        .annotate(rank=_ROLE_RANK)
        .order_by("rank", "person__name", "pk")
    )


def _history(team: Team) -> list[Event]:
    """The latest changes to the team and its memberships (a removed one's included)."""
    events = Event.objects.filter(
        Q(subject_type="team", subject_id=team.pk)
        | Q(subject_type="membership", after__team_id=team.pk)
        | Q(subject_type="membership", after__isnull=True, before__team_id=team.pk)
    ).order_by("-created_at", "-pk")
    return Event.for_timeline(events[:HISTORY_LENGTH])


def _members_context(request: HtmxHttpRequest, team: Team, **extra: Any) -> dict[str, Any]:
    """What the members section draws: the rows, one of them open for a change, and the
    two forms that add someone; a fixed number of queries however many members."""
    can_manage = permissions.can_manage_team(request.user, team)
    context = {
        "team": team,
        "members": _members(team),
        "can_manage": can_manage,
        "editing": CLOSED,
        "edit_form": None,
        "add_form": forms.MemberAddForm() if can_manage else None,
        "invite_form": forms.MemberInviteForm() if can_manage else None,
        "notice": None,
        "invited": None,
        "stale": None,
        "error": None,
    }
    context.update(extra)
    return context


def _page_context(request: HtmxHttpRequest, team: Team, **extra: Any) -> dict[str, Any]:
    releases = Release.objects.filter(team=team).order_by("-planned_date", "-pk")
    page = Paginator(releases, RELEASES_PER_PAGE).get_page(request.GET.get("page"))
    context = _members_context(request, team, **extra)
    context.update(
        {
            "releases": page,
            "templates": list(
                SessionTemplate.objects.filter(team=team).order_by("name").only("name")
            ),
            "history": _history(team),
            "site_time_zone": settings.TIME_ZONE,
            "common_time_zones": COMMON_TIME_ZONES,
        }
    )
    return context


def _members_region(request: HtmxHttpRequest, team: Team, **extra: Any):
    return f"{DETAIL}#{MEMBERS}", _members_context(request, team, **extra)


def _page(request: HtmxHttpRequest, team: Team, **extra: Any):
    return DETAIL, _page_context(request, team, **extra)


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def team_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    team = permissions.get_team_for_user(request.user, slug)
    if wants_fragment(request) and request.htmx.target == MEMBERS:
        template, context = _members_region(request, team)
    elif wants_fragment(request) and request.htmx.target == RELEASES:
        template, context = f"{DETAIL}#{RELEASES}", _page_context(request, team)
    elif wants_fragment(request) and request.htmx.target == HISTORY:
        template, context = f"{DETAIL}#{HISTORY}", {"team": team, "history": _history(team)}
    else:
        template, context = _page(request, team)
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def team_edit(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    team = permissions.get_team_for_manager(request.user, slug)
    if request.method == "GET":
        form = forms.TeamEditForm.for_record(team)
        return render(request, EDIT, _edit_context(team, form))
    form = forms.TeamEditForm(request.POST)
    outcome = answers.submit(
        form,
        lambda data: services.team_update(
            user=request.user, team=team, **forms.TeamEditForm.changes(data)
        ),
        where="team-edit",
    )
    if not outcome.ok:
        context = _edit_context(team, outcome.form, outcome.stale)
        return render(request, EDIT, context, status=outcome.status)
    return redirect(team)


def _edit_context(team: Team, form, stale=None) -> dict[str, Any]:
    return {"team": team, "form": form, "stale": stale, "common_time_zones": COMMON_TIME_ZONES}


# --- Members ------------------------------------------------------------------------------


def _after_member_write(request: HtmxHttpRequest, team: Team, **extra: Any) -> HttpResponse:
    """The members section again (HTMX), or back to the team's page; to the list of teams
    when the change took the user's own access to a private team away."""
    permissions.forget_roles(request.user)
    if not permissions.can_view_team(request.user, team):
        if request.htmx:
            return HttpResponseClientRedirect(reverse("teams:list"))
        return redirect("teams:list")
    return answers.saved(
        request,
        redirect_to=f"{team.get_absolute_url()}#{MEMBERS}",
        region=lambda: _members_region(request, team, **extra),
        events=[MEMBERS_CHANGED],
    )


def _refused(request: HtmxHttpRequest, team: Team, status: int, **kept: Any) -> HttpResponse:
    return answers.refused(
        request,
        status=status,
        region=lambda: _members_region(request, team, **kept),
        page=lambda: _page(request, team, **kept),
    )


def _invited(request: HtmxHttpRequest, membership: Membership) -> dict[str, str]:
    """What the page says about the e-mail: on its way to an address, or none to send to."""
    person = membership.person
    address = notifications.person_address(person)
    if address:
        text = _("%(name)s joined the team; an invitation e-mail is on its way to %(email)s.")
    else:
        text = _(
            "%(name)s joined the team. No e-mail was sent: the directory has no address for them."
        )
    invited = {"text": text % {"name": person.name, "email": address}, "sent": bool(address)}
    if not request.htmx:
        messages.success(request, invited["text"])
    return invited


@require_POST
def member_add(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    team = permissions.get_team_for_manager(request.user, slug)
    form = forms.MemberAddForm(request.POST)
    outcome = answers.submit(
        form,
        lambda data: services.membership_add(
            user=request.user,
            team=team,
            person=data["name"],
            role=data["role"],
            area=data["area"],
            invite=True,
        ),
    )
    if not outcome.ok:
        return _refused(request, team, outcome.status, add_form=outcome.form)
    return _after_member_write(request, team, invited=_invited(request, outcome.result))


@require_POST
def member_invite(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    team = permissions.get_team_for_manager(request.user, slug)
    form = forms.MemberInviteForm(request.POST)
    outcome = answers.submit(
        form, lambda data: services.membership_invite(user=request.user, team=team, **data)
    )
    if not outcome.ok:
        return _refused(request, team, outcome.status, invite_form=outcome.form)
    return _after_member_write(request, team, invited=_invited(request, outcome.result))


def _editing(membership: Membership) -> dict[str, Any]:
    return {"kind": "member", "pk": membership.pk, "row": f"member-{membership.pk}"}


@require_http_methods(["GET", "POST"])
def member_edit(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """A member's row opened for a change of role or area (GET), and the change (POST)."""
    membership = permissions.get_membership_for_manager(request.user, slug, pk)
    team = membership.team
    if request.method == "GET":
        kept = {"editing": _editing(membership), "edit_form": _membership_form(membership)}
        if wants_fragment(request):
            template, context = _members_region(request, team, **kept)
        else:
            template, context = _page(request, team, **kept)
        return render(request, template, context)
    form = forms.MembershipForm(request.POST)
    outcome = answers.submit(
        form,
        lambda data: services.membership_update(
            user=request.user, membership=membership, **forms.MembershipForm.changes(data)
        ),
        where=f"member-{membership.pk}",
    )
    if not outcome.ok:
        kept = {"editing": _editing(membership), "edit_form": outcome.form, "stale": outcome.stale}
        return _refused(request, team, outcome.status, **kept)
    return _after_member_write(request, team)


def _membership_form(membership: Membership) -> forms.MembershipForm:
    return forms.MembershipForm(
        initial={"role": membership.role, "area": membership.area, "version": membership.version}
    )


@require_POST
def member_remove(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    membership = permissions.get_membership_for_manager(request.user, slug, pk)
    team = membership.team
    form = forms.MemberRemoveForm(request.POST)
    outcome = answers.submit(
        form,
        lambda data: services.membership_remove(
            user=request.user, membership=membership, expected_version=data["version"]
        ),
        where=f"member-{membership.pk}",
    )
    if not outcome.ok:
        # Stale or refused (the last facilitator), it is said above the members.
        refusal = {"section": MEMBERS, "messages": outcome.form.non_field_errors()}
        return _refused(request, team, outcome.status, error=refusal)
    name = membership.person.name
    if not request.htmx:
        messages.success(request, _("%(name)s is no longer in the team.") % {"name": name})
    return _after_member_write(
        request, team, notice=_("%(name)s is no longer in the team.") % {"name": name}
    )
