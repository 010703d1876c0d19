"""`{% load i18n %}` renders exactly what Django's own library renders, in every language,
while remembering each literal's translation (readiness/templatetags/cached_i18n.py)."""

from __future__ import annotations

import pytest
from django.template import Context, Engine, engines
from django.utils import translation

from readiness.templatetags import cached_i18n

DJANGO = Engine(libraries={"i18n": "django.templatetags.i18n"})
CACHED = Engine(libraries={"i18n": "readiness.templatetags.cached_i18n"})

SOURCES = [
    '{% translate "Cancel" %}',
    '{% trans "Overdue" %} · {% translate "No date" %}',
    '{% translate "Cancel" as label %}<b>{{ label }}</b>{{ label }}',
    '{% translate "a < b & \\"c\\"" %}',
    '{% translate "100%% sure" %}',
    '{% translate "Cancel" noop %}',
    '{% translate "May" context "month name" %}',
    "{% translate word %}",
    '{% translate "Cancel"|upper %}',
    "{% translate word as said %}[{{ said }}]",
    "{% blocktranslate count n=n %}{{ n }} minute{% plural %}{{ n }} minutes"
    "{% endblocktranslate %}",
    "{% get_current_language as lang %}{{ lang }}",
]


def _render(engine: Engine, source: str, data: dict, autoescape: bool) -> str:
    template = engine.from_string("{% load i18n %}" + source)
    return template.render(Context(data, autoescape=autoescape))


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("autoescape", [True, False])
def test_every_tag_renders_as_django_s_in_each_language_in_turn(source, autoescape):
    # One compiled template per engine, rendered in turns: a remembered translation must
    # never leak from one language, escaping mode or context value into another.
    django_template = DJANGO.from_string("{% load i18n %}" + source)
    cached_template = CACHED.from_string("{% load i18n %}" + source)
    for language in ["en", "pt-br", "en", "pt-br"]:
        for word in ["Cancel", "Overdue", "<i>x</i>"]:
            data = {"word": word, "n": 2}
            with translation.override(language):
                expected = django_template.render(Context(data, autoescape=autoescape))
                assert cached_template.render(Context(data, autoescape=autoescape)) == expected


def test_a_literal_is_translated_for_the_reader_s_language():
    template = CACHED.from_string('{% load i18n %}{% translate "Cancel" %}')
    with translation.override("pt-br"):
        assert template.render(Context()) == "Cancelar"
    with translation.override("en"):
        assert template.render(Context()) == "Cancel"
    with translation.override("pt-br"):
        assert template.render(Context()) == "Cancelar"


@pytest.mark.parametrize(
    "source, remembered",
    [
        ('{% translate "Cancel" %}', True),
        ('{% translate "Cancel" as label %}', True),
        ('{% translate "Cancel" noop %}', True),
        ('{% translate "May" context "month name" %}', False),
        ("{% translate word %}", False),
        ('{% translate "Cancel"|upper %}', False),
    ],
)
def test_only_literals_without_filters_or_context_are_remembered(source, remembered):
    (node,) = CACHED.from_string("{% load i18n %}" + source).nodelist.get_nodes_by_type(
        cached_i18n.CachedTranslateNode
    )
    assert node.constant is remembered


def test_the_site_s_templates_load_this_library():
    engine = engines["django"].engine
    assert engine.template_libraries["i18n"] is cached_i18n.register
    # Django's other i18n tags and filters are all still there.
    library = cached_i18n.register
    for name in ["blocktranslate", "get_current_language", "language", "get_language_info"]:
        assert name in library.tags
    for name in ["language_name", "language_bidi"]:
        assert name in library.filters
