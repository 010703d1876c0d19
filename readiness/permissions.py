"""Who may do what: one function per object kind, used by views, the API and commands."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from readiness.models import Action, ApiToken, Condition, Decision, Release, Session, Webhook

FACILITATORS = "facilitators"
MANAGERS = "managers"

User = AbstractBaseUser | AnonymousUser


def _in_group(user: User, group: str) -> bool:
    """Group membership, asked of the database once per user object."""
    cache = getattr(user, "_readiness_groups", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        user._readiness_groups = cache
    return group in cache


def is_facilitator(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or _in_group(user, FACILITATORS))


# --- Releases -----------------------------------------------------------------------------


def can_view_release(user: User, release: Release) -> bool:
    """Any active, logged-in user may read any release: the record is the team's."""
    return user.is_authenticated and user.is_active


def releases_for_user(user: User) -> QuerySet[Release]:
    if not (user.is_authenticated and user.is_active):
        return Release.objects.none()
    return Release.objects.all()


def get_release_for_user(user: User, slug: str, queryset: QuerySet[Release] | None = None):
    """The release, or 404 when there is none, or 403 when the user may not read it."""
    release = get_object_or_404(queryset if queryset is not None else Release.objects, slug=slug)
    if not can_view_release(user, release):
        raise PermissionDenied
    return release


def can_view_history(user: User) -> bool:
    """The history list, its search and its export: as readable as each release."""
    return user.is_authenticated and user.is_active


def can_view_insights(user: User) -> bool:
    """Figures across releases: anyone who may read the releases they are drawn from."""
    return user.is_authenticated and user.is_active


# --- Sessions -----------------------------------------------------------------------------


def can_facilitate_session(user: User, session: Session) -> bool:
    """The session's own facilitator, any member of the facilitators group, or an admin."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or _in_group(user, FACILITATORS):
        return True
    facilitator = session.facilitator
    return facilitator is not None and facilitator.user_id == user.pk


# --- Actions ------------------------------------------------------------------------------


def actions_for_user(user: User) -> QuerySet[Action]:
    """The actions of every release the user may read."""
    if not (user.is_authenticated and user.is_active):
        return Action.objects.none()
    return Action.objects.filter(session__release__in=releases_for_user(user))


def can_update_action(user: User, action: Action, *, to_status: str | None = None) -> bool:
    """Whether the user gets an action's status controls: its owner, or whoever may
    facilitate its session. With `to_status`, whether they may make that change."""
    if to_status is not None:
        return can_change_action_status(user, action, to_status)
    if not (user.is_authenticated and user.is_active):
        return False
    return action.owner.user_id == user.pk or can_facilitate_session(user, action.session)


def can_change_action_status(user: User, action: Action, to_status: str) -> bool:
    """The owner moves their own work along (start, block, finish); cancelling it, or
    reopening it once closed, takes it off or puts it back on the gate's blocking list, so
    only whoever may facilitate the session does that."""
    if not (user.is_authenticated and user.is_active):
        return False
    if can_facilitate_session(user, action.session):
        return True
    if action.owner.user_id != user.pk:
        return False
    cancelling = to_status == Action.Status.CANCELLED
    reopening = not action.is_open and to_status in Action.OPEN_STATUSES
    return not (cancelling or reopening)


# --- Decisions ----------------------------------------------------------------------------


def can_record_review(user: User, decision: Decision) -> bool:
    """Whoever may facilitate the session records that its post-go-live review was held."""
    return can_facilitate_session(user, decision.session)


# --- Minutes ------------------------------------------------------------------------------


def can_import_minutes(user: User) -> bool:
    """Facilitators and administrators: an import creates releases and people."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or _in_group(user, FACILITATORS)


# --- Conditions ---------------------------------------------------------------------------


def can_satisfy_condition(user: User, condition: Condition) -> bool:
    """The condition's owner, or whoever may facilitate the session that decided it."""
    if not (user.is_authenticated and user.is_active):
        return False
    owner = condition.owner
    if owner is not None and owner.user_id == user.pk:
        return True
    return can_facilitate_session(user, condition.decision.session)


# --- API tokens ---------------------------------------------------------------------------


def can_manage_api_token(user: User, api_token: ApiToken) -> bool:
    """A token is its user's alone: nobody else sees or revokes it, admins included."""
    return user.is_authenticated and user.is_active and api_token.user_id == user.pk


# --- Webhooks -----------------------------------------------------------------------------


def can_manage_webhooks(user: User) -> bool:
    """Facilitators and admins register webhooks and read their delivery logs."""
    return user.is_active and is_facilitator(user)


def can_manage_webhook(user: User, webhook: Webhook) -> bool:
    return can_manage_webhooks(user)
