"""`/api/releases/<slug>/deployments`: a pipeline records what it deployed, and lists it.

A deployment is a new record, so recording one carries no version (there is nothing the
caller could have read stale); like every write it goes through `services`, which stores
the gate's answer of that moment and follows it (status, the facilitator told, the
review's date). A token restricted to the release may use both, as it may read the gate.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status
from pydantic import AfterValidator, ConfigDict

from readiness import permissions, services
from readiness.api.auth import require_scope
from readiness.api.endpoints import (
    READ_ERRORS,
    WRITE_ERRORS,
    GateOut,
    Slug,
    Text,
    api,
)
from readiness.models import Deployment, Release

MAX_LIST = 500


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """A moment with its offset: a pipeline's clock zone is not ours to guess."""
    if value is not None and timezone.is_naive(value):
        raise ValueError("give the time with its offset, such as 2025-03-10T14:05:00Z")
    return value


Moment = Annotated[dt.datetime, AfterValidator(_aware)]


class DeploymentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    environment: Annotated[
        Text, Field(min_length=1, max_length=100, description="Such as `production`.")
    ]
    ref: Annotated[
        Text, Field(min_length=1, max_length=200, description="The version or git ref shipped.")
    ]
    outcome: Literal[tuple(Deployment.Outcome.values)]  # type: ignore[valid-type]
    started_at: Moment
    finished_at: Moment | None = None
    url: Annotated[
        Text, Field(max_length=1000, description="The pipeline run's http(s) address.")
    ] = ""


class DeploymentOut(Schema):
    id: int
    release: str
    environment: str
    ref: str
    outcome: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    url: str
    gate: GateOut
    against_gate: bool
    recorded_by: str | None
    recorded_at: dt.datetime


def _out(deployment: Deployment, release: Release) -> dict[str, Any]:
    by = deployment.recorded_by
    return {
        "id": deployment.pk,
        "release": release.slug,
        "environment": deployment.environment,
        "ref": deployment.ref,
        "outcome": deployment.outcome,
        "started_at": deployment.started_at,
        "finished_at": deployment.finished_at,
        "url": deployment.url,
        "gate": deployment.gate,
        "against_gate": deployment.against_gate,
        "recorded_by": (by.get_full_name() or by.get_username()) if by else None,
        "recorded_at": deployment.recorded_at,
    }


def _release(request: HttpRequest, slug: str) -> Release:
    require_scope(request, slug=slug, gate=True)
    return permissions.get_release_for_user(request.user, slug)


@api.get(
    "/releases/{slug}/deployments",
    response={200: list[DeploymentOut], **READ_ERRORS},
    tags=["deployments"],
    url_name="release_deployments",
)
def release_deployments(request: HttpRequest, slug: Slug) -> list[dict[str, Any]]:
    """The release's deployments, the latest first, each with the gate's answer it met."""
    release = _release(request, slug)
    deployments = release.deployments.select_related("recorded_by").order_by("-started_at", "-pk")
    return [_out(d, release) for d in deployments[:MAX_LIST]]


@api.post(
    "/releases/{slug}/deployments",
    response={201: DeploymentOut, **WRITE_ERRORS},
    tags=["deployments"],
    url_name="release_deployments",
)
def deployment_create(request: HttpRequest, slug: Slug, body: DeploymentIn) -> Any:
    """Record a deployment: 201 with it, the gate's whole answer at this moment (`gate`)
    and whether it went to production against that answer (`against_gate`)."""
    release = _release(request, slug)
    if not permissions.can_manage_release(request.user, release):
        raise PermissionDenied(
            _("Only the release's facilitators and admins may record its deployments.")
        )
    deployment = services.deployment_record(
        user=request.user,
        release=release,
        environment=body.environment,
        ref=body.ref,
        outcome=body.outcome,
        started_at=body.started_at,
        finished_at=body.finished_at,
        url=body.url,
    )
    return Status(201, _out(deployment, release))
