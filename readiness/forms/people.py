"""The people directory's forms: a person's details, and the merge of a duplicate."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from readiness.forms.base import Form, VersionedForm


class PersonForm(VersionedForm):
    id_prefix = "person"

    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), required=False, max_length=254)
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    default_area = forms.CharField(label=_("Default area"), required=False, max_length=100)
    login = forms.CharField(
        label=_("Login (user name)"),
        required=False,
        max_length=150,
        help_text=_("The login this person signs in with, so their work shows up as theirs."),
    )

    @staticmethod
    def shown(record, name: str):
        if name == "login":
            return record.user.get_username() if record.user_id else ""
        return getattr(record, name)

    def clean_login(self):
        username = self.cleaned_data["login"].strip()
        if not username:
            return None
        login = get_user_model().objects.filter(username=username, is_active=True).first()
        if login is None:
            raise forms.ValidationError(_("No active login has this user name."))
        return login


class PersonMergeForm(Form):
    """Which duplicate becomes part of the person whose page this is, by its number."""

    id_prefix = "merge"

    merged = forms.IntegerField(
        label=_("Number of the duplicate to merge into this person"),
        min_value=1,
        help_text=_("As in its page's address, /people/<number>/; or pick a suggestion."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
