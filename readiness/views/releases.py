"""The release page, and managing the release: its plan, cancelling or deleting it, and
recording its deployments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from readiness import forms as release_forms
from readiness import permissions, services
from readiness.forms.base import COMMON_TIME_ZONES
from readiness.gate import release_gate
from readiness.models import Deployment, Event, Freeze, Release, freeze_overlaps
from readiness.permissions import get_release_for_user, is_facilitator
from readiness.views import HtmxHttpRequest, answers, wants_fragment

TIMELINE_LENGTH = 100
PAGE = "readiness/release_detail.html"
EDIT_PAGE = "readiness/release_edit.html"
DEPLOYMENTS = "deployments"


def _deployments() -> Prefetch:
    return Prefetch(
        "deployments",
        queryset=Deployment.objects.select_related("recorded_by").order_by("-started_at", "-pk"),
    )


def _freeze_context(
    request: HtmxHttpRequest, release: Release, extra: dict, now: dt.datetime
) -> dict[str, Any]:
    """The freezes the deploy window falls in, the release's break-glass overrides, and
    the gate's answer, which reads the same freezes and overrides."""
    can_override = permissions.can_override_gate(request.user)
    form = extra.pop("override_form", None)
    freezes = list(Freeze.objects.holding(release))
    overrides = list(release.overrides.all())
    return {
        "freeze_overlaps": freeze_overlaps(release, freezes),
        "overrides": overrides,
        # Read-only here: telling facilitators about expired conditions is the gate
        # check's job (API and command), not a page view's.
        "gate": release_gate(release, now=now, freezes=freezes, overrides=overrides),
        "can_override": can_override,
        "override_form": (form or release_forms.OverrideForm()) if can_override else None,
        "notice": extra.pop("notice", None),
        "now": now,
    }


def _page_context(request: HtmxHttpRequest, release: Release, **extra: Any) -> dict[str, Any]:
    events = Event.for_timeline(release.events.all()[:TIMELINE_LENGTH])
    freezes_and_gate = _freeze_context(request, release, extra, timezone.now())
    return {
        "release": release,
        "sessions": release.sessions.all(),
        "deployments": release.deployments.all(),
        "events": events,
        "event_count": release.events.count(),
        "timeline_length": TIMELINE_LENGTH,
        "repository_url": settings.REPOSITORY_URL,
        "can_schedule": is_facilitator(request.user),
        "can_manage": permissions.can_manage_release(request.user, release),
        "common_time_zones": COMMON_TIME_ZONES,
        "deployment_form": extra.pop("deployment_form", None),
        **freezes_and_gate,
        **extra,
    }


def _full():
    return (
        Release.objects.select_related("product_owner")
        .with_everything()
        .prefetch_related(_deployments())
    )


@require_GET
def release_detail(request: HtmxHttpRequest, slug: str) -> TemplateResponse:
    return release_page(request, slug)


def release_page(request: HtmxHttpRequest, slug: str, *, status: int = 200, **extra: Any):
    """The whole release page (also after a refused override, with its form)."""
    release = get_release_for_user(request.user, slug, _full())
    return render(request, PAGE, _page_context(request, release, **extra), status=status)


# --- Deployments --------------------------------------------------------------------------


