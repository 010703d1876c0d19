"""The JSON API under /api/: the gate for pipelines, reads for tools, and the writes a CI
job needs (satisfy a condition with evidence, update an action's status; recording a
deployment is in `readiness.api.deployments`).

Every write goes through `readiness.services`, the same function the web UI calls, so the
same rules and permissions answer with the same messages. A write is never applied blind:
it carries the version the caller read, as `expected_version` or as `If-Match` with the
ETag a read gave (a create, such as a deployment, has no version to carry). Errors are
`{"detail": message}` with 400 (bad input), 401 (no or bad token), 403 (not allowed), 404,
409 (the version is stale), 422 (invalid state) or 428 (no version sent). The OpenAPI
document is generated from these declarations and served at /api/openapi.json.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Annotated, Any, Literal

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext as _
from ninja import Field, Header, NinjaAPI, Path, Query, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as InputError
from pydantic import AfterValidator, AwareDatetime

from readiness import bounds, permissions, services
from readiness.api.auth import AUTH, THROTTLE, require_scope
from readiness.models import Action, Condition, Decision, Release

logger = logging.getLogger(__name__)

FIRST_DAY, LAST_DAY = bounds.FIRST_DAY, bounds.LAST_DAY
MAX_ID = 2**63 - 1
MAX_VERSION = 2**31 - 1
MAX_PAGE = 200


def _clean_text(value: str) -> str:
    """Text the database can store: no NUL character, valid UTF-8."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    value.encode("utf-8")  # raises on lone surrogates
    return value


Text = Annotated[str, AfterValidator(_clean_text)]
Slug = Annotated[str, Path(pattern=r"^[-a-zA-Z0-9_]+$", max_length=120)]
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]

api = NinjaAPI(
    title="Readiness API",
    version="1",
    description=(
        "Release go/no-go records for pipelines and tools. Authenticate with "
        "`Authorization: Bearer <token>` (tokens are created on the settings page) or a "
        "logged-in browser session.\n\n"
        "Writes are never applied blind. Reading an action or a condition answers with its "
        '`version` and an `ETag: "v<version>"` header; a write must send that version back, '
        "either as `expected_version` in the body or as `If-Match` with the ETag. Without "
        "either the write is refused with 428 Precondition Required and nothing changes. If "
        "the record changed since it was read (a stale `expected_version` or an `If-Match` "
        "ETag that is no longer current) the write is refused with 409 Conflict, not 412, "
        "whichever way the version was sent; read it again, then decide. A successful write "
        "answers with the record and its new ETag. Recording a deployment creates a new "
        "record, so it carries no version."
    ),
    auth=AUTH,
    throttle=THROTTLE,
    urls_namespace="api",
    docs_url=None,
)


# --- Errors -------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


READ_ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**READ_ERRORS, 409: ErrorOut, 422: ErrorOut, 428: ErrorOut}


def _error(request: HttpRequest, status: int, message: str) -> HttpResponse:
    response = api.create_response(request, {"detail": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="readiness"'
    return response


@api.exception_handler(InputError)
def _bad_input(request: HttpRequest, exc: InputError) -> HttpResponse:
    problems = []
    for error in exc.errors:
        where = ".".join(str(part) for part in error.get("loc", ()))
        problems.append(f"{where}: {error.get('msg', '')}" if where else error.get("msg", ""))
    return _error(request, 400, "; ".join(problems) or _("Bad input."))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = exc.message if exc.message != "Unauthorized" else ""
    return _error(
        request,
        401,
        message or _("Authentication required: send Authorization: Bearer <token>, or log in."),
    )


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or _("You may not do this."))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, _("Not found."))


@api.exception_handler(services.StaleEdit)
def _stale(request: HttpRequest, exc: services.StaleEdit) -> HttpResponse:
    return _error(request, 409, str(exc))


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        codes = {e.code for errors in exc.error_dict.values() for e in errors}
    else:
        codes = {e.code for e in exc.error_list}
    status = 422 if "invalid_state" in codes else 400
    return _error(request, status, " ".join(exc.messages))


@api.exception_handler(ValueError)
@api.exception_handler(OverflowError)
def _unreadable(request: HttpRequest, exc: ValueError | OverflowError) -> HttpResponse:
    # A value no rule caught that Python could not read (a date past its range, say): the
    # caller sent it, so it is their 400, in JSON like every other answer.
    logger.warning("API input refused by %s: %s", type(exc).__name__, exc)
    return _error(request, 400, _("Bad input: a value is malformed or out of range."))


# --- Schemas ------------------------------------------------------------------------------


