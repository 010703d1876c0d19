"""The form renderer draws its widgets to the very HTML of Django's templates."""

from __future__ import annotations

from pathlib import Path

import django
import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from readiness.forms.renderer import INPUTS, FormRenderer

WIDGET_TEMPLATES = Path(django.__file__).parent / "forms" / "templates" / "django" / "forms"

CHOICES = [
    ("", "—"),
    ("x", 'X <b>"&'),
    (0, "Zero"),
    ("Group <g>", [("y", "Y"), ("z", "Z")]),
]


class EveryWidget(forms.Form):
    text = forms.CharField(help_text="Help", max_length=20)
    number = forms.IntegerField(min_value=0)
    email = forms.EmailField(required=False)
    url = forms.URLField(required=False)
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), required=False)
    moment = forms.DateTimeField(widget=forms.DateTimeInput, required=False)
    search = forms.CharField(widget=forms.TextInput(attrs={"type": "search", "autofocus": True}))
    flags = forms.CharField(widget=forms.TextInput(attrs={"disabled": False, "data-x": 0}))
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    check = forms.BooleanField(required=False)
    choice = forms.ChoiceField(choices=CHOICES, required=False)
    many = forms.MultipleChoiceField(choices=CHOICES[1:3], required=False)
    radio = forms.ChoiceField(choices=CHOICES[1:3], widget=forms.RadioSelect, required=False)
    boxes = forms.MultipleChoiceField(
        choices=CHOICES[1:3], widget=forms.CheckboxSelectMultiple, required=False
    )
    maybe = forms.NullBooleanField(required=False)
    split = forms.SplitDateTimeField(required=False)


BOUND = {
    "text": "q\"<>&'",
    "number": "not a number",
    "email": "a@b.example",
    "url": "https://example.com/?a=1&b=<2>",
    "password": "s3cret",
    "hidden": "7",
    "date": "2024-07-15",
    "time": "14:00",
    "search": "",
    "flags": "x",
    "note": "line one\n<two> & three",
    "check": "on",
    "choice": "y",
    "many": ["x", "0"],
    "radio": "0",
    "boxes": ["x"],
    "maybe": "true",
    "split_0": "2024-07-15",
    "split_1": "14:00",
}


def _drawn(renderer, data):
    form = EveryWidget(data, renderer=renderer, initial={"number": 3, "note": ""})
    html = {name: str(form[name]) for name in form.fields}
    for name in ("radio", "boxes"):
        for i, option in enumerate(form[name]):
            html[f"{name}-{i}-tag"] = str(option.tag())
            html[f"{name}-{i}"] = str(option)
    return html


@pytest.mark.parametrize("data", [None, BOUND], ids=["unbound", "bound"])
def test_every_widget_is_drawn_as_django_draws_it(data):
    django_html = _drawn(DjangoTemplates(), data)
    ours = _drawn(FormRenderer(), data)
    assert ours == django_html
    # The values the user typed are escaped, not dropped.
    if data:
        assert "q&quot;&lt;&gt;&amp;&#x27;" in ours["text"]
        assert "&lt;two&gt; &amp; three" in ours["note"]


def test_a_widget_with_its_own_option_template_is_left_to_django():
    class Starred(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    field = forms.ChoiceField(choices=CHOICES[1:3], widget=Starred)
    form = forms.Form(renderer=FormRenderer())
    form.fields["pick"] = field
    expected = forms.Form(renderer=DjangoTemplates())
    expected.fields["pick"] = field
    assert str(form["pick"]) == str(expected["pick"])


@pytest.mark.parametrize("name", sorted(INPUTS - {"django/forms/widgets/input.html"}))
def test_the_inputs_drawn_are_still_only_django_input_template(name):
    """A Django upgrade that gives one of these a template of its own fails here."""
    source = (WIDGET_TEMPLATES.parent.parent / name).read_text()
    assert source.strip() == '{% include "django/forms/widgets/input.html" %}'


@pytest.mark.parametrize(
    ("name", "source"),
    [
        (
            "widgets/input.html",
            '<input type="{{ widget.type }}" name="{{ widget.name }}"{% if widget.value != None %}'
            " value=\"{{ widget.value|stringformat:'s' }}\"{% endif %}"
            '{% include "django/forms/widgets/attrs.html" %}>',
        ),
        (
            "widgets/attrs.html",
            "{% for name, value in widget.attrs.items %}{% if value is not False %} {{ name }}"
            "{% if value is not True %}=\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}"
            "{% endfor %}",
        ),
        (
            "widgets/textarea.html",
            '<textarea name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>\n'
            "{% if widget.value %}{{ widget.value }}{% endif %}</textarea>",
        ),
        (
            "widgets/select_option.html",
            "<option value=\"{{ widget.value|stringformat:'s' }}\""
            '{% include "django/forms/widgets/attrs.html" %}>{{ widget.label }}</option>',
        ),
    ],
)
def test_the_templates_drawn_in_python_are_unchanged(name, source):
    assert (WIDGET_TEMPLATES / name).read_text().strip() == source


def test_the_site_renders_forms_with_it(settings):
    assert settings.FORM_RENDERER == "readiness.forms.renderer.FormRenderer"
    assert isinstance(forms.Form().renderer, FormRenderer)


class Grouped(forms.Form):
    required_css_class = "required"

    name = forms.CharField(label="Name <b>", help_text="Your <em>full</em> name", max_length=5)
    plain = forms.CharField(label="", required=False)
    asked = forms.CharField(label="Why?", required=False)
    described = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"aria-describedby": "elsewhere"})
    )
    pick = forms.ChoiceField(
        choices=CHOICES[1:3], widget=forms.RadioSelect, help_text="One of them"
    )
    boxes = forms.MultipleChoiceField(
        choices=CHOICES[1:3], widget=forms.CheckboxSelectMultiple, required=False
    )
    check = forms.BooleanField(required=False)

    def clean(self):
        raise forms.ValidationError(["Not <like> this", "Nor that"])


