"""Forms of the release and session pages: what a facilitator types during a meeting."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from readiness import bounds
from readiness.forms.base import (
    DATE,
    DATETIME,
    TIME,
    DateField,
    DateTimeField,
    Form,
    LocationField,
    PersonNameField,
    TimeZoneField,
    VersionedForm,
    _text,
)
from readiness.models import (
    Action,
    Decision,
    Evidence,
    Participant,
    Policy,
    ReadinessCheck,
    Release,
    Session,
    SessionTemplate,
    Vote,
    _is_web_url,
)

# --- Releases and sessions ----------------------------------------------------------------


class ReleaseForm(Form):
    id_prefix = "release"

    name = forms.CharField(label=_("Name"), max_length=200)
    planned_date = DateField(label=_("Planned date"), widget=DATE)
    language = forms.ChoiceField(
        label=_("Language of the minutes"), choices=Release.LANGUAGES, initial="en"
    )
    window_start = DateTimeField(label=_("Deploy window opens"), required=False, widget=DATETIME)
    window_end = DateTimeField(label=_("Deploy window closes"), required=False, widget=DATETIME)
    window_time_zone = TimeZoneField(
        label=_("Time zone of the window"),
        initial=settings.TIME_ZONE,
        widget=_text(list="time-zones"),
    )

    def clean(self):
        data = super().clean()
        start, end, zone = (
            data.get("window_start"),
            data.get("window_end"),
            data.get("window_time_zone"),
        )
        if (start is None) != (end is None):
            raise forms.ValidationError(_("Give both ends of the deploy window, or neither."))
        if start and end and zone:
            tz = bounds.zone_or_utc(zone)
            data["window_start"] = start.replace(tzinfo=tz)
            data["window_end"] = end.replace(tzinfo=tz)
            if data["window_end"] <= data["window_start"]:
                self.add_error("window_end", _("The window must close after it opens."))
        return data


class SessionForm(Form):
    id_prefix = "session"

    title = forms.CharField(label=_("Title"), max_length=200, initial="Go/No-Go")
    date = DateField(label=_("Date"), widget=DATE)
    time = forms.TimeField(label=_("Time"), widget=TIME)
    time_zone = TimeZoneField(
        label=_("Time zone"), initial=settings.TIME_ZONE, widget=_text(list="time-zones")
    )
    objective = forms.CharField(
        label=_("Objective"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    facilitator = PersonNameField(label=_("Facilitator"), required=False)

    def scheduled_at(self) -> dt.datetime:
        data = self.cleaned_data
        return dt.datetime.combine(data["date"], data["time"]).replace(
            tzinfo=bounds.zone_or_utc(data["time_zone"])
        )

    @classmethod
    def initial_for(cls, session: Session) -> dict:
        local = session.local_scheduled_at
        return {
            "title": session.title,
            "date": local.date(),
            "time": local.time(),
            "time_zone": session.time_zone,
            "objective": session.objective,
            "facilitator": session.facilitator.name if session.facilitator else "",
            "version": session.version,
        }


def _policy_summary(policy: dict) -> str:
    """A template's sign-off policy in a few words, for its line in the template choice."""
    areas = ", ".join(policy.get("required_areas") or [])
    quorum = policy.get("quorum")
    if policy.get("rule") == Policy.Rule.QUORUM and quorum:
        summary = ngettext("%(count)s approval", "%(count)s approvals", quorum) % {"count": quorum}
        if areas:
            summary = gettext("%(rule)s from %(areas)s") % {"rule": summary, "areas": areas}
    elif areas:
        summary = gettext("every one of %(areas)s approves") % {"areas": areas}
    else:
        summary = gettext("no sign-off needed")
    if days := policy.get("go_valid_days"):
        summary = ngettext(
            "%(rule)s, a GO valid %(days)s day", "%(rule)s, a GO valid %(days)s days", days
        ) % {"rule": summary, "days": days}
    return summary


