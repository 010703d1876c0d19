"""Django's form renderer, with its everyday widget templates drawn in Python.

A page of Readiness shows dozens of forms at once (every add form of a meeting, the
history's filters, the owner's rows), and Django draws each input through three template
includes, a select through one include per option. Those templates are short and fixed,
so this renderer writes the same HTML in Python for them and leaves every other template
(and any widget that names a template of its own) to Django. `tests/test_form_renderer.py`
renders each widget both ways and requires the same bytes, and fails when a Django upgrade
changes one of the templates drawn here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape

WIDGETS = "django/forms/widgets/"
SELECT_OPTION = f"{WIDGETS}select_option.html"
# The templates that are only `{% include "django/forms/widgets/input.html" %}`.
INPUTS = frozenset(
    f"{WIDGETS}{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "email",
        "url",
        "password",
        "hidden",
        "date",
        "time",
        "datetime",
        "search",
        "tel",
        "color",
        "checkbox",
    )
)


def _attrs(attrs: dict[str, Any]) -> str:
    """widgets/attrs.html: `True` as a bare name, `False` left out."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict[str, Any]) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{conditional_escape(str(value))}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
    )


def _textarea(widget: dict[str, Any]) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{conditional_escape(value) if value else ''}</textarea>"
    )


def _option(option: dict[str, Any]) -> str:
    return (
        f'<option value="{conditional_escape(str(option["value"]))}"'
        f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>"
    )


def _select(widget: dict[str, Any]) -> str | None:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            if option["template_name"] != SELECT_OPTION:
                return None  # a widget with options of its own: Django draws it
            parts.append(f"\n  {_option(option)}\n")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _input_option(widget: dict[str, Any]) -> str:
    """widgets/input_option.html: a radio or checkbox, in its label when it wraps one."""
    if not widget["wrap_label"]:
        return _input(widget)
    label_id = widget["attrs"].get("id")
    target = f' for="{conditional_escape(label_id)}"' if label_id else ""
    # input.html's closing line break stays inside the label, as Django draws it.
    return f"<label{target}>{_input(widget)}\n {conditional_escape(widget['label'])}</label>"


DRAWN: dict[str, Callable[[dict[str, Any]], str | None]] = {
    **dict.fromkeys(INPUTS, _input),
    f"{WIDGETS}textarea.html": _textarea,
    f"{WIDGETS}select.html": _select,
    f"{WIDGETS}radio_option.html": _input_option,
    f"{WIDGETS}checkbox_option.html": _input_option,
    f"{WIDGETS}input_option.html": _input_option,
}


class FormRenderer(DjangoTemplates):
    """`DjangoTemplates`, drawing the templates of `DRAWN` without the template engine."""

    def render(self, template_name: str, context: dict[str, Any], request=None) -> str:
        draw = DRAWN.get(template_name)
        if draw is not None and "widget" in context:
            drawn = draw(context["widget"])
            if drawn is not None:
                return drawn
        return super().render(template_name, context, request)
