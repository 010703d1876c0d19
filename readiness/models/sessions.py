"""A release's go/no-go meetings: who took part, the agenda, the areas' readiness."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from readiness import bounds, timefmt
from readiness.models.base import (
    PREFETCHED_EVIDENCE,
    LinksEvidence,
    Versioned,
    by_login,
    distinct_values,
    of_team,
)
from readiness.models.people import Person
from readiness.models.releases import Release

if TYPE_CHECKING:
    from readiness.models.decisions import Decision


def local_today_by_zone() -> dict[str, dt.date]:
    """Today's date in each time zone a session was held in (one small query); a stored
    zone that no longer reads counts as UTC."""
    now = timezone.now()
    zones = distinct_values(Session, "time_zone")
    return {zone: now.astimezone(bounds.zone_or_utc(zone)).date() for zone in zones}


class RecordsEvidence(Prefetch):
    """The sessions' evidence, which `link_evidence` then hands to the records it backs."""


class SessionQuerySet(models.QuerySet):
    def with_everything(self) -> SessionQuerySet:
        """Everything a session shows, in a fixed number of queries whatever its size."""
        from readiness.models import Action, Condition, Decision, Evidence, SignOff, Vote

        return self.select_related("facilitator", "release__product_owner").prefetch_related(
            Prefetch("participants", queryset=Participant.objects.select_related("person")),
            "agenda_items",
            Prefetch(
                "readiness_checks",
                queryset=ReadinessCheck.objects.prefetch_related(
                    Prefetch(
                        "items",
                        queryset=ChecklistItem.objects.select_related(
                            "set_by", "exempted_by", "session"
                        ),
                    ),
                ),
            ),
            Prefetch(
                "decisions",
                queryset=Decision.objects.select_related("recorded_by").prefetch_related(
                    Prefetch(
                        "conditions",
                        queryset=Condition.objects.select_related("owner", "satisfied_by"),
                    ),
                    Prefetch("votes", queryset=Vote.objects.select_related("participant__person")),
                    Prefetch(
                        "signoffs",
                        queryset=SignOff.objects.select_related(
                            "participant__person", "recorded_by"
                        ),
                    ),
                ),
            ),
            Prefetch("actions", queryset=Action.objects.select_related("owner")),
            RecordsEvidence("evidence", queryset=Evidence.objects.select_related("verified_by")),
            "addenda",
        )

    def links_evidence(self) -> bool:
        """Whether the sessions it loads get their records' evidence (`with_everything`)."""
        lookups = self._prefetch_related_lookups
        return any(isinstance(lookup, RecordsEvidence) for lookup in lookups)

    def _prefetch_related_objects(self) -> None:
        # Django's step that runs the prefetches, once the sessions are read; also when
        # they are a release's (`Release.objects.with_everything()`): a reverse relation's
        # prefetch reads its queryset whole. The release page's query-count test holds it.
        links = self.links_evidence()
        super()._prefetch_related_objects()
        if links:
            link_evidence(self._result_cache)


