"""Django's `i18n` tag library, with `{% translate %}` of a literal remembered per language.

The site's template engine (readiness.template_engine) loads this library for every
`{% load i18n %}`; the templates and `makemessages` see no difference. Every other tag
and filter is Django's own.

Why: a meeting's page holds some 1,500 `{% translate %}` tags of a literal, rendered afresh
on every request (the literal made lazy, then looked up in each catalog, escaped and
unescaped again): a tenth of its rendering time. A literal's translation cannot change
while the process runs (a new catalog means a new process), so each tag keeps its output
per language and escaping mode, the only two things it depends on. A tag with a variable,
a filter or a context (`context "..."`) is rendered by Django's code, unchanged.
"""

from __future__ import annotations

from django import template
from django.templatetags import i18n
from django.utils import translation
from django.utils.safestring import SafeData, mark_safe

register = template.Library()
register.tags.update(i18n.register.tags)
register.filters.update(i18n.register.filters)


class CachedTranslateNode(i18n.TranslateNode):
    def __init__(self, node: i18n.TranslateNode) -> None:
        super().__init__(node.filter_expression, node.noop, node.asvar, node.message_context)
        expression = self.filter_expression
        self.constant = (
            getattr(expression.var, "literal", None) is not None
            and not expression.filters
            and self.message_context is None
        )
        # What Django's node sets on every render, set once: the node is shared by every
        # thread, so nothing of it changes while it renders.
        expression.var.translate = not self.noop
        self.rendered: dict[tuple[str | None, bool], str] = {}

    def render(self, context: template.Context) -> str:
        if not self.constant:
            return super().render(context)
        key = (translation.get_language(), context.autoescape)
        try:
            value = self.rendered[key]
        except KeyError:
            value = self.rendered[key] = self._value(context)
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value

    def _value(self, context: template.Context) -> str:
        """The text Django's node renders, by its own steps (its `render` would set
        `asvar` in the context instead of answering it)."""
        value = template.base.render_value_in_context(
            self.filter_expression.resolve(context), context
        )
        # Percent signs are doubled in a template's literal, as in a msgid.
        text = value.replace("%%", "%")
        return mark_safe(text) if isinstance(value, SafeData) else text


@register.tag("translate")
@register.tag("trans")
def do_translate(parser: template.base.Parser, token: template.base.Token) -> CachedTranslateNode:
    return CachedTranslateNode(i18n.do_translate(parser, token))
