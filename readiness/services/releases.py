"""Creating, editing, cancelling, importing and deleting releases, and asking the gate.

A release's slug is fixed when it is created: pipelines, tokens, webhooks and evidence paths
name it, so an edit of the name or the planned date never changes it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from readiness import bounds, gate
from readiness.models import (
    Decision,
    Event,
    Person,
    Release,
    Team,
    release_slug,
)
from readiness.services._core import (
    StaleEdit,
    User,
    _actor,
    _create,
    _refuse_if,
    _update,
    event_record,
    snapshot,
)
from readiness.services.decisions import condition_expiry_notify
from readiness.services.people import person_from_label
from readiness.services.signoffs import policy_copy_to


def _clean_name(name: str) -> str:
    return " ".join(bounds.clean_line(name).split())


def _check_plan(
    *,
    planned_date: dt.date,
    deploy_window_start: dt.datetime | None,
    deploy_window_end: dt.datetime | None,
) -> None:
    bounds.check_day(planned_date, field="planned_date", label=_("The planned date"))
    bounds.check_moment(
        deploy_window_start, field="deploy_window_start", label=_("The deploy window")
    )
    bounds.check_moment(deploy_window_end, field="deploy_window_end", label=_("The deploy window"))
    if deploy_window_start and deploy_window_end and deploy_window_end <= deploy_window_start:
        raise ValidationError(_("The deploy window must end after it starts."))


def release_lookalikes(
    *,
    name: str,
    planned_date: dt.date | None,
    exclude: Release | None = None,
    within: QuerySet[Release] | None = None,
) -> list[Release]:
    """Other releases with the same name (any case) or planned for the same day: what the
    release forms warn about before saving. A warning, not a refusal: two releases may
    share a day, and a name may come back."""
    from django.db.models import Q

    name = _clean_name(name)
    where = Q(name__iexact=name) if name else Q(pk__in=[])
    if planned_date is not None:
        where |= Q(planned_date=planned_date)
    # Among the releases the person may read (`within`): a private team's are not named.
    found = (within if within is not None else Release.objects.all()).filter(where)
    if exclude is not None:
        found = found.exclude(pk=exclude.pk)
    return list(found.order_by("-planned_date", "-pk")[:10])


@transaction.atomic
def release_create(
    *,
    user: User,
    name: str,
    planned_date: dt.date,
    deploy_window_start: dt.datetime | None = None,
    deploy_window_end: dt.datetime | None = None,
    product_owner: Person | None = None,
    language: str = "en",
    team: Team | None = None,
) -> Release:
    """A new release of `team` (the default team when none is named)."""
    name = _clean_name(name)
    _check_plan(
        planned_date=planned_date,
        deploy_window_start=deploy_window_start,
        deploy_window_end=deploy_window_end,
    )
    slug = release_slug(planned_date, name)
    if Release.objects.filter(slug=slug).exists():
        raise ValidationError(
            _("A release named %(slug)s already exists.") % {"slug": slug}, code="duplicate"
        )
    release = Release(
        name=name,
        slug=slug,
        planned_date=planned_date,
        deploy_window_start=deploy_window_start,
        deploy_window_end=deploy_window_end,
        product_owner=product_owner,
        language=language,
        team_id=team.pk if team is not None else Team.default_pk(),
    )
    _create(release, user=user, verb=Event.Verb.RELEASE_CREATED, release=release)
    policy_copy_to(user=user, release=release)
    return release


@transaction.atomic
def release_update(
    *,
    user: User,
    release: Release,
    expected_version: int | None,
    name: str,
    planned_date: dt.date,
    deploy_window_start: dt.datetime | None,
    deploy_window_end: dt.datetime | None,
    product_owner: Person | None,
    language: str,
    team: Team | None = None,
) -> Release:
    """Change what the release plans, or move it to another team (`team`; None keeps
    it); its slug stays (see the module docstring)."""
    _check_plan(
        planned_date=planned_date,
        deploy_window_start=deploy_window_start,
        deploy_window_end=deploy_window_end,
    )
    _update(
        release,
        user=user,
        verb=Event.Verb.RELEASE_UPDATED,
        expected_version=expected_version,
        name=_clean_name(name),
        planned_date=planned_date,
        deploy_window_start=deploy_window_start,
        deploy_window_end=deploy_window_end,
        product_owner=product_owner,
        language=language,
        **({"team": team} if team is not None else {}),
    )
    return release


@transaction.atomic
def release_update_named(*, user: User, product_owner: str, **fields: Any) -> Release:
    """`release_update` with the product owner as the form names them, created if new."""
    person = person_from_label(user=user, label=product_owner)
    return release_update(user=user, product_owner=person, **fields)


@transaction.atomic
def release_cancel(*, user: User, release: Release, expected_version: int | None) -> Release:
    """The release will not ship: its status becomes Cancelled, its record stays."""
    _update(
        release,
        user=user,
        verb=Event.Verb.RELEASE_CANCELLED,
        expected_version=expected_version,
        check=_refuse_if(
            lambda current: current.status != Release.Status.PLANNED,
            _("Only a planned release can be cancelled; this one is %(status)s.")
            % {"status": release.get_status_display().lower()},
        ),
        status=Release.Status.CANCELLED,
    )
    return release


def release_content(release: Release) -> dict[str, Any]:
    """Everything a release holds, as JSON: its own fields, its minutes (the export's
    schema, which the importer reads back) and its deployments."""
    from readiness.minutes.exporter import release_as_dict

    return {
        "release": snapshot(release),
        "minutes": release_as_dict(release),
        "deployments": [snapshot(d) for d in release.deployments.order_by("started_at", "pk")],
    }


@transaction.atomic
def release_remove(*, user: User, release: Release, expected_version: int | None) -> Event:
    """Delete the release from the app; the Event keeps its whole content."""
    current = Release.objects.select_for_update().get(pk=release.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(current, expected_version)
    return release_delete(user=user, release=current, record=release_content(current))


@transaction.atomic
def release_record_import(
    *, user: User, release: Release, source: str, replaced: dict[str, Any] | None = None
) -> Event:
    """Log that `release` came from a minutes document (and what it replaced, if anything).

    This event also marks the point after which changes were made in the app: a release
    with later events is not replaced by a new import, so that those changes are not lost.
    """
    return event_record(
        user=user,
        verb=Event.Verb.RELEASE_IMPORTED,
        obj=release,
        after={"source": source[:300], "replaced": replaced},
    )


@transaction.atomic
def release_delete(*, user: User, release: Release, record: dict[str, Any]) -> Event:
    """Delete a release with all its sessions; the Event keeps `record` (what it held).

    The Event is not tied to the release (that would delete it too) but names it, so that
    the log still says who removed what and holds the content.
    """
    actor = _actor(user)
    event = Event.objects.create(
        actor=actor,
        actor_name=(actor.get_full_name() or actor.get_username()) if actor else "",
        verb=Event.Verb.RELEASE_DELETED,
        subject_type=release._meta.model_name,
        subject_id=release.pk,
        subject_repr=str(release)[:300],
        release_slug=release.slug,
        before=record,
    )
    # A decision protects the one it superseded, so the newest ones go first.
    for decision in Decision.objects.filter(session__release=release).order_by("-pk"):
        decision.delete()
    release.delete()
    return event


def release_gate_check(
    *, release: Release, now: dt.datetime | None = None, user: User = None
) -> gate.GateResult:
    """The gate's answer, telling the facilitator about conditions that just expired."""
    result = gate.release_gate(release, now=now or timezone.now())
    for condition in result.expired_conditions:
        if condition.expiry_notified_at is None:
            condition_expiry_notify(user=user, condition=condition)
    return result