def link_evidence(sessions: list[Session]) -> None:
    """Hand each agenda item, check, condition and action of these sessions its evidence
    (`LinksEvidence.linked_evidence`), out of the sessions' own prefetched evidence.

    An item's evidence is recorded in the item's session (`services.evidence_add` holds to
    it), except an action's: one carried into a later session can be marked done there,
    with evidence of that session. One query, by the actions' session, reads those. This
    replaces a prefetch per kind of record, each with a list of every record's id: on a
    meeting of 200 actions and 200 agenda items, 10 of the 33 ms it took to load.
    """
    from readiness.models import Evidence

    if not sessions:
        return
    evidence = [ev for session in sessions for ev in session.evidence.all()]
    if any(session.actions.all() for session in sessions):
        evidence += (
            Evidence.objects.select_related("verified_by")
            .filter(action__session__in=sessions)
            .exclude(session__in=sessions)
        )
    backing: dict[tuple[str, int], list] = {}
    for ev in sorted(evidence, key=lambda ev: ev.pk):
        for field in ("agenda_item_id", "readiness_check_id", "condition_id", "action_id"):
            if (target := getattr(ev, field)) is not None:
                backing.setdefault((field, target), []).append(ev)
                break
    for session in sessions:
        records = [
            *(("agenda_item_id", item) for item in session.agenda_items.all()),
            *(("readiness_check_id", check) for check in session.readiness_checks.all()),
            *(
                ("condition_id", condition)
                for decision in session.decisions.all()
                for condition in decision.conditions.all()
            ),
            *(("action_id", action) for action in session.actions.all()),
        ]
        for field, record in records:
            record.__dict__[PREFETCHED_EVIDENCE] = backing.get((field, record.pk), [])


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
        indexes = [
            models.Index(fields=["release", "scheduled_at"], name="session_release_idx"),
            # The zones sessions were held in, walked by `local_today_by_zone`.
            models.Index(fields=["time_zone"], name="session_time_zone_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=SessionStatus.values), name="session_status_valid"
            ),
        ]

    def __str__(self) -> str:
        local = self.local_scheduled_at
        return f"{self.title} – {local:%Y-%m-%d %H:%M} {timefmt.zone_name(local)}"

    @property
    def tzinfo(self) -> dt.tzinfo:
        """The session's zone; UTC when the stored name is not in the zone database, so
        that a page can still show it (with the zone marked invalid)."""
        return bounds.zone_or_utc(self.time_zone)

    @property
    def has_valid_time_zone(self) -> bool:
        return bounds.zone_or_none(self.time_zone) is not None

    @property
    def local_scheduled_at(self) -> dt.datetime:
        """The time in the session's zone; as stored (UTC) when it cannot be shown there."""
        return bounds.local_or_none(self.scheduled_at, self.tzinfo) or self.scheduled_at

    def local_today(self) -> dt.date:
        return timezone.now().astimezone(self.tzinfo).date()

    @property
    def is_closed(self) -> bool:
        return self.status == SessionStatus.CLOSED

    @property
    def next_action_code(self) -> str:
        """The next free A-number (A1, A2...) across every session of the release (one
        query): a code names one action in the whole release."""
        from readiness.models import Action

        codes = Action.objects.filter(release_id=self.release_id).values_list("code", flat=True)
        numbers = [int(c[1:]) for c in codes if c[:1] == "A" and c[1:].isdigit()]
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

    def earlier_sessions(self) -> models.QuerySet[Session]:
        """The release's sessions held before this one (same time: by creation order)."""
        return Session.objects.filter(release_id=self.release_id).filter(
            Q(scheduled_at__lt=self.scheduled_at)
            | Q(scheduled_at=self.scheduled_at, pk__lt=self.pk)
        )

    def follow_ups(self) -> tuple[models.QuerySet, models.QuerySet]:
        """What earlier sessions of the release left open: actions, and unmet conditions of
        their current decisions."""
        from readiness.models import Action, Condition

        earlier = self.earlier_sessions()
        actions = (
            Action.objects.open()
            .filter(session__in=earlier)
            .select_related("owner", "session__release", "session__facilitator")
            .prefetch_related("evidence")
            .order_by("session__scheduled_at", "session_id", "kind", "code", "pk")
        )
        conditions = Condition.objects.filter(
            decision__session__in=earlier, decision__is_current=True, satisfied_at__isnull=True
        ).select_related("owner", "decision__session__release")
        return actions, conditions

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
    # The person's title as it was at this meeting: later meetings may give them another,
    # and the minutes of this one must not change with it.
    title = models.CharField(_("title at the meeting"), max_length=200, blank=True)
    area = models.CharField(_("area"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    attendance = models.CharField(
        _("attendance"), max_length=20, choices=Attendance.choices, default=Attendance.CONFIRMED
    )

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["role", "pk"]
        indexes = [
            # The areas voting members spoke for, walked by the history's area filter.
            models.Index(
                fields=["area"],
                name="participant_member_area_idx",
                condition=Q(role=ParticipantRole.MEMBER) & ~Q(area=""),
            )
        ]
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


class AgendaItem(LinksEvidence, Versioned):
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


class ReadinessCheck(LinksEvidence, Versioned):
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


class ChecklistItemState(models.TextChoices):
    PENDING = "pending", _("Pending")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")


class ChecklistItem(Versioned):
    """One item of an area's checklist (for QA: E2E, contract tests, performance...), set
    by a person on the session page or by a pipeline through the API."""

    State = ChecklistItemState

    readiness_check = models.ForeignKey(
        ReadinessCheck,
        verbose_name=_("readiness check"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    # The check's session, kept beside it by the services: locks and Events go by session.
    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="checklist_items",
        editable=False,
    )
    key = models.CharField(_("key"), max_length=100)
    label = models.CharField(_("item"), max_length=200)
    position = models.PositiveIntegerField(_("position"), default=0)
    required = models.BooleanField(_("required"), default=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PENDING
    )
    evidence_url = models.CharField(_("evidence"), max_length=1000, blank=True)
    set_by = by_login(_("set by"))
    # The API token's name when a pipeline set it; blank when a person did on the page.
    set_by_token = models.CharField(_("set by the token"), max_length=200, blank=True)
    set_at = models.DateTimeField(_("set at"), null=True, blank=True)
    exempt_reason = models.TextField(_("reason for the exemption"), blank=True)
    exempt_until = models.DateField(_("exempt until"), null=True, blank=True)
    exempted_by = by_login(_("exempted by"))

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["readiness_check", "key"], name="checklist_key_once"),
            models.CheckConstraint(
                condition=Q(state__in=ChecklistItemState.values), name="checklist_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(exempt_until__isnull=True) | ~Q(exempt_reason=""),
                name="checklist_exemption_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.label or self.key

    def is_exempt(self, today: dt.date) -> bool:
        """Exempted through `today` (the session's day); an expired exemption is none."""
        return self.exempt_until is not None and today <= self.exempt_until

    def blocks(self, today: dt.date) -> bool:
        """Required, not passed and not exempted: the gate's `checklist`."""
        return (
            self.required
            and self.state != ChecklistItemState.PASSED
            and not (self.is_exempt(today))
        )

    @property
    def is_blocking(self) -> bool:
        return self.blocks(self.session.local_today())

    @property
    def exemption_expired(self) -> bool:
        return self.exempt_until is not None and not self.is_exempt(self.session.local_today())


class SessionTemplate(models.Model):
    """A saved agenda, set of readiness areas and sign-off policy to start a session from."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    # [{"title": str, "time_box_minutes": int | None}, ...]
    agenda = models.JSONField(_("agenda"), default=list)
    # ["QA", "Compliance", ...]
    areas = models.JSONField(_("readiness areas"), default=list)
    # {"QA": [{"key": "e2e", "label": "E2E", "required": true}, ...], ...}
    checklists = models.JSONField(_("checklists"), default=dict, blank=True)
    # The sign-off policy a release scheduled from it takes before its first decision, as
    # Policy.as_dict() gives it; None when the template brings no policy.
    policy = models.JSONField(_("sign-off policy"), null=True, blank=True, default=None)
    # The team whose facilitators saved it and whose sessions it is offered to; one
    # without a team is offered to every team.
    team = of_team("templates")
    created_by = by_login(_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("session template")
        verbose_name_plural = _("session templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Addendum(models.Model):
    """A note added to the minutes after the session closed, with its author and time."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="addenda"
    )
    text = models.TextField(_("addendum"))
    author = by_login(_("author"))
    author_name = models.CharField(_("author (name)"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        verbose_name = _("addendum")
        verbose_name_plural = _("addenda")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:80]
