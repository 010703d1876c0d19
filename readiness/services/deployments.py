"""Recording a deployment, and what follows it: the release's status, the gate's verdict,
the facilitator told when it went against the gate, and the post-go-live review's date.

A deployment is a fact, recorded once; a later run is a new record. Only production
deployments (`production`, or `prod`) move the release's status and are held to the gate:
a staging run before the GO is normal work. The release is *deployed* from the start of
its first successful production deployment (`Release.deployed_at`); "were the conditions
met before the deploy?" is asked of that moment.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from readiness import bounds, gate, notifications, webhooks
from readiness.models import Deployment, Event, Release, Session, WebhookEvent
from readiness.services._checks import clean_record
from readiness.services._core import User, _actor, _update, event_record, snapshot

# A pipeline's clock may run a little ahead of ours; a start further ahead is a typo.
CLOCK_SKEW = dt.timedelta(minutes=5)
# The review's default distance from the deployment, when the decision named no date.
REVIEW_AFTER = dt.timedelta(days=7)


def _check(
    *,
    environment: str,
    ref: str,
    outcome: str,
    started_at: dt.datetime,
    finished_at: dt.datetime | None,
    url: str,
    now: dt.datetime,
) -> tuple[str, str, str]:
    environment = " ".join(bounds.clean_line(environment).split()).lower()
    ref = bounds.clean_line(ref).strip()
    errors: dict[str, str] = {}
    if not environment:
        errors["environment"] = _("Name the environment, such as production.")
    if not ref:
        errors["ref"] = _("Give the version or ref that was deployed.")
    if outcome not in Deployment.Outcome.values:
        errors["outcome"] = _("The outcome is succeeded, failed or rolled back.")
    if errors:
        raise ValidationError(errors)
    bounds.check_moment(started_at, field="started_at", label=_("The start"))
    bounds.check_moment(finished_at, field="finished_at", label=_("The end"))
    if started_at > now + CLOCK_SKEW:
        raise ValidationError({"started_at": _("A deployment cannot start in the future.")})
    if finished_at is not None and finished_at < started_at:
        raise ValidationError({"finished_at": _("A deployment cannot finish before it starts.")})
    if url:
        url = bounds.check_web_url(url, field="url")
    return environment, ref, url


@transaction.atomic
def deployment_record(
    *,
    user: User,
    release: Release,
    environment: str,
    ref: str,
    outcome: str,
    started_at: dt.datetime,
    finished_at: dt.datetime | None = None,
    url: str = "",
    now: dt.datetime | None = None,
) -> Deployment:
    """Record a deployment with the gate's answer of this moment, and follow it."""
    now = now or timezone.now()
    environment, ref, url = _check(
        environment=environment,
        ref=ref,
        outcome=outcome,
        started_at=started_at,
        finished_at=finished_at,
        url=url,
        now=now,
    )
    # The release first (the lock order): two pipelines reporting at once queue here.
    locked = Release.objects.select_for_update().get(pk=release.pk)
    if locked.status == Release.Status.CANCELLED:
        raise ValidationError(
            _("The release was cancelled; no deployment can be recorded for it."),
            code="invalid_state",
        )
    answer = gate.release_gate(locked, now=now)
    deployment = Deployment(
        release=locked,
        environment=environment,
        ref=ref,
        outcome=outcome,
        started_at=started_at,
        finished_at=finished_at,
        url=url,
        gate=answer.as_dict(),
        recorded_by=_actor(user),
        recorded_at=now,
    )
    deployment.against_gate = deployment.is_production and not answer.ready
    # Who is told is who has an address: the record never claims more.
    told = notifications.release_facilitators(locked) if deployment.against_gate else []
    deployment.told = [address for address, _lang in told]
    clean_record(deployment)
    deployment.full_clean(validate_constraints=False)
    deployment.save(force_insert=True)
    event_record(
        user=user,
        verb=Event.Verb.DEPLOYMENT_RECORDED,
        obj=deployment,
        release=locked,
        after=snapshot(deployment),
    )
    if deployment.is_production:
        _follow(user=user, release=locked, now=now)
    _announce(deployment, told=bool(told))
    release.refresh_from_db()
    return deployment


def _follow(*, user: User, release: Release, now: dt.datetime) -> None:
    """The release's status follows its production deployments: the latest one that
    succeeded or was rolled back says which; a failed run leaves it as it was."""
    production = Deployment.objects.filter(release=release).production()
    latest = (
        production.exclude(outcome=Deployment.Outcome.FAILED)
        .order_by("-started_at", "-pk")
        .values_list("outcome", flat=True)
        .first()
    )
    first = production.first_success().values_list("started_at", flat=True).first()
    status = {
        Deployment.Outcome.SUCCEEDED: Release.Status.DEPLOYED,
        Deployment.Outcome.ROLLED_BACK: Release.Status.ROLLED_BACK,
    }.get(latest, release.status)
    if status == release.status and first == release.deployed_at:
        return
    was_deployed = release.deployed_at is not None
    # Not a person's edit: an edit form open on the release stays valid.
    _update(
        release,
        user=user,
        verb=Event.Verb.RELEASE_STATUS_CHANGED,
        bump_version=False,
        status=status,
        deployed_at=first,
    )
    if first is not None and not was_deployed:
        _schedule_review(user=user, release=release, deployed_at=first)


def _schedule_review(*, user: User, release: Release, deployed_at: dt.datetime) -> None:
    """The post-go-live review of the GO in force falls due after the first successful
    deployment: as many days after it as the meeting planned after the planned date, or a
    week when it named no date."""
    decision = gate.current_decision(release)
    if decision is None or decision.outcome not in gate.SHIPPABLE:
        return
    if decision.review_done_at is not None:
        return
    session: Session = decision.session
    deployed_on = (bounds.local_or_none(deployed_at, session.tzinfo) or deployed_at).date()
    gap = REVIEW_AFTER
    if decision.review_on is not None and decision.review_on >= release.planned_date:
        gap = decision.review_on - release.planned_date
    review_on = deployed_on + dt.timedelta(days=gap.days)
    if review_on == decision.review_on:
        return
    _update(
        decision,
        user=user,
        verb=Event.Verb.DECISION_REVIEW_SCHEDULED,
        bump_version=False,
        check=lambda current: current.review_done_at is None,
        review_on=review_on,
    )


def _announce(deployment: Deployment, *, told: bool) -> None:
    release = deployment.release
    data = {
        "deployment": {
            "id": deployment.pk,
            "environment": deployment.environment,
            "ref": deployment.ref,
            "outcome": deployment.outcome,
            "started_at": deployment.started_at.isoformat(),
            "url": deployment.url,
            "against_gate": deployment.against_gate,
        }
    }
    webhooks.emit(
        event=WebhookEvent.DEPLOYMENT_RECORDED,
        release=release,
        data=data,
        text=_("%(release)s: %(ref)s deployed to %(environment)s: %(outcome)s.")
        % {
            "release": release,
            "ref": deployment.ref,
            "environment": deployment.environment,
            "outcome": deployment.get_outcome_display().lower(),
        },
    )
    if not deployment.against_gate:
        return
    webhooks.emit(
        event=WebhookEvent.DEPLOYED_AGAINST_GATE,
        release=release,
        data={**data, "gate": deployment.gate},
        text=_("%(release)s: %(ref)s went to production while the gate said not ready.")
        % {"release": release, "ref": deployment.ref},
    )
    if told:
        notifications.notify("deployed_against_gate", deployment_id=deployment.pk)
