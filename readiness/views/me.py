"""My work: what a person owes across releases, updated in one click, and its calendar feed.

The list is one region (`#my-work`): every change re-renders it, so an item moves to its
new group or to "recently closed" at once. A refused change comes back in its own row with
the person's input kept: 422 for a missing reason or a bad link, 409 when someone else
changed the item first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from readiness import calendars, forms, owed, permissions, services
from readiness.models import Action, Person, UserSettings
from readiness.models.signoffs import awaiting_signoff
from readiness.permissions import (
    can_change_action_status,
    get_action_for_status_change,
    get_condition_for_user,
    get_decision_for_reviewer,
    get_decision_for_signer,
    signer_participant,
)
from readiness.views import CLOSED, HtmxHttpRequest, answers, wants_fragment

TEMPLATE = "readiness/me.html"


def _person(request: HtmxHttpRequest) -> Person | None:
    return Person.objects.filter(user=request.user).first()


def _context(
    request: HtmxHttpRequest, person: Person | None, refused: dict[str, Any] | None = None
) -> dict[str, Any]:
    now = timezone.now()
    readable = permissions.releases_for_user(request.user)
    items, closed = owed.my_work(person, now, readable) if person else ([], [])
    for item in items + closed:
        item.form = (refused or {}).get(item.key, CLOSED)
        # Only controls the person may use: an owner does not reopen their closed work.
        item.can_reopen = (
            item.kind == owed.ACTION
            and not item.obj.is_open
            and can_change_action_status(request.user, item.obj, Action.Status.OPEN)
        )
    awaiting = []
    for decision, seat in awaiting_signoff(person) if person else []:
        key = f"signoff-{decision.pk}"
        form = (refused or {}).get(key) or forms.SignOffForm(auto_id=f"{key}-%s")
        awaiting.append((decision, seat, key, form))
    # A refused change to an item not listed here (a facilitator's, on someone else's
    # action) or listed without controls (a closed action the person may not reopen)
    # still says why.
    shown = {item.key for item in items} | {item.key for item in closed if item.can_reopen}
    shown |= {key for _d, _s, key, _f in awaiting}
    unlisted = [
        message
        for key, form in (refused or {}).items()
        if key not in shown
        for messages in form.errors.values()
        for message in messages
    ]
    groups = owed.group(items, now)
    labels = {
        "overdue": _("Overdue"),
        "week": _("Due this week"),
        "later": _("Later"),
        "undated": _("No due date"),
    }
    return {
        "person": person,
        "groups": [(name, labels[name], groups[name]) for name in owed.GROUPS],
        "owed_count": len(items),
        "awaiting": awaiting,
        "closed": closed,
        "unlisted_errors": unlisted,
        "now": now,
    }


def _answer(
    request: HtmxHttpRequest,
    person: Person | None,
    *,
    refused: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    if status == 200 and not request.htmx:
        return redirect("me:home")
    template = f"{TEMPLATE}#my-work" if wants_fragment(request) else TEMPLATE
    return render(request, template, _context(request, person, refused), status=status)


@require_GET
@vary_on_headers("HX-Request")
def me_home(request: HtmxHttpRequest) -> HttpResponse:
    template = f"{TEMPLATE}#my-work" if wants_fragment(request) else TEMPLATE
    return render(request, template, _context(request, _person(request)))


def _refusal(
    request: HtmxHttpRequest, key: str, form: forms.Form, error: Exception
) -> HttpResponse:
    """The list again, the refused row showing why, with what the person typed."""
    status = 422
    if isinstance(error, services.StaleEdit):
        status = 409
        form.add_error(None, str(error))
    elif isinstance(error, ValidationError):
        answers.add_errors(form, error)
    return _answer(request, _person(request), refused={key: form}, status=status)


def _write(
    request: HtmxHttpRequest, key: str, form: forms.Form, write: Callable[[dict], Any]
) -> HttpResponse:
    """Validate, then call the service: the list again, or the refusal in the item's row."""
    if not form.is_valid():
        return _refusal(request, key, form, ValidationError([]))
    try:
        write(form.cleaned_data)
    except (services.StaleEdit, ValidationError) as error:
        return _refusal(request, key, form, error)
    return _answer(request, _person(request))


@require_POST
def action_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    action = get_action_for_status_change(request.user, pk, to_status=request.POST.get("status"))
    return _write(
        request,
        f"{owed.ACTION}-{action.pk}",
        forms.ActionStatusForm(request.POST),
        lambda data: services.action_change_status(
            user=request.user, action=action, **forms.ActionStatusForm.changes(data)
        ),
    )


@require_POST
def condition_satisfy(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    condition = get_condition_for_user(request.user, pk)
    return _write(
        request,
        f"{owed.CONDITION}-{condition.pk}",
        forms.ConditionSatisfyForm(request.POST),
        lambda data: services.condition_satisfy_with_evidence(
            user=request.user, condition=condition, **forms.ConditionSatisfyForm.changes(data)
        ),
    )


@require_POST
def review_done(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    decision = get_decision_for_reviewer(request.user, pk)
    try:
        services.decision_review_done(user=request.user, decision=decision)
    except ValidationError as error:
        form = forms.Form(request.POST)
        form.is_valid()
        return _refusal(request, f"{owed.REVIEW}-{decision.pk}", form, error)
    return _answer(request, _person(request))


@require_POST
def signoff(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The person's own sign-off of a GO awaiting it."""
    decision = get_decision_for_signer(request.user, pk)
    participant = signer_participant(request.user, decision)
    return _write(
        request,
        f"signoff-{decision.pk}",
        forms.SignOffForm(request.POST, auto_id=f"signoff-{decision.pk}-%s"),
        lambda data: services.signoff_record(
            user=request.user,
            decision=decision,
            participant=participant,
            verdict=data["verdict"],
            comment=data["comment"],
        ),
    )


@require_GET
@never_cache
@login_not_required
def feed(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """The person's due dates for a calendar app: the token in the URL is the credential."""
    found = (
        UserSettings.objects.select_related("user__person")
        .filter(
            feed_token_hash=services.secret_hash(token),
            feed_token_hash__isnull=False,
            user__is_active=True,
        )
        .first()
    )
    person = getattr(found.user, "person", None) if found else None
    if found is None:
        raise Http404
    # The token's owner reads what they would read logged in.
    items = owed.owed_items(person, permissions.releases_for_user(found.user)) if person else []
    name = _("Readiness: due dates of %(name)s") % {"name": person.name if person else ""}
    response = HttpResponse(calendars.due_feed(name, items), content_type="text/calendar")
    response["Content-Disposition"] = 'inline; filename="readiness.ics"'
    return response
