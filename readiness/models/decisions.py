"""What a meeting decided, append-only, with its conditions and votes."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from readiness.models.base import ChoiceLabels, LinksEvidence, Versioned, by_login
from readiness.models.people import Person
from readiness.models.sessions import Participant, Session


class DecisionOutcome(models.TextChoices):
    GO = "go", _("GO")
    CONDITIONAL_GO = "conditional_go", _("GO with conditions")
    NO_GO = "no_go", _("NO-GO")
    POSTPONED = "postponed", _("Postponed")


class DecisionMethod(models.TextChoices):
    CONSENSUS = "consensus", _("Consensus")
    VOTE = "vote", _("Vote")


class DecisionApproval(models.TextChoices):
    """Whether a decision needed its approvers' sign-off, and where that stands."""

    NOT_REQUIRED = "not_required", _("In force")
    MINUTES = "minutes", _("In force as the minutes record it")
    PENDING = "pending", _("Pending sign-off")
    SIGNED = "signed", _("Signed off")
    REJECTED = "rejected", _("Rejected at sign-off")


# A post-go-live review still to hold: a GO (conditional or not) in force with a review date.
REVIEW_DUE = Q(
    is_current=True,
    outcome__in=(DecisionOutcome.GO, DecisionOutcome.CONDITIONAL_GO),
    review_on__isnull=False,
    review_done_at__isnull=True,
)


class DecisionQuerySet(models.QuerySet):
    def in_force_for(self, release) -> DecisionQuerySet:
        """Each session's current decision for `release` (a release, or an `OuterRef` to
        one), latest first: the first is the release's decision in force."""
        return self.filter(session__release=release, is_current=True).order_by(
            "-recorded_at", "-pk"
        )

    def reviews_for(self, person: Person) -> DecisionQuerySet:
        """Post-go-live reviews still to hold by the facilitator of the session that decided."""
        return (
            self.filter(REVIEW_DUE, session__facilitator=person)
            .select_related("session__release")
            .order_by("review_on", "pk")
        )

    def reviews_worked_by(self, person: Person, since: dt.datetime) -> DecisionQuerySet:
        """The reviews still to hold by the facilitator, and those held since `since`, in
        one query (what /me/ lists)."""
        return self.filter(
            REVIEW_DUE | Q(review_done_at__gte=since), session__facilitator=person
        ).select_related("session__release")


class Decision(ChoiceLabels, models.Model):
    """What the meeting decided. Append-only: a change is a new row superseding the old one.

    Holding the post-go-live review is recorded next to the decision (`review_done_at`),
    which leaves what was decided (outcome, rationale, conditions) untouched.
    """

    Outcome = DecisionOutcome

    Method = DecisionMethod

    Approval = DecisionApproval

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="decisions"
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    rationale = models.TextField(_("rationale"), blank=True)
    method = models.CharField(
        _("decided by"), max_length=20, choices=Method.choices, default=Method.CONSENSUS
    )
    review_on = models.DateField(_("post-go-live review"), null=True, blank=True)
    recorded_by = by_login(_("recorded by"))
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
    review_done_by = by_login(_("review recorded by"))
    approval = models.CharField(
        _("sign-off"),
        max_length=20,
        choices=DecisionApproval.choices,
        default=DecisionApproval.NOT_REQUIRED,
    )
    # When it came into force: when recorded, or when the last sign-off it needed came in.
    in_force_at = models.DateTimeField(_("in force since"), null=True, blank=True)

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
            models.CheckConstraint(
                condition=Q(approval__in=DecisionApproval.values), name="decision_approval_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.get_outcome_display()

    @property
    def is_conditional(self) -> bool:
        return self.outcome == self.Outcome.CONDITIONAL_GO

    @property
    def is_pending_signoff(self) -> bool:
        return self.approval == DecisionApproval.PENDING


def _minute(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=0, microsecond=0)


class ConditionState(models.TextChoices):
    """A condition's state, the one word every page and export uses for it."""

    OPEN = "open", _("Open")
    EXPIRED = "expired", _("Expired")
    SATISFIED = "satisfied", _("Satisfied")
    SATISFIED_LATE = "satisfied_late", _("Satisfied late")


# A condition its owner still owes: unsatisfied, of a decision still in force.
CONDITION_OWED = Q(satisfied_at__isnull=True, decision__is_current=True)


class ConditionQuerySet(models.QuerySet):
    def owed_by(self, person: Person) -> ConditionQuerySet:
        """The person's unsatisfied conditions of decisions still in force."""
        return (
            self.filter(CONDITION_OWED, owner=person)
            .select_related("decision__session__release")
            .order_by("deadline", "pk")
        )

    def worked_by(self, person: Person, since: dt.datetime) -> ConditionQuerySet:
        """The person's unsatisfied conditions of decisions in force, and those they
        satisfied since `since`, in one query (what /me/ lists)."""
        return self.filter(
            CONDITION_OWED | Q(satisfied_at__gte=since), owner=person
        ).select_related("decision__session__release")


class Condition(LinksEvidence, Versioned):
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
    satisfied_by = by_login(_("satisfied by"))
    satisfied_note = models.TextField(_("how it was satisfied"), blank=True)
    # When the facilitator was told that the deadline passed unsatisfied; they are told once.
    expiry_notified_at = models.DateTimeField(_("expiry notified at"), null=True, blank=True)

    objects = ConditionQuerySet.as_manager()

    State = ConditionState

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
        return self.state_at(now) == ConditionState.EXPIRED

    def state_at(self, now: dt.datetime) -> str:
        """Open, expired (deadline passed, unsatisfied), satisfied, or satisfied late."""
        if self.satisfied_at is not None:
            # Late counts in whole minutes, as every page and the minutes show the times.
            late = self.deadline is not None and _minute(self.satisfied_at) > _minute(
                self.deadline
            )
            return ConditionState.SATISFIED_LATE if late else ConditionState.SATISFIED
        if self.deadline is not None and self.deadline <= now:
            return ConditionState.EXPIRED
        return ConditionState.OPEN

    @property
    def state(self) -> str:
        return self.state_at(timezone.now())

    @property
    def state_label(self) -> str:
        return str(ConditionState(self.state).label)


class VoteChoice(models.TextChoices):
    GO = "go", _("Go")
    NO_GO = "no_go", _("No-go")
    ABSTAIN = "abstain", _("Abstain")


class Vote(ChoiceLabels, models.Model):
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
