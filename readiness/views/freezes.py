"""The freeze calendar: every login reads it (as a page and as a calendar feed),
facilitators keep it; and the break-glass override of a release's gate, for admins."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from readiness import calendars, forms, permissions, services
from readiness.forms.base import COMMON_TIME_ZONES
from readiness.models import Freeze, UserSettings
from readiness.views import HtmxHttpRequest, answers, releases, wants_fragment

LIST = "readiness/freezes.html"
EDIT = "readiness/freeze_edit.html"
FORM = "freeze-form"
EDIT_FORM = "freeze-edit-form"


def _list_context(request: HtmxHttpRequest, form=None, **extra) -> dict:
    now = timezone.now()
    freezes = list(permissions.freezes_for_user(request.user))
    for freeze in freezes:
        freeze.window_now = freeze.in_force(now)
        freeze.can_manage = permissions.can_manage_freeze(request.user, freeze)
    can_manage = permissions.can_manage_freezes(request.user)
    return {
        "freezes": freezes,
        "can_manage": can_manage,
        "form": (form or forms.FreezeForm(user=request.user)) if can_manage else None,
        "common_time_zones": COMMON_TIME_ZONES,
        "stale": None,
        **extra,
    }


@require_GET
@vary_on_headers("HX-Request")
def freeze_list(request: HtmxHttpRequest) -> HttpResponse:
    permissions.check_can_view_freezes(request.user)
    template = f"{LIST}#{FORM}" if wants_fragment(request) else LIST
    return render(request, template, _list_context(request))


@require_POST
def freeze_create(request: HtmxHttpRequest) -> HttpResponse:
    permissions.check_can_manage_freezes(request.user)
    form = forms.FreezeForm(request.POST, user=request.user)
    outcome = answers.submit(
        form, lambda _data: services.freeze_create(user=request.user, **form.service_fields())
    )
    if not outcome.ok:
        return answers.refused(
            request,
            status=outcome.status,
            region=lambda: (f"{LIST}#{FORM}", _list_context(request, outcome.form)),
            page=lambda: (LIST, _list_context(request, outcome.form)),
        )
    return answers.saved(
        request,
        redirect_to=reverse("freezes:list"),
        region=lambda: (LIST, _list_context(request)),
    )


def _edit_context(freeze: Freeze, form, stale=None) -> dict:
    return {
        "freeze": freeze,
        "form": form,
        "delete_form": forms.FreezeDeleteForm(initial={"version": freeze.version}),
        "common_time_zones": COMMON_TIME_ZONES,
        "stale": stale,
    }


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def freeze_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    freeze = permissions.get_freeze_for_editor(request.user, pk)
    if request.method == "GET":
        template = f"{EDIT}#{EDIT_FORM}" if wants_fragment(request) else EDIT
        return render(
            request, template, _edit_context(freeze, forms.FreezeEditForm.for_freeze(freeze))
        )
    form = forms.FreezeEditForm(request.POST)
    outcome = answers.submit(
        form,
        lambda data: services.freeze_update(
            user=request.user,
            freeze=freeze,
            expected_version=data["version"],
            **form.service_fields(),
        ),
        where=EDIT_FORM,
    )
    if not outcome.ok:
        context = _edit_context(freeze, outcome.form, outcome.stale)
        return answers.refused(
            request,
            status=outcome.status,
            region=lambda: (f"{EDIT}#{EDIT_FORM}", context),
            page=lambda: (EDIT, context),
        )
    return answers.saved(
        request,
        redirect_to=reverse("freezes:list"),
        region=lambda: (
            f"{EDIT}#{EDIT_FORM}",
            _edit_context(freeze, forms.FreezeEditForm.for_freeze(freeze)),
        ),
    )


@require_POST
def freeze_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    freeze = permissions.get_freeze_for_editor(request.user, pk)
    form = forms.FreezeDeleteForm(request.POST)
    outcome = answers.submit(
        form,
        lambda data: services.freeze_delete(
            user=request.user, freeze=freeze, expected_version=data["version"]
        ),
        where=EDIT_FORM,
    )
    if not outcome.ok:
        context = _edit_context(freeze, forms.FreezeEditForm.for_freeze(freeze), outcome.stale)
        context["delete_form"] = outcome.form
        return render(request, EDIT, context, status=outcome.status)
    return redirect("freezes:list")


def _feed_response(request: HtmxHttpRequest, user) -> HttpResponse:
    body = calendars.freeze_feed(
        _("Readiness: deploy freezes"),
        list(permissions.freezes_for_user(user)),
        now=timezone.now(),
    )
    response = HttpResponse(body, content_type="text/calendar")
    response["Content-Disposition"] = 'inline; filename="freezes.ics"'
    return response


@require_GET
@never_cache
def freeze_feed(request: HtmxHttpRequest) -> HttpResponse:
    """The freezes as a calendar, for a logged-in browser."""
    permissions.check_can_view_freezes(request.user)
    return _feed_response(request, request.user)


@require_GET
@never_cache
@login_not_required
def freeze_feed_token(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """The same, for a calendar app: the person's own feed token (Settings) is the
    credential, as for their due dates."""
    found = (
        UserSettings.objects.filter(
            feed_token_hash=services.secret_hash(token),
            feed_token_hash__isnull=False,
            user__is_active=True,
        )
        .select_related("user")
        .first()
    )
    if found is None:
        raise Http404
    # The token's owner reads what they would read logged in: no private team's freeze
    # of a team they are not in.
    return _feed_response(request, found.user)


# --- Break-glass override -----------------------------------------------------------------


@require_POST
def override_grant(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    release = permissions.get_release_for_overrider(request.user, slug)
    form = forms.OverrideForm(request.POST)
    outcome = answers.submit(
        form,
        lambda _data: services.override_grant(
            user=request.user,
            release=release,
            reason=form.cleaned_data["reason"],
            expires_at=form.expiry(),
        ),  # fmt: skip
    )
    if not outcome.ok:
        return releases.release_page(request, slug, status=422, override_form=outcome.form)
    return redirect(release)


@require_POST
def override_revoke(request: HtmxHttpRequest, slug: str, override_id: int) -> HttpResponse:
    override = permissions.get_override_for_revoker(request.user, slug, override_id)
    refusal = answers.attempt(
        lambda: services.override_revoke(user=request.user, override=override),
        where="overrides",
    )
    if refusal is not None:
        return releases.release_page(request, slug, status=422, notice=refusal)
    return redirect(override.release)
