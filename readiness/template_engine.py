"""The site's template engine: Django's, where `{% load i18n %}` loads the same tags with
`{% translate %}` of a literal remembered per language (readiness.templatetags.cached_i18n).

The swap is made on the engine once it is built, rather than through the `libraries`
option: that option would name a second `i18n` library beside Django's, which the system
checks rightly warn about, while here there is one `i18n`, extended.
"""

from __future__ import annotations

from django.template.backends.django import DjangoTemplates as Django

from readiness.templatetags import cached_i18n


class DjangoTemplates(Django):
    def __init__(self, params: dict) -> None:
        super().__init__(params)
        self.engine.template_libraries["i18n"] = cached_i18n.register
