"""The people who attend, decide and owe work, one row each across all releases."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.db import connections, models
from django.db.models import F, FloatField, Func, Q, Value
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from readiness.models.base import Versioned

# How alike two folded names must be (pg_trgm's similarity, 0 to 1) to be suggested as the
# same person: "Julia Martins" and "Júlia Martin" are; "Julia Martins" and "Julio Santos" not.
SIMILAR = 0.5


class PersonQuerySet(models.QuerySet):
    def directory(self, term: str = "") -> PersonQuerySet:
        """The directory's rows, matching `term` in the name (accents and case aside) or
        the e-mail."""
        rows = self.select_related("user").order_by("name", "pk")
        key = name_key(term)
        if key:
            rows = rows.filter(Q(name_key__contains=key) | Q(email__icontains=term.strip()))
        return rows

    def close_to(self, name: str, *, limit: int = 5) -> PersonQuerySet:
        """People whose name may be `name` written another way: the same once accents and
        case are dropped, on every database; on PostgreSQL, also alike by trigrams."""
        key = name_key(name)
        if not key:
            return self.none()
        if connections[self.db].vendor == "postgresql":
            similar = Func(
                F("name_key"), Value(key), function="similarity", output_field=FloatField()
            )
            return (
                self.annotate(similarity=similar)
                .filter(Q(name_key=key) | Q(similarity__gte=SIMILAR))
                .order_by("-similarity", "name")[:limit]
            )
        return self.filter(name_key=key).order_by("name")[:limit]


class Person(Versioned):
    """Someone who attends, decides or owes work; one row across all releases."""

    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=200, blank=True)
    # The date of the meeting the title was last seen in, so an older document does not
    # overwrite a newer title.
    title_as_of = models.DateField(_("title as of"), null=True, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # The area a person usually speaks for; the participant form offers it.
    default_area = models.CharField(_("default area"), max_length=100, blank=True)
    # The name folded for comparison (no accents, no case, single spaces), so that
    # "Júlia Martins" and "julia  martins" are found as one on every database.
    name_key = models.CharField(
        _("name for comparison"), max_length=200, blank=True, db_index=True
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="person_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.title})" if self.title else self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("people:detail", args=[self.pk])

    def save(self, *args, **kwargs) -> None:
        # The key follows the name whichever service wrote it.
        self.name_key = name_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = [*update_fields, "name_key"]
        super().save(*args, **kwargs)


def name_key(name: str) -> str:
    """A name as compared: accents and case dropped, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())
