"""Teams and their memberships."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Q, QuerySet
from django.shortcuts import get_object_or_404

from readiness.models import (
    Membership,
    Person,
    Team,
    TeamVisibility,
)
from readiness.permissions._roles import (
    MANAGERS,
    User,
    _active,
    facilitated_team_ids,
    is_admin,
    is_team_facilitator,
    reads_every_team,
    team_roles,
)

# --- Teams --------------------------------------------------------------------------------


def can_view_team(user: User, team: Team) -> bool:
    if not _active(user):
        return False
    return not team.is_private or team.pk in team_roles(user) or reads_every_team(user)


def teams_for_user(user: User) -> QuerySet[Team]:
    """The teams the user may see: internal ones, their own, all for managers and admins."""
    if not _active(user):
        return Team.objects.none()
    if reads_every_team(user):
        return Team.objects.all()
    return Team.objects.filter(
        Q(visibility=TeamVisibility.INTERNAL) | Q(pk__in=list(team_roles(user)))
    )


def teams_for_facilitator(user: User) -> QuerySet[Team]:
    """The teams whose releases, webhooks, templates and freezes the user may manage."""
    if is_admin(user):
        return Team.objects.all()
    return Team.objects.filter(pk__in=facilitated_team_ids(user))


def can_create_team(user: User) -> bool:
    """New teams are the administrators' to create."""
    return is_admin(user)


def check_can_create_team(user: User) -> None:
    if not can_create_team(user):
        raise PermissionDenied


def can_manage_team(user: User, team: Team) -> bool:
    """The team's facilitators (and admins) edit it and its members."""
    return is_team_facilitator(user, team)


def get_team_for_user(user: User, slug: str) -> Team:
    """The team, or 404 when there is none or it is private to others."""
    return get_object_or_404(teams_for_user(user), slug=slug)


def get_team_for_manager(user: User, slug: str) -> Team:
    """The team, to change it or its members: 404, or 403 unless the user facilitates it."""
    team = get_team_for_user(user, slug)
    if not can_manage_team(user, team):
        raise PermissionDenied
    return team


def get_membership_for_manager(user: User, slug: str, pk: int) -> Membership:
    """A membership of the team in the URL, to change or remove it."""
    team = get_team_for_manager(user, slug)
    membership = get_object_or_404(
        Membership.objects.select_related("person", "team"), pk=pk, team=team
    )
    return membership


# --- Team pages ---------------------------------------------------------------------------


def memberships_for_user(user: User, person: Person) -> QuerySet[Membership]:
    """The person's places in the teams the user may see, with their teams, in one query:
    whether the user is a site manager is asked inside it, not beforehand."""
    if not _active(user):
        return Membership.objects.none()
    memberships = Membership.objects.filter(person=person).select_related("team")
    if user.is_superuser:
        return memberships
    manager = Exists(user.groups.through.objects.filter(user_id=user.pk, group__name=MANAGERS))
    return memberships.filter(
        Q(team__visibility=TeamVisibility.INTERNAL)
        | Q(team_id__in=list(team_roles(user)))
        | Q(manager)
    )
