"""The team pages' forms: a team's details, and its members (from the directory, invited
by e-mail, a role changed, someone removed)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from readiness import bounds
from readiness.forms.base import Form, PersonNameField, TimeZoneField, VersionedForm, _text
from readiness.models import Membership, Person, Team, name_key

LANGUAGES = [
    ("", _("The site's default")),
    ("pt-br", _("Brazilian Portuguese")),
    ("en", _("English")),
]
AREA_HELP = _("For an approver: the area they sign off for, such as Security.")


class TeamForm(Form):
    id_prefix = "team"

    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=Team.Visibility.choices,
        initial=Team.Visibility.INTERNAL,
        widget=forms.RadioSelect,
    )
    default_time_zone = TimeZoneField(
        label=_("Default time zone"),
        required=False,
        widget=_text(list="time-zones"),
        help_text=_("New releases of the team start in it; empty for the site's."),
    )
    default_language = forms.ChoiceField(
        label=_("Default language of the minutes"), choices=LANGUAGES, required=False
    )


class TeamCreateForm(TeamForm):
    slug = forms.SlugField(
        label=_("Short name"),
        required=False,
        max_length=60,
        help_text=_(
            "Used in the team's address; made from the name when empty. It never changes."
        ),
    )
    field_order = ["name", "slug"]


class TeamEditForm(VersionedForm, TeamForm):
    id_prefix = "team-edit"


ROLE = {"label": _("Role"), "choices": Membership.Role.choices}


class MemberAddForm(Form):
    """Someone already in the directory, picked by name (the page suggests names)."""

    id_prefix = "member-add"

    # Named `name` because the directory's suggestions endpoint reads that parameter.
    name = PersonNameField(label=_("Person from the directory"))
    role = forms.ChoiceField(initial=Membership.Role.MEMBER, **ROLE)
    area = forms.CharField(label=_("Area"), required=False, max_length=100, help_text=AREA_HELP)

    def clean_name(self) -> Person:
        name = " ".join(bounds.clean_line(self.cleaned_data["name"]).split())
        person = (
            Person.objects.filter(name__iexact=name).first()
            or Person.objects.filter(name_key=name_key(name)).order_by("pk").first()
        )
        if person is None:
            raise forms.ValidationError(
                _(
                    "Nobody in the directory is called %(name)s: pick a suggested name, or "
                    "invite them by e-mail below."
                ),
                params={"name": name},
                code="unknown",
            )
        return person


class MemberInviteForm(Form):
    """Someone by name and address: the directory's person with that address, or new."""

    id_prefix = "member-invite"

    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    role = forms.ChoiceField(initial=Membership.Role.MEMBER, **ROLE)
    area = forms.CharField(label=_("Area"), required=False, max_length=100, help_text=AREA_HELP)


class MembershipForm(VersionedForm):
    """A member's role in the team, and the area an approver signs off for."""

    id_prefix = "member-edit"

    role = forms.ChoiceField(**ROLE)
    area = forms.CharField(label=_("Area"), required=False, max_length=100, help_text=AREA_HELP)


class MemberRemoveForm(VersionedForm):
    id_prefix = "member-remove"