def _deployments_region(release: Release, request: HtmxHttpRequest, form=None):
    """The section alone, with the header's status out of band (a deployment moves it)."""
    release = Release.objects.prefetch_related(_deployments()).get(pk=release.pk)
    return f"{PAGE}#{DEPLOYMENTS}", {
        "oob": True,
        "release": release,
        "deployments": release.deployments.all(),
        "can_manage": True,
        "deployment_form": form,
        "common_time_zones": COMMON_TIME_ZONES,
    }


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def deployment_add(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The form (fetched when opened), and recording what it says."""
    release = permissions.get_release_for_manager(request.user, slug)
    if request.method == "GET":
        form = release_forms.DeploymentForm()
        if wants_fragment(request):
            template, context = _deployments_region(release, request, form)
            return render(request, template, context)
        full = get_release_for_user(request.user, slug, _full())
        return render(request, PAGE, _page_context(request, full, deployment_form=form))
    form = release_forms.DeploymentForm(request.POST)

    def write(data: dict) -> Deployment:
        started_at, finished_at = form.moments()
        return services.deployment_record(
            user=request.user,
            release=release,
            environment=data["environment"],
            ref=data["ref"],
            outcome=data["outcome"],
            started_at=started_at,
            finished_at=finished_at,
            url=data["url"],
        )

    outcome = answers.submit(form, write)
    if not outcome.ok:
        return answers.refused(
            request,
            status=outcome.status,
            region=lambda: _deployments_region(release, request, outcome.form),
            page=lambda: (
                PAGE,
                _page_context(
                    request,
                    get_release_for_user(request.user, slug, _full()),
                    deployment_form=outcome.form,
                ),
            ),
        )
    return answers.saved(
        request,
        redirect_to=release.get_absolute_url(),
        region=lambda: _deployments_region(release, request),
    )


# --- Editing, cancelling, deleting -------------------------------------------------------


def _edit_page(
    request: HtmxHttpRequest, release: Release, *, status: int = 200, **forms: Any
) -> HttpResponse:
    confirm = release_forms.ReleaseConfirmForm(initial={"version": release.version})
    context = {
        "release": release,
        "form": forms.get("form")
        or release_forms.ReleaseEditForm.for_release(release, user=request.user),
        "cancel_form": forms.get("cancel_form") or confirm,
        "delete_form": forms.get("delete_form") or confirm,
        "lookalikes": forms.get("lookalikes", []),
        "stale": forms.get("stale"),
        "common_time_zones": COMMON_TIME_ZONES,
    }
    return render(request, EDIT_PAGE, context, status=status)


@require_http_methods(["GET", "POST"])
def release_edit(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    release = permissions.get_release_for_manager(
        request.user, slug, Release.objects.select_related("product_owner", "team")
    )
    if request.method == "GET":
        return _edit_page(request, release)
    form = release_forms.ReleaseEditForm(request.POST, user=request.user, release=release)
    if form.is_valid() and form.warn(
        services.release_lookalikes(
            name=form.cleaned_data["name"],
            planned_date=form.cleaned_data["planned_date"],
            exclude=release,
            within=permissions.releases_for_user(request.user),
        )
    ):
        return _edit_page(request, release, status=422, form=form, lookalikes=form.lookalikes)
    outcome = answers.submit(
        form,
        lambda data: services.release_update_named(
            user=request.user,
            release=release,
            expected_version=data["version"],
            name=data["name"],
            planned_date=data["planned_date"],
            deploy_window_start=data["window_start"],
            deploy_window_end=data["window_end"],
            product_owner=data["product_owner"],
            language=data["language"],
            team=data["team"],
        ),
        where="release",
    )
    if outcome.ok:
        return redirect(release.get_absolute_url())
    return _edit_page(
        request,
        release,
        status=outcome.status,
        form=outcome.form,
        stale=outcome.stale,
        lookalikes=getattr(outcome.form, "lookalikes", []),
    )


@require_POST
def release_cancel(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    release = permissions.get_release_for_manager(request.user, slug)
    form = release_forms.ReleaseConfirmForm(request.POST)
    outcome = answers.submit(
        form,
        lambda data: services.release_cancel(
            user=request.user, release=release, expected_version=data["version"]
        ),
        where="release-cancel",
    )
    if outcome.ok:
        return redirect(release.get_absolute_url())
    return _edit_page(
        request, release, status=outcome.status, cancel_form=outcome.form, stale=outcome.stale
    )


@require_POST
def release_delete(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    release = permissions.get_release_for_manager(request.user, slug)
    form = release_forms.ReleaseConfirmForm(request.POST)
    outcome = answers.submit(
        form,
        lambda data: services.release_remove(
            user=request.user, release=release, expected_version=data["version"]
        ),
        where="release-delete",
    )
    if outcome.ok:
        return redirect("releases:list")
    return _edit_page(
        request, release, status=outcome.status, delete_form=outcome.form, stale=outcome.stale
    )
