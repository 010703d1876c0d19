"""Signing a GO off: the approver's own verdict, a facilitator's proxy one, the policy."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from readiness.forms.base import Form
from readiness.models import Participant, Policy, SignOff


class SignOffForm(Form):
    """An approver's verdict, under their own login."""

    id_prefix = "signoff"

    verdict = forms.ChoiceField(
        label=_("Your sign-off"), choices=SignOff.Verdict.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ProxySignOffForm(SignOffForm):
    """The facilitator signs for an approver who cannot, saying why."""

    id_prefix = "proxy"

    participant = forms.ModelChoiceField(label=_("On behalf of"), queryset=Participant.objects)
    proxy_reason = forms.CharField(
        label=_("Why you sign for them"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    field_order = ["participant", "verdict", "comment", "proxy_reason"]

    def __init__(self, *args, approvers: list[Participant] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = Participant.objects.filter(
            pk__in=[p.pk for p in approvers]
        ).select_related("person")
        self.fields["participant"].label_from_instance = lambda p: f"{p.person.name} ({p.area})"
        self.fields["verdict"].label = _("Their sign-off")


class PolicyForm(Form):
    """A release's sign-off policy (or the site's default)."""

    id_prefix = "policy"

    required_areas = forms.CharField(
        label=_("Required areas"),
        required=False,
        max_length=1000,
        help_text=_("Separated by commas, such as QA, Security, Compliance."),
    )
    rule = forms.ChoiceField(
        label=_("Sign-off rule"), choices=Policy.Rule.choices, widget=forms.RadioSelect
    )
    quorum = forms.IntegerField(
        label=_("Approvals needed (N of the voting members)"),
        required=False,
        min_value=1,
        max_value=100,
    )
    owner_not_sole_approver = forms.BooleanField(
        label=_("The product owner cannot be the only approver"), required=False
    )
    go_valid_days = forms.IntegerField(
        label=_("Days a GO stays valid (empty: no limit)"),
        required=False,
        min_value=1,
        max_value=365,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    @classmethod
    def for_policy(cls, policy: Policy) -> PolicyForm:
        return cls(
            initial={
                "required_areas": ", ".join(policy.required_areas),
                "rule": policy.rule,
                "quorum": policy.quorum,
                "owner_not_sole_approver": policy.owner_not_sole_approver,
                "go_valid_days": policy.go_valid_days,
                "version": policy.version if policy.pk else None,
            }
        )

    def areas(self) -> list[str]:
        return [a.strip() for a in self.cleaned_data["required_areas"].split(",") if a.strip()]
