"""Creating, importing, deleting releases, and asking the gate."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from readiness import bounds, gate
from readiness.models import (
    Decision,
    Event,
    Person,
    Release,
    release_slug,
)
from readiness.services._core import User, _actor, _create, event_record
from readiness.services.decisions import condition_expiry_notify


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
) -> Release:
    name = " ".join(bounds.clean_line(name).split())
    bounds.check_day(planned_date, field="planned_date", label=_("The planned date"))
    bounds.check_moment(
        deploy_window_start, field="deploy_window_start", label=_("The deploy window")
    )
    bounds.check_moment(deploy_window_end, field="deploy_window_end", label=_("The deploy window"))
    slug = release_slug(planned_date, name)
    if Release.objects.filter(slug=slug).exists():
        raise ValidationError(
            _("A release named %(slug)s already exists.") % {"slug": slug}, code="duplicate"
        )
    if deploy_window_start and deploy_window_end and deploy_window_end <= deploy_window_start:
        raise ValidationError(_("The deploy window must end after it starts."))
    release = Release(
        name=name,
        slug=slug,
        planned_date=planned_date,
        deploy_window_start=deploy_window_start,
        deploy_window_end=deploy_window_end,
        product_owner=product_owner,
        language=language,
    )
    return _create(release, user=user, verb=Event.Verb.RELEASE_CREATED, release=release)


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
