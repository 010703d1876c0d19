"""The rules every stored field obeys, applied by `_create` and `_update` to what they save.

Text is cleaned (a CharField is one line, a TextField keeps its line breaks; neither keeps
NUL or other control characters) and dates and times must fall in `bounds`' range. The
data check (`manage.py check_data`) reads stored rows against the same rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from readiness import bounds

# Fields the application fills in itself, from its own clock or its own code.
SYSTEM_FIELDS = {"version", "revision"}
LOGS = {"event", "webhookdelivery", "remindersent"}


def _label(field: models.Field) -> str:
    return str(field.verbose_name)[:1].upper() + str(field.verbose_name)[1:]


def _checked_fields(
    obj: models.Model | type[models.Model], names: Iterable[str] | None
) -> Iterator[models.Field]:
    wanted = set(names) if names is not None else None
    for field in obj._meta.concrete_fields:
        if field.primary_key or field.is_relation or field.name in SYSTEM_FIELDS:
            continue
        if wanted is None or field.name in wanted:
            yield field


def clean_record(obj: models.Model, names: Iterable[str] | None = None) -> None:
    """Clean the text of `obj`'s fields (all, or `names`) and refuse an out-of-range date."""
    errors: dict[str, list[str]] = {}
    for field in _checked_fields(obj, names):
        value = getattr(obj, field.attname)
        if value is None:
            continue
        if isinstance(field, models.DateTimeField | models.DateField):
            if not isinstance(value, dt.date):
                continue  # full_clean reports what is not a date at all
            if bounds.range_problem(value):
                try:
                    if isinstance(field, models.DateTimeField):
                        bounds.check_moment(value, field=field.name, label=_label(field))
                    else:
                        bounds.check_day(value, field=field.name, label=_label(field))
                except ValidationError as error:
                    errors.update(error.message_dict)
        elif isinstance(field, models.TextField) and isinstance(value, str):
            setattr(obj, field.attname, bounds.clean_text(value))
        elif isinstance(field, models.CharField) and isinstance(value, str):
            setattr(obj, field.attname, bounds.clean_line(value))
    if errors:
        raise ValidationError(errors, code="out_of_range")


def record_problems(
    obj: models.Model, names: Iterable[str] | None = None
) -> Iterator[tuple[str, str]]:
    """(field, problem) for every stored value of `obj` that today's rules would refuse."""
    for field in _checked_fields(obj, names):
        value = getattr(obj, field.attname)
        if value is None:
            continue
        if isinstance(field, models.DateTimeField | models.DateField):
            problem = bounds.range_problem(value)
        elif isinstance(field, models.TextField) and isinstance(value, str):
            problem = bounds.text_problem(value, single_line=False)
        elif isinstance(field, models.CharField) and isinstance(value, str):
            problem = bounds.text_problem(value, single_line=True)
        else:
            problem = ""
        if problem:
            yield field.name, problem


@dataclass(frozen=True)
class Problem:
    """One stored value that today's rules would refuse."""

    model: str
    pk: object
    field: str
    problem: str


def _out_of_range(model: type[models.Model], field: models.Field) -> Iterator[object]:
    """The rows whose date is out of range, found by the database: a value past year 9999
    in UTC can be stored by PostgreSQL but not read back by Python, so it is never read."""
    if isinstance(field, models.DateTimeField):
        low, high = bounds.FIRST_MOMENT, bounds.END_MOMENT
        outside = Q(**{f"{field.name}__lt": low}) | Q(**{f"{field.name}__gte": high})
    else:
        outside = Q(**{f"{field.name}__lt": bounds.FIRST_DAY}) | Q(
            **{f"{field.name}__gt": bounds.LAST_DAY}
        )
    yield from model._default_manager.filter(outside).order_by("pk").values_list("pk", flat=True)


def _special(obj: models.Model) -> Iterator[tuple[str, str]]:
    """The rules a field of one model has beyond its kind's."""
    from readiness.models import Evidence, Session

    if isinstance(obj, Session) and bounds.zone_or_none(obj.time_zone) is None:
        yield "time_zone", _("not a known time zone")
    if isinstance(obj, Evidence):
        problem = bounds.location_problem(obj.location)
        if problem:
            yield "location", problem


def data_problems() -> Iterator[Problem]:
    """Every stored value of the domain that would be refused today, model by model.

    The logs (events, webhook deliveries, reminders sent) are left out: the application
    writes them itself and they are never changed.
    """
    for model in apps.get_app_config("readiness").get_models():
        label = model._meta.label_lower
        if model._meta.model_name in LOGS:
            continue
        fields = list(_checked_fields(model, None))
        dated = [f for f in fields if isinstance(f, models.DateTimeField | models.DateField)]
        texts = [f.name for f in fields if isinstance(f, models.CharField | models.TextField)]
        for field in dated:
            for pk in _out_of_range(model, field):
                yield Problem(label, pk, field.name, bounds.out_of_range())
        if not texts:
            continue
        for obj in model._default_manager.only("pk", *texts).order_by("pk").iterator():
            found = [*record_problems(obj, texts), *_special(obj)]
            for field_name, problem in found:
                yield Problem(label, obj.pk, field_name, problem)
