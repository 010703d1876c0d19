"""The freeze calendar's forms and the break-glass override's: times are typed in the
zone the form names, and the services get aware moments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from readiness import bounds
from readiness.forms.base import (
    DATETIME,
    TIME,
    DateTimeField,
    Form,
    TeamField,
    TimeZoneField,
    VersionedForm,
    _text,
)
from readiness.models import Freeze

_WEEKDAYS = [("", "—"), *Freeze.Weekday.choices]


def _weekday() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(choices=_WEEKDAYS, coerce=int, empty_value=None, required=False)


class FreezeForm(Form):
    id_prefix = "freeze"

    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Repeats"), choices=Freeze.Kind.choices)
    time_zone = TimeZoneField(
        label=_("Time zone"), initial=settings.TIME_ZONE, widget=_text(list="time-zones")
    )
    starts_at = DateTimeField(label=_("Starts at (once)"), required=False, widget=DATETIME)
    ends_at = DateTimeField(label=_("Ends at (once)"), required=False, widget=DATETIME)
    start_weekday = _weekday()
    start_time = forms.TimeField(label=_("From (time, weekly)"), required=False, widget=TIME)
    end_weekday = _weekday()
    end_time = forms.TimeField(label=_("Until (time, weekly)"), required=False, widget=TIME)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_weekday"].label = _("From (weekday, weekly)")
        self.fields["end_weekday"].label = _("Until (weekday, weekly)")
        if user is not None:
            # The teams whose freezes the user keeps; admins may also freeze every team.
            team = TeamField(
                missing=_("Choose the team the freeze holds."),
                help_text=_(
                    "A team's freeze holds that team's releases; a site-wide one holds all."
                ),
            )
            team.limit_to(user, site_wide_label=_("Every team (site-wide)"))
            self.fields = {"team": team, **self.fields}

    def service_fields(self) -> dict[str, Any]:
        """What the service takes: the typed local times made aware in the form's zone."""
        data = dict(self.cleaned_data)
        data.pop("version", None)
        tz = bounds.zone_or_utc(data["time_zone"])
        for name in ("starts_at", "ends_at"):
            if data.get(name) is not None:
                data[name] = data[name].replace(tzinfo=tz)
        return data

    @classmethod
    def initial_for(cls, freeze: Freeze) -> dict[str, Any]:
        tz = freeze.tzinfo
        initial = {
            name: getattr(freeze, name)
            for name in ("name", "kind", "time_zone", "start_weekday", "start_time")
        }
        initial.update(end_weekday=freeze.end_weekday, end_time=freeze.end_time)
        for name in ("starts_at", "ends_at"):
            value = getattr(freeze, name)
            local = bounds.local_or_none(value, tz) if value else None
            initial[name] = local.replace(tzinfo=None) if local else None
        return initial


class FreezeEditForm(VersionedForm, FreezeForm):
    id_prefix = "freeze-edit"

    @classmethod
    def for_freeze(cls, freeze: Freeze) -> FreezeEditForm:
        return cls(initial={**cls.initial_for(freeze), "version": freeze.version})


class FreezeDeleteForm(VersionedForm):
    id_prefix = "freeze-delete"


class OverrideForm(Form):
    id_prefix = "override"

    reason = forms.CharField(
        label=_("Reason (mandatory)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    expires_at = DateTimeField(label=_("Expires at"), widget=DATETIME)
    time_zone = TimeZoneField(
        label=_("Time zone of this time"),
        initial=settings.TIME_ZONE,
        widget=_text(list="time-zones"),
    )

    def expiry(self) -> dt.datetime:
        data = self.cleaned_data
        return data["expires_at"].replace(tzinfo=bounds.zone_or_utc(data["time_zone"]))
