"""The append-only log every change writes."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from readiness import bounds, timefmt
from readiness.models.base import ChoiceLabels, by_login
from readiness.models.releases import Release
from readiness.models.sessions import Session


class EventVerb(models.TextChoices):
    """What an Event says happened; the label reads after the actor's name and before the
    record (“Ana *added the agenda item* Rollback plan”). Stored values never change."""

    PERSON_CREATED = "person.created", _("added the person")
    PERSON_UPDATED = "person.updated", _("updated the person")
    PERSON_LOGIN_LINKED = "person.login_linked", _("linked a login to")
    PERSON_MERGED = "person.merged", _("merged a duplicate into")
    TEAM_CREATED = "team.created", _("created the team")
    TEAM_UPDATED = "team.updated", _("updated the team")
    MEMBERSHIP_ADDED = "membership.added", _("added to a team")
    MEMBERSHIP_UPDATED = "membership.updated", _("changed the team role of")
    MEMBERSHIP_REMOVED = "membership.removed", _("removed from a team")
    RELEASE_CREATED = "release.created", _("created the release")
    RELEASE_IMPORTED = "release.imported", _("imported the minutes of")
    RELEASE_DELETED = "release.deleted", _("deleted the release")
    RELEASE_UPDATED = "release.updated", _("updated the release")
    RELEASE_CANCELLED = "release.cancelled", _("cancelled the release")
    # Written when a deployment moves the release's status (deployed, rolled back).
    RELEASE_STATUS_CHANGED = "release.status_changed", _("changed the status of")
    SESSION_SCHEDULED = "session.scheduled", _("scheduled")
    SESSION_UPDATED = "session.updated", _("updated the session")
    SESSION_STARTED = "session.started", _("started")
    SESSION_CURRENT_ITEM_CHANGED = (
        "session.current_item_changed",
        _("changed the item being discussed in"),
    )
    SESSION_CLOSED = "session.closed", _("closed")
    SESSION_MINUTES_SENT = "session.minutes_sent", _("sent the minutes of")
    SESSION_MINUTES_UNSENT = (
        "session.minutes_unsent",
        _("could not send the minutes (no participant has an address) of"),
    )
    TEMPLATE_SAVED = "template.saved", _("saved the session template")
    ADDENDUM_ADDED = "addendum.added", _("added the addendum")
    PARTICIPANT_ADDED = "participant.added", _("added the participant")
    PARTICIPANT_UPDATED = "participant.updated", _("updated the participant")
    PARTICIPANT_ATTENDANCE = "participant.attendance", _("recorded the attendance of")
    PARTICIPANT_REMOVED = "participant.removed", _("removed the participant")
    AGENDA_ITEM_ADDED = "agenda_item.added", _("added the agenda item")
    AGENDA_ITEM_UPDATED = "agenda_item.updated", _("updated the agenda item")
    AGENDA_ITEM_DELETED = "agenda_item.deleted", _("deleted the agenda item")
    AGENDA_ITEM_MOVED = "agenda_item.moved", _("moved the agenda item")
    AGENDA_ITEM_DISCUSSING = "agenda_item.discussing", _("started discussing")
    AGENDA_ITEM_DISCUSSED = "agenda_item.discussed", _("marked discussed")
    AGENDA_ITEM_REOPENED = "agenda_item.reopened", _("reopened the agenda item")
    READINESS_CHECK_ADDED = "readiness_check.added", _("added the readiness check")
    READINESS_CHECK_UPDATED = "readiness_check.updated", _("updated the readiness check")
    READINESS_CHECK_REMOVED = "readiness_check.removed", _("removed the readiness check")
    CHECKLIST_ITEM_ADDED = "checklist_item.added", _("added the checklist item")
    CHECKLIST_ITEM_SET = "checklist_item.set", _("set the checklist item")
    CHECKLIST_ITEM_EXEMPTED = "checklist_item.exempted", _("exempted the checklist item")
    DECISION_RECORDED = "decision.recorded", _("recorded the decision")
    DECISION_SUPERSEDED = "decision.superseded", _("superseded the decision")
    DECISION_REVIEW_SCHEDULED = (
        "decision.review_scheduled",
        _("scheduled after the deployment the post-go-live review of"),
    )
    DECISION_REVIEW_DONE = "decision.review_done", _("held the post-go-live review of")
    VOTE_RECORDED = "vote.recorded", _("recorded the vote")
    SIGNOFF_APPROVED = "signoff.approved", _("approved at sign-off")
    SIGNOFF_REJECTED = "signoff.rejected", _("rejected at sign-off")
    SIGNOFF_ABSTAINED = "signoff.abstained", _("abstained at sign-off on")
    DECISION_IN_FORCE = "decision.in_force", _("brought into force, signed off,")
    DECISION_SIGNOFF_REJECTED = "decision.signoff_rejected", _("marked rejected at sign-off")
    POLICY_CREATED = "policy.created", _("set the sign-off policy of")
    POLICY_UPDATED = "policy.updated", _("changed the sign-off policy of")
    CONDITION_ADDED = "condition.added", _("added the condition")
    CONDITION_SATISFIED = "condition.satisfied", _("marked satisfied")
    CONDITION_UPDATED = "condition.updated", _("changed the owner or deadline of")
    CONDITION_EXPIRY_NOTIFIED = (
        "condition.expiry_notified",
        _("told the facilitator about the expired condition"),
    )
    CONDITION_EXPIRY_UNSENT = (
        "condition.expiry_unsent",
        _("could not tell anyone (no address) about the expired condition"),
    )
    CONDITION_EXPIRY_FAILED = (
        "condition.expiry_failed",
        _("could not send the e-mail about the expired condition"),
    )
    ACTION_CREATED = "action.created", _("assigned")
    ACTION_STATUS_CHANGED = "action.status_changed", _("changed the status of")
    ACTION_UPDATED = "action.updated", _("updated the action")
    ACTION_CODE_RENAMED = "action.code_renamed", _("renumbered the action")
    DEPLOYMENT_RECORDED = "deployment.recorded", _("recorded the deployment")
    EVIDENCE_ADDED = "evidence.added", _("linked the evidence")
    EVIDENCE_VERIFIED = "evidence.verified", _("verified the evidence")
    EVIDENCE_UPDATED = "evidence.updated", _("updated the evidence")
    EVIDENCE_REMOVED = "evidence.removed", _("removed the evidence")
    USER_SETTINGS_CREATED = "user_settings.created", _("saved their settings")
    USER_SETTINGS_UPDATED = "user_settings.updated", _("changed their settings")
    USER_SETTINGS_FEED_REGENERATED = (
        "user_settings.feed_regenerated",
        _("regenerated their calendar feed address"),
    )
    API_TOKEN_CREATED = "api_token.created", _("created the API token")
    API_TOKEN_REVOKED = "api_token.revoked", _("revoked the API token")
    WEBHOOK_CREATED = "webhook.created", _("registered the webhook")
    WEBHOOK_DELETED = "webhook.deleted", _("removed the webhook")
    FREEZE_CREATED = "freeze.created", _("added the deploy freeze")
    FREEZE_UPDATED = "freeze.updated", _("changed the deploy freeze")
    FREEZE_DELETED = "freeze.deleted", _("removed the deploy freeze")
    OVERRIDE_GRANTED = "override.granted", _("overrode the gate (break-glass) of")
    OVERRIDE_REVOKED = "override.revoked", _("revoked the gate override of")


class EventQuerySet(models.QuerySet):
    """Events are written once and never changed or removed, by the application at least;
    on PostgreSQL a trigger refuses it to anyone (migration 0009)."""

    def update(self, **kwargs: Any) -> int:
        raise TypeError("Events are append-only: they are never updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("Events are append-only: they are never deleted.")

    update.queryset_only = True
    delete.queryset_only = True

    def of_release(self, slug: str) -> EventQuerySet:
        """Every event a release's record holds, oldest first: its own, and those of the
        imports it replaced, which stay in the log, detached, under the same slug."""
        return self.filter(release_slug=slug).order_by("created_at", "pk")


class Event(ChoiceLabels, models.Model):
    """The log every change writes: who did what to which record, when, before and after."""

    Verb = EventVerb

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = by_login(_("who"))
    # Kept as text too, so the log still says who it was if the login is deleted.
    actor_name = models.CharField(_("who (name)"), max_length=200, blank=True)
    verb = models.CharField(_("what"), max_length=60, choices=EventVerb.choices)
    subject_type = models.CharField(_("record type"), max_length=60)
    subject_id = models.BigIntegerField(_("record id"))
    subject_repr = models.CharField(_("record"), max_length=300)
    # When a release or session is deleted (an import replaced, say), its events stay,
    # detached: the one change the events table accepts.
    release = models.ForeignKey(
        Release,
        verbose_name=_("release"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    # The release's slug, kept when the release itself is gone, so that an audit still
    # finds every event of a release whose import was replaced.
    release_slug = models.CharField(_("release slug"), max_length=120, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    # A change made after its session was closed: shown apart, as an addendum to the minutes.
    is_addendum = models.BooleanField(_("addendum"), default=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["release", "-created_at"], name="event_release_idx"),
            models.Index(fields=["subject_type", "subject_id"], name="event_subject_idx"),
            models.Index(fields=["release_slug", "created_at"], name="event_release_slug_idx"),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("Events are append-only: they are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("Events are append-only: they are never deleted.")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name or '-'} {self.verb}"

    @property
    def verb_label(self) -> str:
        # As get_verb_display() answers, without building the dict of every verb's label
        # for each event of a timeline.
        try:
            return str(Event.Verb(self.verb).label)
        except ValueError:
            return str(self.verb)

    @property
    def delivery(self) -> str:
        """Who an e-mail this Event tells of went to, and who had no address."""
        after = self.after if isinstance(self.after, dict) else {}
        sent, missing = after.get("sent_to") or [], after.get("no_address") or []
        failed = after.get("failed") or []
        parts = []
        if sent:
            parts.append(gettext("sent to %(names)s") % {"names": ", ".join(map(str, sent))})
        if missing:
            parts.append(
                gettext("not sent, no address: %(names)s")
                % {"names": ", ".join(map(str, missing))}
            )
        if failed:
            parts.append(
                gettext("sending failed: %(names)s") % {"names": ", ".join(map(str, failed))}
            )
        return "; ".join(parts)

    def _changed(self) -> list[tuple[str, Any, Any]]:
        """(key, before, after) for each field a person changed (the version is bookkeeping)."""
        before, after = self.before or {}, self.after or {}
        if not before:
            return []
        keys = [k for k in after if k not in NOT_CHANGES and before.get(k) != after.get(k)]
        return [(k, before.get(k), after.get(k)) for k in keys]

    @property
    def changes(self) -> list[tuple[str, str, str]]:
        """(field, before, after) as people read them: the field's name, times in the
        session's zone, choices by their labels, related records by name once
        `Event.for_timeline` has fetched them (by number before)."""
        fields = _fields_of(self.subject_type)
        rows = []
        for key, old, new in self._changed():
            field = fields.get(key)
            label = capfirst(field.verbose_name) if field is not None else key
            rows.append((str(label), self._show(field, old), self._show(field, new)))
        return rows

    # Filled by `for_timeline`: the session's zone and the names of related records.
    _zone: str | None = None
    _names: dict[tuple[type[models.Model], Any], str] | None = None

    def _time_zone(self) -> dt.tzinfo:
        name = self._zone
        if name is None and self.session_id is not None:
            name = self.session.time_zone
        return bounds.zone_or_utc(name) if name else timezone.get_current_timezone()

    def _show(self, field: models.Field | None, value: Any) -> str:
        if value is None or value == "":
            return NOTHING
        if field is None:
            return str(value)
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(field, models.BooleanField):
            return gettext("yes") if value else gettext("no")
        if isinstance(field, models.DateTimeField):
            moment = parse_datetime(value) if isinstance(value, str) else value
            if moment is None:
                return str(value)
            zone = self._time_zone()
            local = bounds.local_or_none(moment, zone) if timezone.is_aware(moment) else moment
            if local is None:
                return f"{value} ({gettext('invalid')})"
            if timezone.is_naive(local):
                return formats.date_format(local, "DATETIME_FORMAT")
            return timefmt.moment_text(moment, zone)
        if isinstance(field, models.DateField):
            day = parse_date(value) if isinstance(value, str) else value
            return timefmt.day_text(day) if day else str(value)
        if field.is_relation:
            name = (self._names or {}).get((field.related_model, value))
            return name if name is not None else f"#{value}"
        return str(value)

    @classmethod
    def for_timeline(cls, events: Iterable[Event]) -> list[Event]:
        """The events, ready to show their changes: their sessions' time zones and the
        records their changes point to are read in a few queries, however many events."""
        events = list(events)
        session_ids = {event.session_id for event in events if event.session_id}
        zones = dict(
            Session.objects.filter(pk__in=session_ids).values_list("pk", "time_zone")
            if session_ids
            else ()
        )
        wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        for event in events:
            fields = _fields_of(event.subject_type)
            for key, old, new in event._changed():
                field = fields.get(key)
                if field is not None and field.is_relation:
                    wanted[field.related_model].update(v for v in (old, new) if v is not None)
        names: dict[tuple[type[models.Model], Any], str] = {}
        for model, pks in wanted.items():
            for obj in model._default_manager.filter(pk__in=pks):
                names[(model, obj.pk)] = str(obj)
        for event in events:
            event._zone = zones.get(event.session_id)
            event._names = names
        return events


NOTHING = "—"
# What an Event's `after` may hold beside the record's fields: bookkeeping, whom an e-mail
# went to (`delivery` says it), what a merge moved.
NOT_CHANGES = frozenset({"version", "sent_to", "no_address", "failed", "merged", "moved"})


def _fields_of(subject_type: str) -> dict[str, models.Field]:
    """The fields of an Event's record kind, by the names its snapshots use."""
    try:
        model = apps.get_model("readiness", subject_type)
    except LookupError:
        return {}
    return {field.attname: field for field in model._meta.concrete_fields}
