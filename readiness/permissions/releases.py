"""Releases, the reports drawn from them, and the people directory."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from readiness.models import (
    Membership,
    Person,
    Release,
    Session,
    Team,
    TeamVisibility,
)
from readiness.permissions._roles import (
    User,
    _active,
    _visible,
    is_facilitator,
    is_team_facilitator,
)
from readiness.permissions.teams import (
    can_view_team,
)

# --- Releases -----------------------------------------------------------------------------


def can_view_releases(user: User) -> bool:
    """Any active login reads the internal teams' releases; `releases_for_user` says which."""
    return _active(user)


def can_view_release(user: User, release: Release) -> bool:
    """An internal team's release is every login's to read; a private team's, its members'
    and the site managers' (the loaders fetch the team with the release)."""
    return _active(user) and can_view_team(user, release.team)


def releases_for_user(user: User) -> QuerySet[Release]:
    if not _active(user):
        return Release.objects.none()
    return Release.objects.filter(_visible(user))


def releases_for_person(person: Person) -> QuerySet[Release]:
    """The releases someone may read whether or not they have a login (what a reminder to
    them may name): their login's, else the internal teams' and their own teams'."""
    if person.user_id is not None:
        return releases_for_user(person.user)
    mine = Membership.objects.filter(team=OuterRef("team"), person=person)
    return Release.objects.filter(Q(team__visibility=TeamVisibility.INTERNAL) | Q(Exists(mine)))


def get_release_for_user(
    user: User, slug: str, queryset: QuerySet[Release] | None = None
) -> Release:
    """The release with its team, or 404 when there is none or the user may not read it:
    a private team's release does not exist for those outside it."""
    if not _active(user):
        raise PermissionDenied
    queryset = queryset if queryset is not None else Release.objects.all()
    return get_object_or_404(queryset.select_related("team").filter(_visible(user)), slug=slug)


def can_schedule_session(user: User, release: Release) -> bool:
    """The facilitators of the release's team (and admins) schedule its sessions."""
    return is_team_facilitator(user, release.team_id)


def get_release_for_scheduler(user: User, slug: str) -> Release:
    """The release, to schedule a session of it: its team's facilitators and admins only."""
    release = get_release_for_user(user, slug)
    if not can_schedule_session(user, release):
        raise PermissionDenied
    return release


def can_manage_release(user: User, release: Release) -> bool:
    """Edit, cancel, delete a release and record its deployments: its team's facilitators,
    admins, and whoever facilitates one of its sessions."""
    if not _active(user):
        return False
    if is_team_facilitator(user, release.team_id):
        return True
    return Session.objects.filter(release=release, facilitator__user=user).exists()


def get_release_for_manager(
    user: User, slug: str, queryset: QuerySet[Release] | None = None
) -> Release:
    """The release, to change it or record a deployment: 404, or 403 unless the user may."""
    release = get_release_for_user(user, slug, queryset)
    if not can_manage_release(user, release):
        raise PermissionDenied
    return release


def check_can_create_release(user: User) -> None:
    """403 unless the user facilitates a team a new release could belong to."""
    if not is_facilitator(user):
        raise PermissionDenied


def can_create_release_in(user: User, team: Team) -> bool:
    return is_team_facilitator(user, team)


def can_view_history(user: User) -> bool:
    """The history list, its search and its export: as readable as each release."""
    return user.is_authenticated and user.is_active


def can_view_insights(user: User) -> bool:
    """Figures across releases: anyone who may read the releases they are drawn from."""
    return user.is_authenticated and user.is_active


def check_can_view_history(user: User) -> None:
    if not can_view_history(user):
        raise PermissionDenied


def check_can_view_insights(user: User) -> None:
    if not can_view_insights(user):
        raise PermissionDenied


# --- People -------------------------------------------------------------------------------


def can_view_people(user: User) -> bool:
    """Names, titles and addresses, as every login reads them in the records."""
    return user.is_authenticated and user.is_active


def can_edit_people(user: User) -> bool:
    """Facilitators of any team (and admins) keep the directory: details and merges."""
    return is_facilitator(user)


def check_can_view_people(user: User) -> None:
    if not can_view_people(user):
        raise PermissionDenied


def get_person_for_user(user: User, pk: int, queryset: QuerySet[Person] | None = None) -> Person:
    """The person, or 404, or 403 when the user may not read the directory."""
    person = get_object_or_404(
        queryset if queryset is not None else Person.objects.select_related("user"), pk=pk
    )
    check_can_view_people(user)
    return person


def get_person_for_editor(user: User, pk: int) -> Person:
    """The person, to change their details or merge a duplicate into them."""
    person = get_person_for_user(user, pk)
    if not can_edit_people(user):
        raise PermissionDenied
    return person
