"""The one readiness rule: may this release ship now? Shared by the API, the `gate` command
and the pages, so that they can never disagree.

The rule (also in docs/architecture.md):

- the current decision is the latest current decision across the release's sessions;
- undecided, NO-GO and postponed releases are not ready, and the decision is the blocker;
- a GO with conditions is ready only when every condition is satisfied; an unsatisfied
  condition blocks as `condition`, or as `expired_condition` once its deadline has passed;
- a cancelled release is never ready (a `decision` blocker says so);
- an open action of kind "action" due on or before the day the deploy window opens (the
  planned date when there is no window), in its session's time zone, blocks as `action`
  only when the meeting flagged it *must be done before deploy*; any other such action is
  a warning (`warnings`, same shape as `blocking`): bookkeeping nobody closed in the app
  does not overrule the meeting's GO. Monitoring duties and actions due later are neither.
- a required checklist item of an area's readiness check (the latest session's check of
  that area) that has not passed blocks as `checklist`, unless it is exempted, with a
  reason, through a day not yet past in its session's time zone;
- a later session's decision is the authority over an earlier one: a GO recorded after a
  NO-GO is in force, whatever the NO-GO's actions; decisions imported from minutes are in
  force as the minutes record them (recorded at the meeting's time);
- a GO taken in Readiness under a policy that asks for sign-off blocks as `signoff` while
  its approvers have not met the policy's rule, after a rejection, and once it has outlived
  the days the policy says a GO stays valid;
- a deploy freeze in force at `now` blocks as `freeze`; its `detail` says which and when
  it ends (ISO 8601 with the freeze's offset);
- a valid break-glass override (granted, not expired, not revoked) makes a blocked
  release ready: the answer keeps its `blocking` list and adds an `override` section
  (who, why, until when, what it overrode). A cancelled release is never overridden.

`ready` says nothing about the deploy window: the answer carries the window and
`window_open` so that a pipeline can also refuse to ship outside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from readiness import bounds, timefmt
from readiness.models import (
    Action,
    ChecklistItem,
    Condition,
    Decision,
    Freeze,
    Override,
    Policy,
    ReadinessCheck,
    Release,
    SignOff,
)
from readiness.models.signoffs import Progress

CONDITION = "condition"
EXPIRED_CONDITION = "expired_condition"
DECISION = "decision"
ACTION = "action"
FREEZE = "freeze"
CHECKLIST = "checklist"
SIGNOFF = "signoff"

SHIPPABLE = (Decision.Outcome.GO, Decision.Outcome.CONDITIONAL_GO)


KIND_LABELS = {
    DECISION: gettext_lazy("Decision"),
    CONDITION: gettext_lazy("Condition"),
    EXPIRED_CONDITION: gettext_lazy("Expired condition"),
    ACTION: gettext_lazy("Action"),
    FREEZE: gettext_lazy("Deploy freeze"),
    CHECKLIST: gettext_lazy("Checklist"),
    SIGNOFF: gettext_lazy("Sign-off"),
}


def _action_text(code: str, due: str, description: str) -> str:
    return _("%(code)s (due %(due)s): %(description)s") % {
        "code": code,
        "due": due,
        "description": description,
    }


@dataclass(frozen=True)
class Blocker:
    """One reason the release may not ship."""

    kind: str
    text: str
    reference: str = ""
    owner: str | None = None
    # An action's due date and description, to say it again in a page's own date format.
    due: dt.date | None = field(default=None, compare=False)
    description: str = field(default="", compare=False)
    # What a pipeline may read besides the text (a freeze's name and end), or None.
    detail: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def shown(self) -> str:
        """The text for a page: the API's, with a due date as the page's language writes it."""
        if self.due is None:
            return self.text
        return _action_text(self.reference, timefmt.day_text(self.due), self.description)

    @property
    def label(self) -> str:
        """The kind in words, for people (the API keeps the code)."""
        return str(KIND_LABELS.get(self.kind, self.kind))

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "reference": self.reference,
            "owner": self.owner,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class GateResult:
    release: str
    ready: bool
    outcome: str | None
    decided_at: dt.datetime | None
    blocking: tuple[Blocker, ...]
    deploy_window_start: dt.datetime | None
    deploy_window_end: dt.datetime | None
    window_open: bool | None
    checked_at: dt.datetime
    # The conditions behind `expired_condition` blockers, for telling the facilitator.
    expired_conditions: tuple[Condition, ...] = field(default=(), repr=False, compare=False)
    # Every condition of a GO with conditions in force, satisfied or not, for the pages.
    conditions: tuple[Condition, ...] = field(default=(), repr=False, compare=False)
    # The break-glass override that makes a blocked release ready, while it is valid.
    override: Override | None = field(default=None, repr=False, compare=False)
    # What does not block but a pipeline or a release manager should know.
    warnings: tuple[Blocker, ...] = ()
    # The sign-off policy the release's GO is held to (`Policy.as_dict`).
    policy: dict[str, Any] | None = field(default=None, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The JSON answer of `GET /api/releases/<slug>/gate`."""
        return {
            "release": self.release,
            "ready": self.ready,
            "outcome": self.outcome,
            "decided_at": _iso(self.decided_at),
            "blocking": [b.as_dict() for b in self.blocking],
            "warnings": [w.as_dict() for w in self.warnings],
            "deploy_window": {
                "start": _iso(self.deploy_window_start),
                "end": _iso(self.deploy_window_end),
            },
            "window_open": self.window_open,
            "checked_at": _iso(self.checked_at),
            "override": override_dict(self.override, self.blocking) if self.override else None,
            "policy": self.policy,
        }


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def override_dict(override: Override, blocking: tuple[Blocker, ...]) -> dict[str, Any]:
    """The `override` section: who let the release ship, why, until when, over what."""
    return {
        "by": override.granted_by_name,
        "reason": override.reason,
        "granted_at": _iso(override.granted_at),
        "expires_at": _iso(override.expires_at),
        "overrode": [b.as_dict() for b in blocking],
    }


