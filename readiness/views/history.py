"""History pages for managers: the filtered release list, insights, the dossier, CSV exports."""

from django.http import HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from readiness import permissions, timefmt
from readiness.models import Event, Release, local_today_by_zone
from readiness.permissions import (
    actions_for_user,
    get_release_for_user,
    is_facilitator,
    releases_for_user,
)
from readiness.reports import charts, insights
from readiness.reports.exports import (
    ACTIONS_CSV_HEADER,
    HISTORY_CSV_HEADER,
    actions_csv_rows,
    csv_response,
    history_csv_rows,
)
from readiness.reports.history import ReleaseFilter
from readiness.views import HtmxHttpRequest, wants_fragment

# The labels stay lazy: read in each request's language, not in the one of the import.
OUTCOME_SERIES = [(key, label, f"chart-{key}") for key, label in insights.OUTCOMES]


def _filter_params(query: QueryDict) -> QueryDict:
    """The query without its empty fields: what the address bar and the page links carry."""
    params = QueryDict(mutable=True)
    for key, values in query.lists():
        if kept := [value for value in values if value != ""]:
            params.setlist(key, kept)
    return params


def _render_filtered(
    request: HtmxHttpRequest, template: str, region: str, context: dict, *, valid: bool
) -> HttpResponse:
    """The page, or its region for HTMX, with the tidy URL pushed into the history."""
    params = _filter_params(request.GET)
    context["params"] = params
    if wants_fragment(request):
        template += f"#{region}"
    response = render(request, template, context, status=200 if valid else 422)
    if request.htmx:
        query = params.urlencode()
        response["HX-Push-Url"] = f"{request.path}?{query}" if query else request.path
    return response


def _history_for(request: HtmxHttpRequest) -> ReleaseFilter:
    permissions.check_can_view_history(request.user)
    return ReleaseFilter(request.GET, releases_for_user(request.user))


@require_GET
@vary_on_headers("HX-Request")
def release_list(request: HtmxHttpRequest) -> HttpResponse:
    history = _history_for(request)
    context = {
        "form": history.form,
        "page": history.page(),
        "total": history.count(),
        "total_limit": history.count_limit,
        "can_create": is_facilitator(request.user),
    }
    return _render_filtered(
        request, "readiness/release_list.html", "release-list", context, valid=history.is_valid
    )


@require_GET
def release_export_csv(request: HtmxHttpRequest) -> HttpResponse:
    history = _history_for(request)
    if not history.is_valid:
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in history.form.errors.items())
        return HttpResponseBadRequest(errors, content_type="text/plain; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    return csv_response(
        HISTORY_CSV_HEADER, history_csv_rows(history.queryset()), filename=f"releases-{stamp}.csv"
    )


@require_GET
def action_export_csv(request: HtmxHttpRequest) -> HttpResponse:
    permissions.check_can_view_history(request.user)
    stamp = timezone.localdate().isoformat()
    actions = actions_for_user(request.user)
    return csv_response(
        ACTIONS_CSV_HEADER, actions_csv_rows(actions), filename=f"actions-{stamp}.csv"
    )


@require_GET
def release_dossier(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    release = get_release_for_user(
        request.user,
        slug,
        Release.objects.select_related("product_owner")
        .with_everything()
        .prefetch_related("deployments"),
    )
    events = Event.for_timeline(release.events.order_by("created_at", "pk"))
    sessions = release.sessions_with_status_history(events)
    return render(
        request,
        "readiness/release_dossier.html",
        {
            "release": release,
            "sessions": sessions,
            "events": events,
            "now": timezone.now(),
            "deployments": sorted(release.deployments.all(), key=lambda d: (d.started_at, d.pk)),
            "before_deploy": insights.conditions_before_deploy(release, sessions),
            "in_force": release.decision_in_force(),
        },
    )


@require_GET
@vary_on_headers("HX-Request")
def insights_index(request: HtmxHttpRequest) -> HttpResponse:
    permissions.check_can_view_insights(request.user)
    form = insights.InsightsFilterForm(request.GET)
    valid = form.is_valid()
    scope = insights.Scope(
        date_from=form.cleaned_data.get("date_from"),
        date_to=form.cleaned_data.get("date_to"),
        area=form.cleaned_data.get("area") or "",
    )
    today_by_zone = local_today_by_zone()
    releases = scope.releases(releases_for_user(request.user))
    actions = scope.actions(actions_for_user(request.user))
    months = insights.outcomes_per_month(releases)
    gos = insights.conditional_gos(releases)
    rates = insights.on_time_rates(actions, today_by_zone)
    overdue = insights.overdue_by_owner(actions, today_by_zone)
    context = {
        "form": form,
        "months": months,
        "outcomes": OUTCOME_SERIES,
        "months_chart": charts.stacked_columns(
            [(timefmt.month_text(m.month), m.counts) for m in months], OUTCOME_SERIES
        ),
        "gos": gos,
        "gos_chart": charts.horizontal_bars(
            [
                (_("All met before the release"), gos.in_time, str(gos.in_time)),
                (_("Not all met in time"), gos.not_in_time, str(gos.not_in_time)),
            ],
            css_class="chart-split",
        ),
        "rates": rates,
        "area_chart": _rate_chart(rates["area"]),
        "owner_chart": _rate_chart(rates["owner"]),
        "overdue": overdue,
        "overdue_chart": charts.horizontal_bars(
            [(owner, n, str(n)) for owner, n in overdue], css_class="chart-overdue"
        ),
    }
    return _render_filtered(
        request, "readiness/insights.html", "insights-figures", context, valid=valid
    )


def _rate_chart(rates: list[insights.OnTimeRate]) -> charts.Chart:
    return charts.horizontal_bars(
        [(r.label, r.rate, f"{r.percent}%") for r in rates], maximum=1, css_class="chart-rate"
    )
