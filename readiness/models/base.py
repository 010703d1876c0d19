"""What every edited record shares: a version that refuses a stale edit."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Versioned(models.Model):
    """A record people edit: `version` grows on every change so that a stale edit is refused."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True
