"""API tokens, webhooks, freezes and the break-glass override."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from readiness.models import (
    ApiToken,
    Freeze,
    Override,
    Release,
    Webhook,
)
from readiness.permissions._roles import (
    User,
    _active,
    _visible,
    facilitated_team_ids,
    is_admin,
    is_facilitator,
    is_team_facilitator,
    reads_every_team,
)
from readiness.permissions.releases import (
    get_release_for_user,
)

# --- API tokens ---------------------------------------------------------------------------


def can_manage_api_token(user: User, api_token: ApiToken) -> bool:
    """A token is its user's alone: nobody else sees or revokes it, admins included."""
    return user.is_authenticated and user.is_active and api_token.user_id == user.pk


def get_api_token_for_user(user: User, token_id: int) -> ApiToken:
    """The user's own token, or 404: other people's tokens do not exist for them."""
    api_token = get_object_or_404(ApiToken, pk=token_id)
    if not can_manage_api_token(user, api_token):
        raise Http404
    return api_token


# --- Webhooks -----------------------------------------------------------------------------


def can_manage_webhooks(user: User) -> bool:
    """Team facilitators register their teams' webhooks and admins every one."""
    return is_facilitator(user)


def _webhook_team_id(webhook: Webhook) -> int | None:
    if webhook.release_id is not None:
        return webhook.release.team_id
    return webhook.team_id


def can_manage_webhook(user: User, webhook: Webhook) -> bool:
    """A team's webhook, or one bound to a team's release, is that team's facilitators'
    (and the admins'); a global webhook, which hears every team, is the admins' alone."""
    if is_admin(user):
        return True
    team_id = _webhook_team_id(webhook)
    return team_id is not None and is_team_facilitator(user, team_id)


def webhooks_for_user(user: User) -> QuerySet[Webhook]:
    """The webhooks the user manages: their teams' and their teams' releases'."""
    webhooks = Webhook.objects.select_related("release", "team")
    if is_admin(user):
        return webhooks.all()
    teams = facilitated_team_ids(user)
    return webhooks.filter(Q(team_id__in=teams) | Q(release__team_id__in=teams))


def check_can_manage_webhooks(user: User) -> None:
    """403 unless the user may list and register webhooks."""
    if not can_manage_webhooks(user):
        raise PermissionDenied


def get_webhook_for_user(user: User, webhook_id: int) -> Webhook:
    """The webhook with its release, or 404 (another team's webhook does not exist for the
    user); 403 when the user may not manage webhooks at all."""
    check_can_manage_webhooks(user)
    webhook = get_object_or_404(Webhook.objects.select_related("release", "team"), pk=webhook_id)
    if not can_manage_webhook(user, webhook):
        raise Http404
    return webhook


# --- Freezes and overrides ----------------------------------------------------------------


def can_view_freezes(user: User) -> bool:
    """The freeze calendar: every active login reads the site's freezes and those of the
    teams it may read."""
    return _active(user)


def freezes_for_user(user: User) -> QuerySet[Freeze]:
    if not _active(user):
        return Freeze.objects.none()
    freezes = Freeze.objects.select_related("team")
    if reads_every_team(user):  # (an empty Q would drop out of the OR below)
        return freezes.all()
    return freezes.filter(Q(team__isnull=True) | _visible(user))


def can_manage_freezes(user: User) -> bool:
    """Team facilitators keep their teams' freezes, admins every freeze."""
    return is_facilitator(user)


def can_manage_freeze(user: User, freeze: Freeze) -> bool:
    """A team's freeze is its facilitators'; a site-wide one (no team) the admins'."""
    if freeze.team_id is None:
        return is_admin(user)
    return is_team_facilitator(user, freeze.team_id)


def check_can_view_freezes(user: User) -> None:
    if not can_view_freezes(user):
        raise PermissionDenied


def check_can_manage_freezes(user: User) -> None:
    if not can_manage_freezes(user):
        raise PermissionDenied


def get_freeze_for_editor(user: User, pk: int) -> Freeze:
    """The freeze, to change or remove it: 404, or 403 unless the user keeps it."""
    freeze = get_object_or_404(freezes_for_user(user), pk=pk)
    if not can_manage_freeze(user, freeze):
        raise PermissionDenied
    return freeze


def can_override_gate(user: User) -> bool:
    """Break-glass is for administrators only: the facilitators who run the meetings whose
    decisions the gate enforces do not also get to set it aside (separation of duties)."""
    return is_admin(user)


def can_set_site_policy(user: User) -> bool:
    """The site's default sign-off policy, which every new release copies, is the
    administrators' to set."""
    return user.is_authenticated and user.is_active and user.is_superuser


def check_can_set_site_policy(user: User) -> None:
    if not can_set_site_policy(user):
        raise PermissionDenied


def get_release_for_overrider(user: User, slug: str) -> Release:
    """The release, to override its gate: 404, or 403 unless the user is an admin."""
    release = get_release_for_user(user, slug)
    if not can_override_gate(user):
        raise PermissionDenied
    return release


def get_override_for_revoker(user: User, slug: str, pk: int) -> Override:
    """An override of the release in the URL, to revoke it: admins only."""
    release = get_release_for_overrider(user, slug)
    return get_object_or_404(Override.objects.select_related("release"), pk=pk, release=release)
