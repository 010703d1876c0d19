"""The pieces every form shares: widgets, unique field ids, version, time zone, person."""

from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from readiness import bounds, permissions, timefmt
from readiness.models import Team

# type=date and type=datetime-local inputs take and send ISO whatever the page's language;
# a date typed by hand (a browser without the picker) may also be in the language's own
# format ("15/07/2024"), which the fields accept through the locale's *_INPUT_FORMATS.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _text(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs=attrs)


class Form(forms.Form):
    """A form whose field ids are unique on a page that shows many forms at once."""

    id_prefix = "f"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


class VersionedForm(Form):
    """An edit form: carries the version the user saw, so a stale save is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    @classmethod
    def for_record(cls, record) -> VersionedForm:
        """The form opened on `record`: each field as the record holds it, and its version."""
        return cls(initial={name: cls.shown(record, name) for name in cls.base_fields})

    @staticmethod
    def shown(record, name: str):
        """What field `name` starts with for `record` (a form whose fields are not the
        record's own attributes says otherwise)."""
        return getattr(record, name)

    @staticmethod
    def changes(data: dict) -> dict:
        """The service's keywords this form's data gives: its fields, and the version the
        user saw as the one the record must still be at."""
        fields = dict(data)
        fields["expected_version"] = fields.pop("version")
        return fields


# The zones a time-zone field suggests (it takes any the zone database knows).
COMMON_TIME_ZONES = [
    "America/Sao_Paulo",
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Mexico_City",
    "America/Bogota",
    "America/Argentina/Buenos_Aires",
    "Europe/Lisbon",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Madrid",
    "Africa/Lagos",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
]


class TeamField(forms.ModelChoiceField):
    """The team a new record belongs to, among those the user facilitates (`limit_to`).
    Posted without a choice it means the one team they facilitate, or, where `site_wide`
    allows it (administrators), none: every team. `missing` says what to choose."""

    def __init__(self, *, missing: str, **kwargs) -> None:
        kwargs.setdefault("label", _("Team"))
        super().__init__(queryset=Team.objects.none(), required=False, **kwargs)
        self.missing = missing
        self.site_wide = False

    def limit_to(self, user, *, site_wide_label: str | None = None) -> None:
        """Offer the user's teams; with `site_wide_label`, admins may also choose none."""
        self.queryset = permissions.teams_for_facilitator(user).order_by("name")
        self.site_wide = site_wide_label is not None and permissions.is_admin(user)
        self.empty_label = site_wide_label if self.site_wide else None

    def clean(self, value):
        team = super().clean(value)
        if team is None and not self.site_wide:
            only = list(self.queryset[:2])
            if len(only) != 1:
                raise forms.ValidationError(self.missing)
            team = only[0]
        return team


class TimeZoneField(forms.CharField):
    default_error_messages = {
        "unknown": _("%(value)s is not a known time zone; use a name such as America/Sao_Paulo.")
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", bounds.MAX_ZONE_LENGTH)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return ""
        if bounds.zone_or_none(value) is None:
            raise forms.ValidationError(
                self.error_messages["unknown"], code="unknown", params={"value": value}
            )
        return value


def _refuse_out_of_range(day) -> None:
    if day is not None and not bounds.day_is_valid(day):
        raise forms.ValidationError(
            _("Give a date from %(first)s to %(last)s.")
            % {
                "first": timefmt.day_text(bounds.FIRST_DAY),
                "last": timefmt.day_text(bounds.LAST_DAY),
            },
            code="out_of_range",
        )


class DateField(forms.DateField):
    """A date within the years Readiness accepts (readiness.bounds), refused beside the field."""

    def clean(self, value):
        value = super().clean(value)
        _refuse_out_of_range(value)
        return value


class DateTimeField(forms.DateTimeField):
    """A date and time within the years Readiness accepts, refused beside the field."""

    def clean(self, value):
        value = super().clean(value)
        _refuse_out_of_range(value.date() if value is not None else None)
        return value


class PersonNameField(forms.CharField):
    """A person by name: an existing Person, or a new one created when the form is saved.

    As people type, the page's `people-options` datalist is refilled with matching names.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault(
            "widget",
            _text(
                list="people-options",
                autocomplete="off",
                **{
                    "hx-get": reverse_lazy("people_search"),
                    "hx-trigger": "input changed delay:300ms",
                    "hx-target": "#people-options",
                    "hx-swap": "innerHTML",
                    "hx-sync": "this:replace",
                },
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        return " ".join((super().clean(value) or "").split())


class LocationField(forms.CharField):
    """Where a piece of evidence is, as every evidence form takes it: an http(s) URL or a
    path in the repository (docs/k6.md). Text that says it is a URL must be one."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 1000)
        kwargs.setdefault(
            "help_text", _("A URL or a path in the repository, such as docs/roadmap-riscos.md")
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = (super().clean(value) or "").strip()
        problem = bounds.location_problem(value) if value else ""
        if problem:
            raise forms.ValidationError(problem, code="url")
        return value
