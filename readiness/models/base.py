"""What records share: a version that refuses a stale edit, and the login that did it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Versioned(models.Model):
    """A record people edit: `version` grows on every change so that a stale edit is refused."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


def of_team(related_name: str) -> models.ForeignKey:
    """The team a record belongs to, if any (a webhook, a freeze, a template): its
    facilitators keep it; without a team it is the whole site's. Goes with the team."""
    return models.ForeignKey(
        "readiness.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name=related_name,
    )


def by_login(verbose_name: str) -> models.ForeignKey:
    """Which login did something (recorded, verified, satisfied...): kept as NULL when the
    login is deleted, so the record stays; no reverse accessor on the user."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
