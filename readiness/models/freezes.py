"""Deploy freezes (site-wide windows when nothing ships) and break-glass overrides that let
one blocked release ship anyway, for a while, with a reason."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from readiness import bounds
from readiness.models.base import Versioned, by_login, of_team
from readiness.models.releases import Release

# How far back a recurring window may have started and still be in force: one week.
_WEEK = dt.timedelta(days=7)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class FreezeKind(models.TextChoices):
    WEEKLY = "weekly", _("Every week")
    ONCE = "once", _("Once")


class FreezeQuerySet(models.QuerySet):
    def holding(self, release: Release) -> FreezeQuerySet:
        """The freezes that hold the release: the site-wide ones and its team's."""
        return self.filter(models.Q(team__isnull=True) | models.Q(team_id=release.team_id))


class Freeze(Versioned):
    """A window when releases do not ship: every week between two local weekday times in
    its zone (Friday 18:00 to Monday 08:00 stays 18:00 and 08:00 across a daylight-saving
    change), or once between two moments (a holiday, the end of a quarter)."""

    Kind = FreezeKind
    Weekday = Weekday

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("repeats"), max_length=10, choices=FreezeKind.choices)
    time_zone = models.CharField(_("time zone"), max_length=bounds.MAX_ZONE_LENGTH)
    # Once: two moments.
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    # Every week: from a weekday and local time to another (the same weekday means a
    # window of up to a week, ending the next week when the end time is not later).
    start_weekday = models.PositiveSmallIntegerField(
        _("from (weekday)"), choices=Weekday.choices, null=True, blank=True
    )
    start_time = models.TimeField(_("from (time)"), null=True, blank=True)
    end_weekday = models.PositiveSmallIntegerField(
        _("until (weekday)"), choices=Weekday.choices, null=True, blank=True
    )
    end_time = models.TimeField(_("until (time)"), null=True, blank=True)
    # A team's own freeze holds its releases only, and its facilitators keep it; a freeze
    # without a team holds every release, and the administrators keep it.
    team = of_team("freezes")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = FreezeQuerySet.as_manager()

    class Meta:
        ordering = ("name", "pk")
        verbose_name = _("deploy freeze")
        verbose_name_plural = _("deploy freezes")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("freezes:edit", args=[self.pk])

    @property
    def tzinfo(self) -> dt.tzinfo:
        return bounds.zone_or_utc(self.time_zone)

    @property
    def is_weekly(self) -> bool:
        return self.kind == FreezeKind.WEEKLY

    def _weekly_length(self) -> int:
        """Days from the start weekday to the end weekday (7 for a whole week)."""
        days = (self.end_weekday - self.start_weekday) % 7
        if days == 0 and self.end_time <= self.start_time:
            days = 7
        return days

    def occurrences(
        self, start: dt.datetime, end: dt.datetime
    ) -> list[tuple[dt.datetime, dt.datetime]]:
        """The windows of this freeze that overlap [start, end), in its zone, in order.

        A weekly window is computed from local dates and times, so its UTC instants move
        with daylight saving while its local times stay."""
        if not self.is_weekly:
            if self.starts_at is None or self.ends_at is None:
                return []
            if self.starts_at < end and start < self.ends_at:
                tz = self.tzinfo
                return [(self.starts_at.astimezone(tz), self.ends_at.astimezone(tz))]
            return []
        if None in (self.start_weekday, self.start_time, self.end_weekday, self.end_time):
            return []
        if not (bounds.moment_is_valid(start) and bounds.moment_is_valid(end)):
            return []
        tz = self.tzinfo
        length = self._weekly_length()
        day = (start - _WEEK - dt.timedelta(days=1)).astimezone(tz).date()
        day += dt.timedelta(days=(self.start_weekday - day.weekday()) % 7)
        last = end.astimezone(tz).date()
        found = []
        while day <= last:
            opens = dt.datetime.combine(day, self.start_time, tzinfo=tz)
            closes = dt.datetime.combine(day + dt.timedelta(days=length), self.end_time, tzinfo=tz)
            if opens < end and start < closes:
                found.append((opens, closes))
            day += _WEEK
        return found

    def in_force(self, now: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
        """The window in force at `now` (start inclusive, end exclusive), or None."""
        found = self.occurrences(now, now + dt.timedelta(microseconds=1))
        return found[0] if found else None


class OverrideQuerySet(models.QuerySet):
    def valid_at(self, now: dt.datetime) -> OverrideQuerySet:
        """Overrides that apply at `now`: granted before, not expired, not revoked."""
        return self.filter(granted_at__lte=now, expires_at__gt=now, revoked_at__isnull=True)


class Override(models.Model):
    """Break-glass: the gate answers ready for this release until `expires_at`, whatever
    blocks it, because someone allowed to said why."""

    release = models.ForeignKey(
        Release, verbose_name=_("release"), on_delete=models.CASCADE, related_name="overrides"
    )
    reason = models.TextField(_("reason"))
    expires_at = models.DateTimeField(_("expires at"))
    granted_at = models.DateTimeField(_("granted at"))
    granted_by = by_login(_("granted by"))
    # Kept as text too, so the record still says who it was if the login is deleted.
    granted_by_name = models.CharField(_("granted by (name)"), max_length=200, blank=True)
    # What blocked the release when it was granted, as the gate said it.
    overrode = models.JSONField(_("what it overrode"), default=list, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = OverrideQuerySet.as_manager()

    class Meta:
        ordering = ("-granted_at", "-pk")
        verbose_name = _("gate override")
        verbose_name_plural = _("gate overrides")

    def __str__(self) -> str:
        # Events read "Ana overrode the gate of Billing Gateway".
        return str(self.release)

    @property
    def overrode_kinds(self) -> list[str]:
        """The kinds of blocker it overrode, each once, in the gate's order."""
        return list(dict.fromkeys(b.get("kind", "") for b in self.overrode if isinstance(b, dict)))

    def is_valid(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and self.granted_at <= now < self.expires_at


@dataclasses.dataclass(frozen=True)
class FreezeOverlap:
    """A freeze window that falls inside a release's deploy window."""

    freeze: Freeze
    starts_at: dt.datetime
    ends_at: dt.datetime


# A deploy window without an end is taken as this long, to warn about a freeze it opens in.
OPEN_WINDOW = dt.timedelta(hours=1)


def freeze_overlaps(release: Release, freezes: list[Freeze]) -> list[FreezeOverlap]:
    """The freezes (given, read once by the caller) that overlap the release's deploy
    window, in time order; none when the release has no window start."""
    start = release.deploy_window_start
    if start is None or not bounds.moment_is_valid(start):
        return []
    end = release.deploy_window_end
    if end is None or not bounds.moment_is_valid(end) or end <= start:
        end = start + OPEN_WINDOW
    found = [
        FreezeOverlap(freeze, opens, closes)
        for freeze in freezes
        for opens, closes in freeze.occurrences(start, end)
    ]
    return sorted(found, key=lambda overlap: (overlap.starts_at, overlap.freeze.pk))


class FreezeNotice(models.Model):
    """One release told that one freeze window starts over its deploy window. A log, like
    the reminders sent: the row makes a second run of the scheduler's job a no-op."""

    freeze = models.ForeignKey(
        Freeze, verbose_name=_("deploy freeze"), on_delete=models.CASCADE, related_name="notices"
    )
    release = models.ForeignKey(
        Release, verbose_name=_("release"), on_delete=models.CASCADE, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts at"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    # The addresses e-mailed; empty when nobody had one.
    told = models.JSONField(_("told"), default=list, blank=True)

    class Meta:
        ordering = ("-sent_at", "-pk")
        verbose_name = _("freeze notice")
        verbose_name_plural = _("freeze notices")
        constraints = [
            models.UniqueConstraint(
                fields=["freeze", "release", "starts_at"], name="freeze_notice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.freeze} {self.starts_at.isoformat()}"
