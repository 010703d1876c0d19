"""`PUT /api/releases/<slug>/checks/<area>/items/<key>`: a pipeline reports one item of an
area's checklist (E2E passed, performance failed...), which the gate then reads.

The PUT says the whole state of the item, so sending it twice changes it once: the second
is answered with the item as it is and writes nothing. It needs no version (a report from
CI replaces the previous one, whoever read what); one sent, as `expected_version` or
`If-Match`, is checked (409 when stale). An item the area does not have yet is added, and
an area no session of the release checks yet gets a check on the latest session, so a
pipeline can register its own checks. A token restricted to the release may use it, as it
may read the gate.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Path, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from readiness import permissions, services
from readiness.api.auth import require_scope, token_of
from readiness.api.endpoints import (
    ETAG,
    WRITE_ERRORS,
    IfMatch,
    Slug,
    Text,
    api,
)
from readiness.models import ChecklistItem

Area = Annotated[str, Path(min_length=1, max_length=100)]
Key = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]


class ChecklistItemIn(Schema):
    model_config = ConfigDict(extra="forbid")

    state: Annotated[str, Field(pattern="^(passed|failed|pending)$")]
    evidence_url: Annotated[
        Text, Field(max_length=1000, description="A link (http or https) or a path.")
    ] = ""
    required: bool | None = Field(
        None, description="Left out: an existing item keeps it, a new one is required."
    )
    expected_version: int | None = Field(None, ge=1, le=2**31 - 1)


class ChecklistItemOut(Schema):
    release: str
    area: str
    key: str
    label: str
    required: bool
    state: str
    evidence_url: str
    set_by: str | None
    set_by_token: str
    set_at: dt.datetime | None
    exempt_reason: str
    exempt_until: dt.date | None
    blocks: bool
    version: int


def _out(item: ChecklistItem, slug: str) -> dict[str, Any]:
    by = item.set_by
    check = item.readiness_check
    return {
        "release": slug,
        "area": check.area,
        "key": item.key,
        "label": item.label,
        "required": item.required,
        "state": item.state,
        "evidence_url": item.evidence_url,
        "set_by": (by.get_full_name() or by.get_username()) if by else None,
        "set_by_token": item.set_by_token,
        "set_at": item.set_at,
        "exempt_reason": item.exempt_reason,
        "exempt_until": item.exempt_until,
        "blocks": item.blocks(item.session.local_today()),
        "version": item.version,
    }


def _version(expected_version: int | None, if_match: str | None) -> int | None:
    """The version the caller read, when it sent one (a report need not)."""
    if if_match is None:
        return expected_version
    match = ETAG.fullmatch(if_match.strip())
    if match is None:
        raise HttpError(400, _('If-Match must carry one ETag a read gave, such as "v3".'))
    if expected_version not in (None, int(match[1])):
        raise HttpError(400, _("expected_version and If-Match name different versions."))
    return int(match[1])


@api.put(
    "/releases/{slug}/checks/{area}/items/{key}",
    response={200: ChecklistItemOut, 201: ChecklistItemOut, **WRITE_ERRORS},
    tags=["checklists"],
    url_name="checklist_item_put",
)
def checklist_item_put(
    request: HttpRequest,
    slug: Slug,
    area: Area,
    key: Key,
    body: ChecklistItemIn,
    response: HttpResponse,
    if_match: IfMatch = None,
) -> Any:
    """Set one checklist item of the release's area: 201 when it was added, 200 otherwise
    (also when nothing changed). A required item that has not passed blocks the gate as
    `checklist` until it passes or a facilitator exempts it."""
    require_scope(request, slug=slug, gate=True)
    release = permissions.get_release_for_user(request.user, slug)
    if not permissions.can_manage_release(request.user, release):
        raise PermissionDenied(
            _("Only the release's facilitators and admins may set its checklist items.")
        )
    api_token = token_of(request)
    item, created = services.checklist_item_put(
        user=request.user,
        release=release,
        area=area,
        key=key,
        state=body.state,
        evidence_url=body.evidence_url,
        required=body.required,
        token_name=api_token.name if api_token is not None else "",
        expected_version=_version(body.expected_version, if_match),
    )
    item = ChecklistItem.objects.select_related("readiness_check", "session", "set_by").get(
        pk=item.pk
    )
    response["ETag"] = f'"v{item.version}"'
    return Status(201 if created else 200, _out(item, release.slug))
