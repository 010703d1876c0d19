"""The release's own forms: editing its plan, cancelling or deleting it, recording a
deployment. The duplicate warning is asked for once: the form is refused with the
lookalikes listed until the person ticks "save anyway"."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from readiness import bounds, permissions
from readiness.forms.base import (
    DATETIME,
    DateTimeField,
    Form,
    PersonNameField,
    TeamField,
    TimeZoneField,
    VersionedForm,
    _text,
)
from readiness.forms.workspace import ReleaseForm
from readiness.models import Deployment, Release, Team


class LookalikeCheck:
    """A form mixin: `lookalikes` are set by the view; unconfirmed, they refuse the form."""

    lookalikes: list[Release] = []

    def warn(self, lookalikes: list[Release]) -> bool:
        """Whether the form must come back with the warning (not yet confirmed)."""
        self.lookalikes = lookalikes
        if lookalikes and not self.cleaned_data.get("confirm_duplicate"):
            self.add_error(
                "confirm_duplicate",
                _("Another release has this name or planned date; tick the box to save anyway."),
            )
            return True
        return False


class ReleaseCreateForm(LookalikeCheck, ReleaseForm):
    team = TeamField(
        missing=_("Choose the team the release belongs to."),
        help_text=_("The team that runs it: its facilitators manage the release."),
    )
    confirm_duplicate = forms.BooleanField(
        label=_("Save anyway: it is not the same release"), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].limit_to(user)


class ReleaseEditForm(LookalikeCheck, VersionedForm, ReleaseForm):
    id_prefix = "release-edit"

    product_owner = PersonNameField(label=_("Product owner"), required=False)
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=None,
        required=False,
        help_text=_("Moving it gives it to the other team's facilitators (and readers)."),
    )
    confirm_duplicate = forms.BooleanField(
        label=_("Save anyway: it is not the same release"), required=False
    )

    def __init__(self, *args, user, release: Release, **kwargs):
        super().__init__(*args, **kwargs)
        # The teams the editor runs, and the release's own (it may stay where it is).
        teams = permissions.teams_for_facilitator(user) | Team.objects.filter(pk=release.team_id)
        self.fields["team"].queryset = teams.distinct().order_by("name")
        self.fields["team"].empty_label = None
        self.current_team = release.team
        self.built_for = {"user": user, "release": release}

    def with_data(self, data) -> ReleaseEditForm:
        return type(self)(data, **self.built_for)

    def clean_team(self):
        # Posted without the field: it stays in its team.
        return self.cleaned_data.get("team") or self.current_team

    @classmethod
    def for_release(cls, release: Release, *, user) -> ReleaseEditForm:
        zone = settings.TIME_ZONE
        tz = bounds.zone_or_utc(zone)
        start, end = release.deploy_window_start, release.deploy_window_end
        return cls(
            user=user,
            release=release,
            initial={
                "team": release.team_id,
                "name": release.name,
                "planned_date": release.planned_date,
                "language": release.language,
                "window_start": bounds.local_or_none(start, tz) if start else None,
                "window_end": bounds.local_or_none(end, tz) if end else None,
                "window_time_zone": zone,
                "product_owner": release.product_owner.name if release.product_owner else "",
                "version": release.version,
            },
        )


class ReleaseConfirmForm(VersionedForm):
    """Cancel or delete: a button carrying the version the person saw."""

    id_prefix = "release-confirm"


class DeploymentForm(Form):
    id_prefix = "deployment"

    environment = forms.CharField(
        label=_("Environment"), max_length=100, initial="production", widget=_text()
    )
    ref = forms.CharField(label=_("Version or ref"), max_length=200)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Deployment.Outcome.choices)
    started_at = DateTimeField(label=_("Started at"), widget=DATETIME)
    finished_at = DateTimeField(label=_("Finished at"), required=False, widget=DATETIME)
    time_zone = TimeZoneField(
        label=_("Time zone of these times"),
        initial=settings.TIME_ZONE,
        widget=_text(list="time-zones"),
    )
    url = forms.CharField(label=_("Pipeline run (link)"), max_length=1000, required=False)

    def moments(self) -> tuple[dt.datetime, dt.datetime | None]:
        data = self.cleaned_data
        tz = bounds.zone_or_utc(data["time_zone"])
        finished = data.get("finished_at")
        return (
            data["started_at"].replace(tzinfo=tz),
            finished.replace(tzinfo=tz) if finished else None,
        )
