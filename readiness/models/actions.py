"""Work a meeting assigned to someone, and the evidence that backs the decision."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Case, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from readiness import bounds
from readiness.models.base import LinksEvidence, Versioned, by_login
from readiness.models.decisions import Condition
from readiness.models.events import Event
from readiness.models.people import Person
from readiness.models.releases import Release
from readiness.models.sessions import (
    AgendaItem,
    Participant,
    ParticipantRole,
    ReadinessCheck,
    Session,
)


def overdue_actions_q(today_by_zone: dict[str, dt.date], prefix: str = "") -> Q:
    """Open actions whose due date is before today in their session's time zone."""
    by_date: dict[dt.date, list[str]] = {}
    for zone, today in today_by_zone.items():
        by_date.setdefault(today, []).append(zone)
    late = Q(pk__in=[])
    for today, zones in by_date.items():
        late |= Q(**{f"{prefix}session__time_zone__in": zones, f"{prefix}due_date__lt": today})
    return Q(**{f"{prefix}status__in": Action.OPEN_STATUSES}) & late


class ActionQuerySet(models.QuerySet):
    def open(self) -> ActionQuerySet:
        return self.filter(status__in=Action.OPEN_STATUSES)

    def with_area(self) -> ActionQuerySet:
        """`area`: the area the owner spoke for as a voting member of the action's session.

        An owner who only observed, or who did not take part, leaves the action without area.
        """
        membership = Participant.objects.filter(
            session=OuterRef("session"), person=OuterRef("owner"), role=ParticipantRole.MEMBER
        )
        return self.annotate(area=Subquery(membership.values("area")[:1]))

    def owed_by(self, person: Person) -> ActionQuerySet:
        """The person's open actions across every release, with what a row shows."""
        return (
            self.open()
            .filter(owner=person)
            .select_related("session__release", "session__facilitator", "owner")
            .order_by(models.F("due_date").asc(nulls_last=True), "pk")
        )

    def worked_by(self, person: Person, since: dt.datetime) -> ActionQuerySet:
        """The person's open actions and those done or cancelled since `since`, in one
        query (what /me/ lists, owed and recently closed), with what a row shows. A closed
        one has `closed_at`: when it was completed or, as a cancelled action was never
        completed, when its status last changed."""
        last_change = (
            Event.objects.filter(
                subject_type="action",
                subject_id=OuterRef("pk"),
                verb=Event.Verb.ACTION_STATUS_CHANGED,
            )
            .order_by("-created_at", "-pk")
            .values("created_at")[:1]
        )
        closed = (Action.Status.DONE, Action.Status.CANCELLED)
        return (
            self.filter(owner=person)
            .annotate(
                closed_at=Case(
                    When(status__in=closed, then=Coalesce("completed_at", Subquery(last_change))),
                    output_field=models.DateTimeField(),
                )
            )
            .filter(Q(status__in=Action.OPEN_STATUSES) | Q(closed_at__gte=since))
            .select_related("session__release", "session__facilitator", "owner")
        )


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    BLOCKED = "blocked", _("Blocked")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class ActionKind(models.TextChoices):
    ACTION = "action", _("Action")
    MONITORING = "monitoring", _("Post-go-live monitoring")


class Action(LinksEvidence, Versioned):
    """Work the meeting assigned to someone, such as A1 or a post-go-live monitoring duty."""

    Status = ActionStatus

    Kind = ActionKind

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS, Status.BLOCKED)

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="actions"
    )
    # The session's release, kept beside the session by the services, so that the
    # database itself holds a code to one action per release (A1 of the first meeting is
    # still A1 when the second meeting adds A3).
    release = models.ForeignKey(
        Release,
        verbose_name=_("release"),
        on_delete=models.CASCADE,
        related_name="actions",
        editable=False,
    )
    code = models.CharField(_("code"), max_length=20)
    description = models.TextField(_("description"))
    owner = models.ForeignKey(
        Person, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="actions"
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ACTION)
    # Only an action the meeting flagged this way holds back the gate; any other open action
    # due before the deploy is a warning (bookkeeping left behind must not overrule a GO).
    before_deploy = models.BooleanField(_("must be done before deploy"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    status_reason = models.TextField(_("reason"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["kind", "code", "pk"]
        indexes = [
            models.Index(fields=["owner", "status", "due_date"], name="action_owner_idx"),
            models.Index(fields=["status", "due_date"], name="action_status_due_idx"),
            # A release's open actions by due date (the gate's question), without scanning
            # every release's open actions through the index above.
            models.Index(
                fields=["release", "status", "due_date"], name="action_release_status_due_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "code"], name="action_code_unique_per_release"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ActionStatus.values), name="action_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ActionKind.values), name="action_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="blocked") | ~Q(status_reason=""),
                name="action_blocked_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.description[:60]}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def is_overdue(self, today: dt.date | None = None) -> bool:
        if not self.is_open or self.due_date is None:
            return False
        return self.due_date < (today or self.session.local_today())


class EvidenceCategory(models.TextChoices):
    SUMMARY = "summary", _("Go/no-go summary")
    QA = "qa", _("QA")
    COMPLIANCE = "compliance", _("Compliance")
    FINOPS = "finops", _("FinOps")
    RISK = "risk", _("Risk")
    OTHER = "other", _("Other")


def _is_web_url(location: str) -> bool:
    """An http(s) link that parses, with a host; never raises, whatever is stored."""
    return bounds.is_web_url(location)


def _is_relative_path(location: str) -> bool:
    """`docs/compliance/x.md` or `./a/b`: no scheme, not absolute, not protocol-relative."""
    if not location or location.startswith(("/", "\\")) or any(c.isspace() for c in location):
        return False
    first = location.split("/", 1)[0]
    return ":" not in first and ".." not in location.split("/")


class Evidence(Versioned):
    """A document that backs the decision: a URL or a path in the team's repository."""

    Category = EvidenceCategory

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="evidence"
    )
    title = models.CharField(_("title"), max_length=300)
    location = models.CharField(_("location"), max_length=1000)
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.OTHER
    )
    verified = models.BooleanField(_("verified"), default=False)
    verified_by = by_login(_("verified by"))
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    # What the evidence backs, if anything more precise than the session.
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence"
    )
    readiness_check = models.ForeignKey(
        ReadinessCheck, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence"
    )
    condition = models.ForeignKey(
        Condition, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence"
    )
    action = models.ForeignKey(
        Action, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence"
    )

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=EvidenceCategory.values),
                name="evidence_category_valid",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        agenda_item__isnull=True,
                        readiness_check__isnull=True,
                        condition__isnull=True,
                    )
                    | Q(
                        agenda_item__isnull=True, readiness_check__isnull=True, action__isnull=True
                    )
                    | Q(agenda_item__isnull=True, condition__isnull=True, action__isnull=True)
                    | Q(readiness_check__isnull=True, condition__isnull=True, action__isnull=True)
                ),
                name="evidence_backs_one_thing",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_url(self) -> bool:
        return _is_web_url(self.location)

    @property
    def is_repository_path(self) -> bool:
        return _is_relative_path(self.location)

    def href(self) -> str:
        """Where a link to it should point, or "" when it must stay plain text.

        Only http(s) URLs and relative repository paths (with REPOSITORY_URL set) become
        links; anything else, such as `javascript:...`, is shown as text.
        """
        if self.is_url:
            return self.location
        if self.is_repository_path and settings.REPOSITORY_URL:
            return f"{settings.REPOSITORY_URL}/{self.location.removeprefix('./')}"
        return ""
