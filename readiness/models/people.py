"""The people who attend, decide and owe work, one row each across all releases."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from readiness.models.base import Versioned


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