class TemplateChoiceField(forms.ModelChoiceField):
    """The templates to start a session from, each with the sign-off policy it brings."""

    def label_from_instance(self, obj: SessionTemplate) -> str:
        if not obj.policy:
            return obj.name
        return gettext("%(name)s (sign-off: %(policy)s)") % {
            "name": obj.name,
            "policy": _policy_summary(obj.policy),
        }


class SessionScheduleForm(SessionForm):
    template = TemplateChoiceField(
        label=_("Start from"),
        queryset=SessionTemplate.objects.all(),
        required=False,
        empty_label=_("A blank session"),
        help_text=_(
            "A template's sign-off policy becomes the release's while the release has no "
            "decision yet; after its first decision the release keeps its own."
        ),
    )

    def __init__(self, *args, release: Release | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if release is not None:
            # The release's team's templates, and those every team shares.
            self.fields["template"].queryset = SessionTemplate.objects.filter(
                Q(team__isnull=True) | Q(team_id=release.team_id)
            )


class SessionEditForm(SessionForm, VersionedForm):
    pass


class TemplateSaveForm(Form):
    id_prefix = "template"

    name = forms.CharField(label=_("Template name"), max_length=200)


# --- Participants -------------------------------------------------------------------------


class ParticipantAddForm(Form):
    id_prefix = "participant"

    name = PersonNameField(label=_("Name"))
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    area = forms.CharField(
        label=_("Area"), max_length=100, required=False, widget=_text(list="area-options")
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=Participant.Role.choices, initial=Participant.Role.MEMBER
    )


class ParticipantEditForm(VersionedForm):
    id_prefix = "participant-edit"

    area = forms.CharField(
        label=_("Area"), max_length=100, required=False, widget=_text(list="area-options")
    )
    role = forms.ChoiceField(label=_("Role"), choices=Participant.Role.choices)


class AttendanceForm(Form):
    id_prefix = "attendance"

    attendance = forms.ChoiceField(choices=Participant.Attendance.choices)


# --- Agenda -------------------------------------------------------------------------------


class AgendaItemAddForm(Form):
    id_prefix = "agenda"

    title = forms.CharField(label=_("Agenda item"), max_length=300)
    time_box_minutes = forms.IntegerField(
        label=_("Time box (minutes)"), min_value=1, max_value=480, required=False
    )


class AgendaItemEditForm(VersionedForm):
    id_prefix = "agenda-edit"

    title = forms.CharField(label=_("Title"), max_length=300)
    time_box_minutes = forms.IntegerField(
        label=_("Time box (minutes)"), min_value=1, max_value=480, required=False
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class MoveForm(Form):
    id_prefix = "move"

    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])


class DiscussedForm(Form):
    id_prefix = "discussed"

    discussed = forms.BooleanField(required=False)


# --- Readiness checks ---------------------------------------------------------------------


class ReadinessCheckForm(Form):
    id_prefix = "check"

    area = forms.CharField(label=_("Area"), max_length=100, widget=_text(list="area-options"))
    status = forms.ChoiceField(label=_("Status"), choices=ReadinessCheck.Status.choices)
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReadinessCheckEditForm(VersionedForm):
    id_prefix = "check-edit"

    status = forms.ChoiceField(label=_("Status"), choices=ReadinessCheck.Status.choices)
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- Decision -----------------------------------------------------------------------------


class ConditionForm(Form):
    id_prefix = "condition"

    text = forms.CharField(label=_("Condition"), max_length=1000, required=False)
    reference = forms.CharField(label=_("Ticket"), max_length=100, required=False)
    owner = PersonNameField(label=_("Owner"), required=False)
    deadline = DateTimeField(label=_("Deadline"), required=False, widget=DATETIME)

    def clean(self):
        data = super().clean()
        if not data.get("text") and (data.get("reference") or data.get("owner")):
            self.add_error("text", _("Say what the condition is."))
        return data


