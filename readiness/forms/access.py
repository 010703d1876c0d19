"""Forms of the personal settings, API tokens and webhooks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from readiness.forms.base import (
    Form,
    TimeZoneField,
)
from readiness.models import (
    Release,
    WebhookEvent,
    _is_web_url,
)


class UserSettingsForm(Form):
    id_prefix = "settings"

    # Each language by its own name, so that whoever cannot read the current one finds theirs.
    language = forms.ChoiceField(
        label=_("Language of the pages and of your e-mails"),
        choices=[
            (code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES
        ],
    )
    reminders = forms.BooleanField(
        label=_("E-mail me a daily reminder of what is overdue or due within two days"),
        required=False,
    )
    time_zone = TimeZoneField(
        label=_("Your time zone"),
        required=False,
        help_text=_(
            "Times are shown in each session's zone and, when yours differs, in yours too. "
            "Leave it empty for the site's."
        ),
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off"}),
    )


class ReleaseChoiceField(forms.ModelChoiceField):
    """An optional choice of release, newest first: what a token or a webhook is kept to."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Release.objects.order_by("-planned_date", "-pk"))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def label_from_instance(self, obj: Release) -> str:
        return str(obj)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What will use it, e.g. “billing deploy pipeline”."),
    )
    release = ReleaseChoiceField(
        label=_("Restrict to the gate of"),
        empty_label=_("No restriction: everything my login may do"),
        help_text=_("A restricted token can only read that release's gate."),
    )


class WebhookForm(forms.Form):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where to POST the events: an http:// or https:// address."),
    )
    release = ReleaseChoiceField(
        label=_("Release"),
        empty_label=_("Every release"),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )
    chat_format = forms.BooleanField(
        label=_("Chat-compatible body"),
        required=False,
        help_text=_('Send {"text": "..."}, which chat tools post as a readable line.'),
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not _is_web_url(url):
            raise forms.ValidationError(_("Give an http:// or https:// URL."))
        return url
