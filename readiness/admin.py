"""The admin: a read-only window on every record.

Every change to the domain goes through `readiness.services` so that it writes its Event;
the admin's generic forms would bypass that, so domain records cannot be edited here.
"""

from django.contrib import admin
from django.http import HttpRequest

from readiness.models import (
    Action,
    Addendum,
    AgendaItem,
    ApiToken,
    ChecklistItem,
    Condition,
    Decision,
    Deployment,
    Event,
    Evidence,
    Freeze,
    FreezeNotice,
    Membership,
    Override,
    Participant,
    Person,
    Policy,
    ReadinessCheck,
    Release,
    ReminderSent,
    Session,
    SessionTemplate,
    SignOff,
    Team,
    UserSettings,
    Vote,
    Webhook,
    WebhookDelivery,
)


class ReadOnly:
    """Neither adds nor changes: a page and an inline alike."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyInline(ReadOnly, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True


class MembershipInline(ReadOnlyInline):
    model = Membership
    fields = ("person", "role", "area", "source")


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "visibility")
    search_fields = ("name", "slug")
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("team", "person", "role", "area", "source")
    list_filter = ("role", "source")
    search_fields = ("person__name", "team__name")


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["name", "title", "email", "user"]
    search_fields = ["name", "title", "email"]
    list_select_related = ["user"]


class SessionInline(ReadOnlyInline):
    model = Session
    fields = ["title", "scheduled_at", "time_zone", "facilitator", "status"]


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    list_display = ["name", "planned_date", "status", "team", "slug"]
    list_filter = ["status", "team", "planned_date"]
    search_fields = ["name", "slug"]
    date_hierarchy = "planned_date"
    inlines = [SessionInline]


class ParticipantInline(ReadOnlyInline):
    model = Participant
    fields = ["person", "area", "role", "attendance"]


class AgendaItemInline(ReadOnlyInline):
    model = AgendaItem
    fields = ["position", "title", "time_box_minutes", "discussed"]


@admin.register(Session)
class SessionAdmin(ReadOnlyAdmin):
    list_display = ["release", "title", "scheduled_at", "time_zone", "facilitator", "status"]
    list_filter = ["status", "time_zone"]
    search_fields = ["release__name", "title", "objective"]
    list_select_related = ["release", "facilitator"]
    inlines = [ParticipantInline, AgendaItemInline]


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyAdmin):
    list_display = ["person", "session", "area", "role", "attendance"]
    list_filter = ["role", "attendance", "area"]
    search_fields = ["person__name", "area"]
    list_select_related = ["person", "session__release"]


@admin.register(AgendaItem)
class AgendaItemAdmin(ReadOnlyAdmin):
    list_display = ["title", "session", "position", "discussed"]
    list_filter = ["discussed"]
    search_fields = ["title", "notes"]
    list_select_related = ["session__release"]


@admin.register(ReadinessCheck)
class ReadinessCheckAdmin(ReadOnlyAdmin):
    list_display = ["area", "status", "session"]
    list_filter = ["status", "area"]
    search_fields = ["area", "summary"]
    list_select_related = ["session__release"]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(ReadOnlyAdmin):
    list_display = ["key", "label", "required", "state", "exempt_until", "session"]
    list_filter = ["state", "required"]
    search_fields = ["key", "label"]
    list_select_related = ["session__release"]


class ConditionInline(ReadOnlyInline):
    model = Condition
    fields = ["text", "reference", "owner", "deadline", "satisfied_at"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["session", "outcome", "method", "recorded_at", "is_current"]
    list_filter = ["outcome", "method", "is_current"]
    search_fields = ["rationale", "session__release__name"]
    list_select_related = ["session__release"]
    inlines = [ConditionInline]


@admin.register(Condition)
class ConditionAdmin(ReadOnlyAdmin):
    list_display = ["text", "reference", "owner", "deadline", "satisfied_at"]
    list_filter = [("satisfied_at", admin.EmptyFieldListFilter)]
    search_fields = ["text", "reference"]
    list_select_related = ["owner"]


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ["code", "description", "owner", "due_date", "status", "kind", "session"]
    list_filter = ["status", "kind", "due_date"]
    search_fields = ["code", "description", "owner__name"]
    list_select_related = ["owner", "session__release"]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["title", "location", "category", "verified", "session"]
    list_filter = ["category", "verified"]
    search_fields = ["title", "location"]
    list_select_related = ["session__release"]


@admin.register(Deployment)
class DeploymentAdmin(ReadOnlyAdmin):
    list_display = ["release", "environment", "ref", "outcome", "started_at", "against_gate"]
    list_filter = ["outcome", "against_gate", "environment"]
    search_fields = ["release__name", "ref"]
    list_select_related = ["release"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_name", "verb", "subject_type", "subject_repr", "release"]
    list_filter = ["verb", "subject_type"]
    search_fields = ["actor_name", "verb", "subject_repr"]
    date_hierarchy = "created_at"
    list_select_related = ["release"]


class VoteInline(ReadOnlyInline):
    model = Vote
    fields = ["participant", "area", "choice", "comment"]


DecisionAdmin.inlines = [ConditionInline, VoteInline]


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ["decision", "participant", "area", "choice"]
    list_filter = ["choice"]
    list_select_related = ["decision", "participant__person"]


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdmin):
    list_display = ["decision", "participant", "area", "verdict", "recorded_by", "recorded_at"]
    list_select_related = ["decision", "participant__person", "recorded_by"]


@admin.register(Policy)
class PolicyAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "rule", "required_areas", "quorum", "go_valid_days"]
    list_select_related = ["release"]


@admin.register(Addendum)
class AddendumAdmin(ReadOnlyAdmin):
    list_display = ["session", "author_name", "created_at", "text"]
    search_fields = ["text", "author_name"]
    list_select_related = ["session__release"]


@admin.register(SessionTemplate)
class SessionTemplateAdmin(ReadOnlyAdmin):
    list_display = ["name", "created_by", "created_at"]
    search_fields = ["name"]


@admin.register(Freeze)
class FreezeAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "time_zone", "starts_at", "ends_at", "version"]
    search_fields = ["name"]


@admin.register(FreezeNotice)
class FreezeNoticeAdmin(ReadOnlyAdmin):
    list_display = ["freeze", "release", "starts_at", "sent_at"]


@admin.register(Override)
class OverrideAdmin(ReadOnlyAdmin):
    list_display = ["release", "granted_by_name", "granted_at", "expires_at", "revoked_at"]
    search_fields = ["release__name", "reason"]


# Tokens and webhooks: their hash and signing secret are never shown, not even here.


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "user",
        "prefix",
        "release",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "user__username", "prefix"]
    list_select_related = ["user", "release"]
    fields = ["name", "user", "prefix", "release", "created_at", "last_used_at", "revoked_at"]


@admin.register(Webhook)
class WebhookAdmin(ReadOnlyAdmin):
    list_display = ["url", "release", "events", "chat_format", "created_at"]
    search_fields = ["url"]
    list_select_related = ["release"]
    fields = ["url", "release", "events", "chat_format", "created_by", "created_at"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "webhook", "event", "attempt", "status_code", "delivered_at"]
    list_filter = ["event", "status_code"]
    list_select_related = ["webhook"]


@admin.register(UserSettings)
class UserSettingsAdmin(ReadOnlyAdmin):
    list_display = ["user", "language", "reminders", "feed_created_at"]
    list_select_related = ["user"]
    # The feed token's hash stays out of sight, like an API token's.
    fields = ["user", "language", "reminders", "feed_created_at"]


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin):
    list_display = ["day", "person", "items", "sent_at"]
    list_select_related = ["person"]
