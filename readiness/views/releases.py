"""The release page: one release with everything its meetings hold."""

from django.conf import settings
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from readiness.gate import release_gate
from readiness.models import Event, Release
from readiness.permissions import get_release_for_user, is_facilitator
from readiness.views import HtmxHttpRequest

TIMELINE_LENGTH = 100


@require_GET
def release_detail(request: HtmxHttpRequest, slug: str) -> TemplateResponse:
    release = get_release_for_user(
        request.user, slug, Release.objects.select_related("product_owner").with_everything()
    )
    events = Event.for_timeline(release.events.all()[:TIMELINE_LENGTH])
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
            # Read-only here: telling facilitators about expired conditions is the gate
            # check's job (API and command), not a page view's.
            "gate": release_gate(release, now=timezone.now()),
        },
    )
