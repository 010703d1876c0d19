"""Releases: what is to ship, when, and the queries its lists are read with."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from readiness.models.base import Versioned
from readiness.models.people import Person
from readiness.models.teams import Team


def release_slug(planned_date: dt.date, name: str) -> str:
    """`2024-07-15-billing-gateway`: the form the teams' evidence paths already use.

    A name that already starts with the planned date ("2025-03-10 Payments Ledger") does
    not get it twice.
    """
    date = planned_date.isoformat()
    named = slugify(name)
    if named == date or named.startswith(f"{date}-"):
        named = named[len(date) :].lstrip("-")
    return f"{date}-{named}"[:120].rstrip("-")


def _count(queryset: models.QuerySet, release_path: str, where: Q | None = None) -> Coalesce:
    """How many of the outer release's `queryset` rows match `where`; 0 when there are none.

    `where` is counted inside the aggregate (COUNT ... FILTER / CASE) rather than in the
    WHERE clause, so the planner always reaches the rows through the release's own index;
    an index on, say, status and due date would otherwise tempt it into scanning every
    overdue action for each release.
    """
    counted = (
        queryset.filter(**{release_path: OuterRef("pk")})
        .order_by()
        .values(release_path)
        .annotate(n=Count("pk", filter=where))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=models.IntegerField()), 0)


class ReleaseQuerySet(models.QuerySet):
    def with_summary(self) -> ReleaseQuerySet:
        """What a list row shows, computed in the same query as the releases."""
        from readiness.models import Action, Decision

        current = Decision.objects.in_force_for(OuterRef("pk"))
        open_actions = (
            Action.objects.filter(release=OuterRef("pk"), status__in=Action.OPEN_STATUSES)
            .order_by()
            .values("release")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(
            current_outcome=Subquery(current.values("outcome")[:1]),
            current_decided_at=Subquery(current.values("recorded_at")[:1]),
            open_action_count=models.functions.Coalesce(
                Subquery(open_actions, output_field=models.IntegerField()), 0
            ),
        )

    def for_gate(self) -> ReleaseQuerySet:
        """What the gate reads with the release itself: its own sign-off policy, which
        decision is in force (`current_decision_pk`, None when undecided), and whether it
        has an override that was never revoked. Without a decision or an override, the
        gate asks for neither (`gate.current_decision`, `gate.release_gate`)."""
        from readiness.models import Decision, Override

        unrevoked = Override.objects.filter(release=OuterRef("pk"), revoked_at__isnull=True)
        current = Decision.objects.in_force_for(OuterRef("pk"))
        return self.select_related("policy").annotate(
            has_unrevoked_override=Exists(unrevoked),
            current_decision_pk=Subquery(current.values("pk")[:1]),
        )

    def with_current_outcome(self) -> ReleaseQuerySet:
        """`current_outcome`: the outcome of the latest decision in force, None if undecided."""
        from readiness.models import Decision

        current = Decision.objects.in_force_for(OuterRef("pk"))
        return self.annotate(current_outcome=Subquery(current.values("outcome")[:1]))

    def with_history_row(self, today_by_zone: dict[str, dt.date]) -> ReleaseQuerySet:
        """What a history row shows, as correlated subqueries in the releases' own query.

        `today_by_zone` comes from `local_today_by_zone()`: "overdue" is judged against
        today's date in each session's own time zone.
        """
        from readiness.models import (
            Action,
            Condition,
            Decision,
            Deployment,
            Session,
            overdue_actions_q,
        )

        latest_session = Session.objects.filter(release=OuterRef("pk")).order_by(
            "-scheduled_at", "-pk"
        )
        conditions = Condition.objects.filter(decision__is_current=True)
        actions = Action.objects.exclude(status=Action.Status.CANCELLED)
        # The rank is read in its own subquery: a CASE over `current_outcome` would repeat
        # that subquery once per outcome.
        ranked = Decision.objects.in_force_for(OuterRef("pk")).annotate(
            rank=Case(
                *(
                    When(outcome=outcome, then=Value(rank))
                    for rank, outcome in enumerate(Decision.Outcome.values)
                ),
                output_field=models.IntegerField(),
            )
        )
        undecided = len(Decision.Outcome.values)
        return self.with_current_outcome().annotate(
            outcome_rank=Coalesce(Subquery(ranked.values("rank")[:1]), Value(undecided)),
            facilitator_name=Subquery(latest_session.values("facilitator__name")[:1]),
            condition_count=_count(conditions, "decision__session__release"),
            condition_satisfied_count=_count(
                conditions, "decision__session__release", Q(satisfied_at__isnull=False)
            ),
            # An action's own release link, not its session's: one join fewer per row.
            action_count=_count(actions, "release"),
            action_done_count=_count(actions, "release", Q(status=Action.Status.DONE)),
            # "Overdue" reads the session's time zone: reached through the session, the
            # join is one index probe per session instead of a scan of every session.
            action_overdue_count=_count(
                actions, "session__release", overdue_actions_q(today_by_zone)
            ),
            # "Were the conditions met before the deploy?", asked of the deploy's own time.
            condition_met_before_deploy_count=_count(
                conditions.filter(satisfied_at__lt=OuterRef("deployed_at")),
                "decision__session__release",
            ),
            deployed_against_gate=Exists(
                Deployment.objects.filter(release=OuterRef("pk"), against_gate=True)
            ),
        )

    # The filters below are uncorrelated `IN (subquery)`: the database works the set of
    # matching releases out once, instead of probing once per release.

    def with_overdue_actions(self, today_by_zone: dict[str, dt.date]) -> ReleaseQuerySet:
        from readiness.models import Action, overdue_actions_q

        overdue = Action.objects.filter(overdue_actions_q(today_by_zone))
        return self.filter(pk__in=overdue.values("session__release"))

    def with_open_conditions(self) -> ReleaseQuerySet:
        from readiness.models import Condition

        open_conditions = Condition.objects.filter(
            decision__is_current=True, satisfied_at__isnull=True
        )
        return self.filter(pk__in=open_conditions.values("decision__session__release"))

    def in_area(self, area: str) -> ReleaseQuerySet:
        """Releases where a voting member spoke for `area` in one of the sessions."""
        from readiness.models import Participant, ParticipantRole

        members = Participant.objects.filter(role=ParticipantRole.MEMBER, area=area)
        return self.filter(pk__in=members.values("session__release"))

    def with_everything(self) -> ReleaseQuerySet:
        """Everything the release page shows, in a fixed number of queries."""
        from readiness.models import Session

        return self.prefetch_related(
            Prefetch("sessions", queryset=Session.objects.with_everything())
        )


class ReleaseStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DEPLOYED = "deployed", _("Deployed")
    ROLLED_BACK = "rolled_back", _("Rolled back")
    CANCELLED = "cancelled", _("Cancelled")


class Release(Versioned):
    Status = ReleaseStatus
    LANGUAGES = [("pt-br", _("Brazilian Portuguese")), ("en", _("English"))]

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    planned_date = models.DateField(_("planned date"))
    deploy_window_start = models.DateTimeField(_("deploy window start"), null=True, blank=True)
    deploy_window_end = models.DateTimeField(_("deploy window end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    # The language its minutes are written in, and exported in.
    language = models.CharField(_("language"), max_length=10, choices=LANGUAGES, default="en")
    product_owner = models.ForeignKey(
        Person,
        verbose_name=_("product owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_releases",
    )
    # The team that runs it: its facilitators manage it, and a private team's releases are
    # read by its members and the site's managers alone.
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        related_name="releases",
        default=Team.default_pk,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # The start of its first successful production deployment; None until it shipped.
    deployed_at = models.DateTimeField(_("deployed at"), null=True, blank=True)

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        ordering = ["-planned_date", "-pk"]
        indexes = [
            models.Index(fields=["-planned_date", "-id"], name="release_date_idx"),
            models.Index(fields=["status", "-planned_date"], name="release_status_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReleaseStatus.values), name="release_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(deploy_window_start__isnull=True)
                | Q(deploy_window_end__isnull=True)
                | Q(deploy_window_end__gt=models.F("deploy_window_start")),
                name="release_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.planned_date.isoformat()} {self.name}"

    def sessions_with_status_history(self, events) -> list:
        """The release's sessions, each action carrying its status changes in order.

        `events` are the release's events, oldest first (the dossier reads them anyway);
        the sessions come from the prefetch of `with_everything()`.
        """
        from readiness.models import Event

        history: dict[int, list] = {}
        for event in events:
            if event.verb == Event.Verb.ACTION_STATUS_CHANGED:
                history.setdefault(event.subject_id, []).append(event)
        sessions = list(self.sessions.all())
        for session in sessions:
            for action in session.actions.all():
                action.status_history = history.get(action.pk, [])
        return sessions

    def decision_in_force(self):
        """The latest current decision across its sessions (the gate's rule, on what
        `with_everything()` prefetched): an earlier session's current decision is not in force
        once a later session decided."""
        current = [d for s in self.sessions.all() for d in s.decisions.all() if d.is_current]
        return max(current, key=lambda d: (d.recorded_at, d.pk), default=None)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("releases:detail", args=[self.slug])