class WindowOut(Schema):
    start: dt.datetime | None
    end: dt.datetime | None


class BlockerOut(Schema):
    kind: Literal[
        "condition", "expired_condition", "decision", "action", "freeze", "checklist", "signoff"
    ]
    text: str
    reference: str
    owner: str | None
    # A freeze's name, start and end (ISO 8601 with its offset); absent for other kinds.
    detail: dict[str, str] | None = None


class OverrideOut(Schema):
    by: str
    reason: str
    granted_at: str
    expires_at: str
    overrode: list[BlockerOut]


class GateOut(Schema):
    release: str
    ready: bool
    outcome: Literal["go", "conditional_go", "no_go", "postponed"] | None
    decided_at: dt.datetime | None
    blocking: list[BlockerOut]
    # A deployment's gate stored before warnings existed has none.
    warnings: list[BlockerOut] = []
    deploy_window: WindowOut
    window_open: bool | None
    checked_at: dt.datetime
    override: OverrideOut | None = None
    policy: dict[str, Any] | None = None


class ReleaseOut(Schema):
    slug: str
    name: str
    planned_date: dt.date
    status: str
    language: str
    deploy_window: WindowOut
    current_outcome: str | None
    current_decided_at: dt.datetime | None
    open_action_count: int
    url: str


class ReleaseListOut(Schema):
    count: int
    items: list[ReleaseOut]


class ReleaseFilters(Schema):
    status: Literal[tuple(Release.Status.values)] | None = None  # type: ignore[valid-type]
    planned_from: dt.date | None = Field(
        None, ge=FIRST_DAY, le=LAST_DAY, description="Planned on or after this date."
    )
    planned_to: dt.date | None = Field(
        None, ge=FIRST_DAY, le=LAST_DAY, description="Planned on or before this date."
    )
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=1_000_000)


class ActionOut(Schema):
    id: int
    session_id: int
    code: str
    description: str
    owner: str
    due_date: dt.date | None
    kind: str
    status: str
    status_reason: str
    completed_at: dt.datetime | None
    version: int


class EvidenceOut(Schema):
    id: int
    title: str
    location: str


class ConditionOut(Schema):
    id: int
    decision_id: int
    text: str
    reference: str
    owner: str | None
    deadline: dt.datetime | None
    satisfied_at: dt.datetime | None
    satisfied_note: str
    # The word every page and export uses: satisfied late is after its deadline.
    state: Literal["open", "expired", "satisfied", "satisfied_late"]
    evidence: list[EvidenceOut]
    version: int


VERSION_HELP = (
    "The `version` you read. Required unless the request sends `If-Match` with the ETag the "
    "read gave; without either the write is refused with 428."
)


class SatisfyIn(Schema):
    evidence_url: Annotated[
        Text,
        Field(
            min_length=1,
            max_length=1000,
            pattern=r"^https?://\S+$",
            description="An http(s) URL showing the condition is met, e.g. the CI job's page.",
        ),
    ]
    title: Annotated[Text, Field(max_length=300)] = ""
    note: Annotated[Text, Field(max_length=5000)] = ""
    expected_version: int | None = Field(None, ge=1, le=MAX_VERSION, description=VERSION_HELP)


class ActionStatusIn(Schema):
    status: Literal[tuple(Action.Status.values)]  # type: ignore[valid-type]
    reason: Annotated[Text, Field(max_length=5000)] = ""
    expected_version: int | None = Field(None, ge=1, le=MAX_VERSION, description=VERSION_HELP)
    completed_at: AwareDatetime | None = Field(
        None,
        description="With status done: when the work was really finished (ISO 8601 with its "
        "offset; not in the future). Now when left out.",
    )


def _window(release: Release) -> dict[str, Any]:
    return {"start": release.deploy_window_start, "end": release.deploy_window_end}


def _release_out(request: HttpRequest, release: Release) -> dict[str, Any]:
    return {
        "slug": release.slug,
        "name": release.name,
        "planned_date": release.planned_date,
        "status": release.status,
        "language": release.language,
        "deploy_window": _window(release),
        "current_outcome": release.current_outcome,
        "current_decided_at": release.current_decided_at,
        "open_action_count": release.open_action_count,
        "url": request.build_absolute_uri(release.get_absolute_url()),
    }


def _action_out(action: Action) -> dict[str, Any]:
    return {
        "id": action.pk,
        "session_id": action.session_id,
        "code": action.code,
        "description": action.description,
        "owner": action.owner.name,
        "due_date": action.due_date,
        "kind": action.kind,
        "status": action.status,
        "status_reason": action.status_reason,
        "completed_at": action.completed_at,
        "version": action.version,
    }


