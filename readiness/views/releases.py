"""Release pages: the history list and one release with everything its meetings hold."""

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from readiness.models import Release
from readiness.permissions import get_release_for_user, is_facilitator, releases_for_user
from readiness.views import HtmxHttpRequest, wants_fragment

RELEASES_PER_PAGE = 25
TIMELINE_LENGTH = 100


@require_GET
@vary_on_headers("HX-Request")
def release_list(request: HtmxHttpRequest) -> TemplateResponse:
    releases = releases_for_user(request.user).with_summary().order_by("-planned_date", "-pk")
    page = Paginator(releases, RELEASES_PER_PAGE).get_page(request.GET.get("page"))
    template = "readiness/release_list.html"
    if wants_fragment(request):
        template += "#release-list"
    return render(request, template, {"page": page, "can_create": is_facilitator(request.user)})


@require_GET
def release_detail(request: HtmxHttpRequest, slug: str) -> TemplateResponse:
    release = get_release_for_user(
        request.user, slug, Release.objects.select_related("product_owner").with_everything()
    )
    events = release.events.all()[:TIMELINE_LENGTH]
    return render(
        request,
        "readiness/release_detail.html",
        {
            "release": release,
            "sessions": release.sessions.all(),
            "events": events,
            "event_count": release.events.count(),
            "timeline_length": TIMELINE_LENGTH,
            "repository_url": settings.REPOSITORY_URL,
            "can_schedule": is_facilitator(request.user),
        },
    )