class BaseConditionFormSet(forms.BaseFormSet):
    def has_input(self) -> bool:
        """Whether a row holds typed text or an error: the rows stay in view whatever the
        outcome, so that nothing typed is hidden from the person who typed it."""
        return self.is_bound and any(
            form.errors or any(form.data.get(form.add_prefix(name)) for name in form.fields)
            for form in self.forms
        )

    def with_new_row(self) -> BaseConditionFormSet:
        """The same rows and one more, empty, with the cursor in it (the form is only
        re-drawn: nothing is saved)."""
        data = self.data.copy()
        rows = data.get(f"{self.prefix}-TOTAL_FORMS", "0")
        rows = int(rows) if rows.isdigit() and len(rows) < 4 else 0
        data[f"{self.prefix}-TOTAL_FORMS"] = str(min(rows + 1, self.max_num))
        formset = type(self)(data, prefix=self.prefix)
        formset.is_valid()
        if formset.forms:
            formset.forms[-1].fields["text"].widget.attrs["autofocus"] = True
        return formset


ConditionFormSet = forms.formset_factory(
    ConditionForm, formset=BaseConditionFormSet, extra=0, max_num=20, validate_max=True
)


class DecisionForm(Form):
    id_prefix = "decision"

    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Decision.Outcome.choices, widget=forms.RadioSelect
    )
    rationale = forms.CharField(
        label=_("Rationale"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    method = forms.ChoiceField(
        label=_("Decided by"),
        choices=Decision.Method.choices,
        initial=Decision.Method.CONSENSUS,
        widget=forms.RadioSelect,
    )
    review_on = DateField(label=_("Post-go-live review on"), required=False, widget=DATE)
    recorded_at = DateTimeField(
        label=_("Decided at (empty: now)"),
        required=False,
        widget=DATETIME,
        help_text=_("In the session's time zone, on the meeting's day."),
    )

    def __init__(self, *args, members: list[Participant] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        for member in self.members:
            self.fields[f"vote_{member.pk}"] = forms.ChoiceField(
                label=member.person.name,
                choices=[("", _("Not voting")), *Vote.Choice.choices],
                required=False,
            )
            self.fields[f"comment_{member.pk}"] = forms.CharField(
                label=_("Comment"), max_length=1000, required=False
            )

    def vote_rows(self):
        return [
            (member, self[f"vote_{member.pk}"], self[f"comment_{member.pk}"])
            for member in self.members
        ]

    def votes(self) -> list[tuple[Participant, str, str]]:
        return [
            (m, self.cleaned_data[f"vote_{m.pk}"], self.cleaned_data[f"comment_{m.pk}"])
            for m in self.members
            if self.cleaned_data.get(f"vote_{m.pk}")
        ]


# --- Actions ------------------------------------------------------------------------------


def _code_field(*, required: bool = True) -> forms.RegexField:
    # A1, M2, SEC12; and A1-2, as a code renumbered when codes became one per release.
    return forms.RegexField(
        label=_("Code"),
        max_length=20,
        required=required,
        regex=r"^[A-Za-z]{1,3}\d{1,4}(-\d{1,3})?$",
        error_messages={"invalid": _("Use a letter and a number, such as A5.")},
    )


class ActionForm(Form):
    id_prefix = "action"

    code = _code_field()
    description = forms.CharField(label=_("Action"), widget=forms.Textarea(attrs={"rows": 2}))
    owner = PersonNameField(label=_("Owner"))
    due_date = DateField(label=_("Due"), required=False, widget=DATE)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Action.Kind.choices, initial=Action.Kind.ACTION
    )
    before_deploy = forms.BooleanField(label=_("Must be done before deploy"), required=False)


class ActionEditForm(VersionedForm):
    id_prefix = "action-edit"

    # Left out, the code stays as it is.
    code = _code_field(required=False)
    description = forms.CharField(label=_("Action"), widget=forms.Textarea(attrs={"rows": 2}))
    owner = PersonNameField(label=_("Owner"))
    due_date = DateField(label=_("Due"), required=False, widget=DATE)
    kind = forms.ChoiceField(label=_("Kind"), choices=Action.Kind.choices)
    before_deploy = forms.BooleanField(label=_("Must be done before deploy"), required=False)

    @staticmethod
    def shown(record, name: str):
        return record.owner.name if name == "owner" else getattr(record, name)


class ActionStatusForm(VersionedForm):
    """One click on an action: start, block (with a reason), finish, or reopen."""

    id_prefix = "action-status"

    status = forms.ChoiceField(label=_("Status"), choices=Action.Status.choices)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)
    note = forms.CharField(label=_("Completion note"), required=False, max_length=2000)
    evidence_url = forms.CharField(label=_("Evidence link"), required=False, max_length=1000)
    completed_at = DateTimeField(label=_("Done at (empty: now)"), required=False, widget=DATETIME)

    def clean(self):
        data = super().clean()
        if data.get("status") != Action.Status.DONE:
            # Only finishing takes a time; the other buttons of the form send none.
            data["completed_at"] = None
        if data.get("status") == Action.Status.BLOCKED and not data.get("reason", "").strip():
            self.add_error("reason", _("Say what blocks this action."))
        if data.get("evidence_url") and not _is_web_url(data["evidence_url"].strip()):
            self.add_error("evidence_url", _("Give an http:// or https:// URL."))
        return data


class ConditionSatisfyForm(VersionedForm):
    id_prefix = "condition-satisfy"

    # What any evidence accepts: a URL or a repository path.
    evidence_url = LocationField(label=_("Evidence link"))
    note = forms.CharField(label=_("How it was satisfied"), required=False, max_length=2000)

    @staticmethod
    def changes(data: dict) -> dict:
        """The keywords of `services.condition_satisfy_with_evidence`."""
        return {
            "url": data["evidence_url"],
            "note": data["note"],
            "expected_version": data["version"],
        }


class EvidenceForm(Form):
    id_prefix = "evidence"

    title = forms.CharField(label=_("Title"), max_length=300)
    location = LocationField(label=_("Location"))
    category = forms.ChoiceField(
        label=_("Category"), choices=Evidence.Category.choices, initial=Evidence.Category.OTHER
    )
    backs = forms.ChoiceField(label=_("Backs"), required=False)

    def __init__(self, *args, session: Session, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("The session as a whole"))]
        choices += [
            (f"agenda:{i.pk}", f"{i.position}. {i.title}") for i in session.agenda_items.all()
        ]
        choices += [
            (f"check:{c.pk}", _("Readiness: %(area)s") % {"area": c.area})
            for c in session.readiness_checks.all()
        ]
        decision = session.current_decision
        if decision is not None:
            choices += [
                (f"condition:{c.pk}", _("Condition: %(text)s") % {"text": c.text[:60]})
                for c in decision.conditions.all()
            ]
        choices += [
            (f"action:{a.pk}", f"{a.code}: {a.description[:60]}") for a in session.actions.all()
        ]
        self.fields["backs"].choices = choices
        self.session = session

    def target(self) -> dict:
        """The keyword for services.evidence_add naming what the evidence backs."""
        value = self.cleaned_data.get("backs") or ""
        if not value:
            return {}
        kind, pk = value.split(":")
        session = self.session
        lookups = {
            "agenda": ("agenda_item", session.agenda_items.all()),
            "check": ("readiness_check", session.readiness_checks.all()),
            "condition": (
                "condition",
                session.current_decision.conditions.all() if session.current_decision else [],
            ),
            "action": ("action", session.actions.all()),
        }
        name, candidates = lookups[kind]
        return {name: next(obj for obj in candidates if str(obj.pk) == pk)}


class AddendumForm(Form):
    id_prefix = "addendum"

    text = forms.CharField(label=_("Addendum"), widget=forms.Textarea(attrs={"rows": 3}))