def _condition_out(condition: Condition) -> dict[str, Any]:
    return {
        "id": condition.pk,
        "decision_id": condition.decision_id,
        "text": condition.text,
        "reference": condition.reference,
        "owner": condition.owner.name if condition.owner else None,
        "deadline": condition.deadline,
        "satisfied_at": condition.satisfied_at,
        "satisfied_note": condition.satisfied_note,
        "state": condition.state,
        "evidence": [
            {"id": e.pk, "title": e.title, "location": e.location}
            for e in condition.linked_evidence
        ],
        "version": condition.version,
    }


def _release(request: HttpRequest, slug: str, *, gate: bool = False) -> Release:
    require_scope(request, slug=slug, gate=gate)
    # What the gate reads of the release (its own policy, whether it has an override)
    # comes with it: two queries fewer.
    queryset = Release.objects.for_gate() if gate else None
    return permissions.get_release_for_user(request.user, slug, queryset)


# --- Versions: ETag and If-Match ------------------------------------------------------------

ETAG = re.compile(r'"v([0-9]{1,10})"')
IfMatch = Annotated[
    str | None,
    Header(
        None,
        alias="If-Match",
        max_length=100,
        description='The ETag a read gave, such as "v3"; instead of `expected_version`.',
    ),
]
ETAG_HEADER = {
    "ETag": {
        "description": 'The record\'s version as an entity tag, "v<version>": send it back '
        "in If-Match to write.",
        "schema": {"type": "string"},
    }
}
WITH_ETAG = {"responses": {200: {"headers": ETAG_HEADER}}}


def _etag(obj: Action | Condition) -> str:
    return f'"v{obj.version}"'


def _version_read(expected_version: int | None, if_match: str | None) -> int:
    """The version the caller read, from the body or from If-Match; 428 without either."""
    from_header = None
    if if_match is not None:
        match = ETAG.fullmatch(if_match.strip())
        if match is None:
            raise HttpError(400, _('If-Match must carry one ETag a read gave, such as "v3".'))
        from_header = int(match[1])
    if None not in (expected_version, from_header) and expected_version != from_header:
        raise HttpError(400, _("expected_version and If-Match name different versions."))
    version = expected_version if expected_version is not None else from_header
    if version is None:
        raise HttpError(
            428,
            _(
                "Send the version you read: expected_version in the body, or If-Match with "
                "the ETag the read gave. Nothing was changed."
            ),
        )
    return version


# --- Reads --------------------------------------------------------------------------------


@api.get("/releases", response={200: ReleaseListOut, **READ_ERRORS}, tags=["releases"])
def release_list(request: HttpRequest, filters: Query[ReleaseFilters]) -> dict[str, Any]:
    """Releases, newest first, filtered by status and planned date."""
    require_scope(request)
    releases = permissions.releases_for_user(request.user).with_summary()
    if filters.status:
        releases = releases.filter(status=filters.status)
    if filters.planned_from:
        releases = releases.filter(planned_date__gte=filters.planned_from)
    if filters.planned_to:
        releases = releases.filter(planned_date__lte=filters.planned_to)
    releases = releases.order_by("-planned_date", "-pk")
    page = releases[filters.offset : filters.offset + filters.limit]
    return {"count": releases.count(), "items": [_release_out(request, r) for r in page]}


@api.get("/releases/{slug}", response={200: dict[str, Any], **READ_ERRORS}, tags=["releases"])
def release_minutes(request: HttpRequest, slug: Slug) -> dict[str, Any]:
    """One release as minutes JSON: the schema of docs/minutes-schema.json, as exported."""
    from readiness.minutes.exporter import release_as_dict

    return release_as_dict(_release(request, slug))


@api.get("/releases/{slug}/gate", response={200: GateOut, **READ_ERRORS}, tags=["gate"])
def release_gate(request: HttpRequest, slug: Slug) -> dict[str, Any]:
    """May the release ship now? 200 whatever the answer; `ready` and `blocking` say."""
    release = _release(request, slug, gate=True)
    return services.release_gate_check(release=release, user=request.user).as_dict()


@api.get(
    "/releases/{slug}/actions", response={200: list[ActionOut], **READ_ERRORS}, tags=["actions"]
)
def release_actions(request: HttpRequest, slug: Slug) -> list[dict[str, Any]]:
    """Every action of the release's sessions, with the version to send back on update."""
    release = _release(request, slug)
    actions = (
        Action.objects.filter(release=release)
        .select_related("owner")
        .order_by("session__scheduled_at", "kind", "code", "pk")
    )
    return [_action_out(a) for a in actions]


