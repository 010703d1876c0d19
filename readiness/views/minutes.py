"""Minutes in and out: the upload page with its preview, and the Markdown and JSON downloads.

The upload is previewed by running the import in a transaction that is rolled back, so the
preview shows exactly what confirming will create (and any error the services would raise).
To confirm without uploading again, the document text travels back in a hidden field signed
with django.core.signing (salted, bound to the user, valid for an hour): it cannot be
altered between preview and import, and nothing is stored on the server in between.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from readiness import permissions
from readiness.forms import (
    MinutesConfirmForm,
    MinutesUploadForm,
    minutes_error_message,
    sign_minutes,
)
from readiness.minutes.exporter import release_as_json, release_as_markdown
from readiness.minutes.importer import import_minutes, replace_refusal
from readiness.minutes.parser import MinutesDoc, MinutesError
from readiness.models import Release, release_slug
from readiness.permissions import check_can_import_minutes, get_release_for_user
from readiness.views import HtmxHttpRequest, wants_fragment

TEMPLATE = "readiness/minutes_import.html"


def _page(request: HtmxHttpRequest, context: dict, status: int = 200) -> HttpResponse:
    template = TEMPLATE + "#minutes-import" if wants_fragment(request) else TEMPLATE
    return render(request, template, context, status=status)


def _preview(request: HtmxHttpRequest, doc: MinutesDoc, *, text: str, source: str, error=""):
    """The preview page, or the upload form with the error when even a dry run fails."""
    try:
        report = import_minutes(doc, user=request.user, source=source, dry_run=True)
    except MinutesError as exc:
        context = {"form": MinutesUploadForm(), "errors": [minutes_error_message(exc)]}
        return _page(request, context, status=422)
    existing = (
        Release.objects.select_related("team").filter(slug=report.slug).first()
        if report.exists
        else None
    )
    confirm = MinutesConfirmForm(
        initial={"token": sign_minutes(text=text, source=source, user=request.user)},
        user=request.user,
    )
    context = {
        "doc": doc,
        "report": report,
        "source": source,
        "confirm_form": confirm,
        "existing": existing,
        "replace_refusal": _refusal(request, existing) if existing else "",
        "error": error,
    }
    return _page(request, context, status=422 if error else 200)


def _refusal(request: HtmxHttpRequest, existing: Release) -> str:
    """Why the existing release cannot be replaced: changed in the app since, or in a
    team the user does not facilitate."""
    if not permissions.is_team_facilitator(request.user, existing.team_id):
        return _("This release belongs to a team you do not facilitate: it cannot be replaced.")
    return replace_refusal(existing)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def minutes_import(request: HtmxHttpRequest) -> HttpResponse:
    """Upload a minutes file (POST) and see what importing it would create."""
    check_can_import_minutes(request.user)
    if request.method == "GET":
        return _page(request, {"form": MinutesUploadForm()})
    form = MinutesUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, {"form": form}, status=422)
    return _preview(request, form.doc, text=form.text, source=form.source)


@require_POST
def minutes_import_confirm(request: HtmxHttpRequest) -> HttpResponse:
    """Import the previewed document for real, then show the release (Post/Redirect/Get)."""
    check_can_import_minutes(request.user)
    confirm = MinutesConfirmForm(request.POST, user=request.user)
    if not confirm.is_valid():
        context = {"form": MinutesUploadForm(), "errors": confirm.errors.get("token", [])}
        return _page(request, context, status=422)
    replace = confirm.cleaned_data["replace"]
    team = confirm.cleaned_data["team"]
    existing = Release.objects.filter(slug=release_slug_of(confirm.doc)).first()
    if existing is not None and replace:
        if not permissions.can_import_into(request.user, existing.team, existing):
            raise PermissionDenied
        team = None  # a replaced release stays in its team
    try:
        report = import_minutes(
            confirm.doc, user=request.user, source=confirm.source, replace=replace, team=team
        )
    except MinutesError as exc:
        return _preview(
            request,
            confirm.doc,
            text=confirm.text,
            source=confirm.source,
            error=minutes_error_message(exc),
        )
    if report.created:
        messages.success(request, _("The minutes were imported."))
    else:
        messages.info(request, _("This release already exists; nothing was changed."))
    url = reverse("releases:detail", args=[report.slug])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def release_slug_of(doc: MinutesDoc) -> str:
    name = " ".join(doc.release_name.split())
    return release_slug(doc.release_date, name)


def _download(content: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def release_minutes_md(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    release = get_release_for_user(request.user, slug, Release.objects.with_everything())
    return _download(
        release_as_markdown(release), "text/markdown; charset=utf-8", f"{release.slug}.md"
    )


@require_GET
def release_minutes_json(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    release = get_release_for_user(request.user, slug, Release.objects.with_everything())
    return _download(release_as_json(release), "application/json", f"{release.slug}.json")
