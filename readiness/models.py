"""The go/no-go domain: releases, their meetings, what was decided, owed and shown."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Count, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _


def release_slug(planned_date: dt.date, name: str) -> str:
    """`2024-07-15-billing-gateway`: the form the teams' evidence paths already use."""
    return f"{planned_date.isoformat()}-{slugify(name)}"[:120].rstrip("-")


class Versioned(models.Model):
    """A record people edit: `version` grows on every change so that a stale edit is refused."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


class Person(Versioned):
    """Someone who attends, decides or owes work; one row across all releases."""

    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=200, blank=True)
    # The date of the meeting the title was last seen in, so an older document does not
    # overwrite a newer title.
    title_as_of = models.DateField(_("title as of"), null=True, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="person_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.title})" if self.title else self.name


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


def local_today_by_zone() -> dict[str, dt.date]:
    """Today's date in each time zone a session was held in (one small query)."""
    now = timezone.now()
    zones = Session.objects.order_by().values_list("time_zone", flat=True).distinct()
    return {zone: now.astimezone(zoneinfo.ZoneInfo(zone)).date() for zone in zones}


def overdue_actions_q(today_by_zone: dict[str, dt.date], prefix: str = "") -> Q:
    """Open actions whose due date is before today in their session's time zone."""
    by_date: dict[dt.date, list[str]] = {}
    for zone, today in today_by_zone.items():
        by_date.setdefault(today, []).append(zone)
    late = Q(pk__in=[])
    for today, zones in by_date.items():
        late |= Q(**{f"{prefix}session__time_zone__in": zones, f"{prefix}due_date__lt": today})
    return Q(**{f"{prefix}status__in": Action.OPEN_STATUSES}) & late


