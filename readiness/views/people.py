"""The people directory: everyone who attends, decides or owes work, and their details."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from readiness import bounds, forms, owed, permissions, services
from readiness.models import Participant, Person
from readiness.views import HtmxHttpRequest, answers, wants_fragment

LIST = "readiness/people_list.html"
DETAIL = "readiness/person_detail.html"
PER_PAGE = 50
DETAILS = "person-details"


@require_GET
@vary_on_headers("HX-Request")
def person_list(request: HtmxHttpRequest) -> HttpResponse:
    permissions.check_can_view_people(request.user)
    term = bounds.clean_line(request.GET.get("q", "")).strip()[:200]
    page = Paginator(Person.objects.directory(term), PER_PAGE).get_page(request.GET.get("page"))
    template = f"{LIST}#people-list" if wants_fragment(request) else LIST
    return render(request, template, {"page": page, "q": term})


def _context(request: HtmxHttpRequest, person: Person, **extra) -> dict:
    """What the person's page shows: details, sessions attended, what they owe, and
    whom they might be the same as; a fixed number of queries whatever their number."""
    readable = permissions.releases_for_user(request.user)
    participations = (
        Participant.objects.filter(person=person, session__release__in=readable)
        .select_related("session__release")
        .order_by("-session__scheduled_at", "-pk")
    )
    can_edit = permissions.can_edit_people(request.user)
    memberships = permissions.memberships_for_user(request.user, person).order_by(
        "team__name", "pk"
    )
    context = {
        "person": person,
        "memberships": memberships,
        "participations": participations,
        "owed": owed.owed_items(person, readable),
        "close": list(Person.objects.exclude(pk=person.pk).close_to(person.name)),
        "can_edit": can_edit,
        "editing": False,
        "merge_form": forms.PersonMergeForm(initial={"version": person.version})
        if can_edit
        else None,
    }
    context.update(extra)
    return context


@require_GET
@vary_on_headers("HX-Request")
def person_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    person = permissions.get_person_for_user(request.user, pk)
    return render(request, DETAIL, _context(request, person))


@require_http_methods(["GET", "POST"])
def person_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    person = permissions.get_person_for_editor(request.user, pk)
    if request.method == "GET":
        form = forms.PersonForm.for_record(person)
        context = _context(request, person, editing=True, form=form)
        template = f"{DETAIL}#{DETAILS}" if wants_fragment(request) else DETAIL
        return render(request, template, context)
    form = forms.PersonForm(request.POST)
    outcome = answers.submit(
        form,
        lambda data: services.person_update(
            user=request.user, person=person, **forms.PersonForm.changes(data)
        ),
        where=DETAILS,
    )

    if not outcome.ok:
        kept = {"editing": True, "form": outcome.form, "stale": outcome.stale}
        return answers.refused(
            request,
            status=outcome.status,
            region=lambda: (f"{DETAIL}#{DETAILS}", _context(request, person, **kept)),
            page=lambda: (DETAIL, _context(request, person, **kept)),
        )
    return answers.saved(
        request,
        redirect_to=person.get_absolute_url(),
        region=lambda: (f"{DETAIL}#{DETAILS}", _context(request, person)),
    )


@require_POST
def person_merge(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Merge the duplicate the form names into this person; their page afterwards."""
    kept = permissions.get_person_for_editor(request.user, pk)
    form = forms.PersonMergeForm(request.POST)
    outcome = answers.submit(
        form,
        lambda data: services.person_merge(
            user=request.user,
            kept=kept,
            merged=_duplicate(data["merged"]),
            expected_version=data["version"],
        ),
        where="person-merge",
    )
    if not outcome.ok:
        return render(
            request,
            DETAIL,
            _context(request, kept, merge_form=outcome.form, stale=outcome.stale),
            status=outcome.status,
        )
    return redirect(kept.get_absolute_url())


def _duplicate(pk: int) -> Person:
    """The person to merge: refused beside the field when there is none of that number."""
    merged = Person.objects.filter(pk=pk).first()
    if merged is None:
        raise ValidationError({"merged": _("Nobody in the directory has this number.")})
    return merged
