"""Forms that correct the session's record: edit or remove evidence, remove a participant
or a readiness check, give a condition another owner or deadline."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from readiness.forms.base import (
    DATETIME,
    DateTimeField,
    LocationField,
    PersonNameField,
    VersionedForm,
)
from readiness.models import Evidence


class RemoveForm(VersionedForm):
    """A remove button: only the version the person saw, so that removing something
    someone has just changed is refused (409) rather than done blind."""

    id_prefix = "remove"


class EvidenceEditForm(VersionedForm):
    id_prefix = "evidence-edit"

    title = forms.CharField(label=_("Title"), max_length=300)
    location = LocationField(label=_("Location"))
    category = forms.ChoiceField(label=_("Category"), choices=Evidence.Category.choices)


class ConditionEditForm(VersionedForm):
    id_prefix = "condition-edit"

    owner = PersonNameField(label=_("Owner"), required=False)
    deadline = DateTimeField(label=_("Deadline"), required=False, widget=DATETIME)

    @staticmethod
    def shown(record, name: str):
        if name == "owner":
            return record.owner.name if record.owner else ""
        if name == "deadline" and record.deadline:
            # In the session's wall-clock time, as the decision form took it.
            local = record.deadline.astimezone(record.decision.session.tzinfo)
            return local.replace(tzinfo=None)
        return getattr(record, name)