def _freeze_blocker(
    release: Release, now: dt.datetime, holding: list[Freeze] | None = None
) -> Blocker | None:
    """The freeze holding the release (site-wide, or its team's) in force at `now` that
    ends last (several may overlap), or None. `holding`: those freezes, if the caller
    has read them already (`Freeze.objects.holding(release)`)."""
    if holding is None:
        holding = list(Freeze.objects.holding(release))
    windows = [
        (window, freeze)
        for freeze in sorted(holding, key=lambda freeze: freeze.pk)
        if (window := freeze.in_force(now)) is not None
    ]
    if not windows:
        return None
    (start, end), freeze = max(windows, key=lambda found: found[0][1])
    return Blocker(
        FREEZE,
        _("The deploy freeze %(name)s is in force until %(end)s.")
        % {"name": freeze.name, "end": end.isoformat()},
        reference=str(freeze.pk),
        detail={"freeze": freeze.name, "starts_at": start.isoformat(), "ends_at": end.isoformat()},
    )


def _override_of(
    release: Release, now: dt.datetime, overrides: list[Override] | None = None
) -> Override | None:
    """The override that makes the release ready at `now`, the one lasting longest.
    `overrides`: all of the release's, if the caller has read them already."""
    if release.status == Release.Status.CANCELLED:
        return None
    if overrides is not None:
        valid = [override for override in overrides if override.is_valid(now)]
        return max(valid, key=lambda override: override.expires_at, default=None)
    # A release loaded with `Release.objects.for_gate()` says whether it has an override
    # that was never revoked; without one, none is valid now.
    if getattr(release, "has_unrevoked_override", True) is False:
        return None
    return Override.objects.filter(release=release).valid_at(now).order_by("-expires_at").first()


# What `current_decision` finds on a release not loaded with `Release.objects.for_gate()`.
NOT_LOADED = object()


def current_decision(release: Release) -> Decision | None:
    """The decision in force for the release: the latest current one across its sessions.

    A release loaded with `Release.objects.for_gate()` already says which one that is
    (`current_decision_pk`): an undecided release then costs no query, and a decided one
    is read by its key, provided it is still current (else it is looked for again)."""
    known = getattr(release, "current_decision_pk", NOT_LOADED)
    if known is None:
        return None
    current = _with_gate_rows(Decision.objects.in_force_for(release))
    if known is not NOT_LOADED and (found := current.filter(pk=known).first()):
        return found
    return current.first()


