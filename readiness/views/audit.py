"""A release's whole event log, for auditors: CSV and JSON Lines, oldest first."""

from __future__ import annotations

from django.http import HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from readiness.models import Event
from readiness.permissions import get_release_for_user
from readiness.reports.exports import EVENTS_HEADER, csv_response, events_csv_rows, events_jsonl
from readiness.views import HtmxHttpRequest


@require_GET
def release_events_csv(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    release = get_release_for_user(request.user, slug)
    return csv_response(
        EVENTS_HEADER,
        events_csv_rows(Event.objects.of_release(release.slug)),
        filename=f"{release.slug}-events.csv",
    )


@require_GET
def release_events_jsonl(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    release = get_release_for_user(request.user, slug)
    response = StreamingHttpResponse(
        events_jsonl(Event.objects.of_release(release.slug)),
        content_type="application/jsonl; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{release.slug}-events.jsonl"'
    return response
