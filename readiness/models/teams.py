"""Teams: who runs, signs and reads a product team's releases.

A release belongs to one team. People hold a role in each team they belong to; the
site-wide roles (administrators, the `managers` group) stay above every team.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from readiness.models.base import Versioned, by_login
from readiness.models.people import Person

DEFAULT_TEAM_SLUG = "default"


class TeamVisibility(models.TextChoices):
    INTERNAL = "internal", _("Internal: every login reads its releases")
    PRIVATE = "private", _("Private: only its members and site managers read its releases")


class TeamRole(models.TextChoices):
    """From most to least: each role can do what the ones below it can."""

    FACILITATOR = "facilitator", _("Facilitator")
    APPROVER = "approver", _("Approver")
    MEMBER = "member", _("Member")
    VIEWER = "viewer", _("Viewer")


class MembershipSource(models.TextChoices):
    # Added on the team page (or by an import or command): only people change it.
    MANUAL = "manual", _("Added by a facilitator")
    # Given by the identity provider's groups claim: the next sign-in may change it.
    SIGN_IN = "sign_in", _("From the identity provider")


class Team(Versioned):
    Visibility = TeamVisibility

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    visibility = models.CharField(
        _("visibility"),
        max_length=10,
        choices=TeamVisibility.choices,
        default=TeamVisibility.INTERNAL,
    )
    # What a new release of the team starts with; empty means the site's defaults.
    default_time_zone = models.CharField(_("default time zone"), max_length=64, blank=True)
    default_language = models.CharField(
        _("default language of the minutes"),
        max_length=10,
        blank=True,
        choices=[("pt-br", _("Brazilian Portuguese")), ("en", _("English"))],
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="team_name_unique_ci"),
            models.CheckConstraint(
                condition=Q(visibility__in=TeamVisibility.values), name="team_visibility_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("teams:detail", args=[self.slug])

    @property
    def is_private(self) -> bool:
        return self.visibility == TeamVisibility.PRIVATE

    @classmethod
    def default_pk(cls) -> int:
        """The team a release joins when nobody says which: the one every site has, made
        by migration 0022 (and again here on a database emptied since)."""
        team, _created = cls.objects.get_or_create(
            slug=DEFAULT_TEAM_SLUG, defaults={"name": str(_("Default team"))}
        )
        return team.pk


class Membership(Versioned):
    Role = TeamRole
    Source = MembershipSource

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="memberships"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=TeamRole.choices)
    # The area an approver signs off for ("Security"); a new session of the team's
    # releases seats them as a voting member of it.
    area = models.CharField(_("area"), max_length=100, blank=True)
    source = models.CharField(
        _("source"),
        max_length=10,
        choices=MembershipSource.choices,
        default=MembershipSource.MANUAL,
    )
    added_by = by_login(_("added by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        ordering = ["team", "person__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["team", "person"], name="membership_one_per_team"),
            models.CheckConstraint(condition=Q(role__in=TeamRole.values), name="membership_role"),
            models.CheckConstraint(
                condition=Q(source__in=MembershipSource.values), name="membership_source"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name}: {self.get_role_display()} ({self.team.name})"
