"""Machine access and a login's own records: API tokens, webhooks, settings."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from readiness.models.actions import _is_web_url
from readiness.models.base import ChoiceLabels, by_login, of_team
from readiness.models.people import Person
from readiness.models.releases import Release

API_TOKEN_PREFIX = "rdy_"


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A named credential a machine sends as `Authorization: Bearer rdy_...`.

    Only the SHA-256 of the token is kept: the token itself is shown once, when created.
    """

    EVENT_REDACTED = ("token_hash",)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    # The first characters of the token, so its owner can tell tokens apart.
    prefix = models.CharField(_("starts with"), max_length=16, editable=False)
    # When set, the token may only read this release's gate.
    release = models.ForeignKey(
        Release,
        verbose_name=_("only the gate of"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class WebhookEvent(models.TextChoices):
    DECISION_RECORDED = "decision.recorded", _("Decision recorded")
    CONDITION_SATISFIED = "condition.satisfied", _("Condition satisfied")
    RELEASE_READY = "release.ready", _("Release became ready")
    ACTION_DONE = "action.done", _("Action done")
    ACTION_BLOCKED = "action.blocked", _("Action blocked")
    DEPLOYMENT_RECORDED = "deployment.recorded", _("Deployment recorded")
    DEPLOYED_AGAINST_GATE = "deployment.against_gate", _("Deployed against the gate")
    OVERRIDE_USED = "override.used", _("Gate overridden (break-glass)")
    FREEZE_STARTING = "freeze.starting", _("Deploy freeze starting over the deploy window")
    SIGNOFF_REQUESTED = "signoff.requested", _("Sign-off requested")
    SIGNOFF_RECORDED = "signoff.recorded", _("Sign-off recorded")
    DECISION_IN_FORCE = "decision.in_force", _("Decision in force")


def _check_webhook_events(value: list[str]) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one event."))
    unknown = [v for v in value if v not in WebhookEvent.values]
    if unknown:
        raise ValidationError(_("Unknown events: %(events)s.") % {"events": ", ".join(unknown)})


def _check_web_url(value: str) -> None:
    if not _is_web_url(value):
        raise ValidationError(_("Give an http:// or https:// URL."))


class Webhook(models.Model):
    """A URL told about the release's events, or about every release's when global."""

    Event = WebhookEvent

    EVENT_REDACTED = ("secret",)

    url = models.URLField(_("URL"), max_length=500, validators=[_check_web_url])
    release = models.ForeignKey(
        Release,
        verbose_name=_("release"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhooks",
        help_text=_("Leave empty to hear about every release of the team."),
    )
    # A team's webhook hears about the team's releases and is its facilitators' to manage;
    # one with neither team nor release hears about every release (administrators only).
    team = of_team("webhooks")
    events = models.JSONField(_("events"), default=list, validators=[_check_webhook_events])
    # The HMAC-SHA256 key the receiver verifies signatures with.
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    chat_format = models.BooleanField(
        _("chat-compatible body"),
        default=False,
        help_text=_('Send {"text": "..."}, which chat tools post as a readable line.'),
    )
    created_by = by_login(_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.url

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("webhooks:detail", args=[self.pk])

    @property
    def event_labels(self) -> list[str]:
        return [str(WebhookEvent(e).label) for e in self.events if e in WebhookEvent.values]


class WebhookDeliveryQuerySet(models.QuerySet):
    def due(self, now: dt.datetime) -> WebhookDeliveryQuerySet:
        """Attempts that have not been made yet and whose time has come."""
        return self.filter(attempted_at__isnull=True, next_attempt_at__lte=now)


class WebhookDelivery(ChoiceLabels, models.Model):
    """One attempt at delivering one event to one webhook; a retry is a new row."""

    MAX_ATTEMPTS = 5

    webhook = models.ForeignKey(
        Webhook, verbose_name=_("webhook"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField(_("payload"))
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # When this attempt is due; cleared when a sender claims it.
    next_attempt_at = models.DateTimeField(_("due at"), null=True, blank=True)
    attempted_at = models.DateTimeField(_("attempted at"), null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="delivery_due_idx"),
            models.Index(fields=["webhook", "-created_at"], name="delivery_webhook_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.attempt} → {self.webhook.url}"

    @property
    def succeeded(self) -> bool:
        return self.delivered_at is not None


class UserSettings(ChoiceLabels, models.Model):
    """A login's preferences: the language of its e-mails, reminders, its calendar feed.

    The feed token is a secret in a URL that calendar apps fetch without logging in; only
    its SHA-256 is kept, so it is shown once, when it is made.
    """

    EVENT_REDACTED = ("feed_token_hash",)

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="readiness_settings",
    )
    language = models.CharField(
        _("language of your e-mails"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    reminders = models.BooleanField(_("e-mail me a daily reminder of what is due"), default=True)
    # Blank: the site's (TIME_ZONE). Times show in the session's zone and, when it differs,
    # in this one too.
    time_zone = models.CharField(_("your time zone"), max_length=64, blank=True, default="")
    feed_token_hash = models.CharField(
        _("feed token hash"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    feed_created_at = models.DateTimeField(_("feed address made at"), null=True, blank=True)

    class Meta:
        verbose_name = _("user settings")
        verbose_name_plural = _("user settings")

    def __str__(self) -> str:
        return str(_("Settings of %(user)s") % {"user": self.user})

    @classmethod
    def for_user(cls, user) -> UserSettings:
        """The saved settings, or the defaults (unsaved) for a login that never changed them."""
        found = cls.objects.filter(user=user).first()
        return found if found is not None else cls(user=user)


class ReminderSent(models.Model):
    """One daily reminder e-mailed to one person: the row makes a second run a no-op.

    A log, like webhook deliveries, written by `notifications.reminders_send`, not an Event.
    """

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="reminders"
    )
    day = models.DateField(_("day"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    items = models.PositiveIntegerField(_("items listed"), default=0)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        ordering = ["-day", "person"]
        constraints = [
            models.UniqueConstraint(fields=["person", "day"], name="reminder_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.day.isoformat()}"
