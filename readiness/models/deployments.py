"""Deployments: what a pipeline (or a person) shipped, where, when, and what the gate said."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from readiness.models.base import ChoiceLabels, by_login
from readiness.models.releases import Release

# The environment whose deployments move the release's status and are held to the gate.
PRODUCTION = "production"
PRODUCTION_NAMES = frozenset({"production", "prod"})


class DeploymentOutcome(models.TextChoices):
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    ROLLED_BACK = "rolled_back", _("Rolled back")


class DeploymentQuerySet(models.QuerySet):
    def production(self) -> DeploymentQuerySet:
        return self.filter(environment__in=PRODUCTION_NAMES)

    def first_success(self) -> DeploymentQuerySet:
        """Successful production deployments, the first (by its start) first."""
        return (
            self.production()
            .filter(outcome=DeploymentOutcome.SUCCEEDED)
            .order_by("started_at", "pk")
        )


class Deployment(ChoiceLabels, models.Model):
    """One deployment of a release, written once: a later one is a new record.

    `gate` is the gate's whole answer when the deployment was recorded (the JSON of
    `GET /api/releases/<slug>/gate`); `against_gate` says it went to production while
    that answer was "not ready".
    """

    Outcome = DeploymentOutcome

    release = models.ForeignKey(
        Release, verbose_name=_("release"), on_delete=models.CASCADE, related_name="deployments"
    )
    environment = models.CharField(_("environment"), max_length=100)
    ref = models.CharField(_("version or ref"), max_length=200)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=DeploymentOutcome.choices)
    # Held to `bounds.web_url_problem` by the service: an internal CI host without a dot
    # ("http://jenkins:8080/job/1") is a real pipeline's address, which URLField refuses.
    url = models.CharField(_("pipeline run"), max_length=1000, blank=True)
    gate = models.JSONField(_("gate's answer"), default=dict)
    against_gate = models.BooleanField(_("deployed against the gate"), default=False)
    # The addresses told that it went against the gate: empty when nobody could be.
    told = models.JSONField(_("told"), default=list, blank=True)
    recorded_by = by_login(_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = DeploymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("deployment")
        verbose_name_plural = _("deployments")
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["release", "started_at"], name="deployment_release_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=DeploymentOutcome.values), name="deployment_outcome_valid"
            ),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True) | Q(finished_at__gte=models.F("started_at")),
                name="deployment_finished_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ref} → {self.environment}"

    @property
    def is_production(self) -> bool:
        return self.environment in PRODUCTION_NAMES
