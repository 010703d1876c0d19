"""Forms of the personal settings, API tokens and webhooks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from readiness import permissions
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
    def __init__(self, *args: Any, user=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            # Only a release the login may read: a private team's does not exist for others.
            self.fields["release"].queryset = permissions.releases_for_user(user).order_by(
                "-planned_date", "-pk"
            )

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
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=None,
        required=False,
        help_text=_("The team whose releases it hears about."),
    )
    release = ReleaseChoiceField(
        label=_("Release"),
        empty_label=_("Every release of the team"),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )
    chat_format = forms.BooleanField(
        label=_("Chat-compatible body"),
        required=False,
        help_text=_('Send {"text": "..."}, which chat tools post as a readable line.'),
    )

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site_wide = permissions.is_admin(user)
        teams = permissions.teams_for_facilitator(user).order_by("name")
        self.fields["team"].queryset = teams
        self.fields["team"].empty_label = _("Every team (site-wide)") if self.site_wide else None
        self.fields["release"].queryset = Release.objects.filter(team__in=teams).order_by(
            "-planned_date", "-pk"
        )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not _is_web_url(url):
            raise forms.ValidationError(_("Give an http:// or https:// URL."))
        return url

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        release, team = data.get("release"), data.get("team")
        if release is not None:
            if team is not None and team.pk != release.team_id:
                self.add_error("release", _("This release is not one of the chosen team's."))
            data["team"] = None  # a release's webhook follows the release's team
        elif team is None and not self.site_wide and "team" not in self.errors:
            # One team to choose from: a form posted without the field means that one.
            only = list(self.fields["team"].queryset[:2])
            if len(only) != 1:
                self.add_error("team", _("Choose the team whose releases it hears about."))
            else:
                data["team"] = only[0]
        return data
