"""When a session started or ended, as the facilitator gives it (empty: now)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from readiness.forms.base import DATETIME, DateTimeField, Form


class _MomentForm(Form):
    """One optional time, in the session's own zone, for a one-button write."""

    field_name = ""

    def moment(self) -> dt.datetime | None:
        """The time given, or None for now; a bad one refused as the write's refusal."""
        if not self.is_valid():
            raise ValidationError([e for errors in self.errors.values() for e in errors])
        return self.cleaned_data.get(self.field_name)


class SessionStartForm(_MomentForm):
    id_prefix = "start"
    field_name = "started_at"

    started_at = DateTimeField(label=_("Started at (empty: now)"), required=False, widget=DATETIME)


class SessionCloseForm(_MomentForm):
    id_prefix = "close"
    field_name = "closed_at"

    closed_at = DateTimeField(label=_("Ended at (empty: now)"), required=False, widget=DATETIME)
