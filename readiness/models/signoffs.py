"""A release's sign-off policy, and the approvers' own sign-offs of a GO."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from readiness.models.base import ChoiceLabels, Versioned, by_login, of_team
from readiness.models.decisions import Decision
from readiness.models.releases import Release
from readiness.models.sessions import Participant


class PolicyRule(models.TextChoices):
    AREAS = "areas", _("Every required area approves")
    QUORUM = "quorum", _("N of the voting members approve")


class Policy(Versioned):
    """Who must sign a GO before it is in force, and how long it then holds.

    The row with neither release nor team is the site's default, and a row with a team is
    that team's default, which its new releases copy instead; a release gets its own copy
    when it is created, which it may adjust until its first decision. No required areas
    and no quorum means a GO is in force as soon as it is recorded."""

    Rule = PolicyRule

    release = models.OneToOneField(
        Release,
        verbose_name=_("release"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="policy",
    )
    team = of_team("policies")
    # ["QA", "Security", ...]
    required_areas = models.JSONField(_("required areas"), default=list, blank=True)
    rule = models.CharField(
        _("sign-off rule"), max_length=20, choices=PolicyRule.choices, default=PolicyRule.AREAS
    )
    quorum = models.PositiveIntegerField(_("approvals needed"), null=True, blank=True)
    owner_not_sole_approver = models.BooleanField(
        _("the product owner cannot be the only approver"), default=True
    )
    go_valid_days = models.PositiveIntegerField(_("days a GO stays valid"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-off policy")
        verbose_name_plural = _("sign-off policies")
        constraints = [
            # One policy per release, one default per team and one for the site (a NULL
            # release or team counted as 0).
            models.UniqueConstraint(
                Coalesce("release", models.Value(0)),
                Coalesce("team", models.Value(0)),
                name="policy_one_per_scope",
            ),
            models.CheckConstraint(
                condition=Q(release__isnull=True) | Q(team__isnull=True),
                name="policy_release_or_team",
            ),
            models.CheckConstraint(condition=Q(rule__in=PolicyRule.values), name="policy_rule"),
        ]

    def __str__(self) -> str:
        if self.release_id:
            return str(self.release)
        if self.team_id:
            return str(_("Default of the team %(team)s") % {"team": self.team})
        return str(_("Site default"))

    @property
    def scope_rank(self) -> int:
        """0 for a release's own, 1 for a team's default, 2 for the site's."""
        return 0 if self.release_id else 1 if self.team_id else 2

    @classmethod
    def defaults_q(cls, team_ids) -> Q:
        """The defaults that may apply to releases of these teams: theirs and the site's."""
        return Q(release__isnull=True) & (Q(team__isnull=True) | Q(team_id__in=team_ids))

    @classmethod
    def for_release(cls, release: Release) -> Policy:
        """The release's own policy, else its team's default, else the site's, else one
        requiring nothing (one query; none when the release was loaded with
        `select_related("policy")` and has a policy of its own)."""
        own = Release.policy.related
        if own.is_cached(release) and own.get_cached_value(release) is not None:
            return own.get_cached_value(release)
        found = sorted(
            cls.objects.filter(Q(release=release) | cls.defaults_q([release.team_id])),
            key=lambda p: p.scope_rank,
        )
        return found[0] if found else cls()

    @classmethod
    def default_for(cls, team) -> Policy | None:
        """The default a new release of `team` copies: the team's, else the site's."""
        found = sorted(cls.objects.filter(cls.defaults_q([team.pk])), key=lambda p: p.scope_rank)
        return found[0] if found else None

    @property
    def requires_signoff(self) -> bool:
        if self.rule == PolicyRule.QUORUM:
            return bool(self.quorum)
        return bool(self.required_areas)

    def is_required_area(self, area: str) -> bool:
        """Whether a voting member of `area` signs: any area under a quorum without
        required areas."""
        wanted = {a.casefold() for a in self.required_areas}
        if not wanted:
            return self.rule == PolicyRule.QUORUM
        return area.strip().casefold() in wanted

    def as_dict(self) -> dict:
        return {
            "required_areas": list(self.required_areas),
            "rule": self.rule,
            "quorum": self.quorum if self.rule == PolicyRule.QUORUM else None,
            "owner_not_sole_approver": self.owner_not_sole_approver,
            "go_valid_days": self.go_valid_days,
        }


