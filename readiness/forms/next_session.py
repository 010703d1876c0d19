"""Scheduling the next session of a release: what the previous one had, offered again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from readiness.forms.workspace import SessionScheduleForm
from readiness.models import AgendaItem, Participant, Session


class NextSessionForm(SessionScheduleForm):
    """The schedule form, started from `previous`: its facilitator and time zone in the
    fields, and one checkbox per member (with their area, which may be changed), observer
    and agenda item, each ticked. Unticking all of them copies nothing."""

    def __init__(self, *args, previous: Session, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("time_zone", previous.time_zone)
        if previous.facilitator is not None:
            initial["facilitator"] = previous.facilitator.name
        super().__init__(*args, **kwargs)
        self.previous = previous
        self.people = list(previous.participants.select_related("person"))
        self.items = list(previous.agenda_items.order_by("position", "pk"))
        for p in self.people:
            self.fields[f"copy_participant_{p.pk}"] = forms.BooleanField(
                label=p.person.name, required=False, initial=True
            )
            self.fields[f"area_{p.pk}"] = forms.CharField(
                label=_("Area"), max_length=100, required=False, initial=p.area
            )
        for item in self.items:
            self.fields[f"copy_agenda_{item.pk}"] = forms.BooleanField(
                label=item.title, required=False, initial=True
            )

    def member_rows(self):
        return [
            (p, self[f"copy_participant_{p.pk}"], self[f"area_{p.pk}"])
            for p in self.people
            if not p.is_observer
        ]

    def observer_rows(self):
        return [(p, self[f"copy_participant_{p.pk}"]) for p in self.people if p.is_observer]

    def agenda_rows(self):
        return [(item, self[f"copy_agenda_{item.pk}"]) for item in self.items]

    def carried_participants(self) -> list[tuple[Participant, str]]:
        """The ticked participants, each with the area typed for them."""
        data = self.cleaned_data
        return [
            (p, " ".join(data.get(f"area_{p.pk}", "").split()))
            for p in self.people
            if data.get(f"copy_participant_{p.pk}")
        ]

    def carried_agenda(self) -> list[AgendaItem]:
        return [item for item in self.items if self.cleaned_data.get(f"copy_agenda_{item.pk}")]