def _with_gate_rows(decisions: QuerySet[Decision]) -> QuerySet[Decision]:
    return decisions.select_related("session__facilitator").prefetch_related(
        Prefetch("conditions", queryset=Condition.objects.select_related("owner")),
        Prefetch("signoffs", queryset=SignOff.objects.select_related("participant__person")),
    )


def window_open(release: Release, now: dt.datetime) -> bool | None:
    """Whether `now` falls in the deploy window; None when the release has no window."""
    start, end = release.deploy_window_start, release.deploy_window_end
    if start is None and end is None:
        return None
    return (start is None or start <= now) and (end is None or now < end)


def _decision_blocker(decision: Decision | None) -> Blocker | None:
    if decision is None:
        return Blocker(DECISION, _("No decision has been recorded for this release."))
    if decision.outcome in SHIPPABLE:
        return None
    facilitator = decision.session.facilitator
    return Blocker(
        DECISION,
        _("The current decision is %(outcome)s.") % {"outcome": decision.get_outcome_display()},
        owner=facilitator.name if facilitator else None,
    )


def _signoff_blockers(
    decision: Decision | None, policy: Policy, release: Release, now: dt.datetime
) -> list[Blocker]:
    """A GO taken here waits for its approvers; a rejection stops it; a GO older than the
    policy's validity must be reconfirmed. Decisions from imported minutes are in force as
    the minutes record them."""
    if decision is None or decision.outcome not in SHIPPABLE:
        return []
    if decision.approval == Decision.Approval.MINUTES:
        return []
    approval = decision.approval
    if approval == Decision.Approval.REJECTED:
        return [
            Blocker(
                SIGNOFF,
                _("Rejected at sign-off by %(name)s (%(area)s): %(comment)s")
                % {"name": s.participant.person.name, "area": s.area, "comment": s.comment},
                owner=s.participant.person.name,
            )
            for s in decision.signoffs.all()
            if s.verdict == SignOff.Verdict.REJECT
        ] or [Blocker(SIGNOFF, _("The GO was rejected at sign-off."))]
    if approval == Decision.Approval.PENDING:
        progress = Progress(policy, list(decision.signoffs.all()), release.product_owner_id)
        text = _("Awaiting sign-off: %(approved)s of %(needed)s approvals.") % {
            "approved": progress.approved,
            "needed": progress.needed,
        }
        if progress.missing_areas:
            text += " " + _("Still to approve: %(areas)s.") % {
                "areas": ", ".join(progress.missing_areas)
            }
        if progress.owner_alone:
            text += " " + _("The product owner cannot be the only approver.")
        return [Blocker(SIGNOFF, text)]
    since = decision.in_force_at or decision.recorded_at
    if policy.go_valid_days and since + dt.timedelta(days=policy.go_valid_days) <= now:
        until = since + dt.timedelta(days=policy.go_valid_days)
        return [
            Blocker(
                SIGNOFF,
                _("The GO expired on %(until)s: record it again to reconfirm it.")
                % {"until": until.isoformat(timespec="minutes")},
            )
        ]
    return []


def _action_blocker(action: Action) -> Blocker:
    return Blocker(
        ACTION,
        _action_text(action.code, action.due_date.isoformat(), action.description),
        action.code,
        action.owner.name,
        due=action.due_date,
        description=action.description,
    )


def _latest_cutoff(release: Release) -> dt.date | None:
    """A day no action's cutoff passes, to leave later ones in the database: the planned
    date, or the day after the window's start in UTC (no zone's local date is later)."""
    start = release.deploy_window_start
    if start is None:
        return release.planned_date
    try:
        return start.date() + dt.timedelta(days=1)
    except OverflowError:
        return None


