"""What records share: a version that refuses a stale edit, and the login that did it."""

from __future__ import annotations

import functools

from django.conf import settings
from django.db import connection, models
from django.utils.choices import CallableChoiceIterator
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _


@functools.cache
def _labels(field: models.Field) -> dict:
    """A field's stored values and their (lazy) labels, built once per field."""
    return dict(field.flatchoices)


class ChoiceLabels:
    """`get_<field>_display()` by a lookup in a table built once per field.

    Django's own rebuilds the table of every choice on each call, and making it hashable
    hashes each lazy label, which translates it: one status badge cost as many
    translations as the field has choices, some 200 times on a meeting's page. The
    answer is the same; a field whose choices are computed (a callable) keeps Django's
    way, as does a value that is not one of the choices.
    """

    def _get_FIELD_display(self, field: models.Field) -> str:
        value = getattr(self, field.attname)
        if not isinstance(field.choices, CallableChoiceIterator):
            try:
                return force_str(_labels(field)[value], strings_only=True)
            except (KeyError, TypeError):
                pass
        return super()._get_FIELD_display(field)


class Versioned(ChoiceLabels, models.Model):
    """A record people edit: `version` grows on every change so that a stale edit is refused."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


# Where `Session.objects.with_everything()` puts each record's evidence (`linked_evidence`).
PREFETCHED_EVIDENCE = "prefetched_evidence"


class LinksEvidence:
    """A record evidence is linked to: an agenda item, a readiness check, a condition or an
    action (each an `Evidence` foreign key with `related_name="evidence"`)."""

    @property
    def linked_evidence(self) -> list:
        """Its evidence, as `with_everything()` prefetched it into a list, else read.

        A prefetch into the related manager builds a queryset for every row, and each read
        of it in a template one more: on a meeting's page, hundreds of each.
        """
        try:
            return self.__dict__[PREFETCHED_EVIDENCE]
        except KeyError:
            return list(self.evidence.all())


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


def distinct_values_sql(model: type[models.Model], column: str, where: str = "") -> str:
    """The query behind `distinct_values`, to embed as a subquery (`pk__in=RawSQL(...)`)."""
    table = connection.ops.quote_name(model._meta.db_table)
    field = connection.ops.quote_name(model._meta.get_field(column).column)
    condition = f" AND {where}" if where else ""
    return (
        f"WITH RECURSIVE walk(value) AS ("
        f"SELECT MIN({field}) FROM {table} WHERE {field} IS NOT NULL{condition} "
        f"UNION ALL "
        f"SELECT (SELECT MIN({field}) FROM {table} WHERE {field} > walk.value{condition}) "
        f"FROM walk WHERE walk.value IS NOT NULL"
        f") SELECT value FROM walk WHERE value IS NOT NULL"
    )


def distinct_values(model: type[models.Model], column: str, where: str = "") -> list:
    """The distinct values of `column`, in order, read one index step per value.

    `SELECT DISTINCT` reads every row, and the lists it feeds (the areas of the history's
    filter, the time zones of "today") grow with the history; this walks an index on
    `column` (a loose index scan, written as a recursive query since neither PostgreSQL
    nor SQLite skips through an index by itself), so its cost follows the number of
    values. `where` is fixed SQL over the model's own columns, never user input, and needs
    an index whose condition matches it.
    """
    with connection.cursor() as cursor:
        cursor.execute(distinct_values_sql(model, column, where))
        return [row[0] for row in cursor.fetchall()]
