"""The append-only log every change writes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from readiness.models.releases import Release
from readiness.models.sessions import Session

EVENT_VERBS = {
    "person.created": _("added the person"),
    "person.updated": _("updated the person"),
    "person.login_linked": _("linked a login to"),
    "release.created": _("created the release"),
    "release.imported": _("imported the minutes of"),
    "release.deleted": _("deleted the release"),
    "release.status_changed": _("changed the status of"),
    "session.scheduled": _("scheduled"),
    "session.closed": _("closed"),
    "participant.added": _("added the participant"),
    "agenda_item.added": _("added the agenda item"),
    "readiness_check.added": _("added the readiness check"),
    "readiness_check.updated": _("updated the readiness check"),
    "decision.recorded": _("recorded the decision"),
    "decision.superseded": _("superseded the decision"),
    "condition.added": _("added the condition"),
    "condition.satisfied": _("marked satisfied"),
    "condition.expiry_notified": _("told the facilitator about the expired condition"),
    "action.created": _("assigned"),
    "action.status_changed": _("changed the status of"),
    "action.updated": _("updated the action"),
    "decision.review_done": _("held the post-go-live review of"),
    "session.minutes_sent": _("sent the minutes of"),
    "user_settings.created": _("saved their settings"),
    "user_settings.updated": _("changed their settings"),
    "user_settings.feed_regenerated": _("regenerated their calendar feed address"),
    "evidence.added": _("linked the evidence"),
    "evidence.verified": _("verified the evidence"),
    "api_token.created": _("created the API token"),
    "api_token.revoked": _("revoked the API token"),
    "webhook.created": _("registered the webhook"),
    "webhook.deleted": _("removed the webhook"),
}


class Event(models.Model):
    """The log every change writes: who did what to which record, when, before and after."""

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text too, so the log still says who it was if the login is deleted.
    actor_name = models.CharField(_("who (name)"), max_length=200, blank=True)
    verb = models.CharField(_("what"), max_length=60)
    subject_type = models.CharField(_("record type"), max_length=60)
    subject_id = models.BigIntegerField(_("record id"))
    subject_repr = models.CharField(_("record"), max_length=300)
    release = models.ForeignKey(
        Release,
        verbose_name=_("release"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    # A change made after its session was closed: shown apart, as an addendum to the minutes.
    is_addendum = models.BooleanField(_("addendum"), default=False)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["release", "-created_at"], name="event_release_idx"),
            models.Index(fields=["subject_type", "subject_id"], name="event_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name or '-'} {self.verb}"

    @property
    def verb_label(self) -> str:
        return str(EVENT_VERBS.get(self.verb, self.verb))

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each field a person changed (the version is bookkeeping)."""
        before, after = self.before or {}, self.after or {}
        if not before:
            return []
        keys = [k for k in after if k != "version" and before.get(k) != after.get(k)]
        return [(k, before.get(k), after.get(k)) for k in keys]
