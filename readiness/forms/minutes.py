"""Forms of the minutes import: upload, preview, confirm."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from readiness import permissions
from readiness.minutes.parser import (
    MAX_BYTES,
    MinutesDoc,
    MinutesError,
    decode_minutes,
    parse_minutes,
)
from readiness.models import Team

# --- Minutes import ---------------------------------------------------------------------

MINUTES_SALT = "readiness.minutes.import"
MINUTES_PREVIEW_MAX_AGE = 60 * 60  # seconds a preview can be confirmed


def minutes_error_message(exc: MinutesError) -> str:
    if exc.line:
        return gettext("Line %(line)s: %(message)s") % {"line": exc.line, "message": exc.message}
    return exc.message


def read_minutes(text: str) -> MinutesDoc:
    return parse_minutes(text, default_zone=settings.TIME_ZONE)


class MinutesUploadForm(forms.Form):
    """A Markdown or JSON minutes file, not trusted: size first, then strict UTF-8, then parse."""

    file = forms.FileField(
        label=_("Minutes file (Markdown or JSON, at most 1 MB)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".md,.markdown,.txt,.json,text/markdown,application/json"}
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_BYTES:
            raise ValidationError(gettext("The file is larger than 1 MB; split it or trim it."))
        data = upload.read(MAX_BYTES + 1)
        try:
            self.text = decode_minutes(data)
            self.doc = read_minutes(self.text)
        except MinutesError as exc:
            raise ValidationError(minutes_error_message(exc)) from None
        self.source = (upload.name or "minutes.md")[:200]
        return upload

    def token(self, user) -> str:
        return sign_minutes(text=self.text, source=self.source, user=user)


def sign_minutes(*, text: str, source: str, user) -> str:
    """The previewed document, signed so the confirmation imports exactly what was shown."""
    payload = {"text": text, "source": source, "user": user.pk}
    return signing.dumps(payload, salt=MINUTES_SALT, compress=True)


class MinutesConfirmForm(forms.Form):
    """The confirmation of a preview: the signed document and whether to replace."""

    token = forms.CharField(widget=forms.HiddenInput)
    replace = forms.BooleanField(
        required=False,
        label=_("Replace the release imported before with this document"),
    )

    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=None,
        required=False,
        help_text=_("The team the release belongs to; a replaced release keeps its own."),
    )

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        teams = permissions.teams_for_facilitator(user).order_by("name")
        self.fields["team"].queryset = teams
        self.fields["team"].empty_label = None
        if "team" not in self.initial:
            self.initial["team"] = teams.filter(pk=Team.default_pk()).first() or teams.first()

    def clean_team(self):
        team = self.cleaned_data.get("team")
        if team is None:
            # Posted without the field: the team the preview offered first.
            team = self.initial.get("team")
        if team is None:
            raise ValidationError(gettext("You facilitate no team to import into."))
        return team

    def clean_token(self) -> str:
        try:
            payload = signing.loads(
                self.cleaned_data["token"], salt=MINUTES_SALT, max_age=MINUTES_PREVIEW_MAX_AGE
            )
        except signing.BadSignature:
            raise ValidationError(
                gettext("This preview has expired or was altered; upload the file again.")
            ) from None
        if payload.get("user") != getattr(self.user, "pk", None):
            raise ValidationError(
                gettext("This preview was made by someone else; upload the file.")
            )
        self.text, self.source = payload["text"], payload["source"]
        try:
            self.doc = read_minutes(self.text)
        except MinutesError as exc:
            raise ValidationError(minutes_error_message(exc)) from None
        return self.cleaned_data["token"]


# --- API tokens and webhooks -------------------------------------------------------------
