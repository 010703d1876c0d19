"""Who a login is: its roles in each team and above every team, and the query filter
that keeps a private team's rows from those outside it."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Q

from readiness.models import (
    Membership,
    Team,
    TeamRole,
    TeamVisibility,
)

MANAGERS = "managers"

User = AbstractBaseUser | AnonymousUser


def _active(user: User) -> bool:
    return user.is_authenticated and user.is_active


def _in_group(user: User, group: str) -> bool:
    """Group membership, asked of the database once per user object."""
    cache = getattr(user, "_readiness_groups", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        user._readiness_groups = cache
    return group in cache


def team_roles(user: User) -> dict[int, str]:
    """The user's role in each team they belong to (through their person record), asked
    of the database once per user object."""
    cache = getattr(user, "_readiness_team_roles", None)
    if cache is None:
        cache = (
            dict(Membership.objects.filter(person__user_id=user.pk).values_list("team_id", "role"))
            if user.is_authenticated
            else {}
        )
        user._readiness_team_roles = cache
    return cache


def forget_roles(user: User) -> None:
    """Drop the cached roles, after a write that changed them."""
    for name in ("_readiness_groups", "_readiness_team_roles"):
        if hasattr(user, name):
            delattr(user, name)


def is_admin(user: User) -> bool:
    return _active(user) and user.is_superuser


def reads_every_team(user: User) -> bool:
    """Administrators and the site's managers read every team's releases, private ones too."""
    return _active(user) and (user.is_superuser or _in_group(user, MANAGERS))


def is_team_facilitator(user: User, team: Team | int | None) -> bool:
    """A facilitator of that team, or an admin; a deactivated account is neither."""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    team_id = team.pk if isinstance(team, Team) else team
    return team_roles(user).get(team_id) == TeamRole.FACILITATOR


def facilitated_team_ids(user: User) -> list[int]:
    """The teams the user facilitates (an admin's are every team: ask `is_admin` first)."""
    if not _active(user):
        return []
    return [pk for pk, role in team_roles(user).items() if role == TeamRole.FACILITATOR]


def is_facilitator(user: User) -> bool:
    """A facilitator of some team, or an admin: who may create releases, import minutes,
    keep the people directory and register webhooks, each for their own teams."""
    return is_admin(user) or bool(facilitated_team_ids(user))


def _visible(user: User, team_field: str = "team") -> Q:
    """The rows whose team the user may read: every internal team, and the private
    teams they belong to (every team for administrators and managers).

    Asked inside the query that loads the rows (two EXISTS), so that reading rights cost
    no query of their own, on every page and in the live poll alike."""
    if not _active(user):
        return Q(pk__in=[])
    if user.is_superuser or MANAGERS in getattr(user, "_readiness_groups", ()):
        return Q()
    member = Membership.objects.filter(team=OuterRef(team_field), person__user_id=user.pk)
    manager = user.groups.through.objects.filter(user_id=user.pk, group__name=MANAGERS)
    return (
        Q(**{f"{team_field}__visibility": TeamVisibility.INTERNAL})
        | Q(Exists(member))
        | Q(Exists(manager))
    )