def _actions_due_before_deploy(release: Release) -> list[Action]:
    """Open actions due on or before the deploy; the flagged ones block, the others warn."""
    actions = (
        Action.objects.open()
        .filter(release=release, kind=Action.Kind.ACTION, due_date__isnull=False)
        .select_related("owner", "session")
        .order_by("due_date", "code", "pk")
    )
    latest = _latest_cutoff(release)
    if latest is not None:
        actions = actions.filter(due_date__lte=latest)
    due = []
    for action in actions:
        start = release.deploy_window_start
        local = bounds.local_or_none(start, action.session.tzinfo) if start else None
        # A window that cannot be shown in the session's zone (stored before the range was
        # enforced) is read by its UTC date.
        cutoff = (local or start).date() if start else release.planned_date
        if action.due_date <= cutoff:
            due.append(action)
    return due


def current_checks(release: Release) -> list[ReadinessCheck]:
    """Each area's readiness check from the latest session that holds that area, with its
    items: an earlier meeting's check of the same area is superseded."""
    checks = (
        ReadinessCheck.objects.filter(session__release=release)
        .select_related("session")
        .prefetch_related(
            Prefetch("items", queryset=ChecklistItem.objects.order_by("position", "pk"))
        )
        .order_by("-session__scheduled_at", "-session__pk", "position", "pk")
    )
    seen: set[str] = set()
    latest = []
    for check in checks:
        if check.area.casefold() not in seen:
            seen.add(check.area.casefold())
            latest.append(check)
    return latest


def _checklist_blockers(release: Release, now: dt.datetime) -> list[Blocker]:
    blockers = []
    for check in current_checks(release):
        today = now.astimezone(check.session.tzinfo).date()
        for item in check.items.all():
            if item.blocks(today):
                blockers.append(
                    Blocker(
                        CHECKLIST,
                        _("%(area)s: %(item)s (%(state)s)")
                        % {
                            "area": check.area,
                            "item": item.label,
                            "state": item.get_state_display(),
                        },
                        item.key,
                    )
                )
    return blockers


def _conditions_of(decision: Decision | None) -> tuple[Condition, ...]:
    if decision is None or not decision.is_conditional:
        return ()
    return tuple(decision.conditions.all())


def release_gate(
    release: Release,
    *,
    now: dt.datetime,
    freezes: list[Freeze] | None = None,
    overrides: list[Override] | None = None,
) -> GateResult:
    """The answer for `release` at `now`. Reads only; telling facilitators about expired
    conditions is `services.release_gate_check`'s job.

    A page that lists the freezes holding the release and its overrides passes the lists
    it read (`freezes`, `overrides`), so that the gate does not read them again."""
    decision = current_decision(release)
    blocking: list[Blocker] = []
    expired: list[Condition] = []
    decision_blocker = _decision_blocker(decision)
    if release.status == Release.Status.CANCELLED:
        # Whatever was decided, a cancelled release does not ship.
        blocking.append(Blocker(DECISION, _("The release was cancelled.")))
    if decision_blocker is not None:
        blocking.append(decision_blocker)
    elif decision is not None and decision.is_conditional:
        for condition in decision.conditions.all():
            if condition.is_satisfied:
                continue
            kind = CONDITION
            if condition.is_expired(now):
                kind = EXPIRED_CONDITION
                expired.append(condition)
            blocking.append(
                Blocker(
                    kind,
                    condition.text,
                    condition.reference,
                    condition.owner.name if condition.owner else None,
                )
            )
    policy = Policy.for_release(release)
    blocking.extend(_signoff_blockers(decision, policy, release, now))
    blocking.extend(_checklist_blockers(release, now))
    warnings: list[Blocker] = []
    for action in _actions_due_before_deploy(release):
        (blocking if action.before_deploy else warnings).append(_action_blocker(action))
    freeze = _freeze_blocker(release, now, freezes)
    if freeze is not None:
        blocking.append(freeze)
    ready = decision is not None and decision.outcome in SHIPPABLE and not blocking
    override = _override_of(release, now, overrides) if not ready else None
    return GateResult(
        release=release.slug,
        ready=ready or override is not None,
        outcome=decision.outcome if decision else None,
        decided_at=decision.recorded_at if decision else None,
        blocking=tuple(blocking),
        deploy_window_start=release.deploy_window_start,
        deploy_window_end=release.deploy_window_end,
        window_open=window_open(release, now),
        checked_at=now,
        expired_conditions=tuple(expired),
        conditions=_conditions_of(decision),
        override=override,
        warnings=tuple(warnings),
        policy=policy.as_dict(),
    )