class ReleaseQuerySet(models.QuerySet):
    def with_summary(self) -> ReleaseQuerySet:
        """What a list row shows, computed in the same query as the releases."""
        current = Decision.objects.filter(session__release=OuterRef("pk"), is_current=True)
        current = current.order_by("-recorded_at", "-pk")
        open_actions = (
            Action.objects.filter(session__release=OuterRef("pk"), status__in=Action.OPEN_STATUSES)
            .order_by()
            .values("session__release")
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

    def with_current_outcome(self) -> ReleaseQuerySet:
        """`current_outcome`: the outcome of the latest decision in force, None if undecided."""
        current = Decision.objects.filter(session__release=OuterRef("pk"), is_current=True)
        current = current.order_by("-recorded_at", "-pk")
        return self.annotate(current_outcome=Subquery(current.values("outcome")[:1]))

    def with_history_row(self, today_by_zone: dict[str, dt.date]) -> ReleaseQuerySet:
        """What a history row shows, as correlated subqueries in the releases' own query.

        `today_by_zone` comes from `local_today_by_zone()`: "overdue" is judged against
        today's date in each session's own time zone.
        """
        latest_session = Session.objects.filter(release=OuterRef("pk")).order_by(
            "-scheduled_at", "-pk"
        )
        conditions = Condition.objects.filter(decision__is_current=True)
        actions = Action.objects.exclude(status=Action.Status.CANCELLED)
        # The rank is read in its own subquery: a CASE over `current_outcome` would repeat
        # that subquery once per outcome.
        current = Decision.objects.filter(session__release=OuterRef("pk"), is_current=True)
        ranked = current.order_by("-recorded_at", "-pk").annotate(
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
            action_count=_count(actions, "session__release"),
            action_done_count=_count(actions, "session__release", Q(status=Action.Status.DONE)),
            action_overdue_count=_count(
                actions, "session__release", overdue_actions_q(today_by_zone)
            ),
        )

    # The filters below are uncorrelated `IN (subquery)`: the database works the set of
    # matching releases out once, instead of probing once per release.

    def with_overdue_actions(self, today_by_zone: dict[str, dt.date]) -> ReleaseQuerySet:
        overdue = Action.objects.filter(overdue_actions_q(today_by_zone))
        return self.filter(pk__in=overdue.values("session__release"))

    def with_open_conditions(self) -> ReleaseQuerySet:
        open_conditions = Condition.objects.filter(
            decision__is_current=True, satisfied_at__isnull=True
        )
        return self.filter(pk__in=open_conditions.values("decision__session__release"))

    def in_area(self, area: str) -> ReleaseQuerySet:
        """Releases where a voting member spoke for `area` in one of the sessions."""
        members = Participant.objects.filter(role=ParticipantRole.MEMBER, area=area)
        return self.filter(pk__in=members.values("session__release"))

    def with_everything(self) -> ReleaseQuerySet:
        """Everything the release page shows, in a fixed number of queries."""
        return self.prefetch_related(
            Prefetch("sessions", queryset=Session.objects.with_everything())
        )


class SessionQuerySet(models.QuerySet):
    def with_everything(self) -> SessionQuerySet:
        """Everything a session shows, in a fixed number of queries whatever its size."""
        return self.select_related("facilitator", "release__product_owner").prefetch_related(
            Prefetch("participants", queryset=Participant.objects.select_related("person")),
            Prefetch("agenda_items", queryset=AgendaItem.objects.prefetch_related("evidence")),
            Prefetch(
                "readiness_checks", queryset=ReadinessCheck.objects.prefetch_related("evidence")
            ),
            Prefetch(
                "decisions",
                queryset=Decision.objects.select_related("recorded_by").prefetch_related(
                    Prefetch(
                        "conditions",
                        queryset=Condition.objects.select_related(
                            "owner", "satisfied_by"
                        ).prefetch_related("evidence"),
                    ),
                    Prefetch("votes", queryset=Vote.objects.select_related("participant__person")),
                ),
            ),
            Prefetch(
                "actions",
                queryset=Action.objects.select_related("owner").prefetch_related("evidence"),
            ),
            Prefetch("evidence", queryset=Evidence.objects.select_related("verified_by")),
            "addenda",
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
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

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

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("releases:detail", args=[self.slug])


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")


class Session(Versioned):
    """One go/no-go meeting of a release."""

    Status = SessionStatus

    release = models.ForeignKey(
        Release, verbose_name=_("release"), on_delete=models.CASCADE, related_name="sessions"
    )
    title = models.CharField(_("title"), max_length=200, default="Go/No-Go")
    scheduled_at = models.DateTimeField(_("scheduled at"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="America/Sao_Paulo")
    objective = models.TextField(_("objective"), blank=True)
    facilitator = models.ForeignKey(
        Person,
        verbose_name=_("facilitator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="facilitated_sessions",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    notes = models.TextField(_("notes"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The agenda item being discussed right now, highlighted for everyone in the room.
    current_agenda_item = models.ForeignKey(
        "AgendaItem",
        verbose_name=_("being discussed"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Grows with every change to anything in the session: the live view's cheap question
    # "has anything changed since revision N?" is one primary-key lookup.
    revision = models.PositiveBigIntegerField(_("revision"), default=0, editable=False)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["scheduled_at", "pk"]
        indexes = [models.Index(fields=["release", "scheduled_at"], name="session_release_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=SessionStatus.values), name="session_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} – {self.local_scheduled_at:%Y-%m-%d %H:%M}"

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def local_scheduled_at(self) -> dt.datetime:
        return self.scheduled_at.astimezone(self.tzinfo)

    def local_today(self) -> dt.date:
        return timezone.now().astimezone(self.tzinfo).date()

    @property
    def is_closed(self) -> bool:
        return self.status == SessionStatus.CLOSED

    @property
    def next_action_code(self) -> str:
        """The next free A-number (A1, A2...), from the (prefetched) actions."""
        numbers = [
            int(a.code[1:])
            for a in self.actions.all()
            if a.code[:1] == "A" and a.code[1:].isdigit()
        ]
        return f"A{max(numbers, default=0) + 1}"

    @property
    def members(self) -> list[Participant]:
        return [p for p in self.participants.all() if not p.is_observer]

    @property
    def observers(self) -> list[Participant]:
        return [p for p in self.participants.all() if p.is_observer]

    @property
    def current_decision(self) -> Decision | None:
        """The decision in force; uses the prefetched decisions when there are some."""
        return next((d for d in self.decisions.all() if d.is_current), None)

    @property
    def superseded_decisions(self) -> list[Decision]:
        return [d for d in self.decisions.all() if not d.is_current]

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("sessions:detail", args=[self.release.slug, self.pk])

    get_workspace_url = get_absolute_url


class ParticipantRole(models.TextChoices):
    MEMBER = "member", _("Voting member")
    OBSERVER = "observer", _("Observer")


class ParticipantAttendance(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")


class Participant(Versioned):
    Role = ParticipantRole

    Attendance = ParticipantAttendance

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="participants"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="participations"
    )
    area = models.CharField(_("area"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    attendance = models.CharField(
        _("attendance"), max_length=20, choices=Attendance.choices, default=Attendance.CONFIRMED
    )

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["role", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="participant_once"),
            models.CheckConstraint(
                condition=Q(role__in=ParticipantRole.values), name="participant_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(attendance__in=ParticipantAttendance.values),
                name="participant_attendance_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} ({self.area or self.get_role_display()})"

    @property
    def is_observer(self) -> bool:
        return self.role == self.Role.OBSERVER


class AgendaItem(Versioned):
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="agenda_items"
    )
    position = models.PositiveIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=300)
    time_box_minutes = models.PositiveIntegerField(_("time box (minutes)"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    discussed = models.BooleanField(_("discussed"), default=False)
    discussion_started_at = models.DateTimeField(_("discussion started"), null=True, blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["session", "position"], name="agenda_session_idx")]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class ReadinessCheckStatus(models.TextChoices):
    NOT_ASSESSED = "not_assessed", _("Not assessed")
    GREEN = "green", _("Green: ready")
    AMBER = "amber", _("Amber: ready with reservations")
    RED = "red", _("Red: not ready")


class ReadinessCheck(Versioned):
    """How ready one area (QA, compliance, FinOps, residual risk...) says it is."""

    Status = ReadinessCheckStatus

    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="readiness_checks",
    )
    area = models.CharField(_("area"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_ASSESSED
    )
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        verbose_name = _("readiness check")
        verbose_name_plural = _("readiness checks")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "area"], name="check_area_once"),
            models.CheckConstraint(
                condition=Q(status__in=ReadinessCheckStatus.values), name="check_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area}: {self.get_status_display()}"


class DecisionOutcome(models.TextChoices):
    GO = "go", _("GO")
    CONDITIONAL_GO = "conditional_go", _("GO with conditions")
    NO_GO = "no_go", _("NO-GO")
    POSTPONED = "postponed", _("Postponed")


class DecisionMethod(models.TextChoices):
    CONSENSUS = "consensus", _("Consensus")
    VOTE = "vote", _("Vote")


class DecisionQuerySet(models.QuerySet):
    def reviews_for(self, person: Person) -> DecisionQuerySet:
        """Post-go-live reviews still to hold by the facilitator of the session that decided."""
        return (
            self.filter(
                session__facilitator=person,
                is_current=True,
                outcome__in=(DecisionOutcome.GO, DecisionOutcome.CONDITIONAL_GO),
                review_on__isnull=False,
                review_done_at__isnull=True,
            )
            .select_related("session__release")
            .order_by("review_on", "pk")
        )


class Decision(models.Model):
    """What the meeting decided. Append-only: a change is a new row superseding the old one.

    Holding the post-go-live review is recorded next to the decision (`review_done_at`),
    which leaves what was decided (outcome, rationale, conditions) untouched.
    """

    Outcome = DecisionOutcome

    Method = DecisionMethod

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="decisions"
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    rationale = models.TextField(_("rationale"), blank=True)
    method = models.CharField(
        _("decided by"), max_length=20, choices=Method.choices, default=Method.CONSENSUS
    )
    review_on = models.DateField(_("post-go-live review"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    is_current = models.BooleanField(_("current"), default=True)
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("supersedes"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    review_done_at = models.DateTimeField(_("review held at"), null=True, blank=True)
    review_done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("review recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-recorded_at", "-pk"]
        get_latest_by = "recorded_at"
        indexes = [models.Index(fields=["outcome", "recorded_at"], name="decision_outcome_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["session"], condition=Q(is_current=True), name="decision_one_current"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=DecisionOutcome.values), name="decision_outcome_valid"
            ),
            models.CheckConstraint(
                condition=Q(method__in=DecisionMethod.values), name="decision_method_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.get_outcome_display()

    @property
    def is_conditional(self) -> bool:
        return self.outcome == self.Outcome.CONDITIONAL_GO


class ConditionQuerySet(models.QuerySet):
    def owed_by(self, person: Person) -> ConditionQuerySet:
        """The person's unsatisfied conditions of decisions still in force."""
        return (
            self.filter(owner=person, satisfied_at__isnull=True, decision__is_current=True)
            .select_related("decision__session__release")
            .order_by("deadline", "pk")
        )

    def satisfied_by_owner(self, person: Person, since: dt.datetime) -> ConditionQuerySet:
        return (
            self.filter(owner=person, satisfied_at__gte=since)
            .select_related("decision__session__release")
            .order_by("-satisfied_at", "-pk")
        )


class Condition(Versioned):
    """One clause a conditional GO depends on, such as running the `BILL-230` check."""

    decision = models.ForeignKey(
        Decision, verbose_name=_("decision"), on_delete=models.CASCADE, related_name="conditions"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    text = models.TextField(_("condition"))
    reference = models.CharField(_("ticket reference"), max_length=100, blank=True)
    owner = models.ForeignKey(
        Person,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conditions",
    )
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    satisfied_at = models.DateTimeField(_("satisfied at"), null=True, blank=True)
    satisfied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("satisfied by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    satisfied_note = models.TextField(_("how it was satisfied"), blank=True)
    # When the facilitator was told that the deadline passed unsatisfied; they are told once.
    expiry_notified_at = models.DateTimeField(_("expiry notified at"), null=True, blank=True)

    objects = ConditionQuerySet.as_manager()

    class Meta:
        verbose_name = _("condition")
        verbose_name_plural = _("conditions")
        ordering = ["position", "pk"]
        indexes = [
            models.Index(fields=["owner", "satisfied_at", "deadline"], name="condition_owner_idx")
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_satisfied(self) -> bool:
        return self.satisfied_at is not None

    def is_expired(self, now: dt.datetime) -> bool:
        """Its deadline passed and it is still unsatisfied."""
        return not self.is_satisfied and self.deadline is not None and self.deadline <= now


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

    def closed_by(self, person: Person, since: dt.datetime) -> ActionQuerySet:
        """The person's actions done or cancelled since `since`, newest first."""
        return (
            self.filter(
                owner=person,
                status__in=(Action.Status.DONE, Action.Status.CANCELLED),
                completed_at__gte=since,
            )
            .select_related("session__release", "session__facilitator", "owner")
            .order_by("-completed_at", "-pk")
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


class Action(Versioned):
    """Work the meeting assigned to someone, such as A1 or a post-go-live monitoring duty."""

    Status = ActionStatus

    Kind = ActionKind

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS, Status.BLOCKED)

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="actions"
    )
    code = models.CharField(_("code"), max_length=20)
    description = models.TextField(_("description"))
    owner = models.ForeignKey(
        Person, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="actions"
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ACTION)
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
        ]
        constraints = [
            models.UniqueConstraint(fields=["session", "code"], name="action_code_unique"),
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
    parts = urlsplit(location)
    return parts.scheme in {"http", "https"} and bool(parts.netloc) and " " not in location


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
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
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


EVENT_VERBS = {
    "person.created": _("added the person"),
    "person.updated": _("updated the person"),
    "person.login_linked": _("linked a login to"),
    "release.created": _("created the release"),
    "release.imported": _("imported the minutes of"),
    "release.deleted": _("deleted the release"),
    "release.status_changed": _("changed the status of"),
    "session.scheduled": _("scheduled"),
    "session.closed": _("closed"),
    "participant.added": _("added the participant"),
    "agenda_item.added": _("added the agenda item"),
    "readiness_check.added": _("added the readiness check"),
    "readiness_check.updated": _("updated the readiness check"),
    "decision.recorded": _("recorded the decision"),
    "decision.superseded": _("superseded the decision"),
    "condition.added": _("added the condition"),
    "condition.satisfied": _("marked satisfied"),
    "condition.expiry_notified": _("told the facilitator about the expired condition"),
    "action.created": _("assigned"),
    "action.status_changed": _("changed the status of"),
    "action.updated": _("updated the action"),
    "decision.review_done": _("held the post-go-live review of"),
    "session.minutes_sent": _("sent the minutes of"),
    "user_settings.created": _("saved their settings"),
    "user_settings.updated": _("changed their settings"),
    "user_settings.feed_regenerated": _("regenerated their calendar feed address"),
    "evidence.added": _("linked the evidence"),
    "evidence.verified": _("verified the evidence"),
    "api_token.created": _("created the API token"),
    "api_token.revoked": _("revoked the API token"),
    "webhook.created": _("registered the webhook"),
    "webhook.deleted": _("removed the webhook"),
}


class Event(models.Model):
    """The log every change writes: who did what to which record, when, before and after."""

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text too, so the log still says who it was if the login is deleted.
    actor_name = models.CharField(_("who (name)"), max_length=200, blank=True)
    verb = models.CharField(_("what"), max_length=60)
    subject_type = models.CharField(_("record type"), max_length=60)
    subject_id = models.BigIntegerField(_("record id"))
    subject_repr = models.CharField(_("record"), max_length=300)
    release = models.ForeignKey(
        Release,
        verbose_name=_("release"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    # A change made after its session was closed: shown apart, as an addendum to the minutes.
    is_addendum = models.BooleanField(_("addendum"), default=False)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["release", "-created_at"], name="event_release_idx"),
            models.Index(fields=["subject_type", "subject_id"], name="event_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name or '-'} {self.verb}"

    @property
    def verb_label(self) -> str:
        return str(EVENT_VERBS.get(self.verb, self.verb))

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each field a person changed (the version is bookkeeping)."""
        before, after = self.before or {}, self.after or {}
        if not before:
            return []
        keys = [k for k in after if k != "version" and before.get(k) != after.get(k)]
        return [(k, before.get(k), after.get(k)) for k in keys]


class SessionTemplate(models.Model):
    """A saved agenda and set of readiness areas to start a session from."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    # [{"title": str, "time_box_minutes": int | None}, ...]
    agenda = models.JSONField(_("agenda"), default=list)
    # ["QA", "Compliance", ...]
    areas = models.JSONField(_("readiness areas"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("session template")
        verbose_name_plural = _("session templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# --- Machine access: API tokens and webhooks ----------------------------------------------


API_TOKEN_PREFIX = "rdy_"


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A named credential a machine sends as `Authorization: Bearer rdy_...`.

    Only the SHA-256 of the token is kept: the token itself is shown once, when created.
    """

    EVENT_REDACTED = ("token_hash",)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    # The first characters of the token, so its owner can tell tokens apart.
    prefix = models.CharField(_("starts with"), max_length=16, editable=False)
    # When set, the token may only read this release's gate.
    release = models.ForeignKey(
        Release,
        verbose_name=_("only the gate of"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class WebhookEvent(models.TextChoices):
    DECISION_RECORDED = "decision.recorded", _("Decision recorded")
    CONDITION_SATISFIED = "condition.satisfied", _("Condition satisfied")
    RELEASE_READY = "release.ready", _("Release became ready")
    ACTION_DONE = "action.done", _("Action done")
    ACTION_BLOCKED = "action.blocked", _("Action blocked")


def _check_webhook_events(value: list[str]) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one event."))
    unknown = [v for v in value if v not in WebhookEvent.values]
    if unknown:
        raise ValidationError(_("Unknown events: %(events)s.") % {"events": ", ".join(unknown)})


def _check_web_url(value: str) -> None:
    if not _is_web_url(value):
        raise ValidationError(_("Give an http:// or https:// URL."))


class Webhook(models.Model):
    """A URL told about the release's events, or about every release's when global."""

    Event = WebhookEvent

    EVENT_REDACTED = ("secret",)

    url = models.URLField(_("URL"), max_length=500, validators=[_check_web_url])
    release = models.ForeignKey(
        Release,
        verbose_name=_("release"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhooks",
        help_text=_("Leave empty to hear about every release."),
    )
    events = models.JSONField(_("events"), default=list, validators=[_check_webhook_events])
    # The HMAC-SHA256 key the receiver verifies signatures with.
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    chat_format = models.BooleanField(
        _("chat-compatible body"),
        default=False,
        help_text=_('Send {"text": "..."}, which chat tools post as a readable line.'),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.url

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("webhooks:detail", args=[self.pk])

    @property
    def event_labels(self) -> list[str]:
        return [str(WebhookEvent(e).label) for e in self.events if e in WebhookEvent.values]


class VoteChoice(models.TextChoices):
    GO = "go", _("Go")
    NO_GO = "no_go", _("No-go")
    ABSTAIN = "abstain", _("Abstain")


class Vote(models.Model):
    """One voting member's sign-off for their area, when a decision is put to a vote."""

    Choice = VoteChoice

    decision = models.ForeignKey(
        Decision, verbose_name=_("decision"), on_delete=models.CASCADE, related_name="votes"
    )
    participant = models.ForeignKey(
        Participant, verbose_name=_("voter"), on_delete=models.PROTECT, related_name="votes"
    )
    area = models.CharField(_("area"), max_length=100, blank=True)
    choice = models.CharField(_("vote"), max_length=20, choices=VoteChoice.choices)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "participant"], name="vote_once"),
            models.CheckConstraint(
                condition=Q(choice__in=VoteChoice.values), name="vote_choice_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant.person.name}: {self.get_choice_display()}"


class Addendum(models.Model):
    """A note added to the minutes after the session closed, with its author and time."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="addenda"
    )
    text = models.TextField(_("addendum"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author_name = models.CharField(_("author (name)"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        verbose_name = _("addendum")
        verbose_name_plural = _("addenda")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


class WebhookDeliveryQuerySet(models.QuerySet):
    def due(self, now: dt.datetime) -> WebhookDeliveryQuerySet:
        """Attempts that have not been made yet and whose time has come."""
        return self.filter(attempted_at__isnull=True, next_attempt_at__lte=now)


class WebhookDelivery(models.Model):
    """One attempt at delivering one event to one webhook; a retry is a new row."""

    MAX_ATTEMPTS = 5

    webhook = models.ForeignKey(
        Webhook, verbose_name=_("webhook"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField(_("payload"))
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # When this attempt is due; cleared when a sender claims it.
    next_attempt_at = models.DateTimeField(_("due at"), null=True, blank=True)
    attempted_at = models.DateTimeField(_("attempted at"), null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="delivery_due_idx"),
            models.Index(fields=["webhook", "-created_at"], name="delivery_webhook_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.attempt} → {self.webhook.url}"

    @property
    def succeeded(self) -> bool:
        return self.delivered_at is not None


# --- People's own settings and reminders --------------------------------------------------


class UserSettings(models.Model):
    """A login's preferences: the language of its e-mails, reminders, its calendar feed.

    The feed token is a secret in a URL that calendar apps fetch without logging in; only
    its SHA-256 is kept, so it is shown once, when it is made.
    """

    EVENT_REDACTED = ("feed_token_hash",)

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="readiness_settings",
    )
    language = models.CharField(
        _("language of your e-mails"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    reminders = models.BooleanField(_("e-mail me a daily reminder of what is due"), default=True)
    feed_token_hash = models.CharField(
        _("feed token hash"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    feed_created_at = models.DateTimeField(_("feed address made at"), null=True, blank=True)

    class Meta:
        verbose_name = _("user settings")
        verbose_name_plural = _("user settings")

    def __str__(self) -> str:
        return str(_("Settings of %(user)s") % {"user": self.user})

    @classmethod
    def for_user(cls, user) -> UserSettings:
        """The saved settings, or the defaults (unsaved) for a login that never changed them."""
        found = cls.objects.filter(user=user).first()
        return found if found is not None else cls(user=user)


class ReminderSent(models.Model):
    """One daily reminder e-mailed to one person: the row makes a second run a no-op.

    A log, like webhook deliveries, written by `notifications.reminders_send`, not an Event.
    """

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="reminders"
    )
    day = models.DateField(_("day"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    items = models.PositiveIntegerField(_("items listed"), default=0)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        ordering = ["-day", "person"]
        constraints = [
            models.UniqueConstraint(fields=["person", "day"], name="reminder_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.day.isoformat()}"
