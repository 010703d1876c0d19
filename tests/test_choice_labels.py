"""`get_<field>_display()` answers what Django's own answers, for every choice of every
model, in both languages, from a table built once per field."""

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from readiness.models import Action
from readiness.models.base import ChoiceLabels


def _choice_fields():
    for model in apps.get_app_config("readiness").get_models():
        for field in model._meta.concrete_fields:
            if field.choices:
                yield model, field


def test_every_model_with_choices_uses_the_table():
    slow = [model.__name__ for model, _ in _choice_fields() if not issubclass(model, ChoiceLabels)]
    assert slow == []


@pytest.mark.django_db  # a release's default team is read from the database
@pytest.mark.parametrize("language", ["en", "pt-br"])
def test_each_label_is_djangos_own(language):
    checked = 0
    with translation.override(language):
        for model, field in _choice_fields():
            for value, _label in field.flatchoices:
                instance = model(**{field.attname: value})
                expected = models.Model._get_FIELD_display(instance, field)
                assert getattr(instance, f"get_{field.name}_display")() == expected
                assert type(getattr(instance, f"get_{field.name}_display")()) is str
                checked += 1
    assert checked > 50


def test_the_label_follows_the_active_language():
    action = Action(status=Action.Status.DONE)
    with translation.override("en"):
        english = action.get_status_display()
    with translation.override("pt-br"):
        portuguese = action.get_status_display()
        label = str(Action.Status.DONE.label)
    assert english == "Done"
    assert portuguese != english
    assert portuguese == label


def test_a_value_outside_the_choices_is_shown_as_stored():
    assert Action(status="archived").get_status_display() == "archived"
    assert Action(status=None).get_status_display() is None