@api.get(
    "/releases/{slug}/conditions",
    response={200: list[ConditionOut], **READ_ERRORS},
    tags=["conditions"],
)
def release_conditions(request: HttpRequest, slug: Slug) -> list[dict[str, Any]]:
    """The conditions of the decisions in force, so a CI job can find the one it closes."""
    release = _release(request, slug)
    conditions = (
        Condition.objects.filter(
            decision__session__release=release,
            decision__is_current=True,
            decision__outcome=Decision.Outcome.CONDITIONAL_GO,
        )
        .select_related("owner")
        .prefetch_related(Prefetch("evidence"))
        .order_by("decision__recorded_at", "position", "pk")
    )
    return [_condition_out(c) for c in conditions]


@api.get(
    "/actions/{action_id}",
    response={200: ActionOut, **READ_ERRORS},
    tags=["actions"],
    openapi_extra=WITH_ETAG,
)
def action_detail(request: HttpRequest, action_id: ObjectId, response: HttpResponse) -> Any:
    """One action, with its version in the body and as the ETag to send back on update."""
    require_scope(request)
    action = get_object_or_404(
        permissions.actions_for_user(request.user).select_related("owner"), pk=action_id
    )
    response["ETag"] = _etag(action)
    return _action_out(action)


@api.get(
    "/conditions/{condition_id}",
    response={200: ConditionOut, **READ_ERRORS},
    tags=["conditions"],
    openapi_extra=WITH_ETAG,
)
def condition_detail(request: HttpRequest, condition_id: ObjectId, response: HttpResponse) -> Any:
    """One condition, with its version in the body and as the ETag to send back on satisfy."""
    require_scope(request)
    releases = permissions.releases_for_user(request.user)
    condition = get_object_or_404(
        Condition.objects.filter(decision__session__release__in=releases)
        .select_related("owner")
        .prefetch_related("evidence"),
        pk=condition_id,
    )
    response["ETag"] = _etag(condition)
    return _condition_out(condition)


# --- Writes -------------------------------------------------------------------------------


def _condition_for(request: HttpRequest, condition_id: int) -> Condition:
    require_scope(request)
    condition = get_object_or_404(
        permissions.conditions_for_user(request.user).select_related(
            "owner", "decision__session__release"
        ),
        pk=condition_id,
    )
    if not permissions.can_satisfy_condition(request.user, condition):
        raise PermissionDenied(_("Only the condition's owner or a facilitator may satisfy it."))
    return condition


@api.post(
    "/conditions/{condition_id}/satisfy",
    response={200: ConditionOut, **WRITE_ERRORS},
    tags=["conditions"],
    openapi_extra=WITH_ETAG,
)
def condition_satisfy(
    request: HttpRequest,
    condition_id: ObjectId,
    body: SatisfyIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Mark the condition satisfied and link the evidence URL that shows it."""
    condition = _condition_for(request, condition_id)
    services.condition_satisfy_with_evidence(
        user=request.user,
        condition=condition,
        url=body.evidence_url,
        title=body.title,
        note=body.note,
        expected_version=_version_read(body.expected_version, if_match),
    )
    condition = Condition.objects.select_related("owner").get(pk=condition.pk)
    response["ETag"] = _etag(condition)
    return _condition_out(condition)


@api.post(
    "/actions/{action_id}/status",
    response={200: ActionOut, **WRITE_ERRORS},
    tags=["actions"],
    openapi_extra=WITH_ETAG,
)
def action_update_status(
    request: HttpRequest,
    action_id: ObjectId,
    body: ActionStatusIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Set the action's status, with the rules of the web pages: the owner starts, blocks
    (with a reason) and finishes it; only a facilitator cancels it or reopens it (with a
    reason) once closed; a closed action is not marked done."""
    require_scope(request)
    action = get_object_or_404(
        permissions.actions_for_user(request.user).select_related(
            "owner", "session__facilitator", "session__release"
        ),
        pk=action_id,
    )
    if not permissions.can_update_action(request.user, action):
        raise PermissionDenied(_("Only the action's owner or a facilitator may update it."))
    services.action_change_status(
        user=request.user,
        action=action,
        status=body.status,
        reason=body.reason,
        expected_version=_version_read(body.expected_version, if_match),
        completed_at=body.completed_at,
    )
    response["ETag"] = _etag(action)
    return _action_out(action)


def urls() -> tuple[list[URLPattern | URLResolver], str, str]:
    """The API's routes. They answer 401 themselves instead of redirecting to the login
    page, and the OpenAPI document is public: it describes, it holds no data."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        login_not_required(pattern.callback)
    return patterns, app_name, namespace
