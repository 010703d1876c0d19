"""The forms of an area's checklist on the session page: add an item, set it, exempt it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from readiness.forms.base import DATE, DateField, Form, LocationField, VersionedForm, _text
from readiness.models import ChecklistItem


class ChecklistItemForm(Form):
    id_prefix = "checklist"

    area = forms.CharField(label=_("Area"), max_length=100, widget=_text(list="area-options"))
    key = forms.CharField(
        label=_("Key"),
        max_length=100,
        help_text=_("What a pipeline calls it, such as e2e."),
    )
    label = forms.CharField(label=_("Item"), max_length=200, required=False)
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)


class ChecklistItemEditForm(VersionedForm):
    id_prefix = "checklist-edit"

    state = forms.ChoiceField(label=_("State"), choices=ChecklistItem.State.choices)
    evidence_url = LocationField(label=_("Evidence"), required=False)
    required = forms.BooleanField(label=_("Required"), required=False)


class ChecklistExemptForm(VersionedForm):
    """An exemption needs a reason and a last day; both left empty lift it."""

    id_prefix = "checklist-exempt"

    reason = forms.CharField(
        label=_("Reason for the exemption"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    until = DateField(label=_("Exempt until"), required=False, widget=DATE)

    @staticmethod
    def shown(record, name: str):
        return {"reason": record.exempt_reason, "until": record.exempt_until}.get(
            name, getattr(record, name, None)
        )