def _groups(renderer, data, **kwargs):
    form = Grouped(data, renderer=renderer, **kwargs)
    html = {name: str(form[name].as_field_group()) for name in form.fields}
    html.update({f"{name}-label": str(form[name].label_tag()) for name in form.fields})
    html.update({f"{name}-legend": str(form[name].legend_tag()) for name in form.fields})
    html.update({f"{name}-errors": str(form[name].errors) for name in form.fields})
    html["non-field"] = str(form.non_field_errors())
    html["whole"] = str(form)
    return html


@pytest.mark.parametrize("data", [None, {"name": "far too long <x>"}], ids=["unbound", "bound"])
@pytest.mark.parametrize("auto_id", ["id_%s", False], ids=["ids", "no-ids"])
def test_every_field_group_label_and_error_list_is_drawn_as_django_draws_it(data, auto_id):
    django_html = _groups(DjangoTemplates(), data, auto_id=auto_id, label_suffix=":")
    ours = _groups(FormRenderer(), data, auto_id=auto_id, label_suffix=":")
    assert ours == django_html
    if data:
        assert "Not &lt;like&gt; this" in ours["non-field"]
        assert "Name &lt;b&gt;" in ours["name"] and "<em>full</em>" in ours["name"]


@pytest.mark.parametrize(
    ("name", "source"),
    [
        (
            "field.html",
            "{% if field.use_fieldset %}\n"
            '  <fieldset{% if field.aria_describedby %} aria-describedby="'
            '{{ field.aria_describedby }}"{% endif %}>\n'
            "  {% if field.label %}{{ field.legend_tag }}{% endif %}\n"
            "{% else %}\n"
            "  {% if field.label %}{{ field.label_tag }}{% endif %}\n"
            "{% endif %}\n"
            '{% if field.help_text %}<div class="helptext"{% if field.auto_id %} id="'
            '{{ field.auto_id }}_helptext"{% endif %}>{{ field.help_text|safe }}</div>'
            "{% endif %}\n"
            "{{ field.errors }}\n"
            "{{ field }}{% if field.use_fieldset %}</fieldset>{% endif %}",
        ),
        (
            "label.html",
            "{% if use_tag %}<{{ tag }}{% include 'django/forms/attrs.html' %}>{{ label }}"
            "</{{ tag }}>{% else %}{{ label }}{% endif %}",
        ),
        (
            "attrs.html",
            "{% for name, value in attrs.items %}{% if value is not False %} {{ name }}"
            "{% if value is not True %}=\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}"
            "{% endfor %}",
        ),
        ("errors/list/default.html", '{% include "django/forms/errors/list/ul.html" %}'),
        (
            "errors/list/ul.html",
            '{% if errors %}<ul class="{{ error_class }}"{% if errors.field_id %} id="'
            '{{ errors.field_id }}_error"{% endif %}>{% for error in errors %}<li>{{ error }}'
            "</li>{% endfor %}</ul>{% endif %}",
        ),
    ],
)
def test_the_field_templates_drawn_in_python_are_unchanged(name, source):
    assert (WIDGET_TEMPLATES / name).read_text().strip() == source