def awaiting_signoff(person) -> list[tuple[Decision, Participant]]:
    """The GOs pending sign-off that `person` approves and has not signed yet, each with
    their seat (three queries, however many)."""
    from django.db.models import Prefetch

    decisions = list(
        Decision.objects.filter(
            is_current=True,
            approval=Decision.Approval.PENDING,
            session__participants__person=person,
            session__participants__role=Participant.Role.MEMBER,
        )
        .exclude(signoffs__participant__person=person)
        .select_related("session__release")
        .prefetch_related(
            Prefetch(
                "session__participants",
                queryset=Participant.objects.filter(person=person),
                to_attr="seats",
            )
        )
        .distinct()
        .order_by("recorded_at", "pk")
    )
    releases = {d.session.release_id: d.session.release.team_id for d in decisions}
    policies = list(
        Policy.objects.filter(
            Q(release_id__in=list(releases)) | Policy.defaults_q(set(releases.values()))
        )
    )
    own = {p.release_id: p for p in policies if p.release_id is not None}
    teams = {p.team_id: p for p in policies if p.team_id is not None}
    site = next((p for p in policies if p.scope_rank == 2), Policy())
    found = []
    for decision in decisions:
        release_id = decision.session.release_id
        policy = own.get(release_id) or teams.get(releases[release_id], site)
        for seat in decision.session.seats:
            if not seat.is_observer and policy.is_required_area(seat.area):
                found.append((decision, seat))
                break
    return found


class SignOffVerdict(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    ABSTAIN = "abstain", _("Abstain")


class SignOff(ChoiceLabels, models.Model):
    """One approver's verdict on a GO, under their own login or recorded by the
    facilitator as their proxy (then with the reason)."""

    Verdict = SignOffVerdict

    decision = models.ForeignKey(
        Decision, verbose_name=_("decision"), on_delete=models.CASCADE, related_name="signoffs"
    )
    participant = models.ForeignKey(
        Participant,
        verbose_name=_("approver"),
        on_delete=models.PROTECT,
        related_name="signoffs",
    )
    area = models.CharField(_("area"), max_length=100, blank=True)
    verdict = models.CharField(_("verdict"), max_length=20, choices=SignOffVerdict.choices)
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = by_login(_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    proxy_reason = models.TextField(_("reason for signing on their behalf"), blank=True)
    # The e-mailed link's nonce, when it was signed from one: a link signs once.
    link_nonce = models.CharField(
        _("link"), max_length=64, null=True, blank=True, unique=True, editable=False
    )

    class Meta:
        verbose_name = _("sign-off")
        verbose_name_plural = _("sign-offs")
        ordering = ["recorded_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "participant"], name="signoff_once"),
            models.CheckConstraint(
                condition=Q(verdict__in=SignOffVerdict.values), name="signoff_verdict_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant.person.name}: {self.get_verdict_display()}"

    @property
    def is_proxy(self) -> bool:
        return bool(self.proxy_reason)

    @property
    def recorded_by_name(self) -> str:
        by = self.recorded_by
        return (by.get_full_name() or by.get_username()) if by is not None else ""


class Progress:
    """Where a GO's sign-off stands under `policy`, from the sign-offs given so far."""

    def __init__(self, policy: Policy, signoffs: list[SignOff], owner_id: int | None) -> None:
        counted = [s for s in signoffs if policy.is_required_area(s.area)]
        self.rejections = [s for s in counted if s.verdict == SignOffVerdict.REJECT]
        approvals = [s for s in counted if s.verdict == SignOffVerdict.APPROVE]
        approvers = {s.participant.person_id for s in approvals}
        # The product owner's approval alone does not carry a GO.
        self.owner_alone = (
            policy.owner_not_sole_approver and owner_id is not None and approvers == {owner_id}
        )
        if policy.rule == PolicyRule.QUORUM:
            self.needed = policy.quorum or 0
            self.approved = len(approvers)
            self.missing_areas: list[str] = []
        else:
            approved_areas = {s.area.strip().casefold() for s in approvals}
            self.needed = len(policy.required_areas)
            self.missing_areas = [
                a for a in policy.required_areas if a.casefold() not in approved_areas
            ]
            self.approved = self.needed - len(self.missing_areas)
        self.count = len(signoffs)

    @property
    def rejected(self) -> bool:
        return bool(self.rejections)

    @property
    def met(self) -> bool:
        return not self.rejected and not self.owner_alone and self.approved >= self.needed
