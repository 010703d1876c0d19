"""Django's form renderer, with its everyday widget templates drawn in Python.

A page of Readiness shows dozens of forms at once (every add form of a meeting, the
history's filters, the owner's rows), and Django draws each input through three template
includes, a select through one include per option, and each field's label, errors and
help text through three more templates. Those templates are short and fixed, so this
renderer writes the same HTML in Python for them and leaves every other template (and any
widget that names a template of its own) to Django. `tests/test_form_renderer.py`
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


def _label(context: dict[str, Any]) -> str:
    """label.html: the label in its tag (label or legend) when the field has an id."""
    label = conditional_escape(context["label"])
    if not context["use_tag"]:
        return label
    tag = conditional_escape(context["tag"])
    return f"<{tag}{_attrs(context['attrs'] or {})}>{label}</{tag}>"


def _errors(context: dict[str, Any]) -> str:
    """errors/list/ul.html (default.html is only an include of it)."""
    errors = context["errors"]
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    named = f' id="{conditional_escape(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{conditional_escape(error)}</li>" for error in errors)
    return f'<ul class="{conditional_escape(context["error_class"])}"{named}>{items}</ul>'


def _field(context: dict[str, Any]) -> str:
    """field.html: the label (a legend in a fieldset), help text, errors and widget."""
    field = context["field"]
    if field.use_fieldset:
        described = field.aria_describedby
        described = f' aria-describedby="{conditional_escape(described)}"' if described else ""
        head = f"\n  <fieldset{described}>\n  {field.legend_tag() if field.label else ''}\n"
        tail = "</fieldset>"
    else:
        head = f"\n  {field.label_tag() if field.label else ''}\n"
        tail = ""
    help_text = ""
    if field.help_text:
        named = f' id="{conditional_escape(field.auto_id)}_helptext"' if field.auto_id else ""
        help_text = f'<div class="helptext"{named}>{field.help_text}</div>'
    return f"{head}\n{help_text}\n{field.errors}\n{field}{tail}\n"


# Templates drawn from their whole context: (the context key they need, how to draw).
DRAWN_FROM_CONTEXT: dict[str, tuple[str, Callable[[dict[str, Any]], str]]] = {
    "django/forms/field.html": ("field", _field),
    "django/forms/label.html": ("label", _label),
    "django/forms/errors/list/default.html": ("errors", _errors),
    "django/forms/errors/list/ul.html": ("errors", _errors),
}


class FormRenderer(DjangoTemplates):
    """`DjangoTemplates`, drawing the templates of `DRAWN` and `DRAWN_FROM_CONTEXT`
    without the template engine."""

    def render(self, template_name: str, context: dict[str, Any], request=None) -> str:
        draw = DRAWN.get(template_name)
        if draw is not None and "widget" in context:
            drawn = draw(context["widget"])
            if drawn is not None:
                return drawn
        whole = DRAWN_FROM_CONTEXT.get(template_name)
        if whole is not None and whole[0] in context:
            # Django strips what a form template renders.
            return whole[1](context).strip()
        return super().render(template_name, context, request)
