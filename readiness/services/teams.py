"""Writes to teams and their memberships."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext as _

from readiness import bounds, notifications
from readiness.models import Event, Membership, Person, Team, name_key
from readiness.services._core import User, _check_time_zone, _create, _remove, _update
from readiness.services.people import person_get_or_create

TEAM_FIELDS = ("name", "description", "visibility", "default_time_zone", "default_language")


def _team_values(
    *, name: str, description: str, visibility: str, default_time_zone: str, default_language: str
) -> dict[str, Any]:
    name = " ".join(bounds.clean_line(name).split())
    if not name:
        raise ValidationError({"name": _("A team needs a name.")})
    if visibility not in Team.Visibility.values:
        raise ValidationError({"visibility": _("Choose internal or private.")})
    default_time_zone = bounds.clean_line(default_time_zone).strip()
    if default_time_zone:
        _check_time_zone(default_time_zone)
    if default_language not in ("", "en", "pt-br"):
        raise ValidationError({"default_language": _("Choose English or Brazilian Portuguese.")})
    return {
        "name": name[:100],
        "description": bounds.clean_text(description).strip(),
        "visibility": visibility,
        "default_time_zone": default_time_zone,
        "default_language": default_language,
    }


def _check_name_free(name: str, *, team: Team | None = None) -> None:
    taken = Team.objects.filter(name__iexact=name)
    if team is not None:
        taken = taken.exclude(pk=team.pk)
    if taken.exists():
        raise ValidationError({"name": _("Another team already has this name.")}, code="duplicate")


@transaction.atomic
def team_create(
    *,
    user: User,
    name: str,
    slug: str = "",
    description: str = "",
    visibility: str = Team.Visibility.INTERNAL,
    default_time_zone: str = "",
    default_language: str = "",
) -> Team:
    """A new team; its slug (from the name unless given) never changes afterwards, since
    addresses and the identity provider's group mapping use it."""
    values = _team_values(
        name=name,
        description=description,
        visibility=visibility,
        default_time_zone=default_time_zone,
        default_language=default_language,
    )
    _check_name_free(values["name"])
    slug = slugify(bounds.clean_line(slug) or values["name"])[:60].strip("-")
    if not slug:
        raise ValidationError({"slug": _("Give the team a short name made of letters or digits.")})
    if Team.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": _("Another team already uses this short name.")})
    return _create(Team(slug=slug, **values), user=user, verb=Event.Verb.TEAM_CREATED)


@transaction.atomic
def team_update(
    *,
    user: User,
    team: Team,
    expected_version: int | None,
    name: str,
    description: str = "",
    visibility: str = Team.Visibility.INTERNAL,
    default_time_zone: str = "",
    default_language: str = "",
) -> Team:
    """Rename the team, describe it, make it internal or private, set its defaults."""
    values = _team_values(
        name=name,
        description=description,
        visibility=visibility,
        default_time_zone=default_time_zone,
        default_language=default_language,
    )
    _check_name_free(values["name"], team=team)
    _update(
        team, user=user, verb=Event.Verb.TEAM_UPDATED, expected_version=expected_version, **values
    )
    return team


def _clean_area(area: str) -> str:
    return " ".join(bounds.clean_line(area).split())[:100]


def _check_role(role: str, area: str) -> None:
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Choose facilitator, approver, member or viewer.")})
    if role == Membership.Role.APPROVER and not area:
        raise ValidationError({"area": _("Say which area the approver signs off for.")})


@transaction.atomic
def membership_add(
    *,
    user: User,
    team: Team,
    person: Person,
    role: str,
    area: str = "",
    source: str = Membership.Source.MANUAL,
    invite: bool = False,
) -> Membership:
    """Give someone from the directory a role in the team; with `invite`, tell them by
    e-mail once the change is committed (when the directory has an address for them)."""
    area = _clean_area(area)
    _check_role(role, area)
    Team.objects.select_for_update().get(pk=team.pk)
    if Membership.objects.filter(team=team, person=person).exists():
        raise ValidationError(
            _("%(name)s is already a member of %(team)s.") % {"name": person.name, "team": team},
            code="duplicate",
        )
    membership = Membership(
        team=team,
        person=person,
        role=role,
        area=area if role == Membership.Role.APPROVER else "",
        source=source,
        added_by=user if user is not None and user.is_authenticated else None,
    )
    _create(membership, user=user, verb=Event.Verb.MEMBERSHIP_ADDED)
    if invite and notifications.person_address(person):
        notifications.notify("team_invitation", membership_id=membership.pk)
    return membership


def _invitee(*, user: User, name: str, email: str) -> Person:
    """The person an invitation names: the one with that address (theirs or their
    login's), else the one of that name (given the address if they had none), else new."""
    email = bounds.clean_line(email).strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None
    found = (
        Person.objects.filter(Q(email__iexact=email) | Q(user__email__iexact=email))
        .order_by("pk")
        .first()
    )
    if found is not None:
        return found
    name = " ".join(bounds.clean_line(name).split())
    if not name:
        raise ValidationError({"name": _("A person needs a name.")})
    same = (
        Person.objects.filter(name__iexact=name).first()
        or Person.objects.filter(name_key=name_key(name)).order_by("pk").first()
    )
    if same is not None and notifications.person_address(same):
        raise ValidationError(
            {
                "email": _(
                    "%(name)s is in the directory with another address (%(email)s): add "
                    "them from the directory, or correct their address on their page first."
                )
                % {"name": same.name, "email": notifications.person_address(same)}
            },
            code="other_address",
        )
    return person_get_or_create(user=user, name=same.name if same else name, email=email)


@transaction.atomic
def membership_invite(
    *, user: User, team: Team, name: str, email: str, role: str, area: str = ""
) -> Membership:
    """Invite someone by e-mail: the directory's person with that address (created with
    the name given when there is none) joins the team, and is told once it is committed."""
    area = _clean_area(area)
    _check_role(role, area)
    person = _invitee(user=user, name=name, email=email)
    return membership_add(user=user, team=team, person=person, role=role, area=area, invite=True)


def _facilitators_left(membership: Membership) -> int:
    return (
        Membership.objects.filter(team_id=membership.team_id, role=Membership.Role.FACILITATOR)
        .exclude(pk=membership.pk)
        .count()
    )


def _keep_a_facilitator(current: Membership) -> None:
    if current.role == Membership.Role.FACILITATOR and not _facilitators_left(current):
        raise ValidationError(
            _("A team keeps at least one facilitator: give the role to someone else first."),
            code="last_facilitator",
        )


@transaction.atomic
def membership_update(
    *,
    user: User,
    membership: Membership,
    expected_version: int | None,
    role: str,
    area: str = "",
    source: str = Membership.Source.MANUAL,
) -> Membership:
    """Change someone's role in the team (and the area they sign off for)."""
    area = _clean_area(area)
    _check_role(role, area)
    Team.objects.select_for_update().get(pk=membership.team_id)

    def check(current: Membership) -> bool:
        if role != Membership.Role.FACILITATOR:
            _keep_a_facilitator(current)
        wanted = (role, area if role == Membership.Role.APPROVER else "", source)
        return (current.role, current.area, current.source) != wanted

    _update(
        membership,
        user=user,
        verb=Event.Verb.MEMBERSHIP_UPDATED,
        expected_version=expected_version,
        check=check,
        role=role,
        area=area if role == Membership.Role.APPROVER else "",
        source=source,
    )
    return membership


@transaction.atomic
def membership_remove(*, user: User, membership: Membership, expected_version: int | None) -> None:
    """Take someone out of the team; the releases keep what they did."""
    Team.objects.select_for_update().get(pk=membership.team_id)
    _remove(
        membership,
        user=user,
        verb=Event.Verb.MEMBERSHIP_REMOVED,
        expected_version=expected_version,
        check=_keep_a_facilitator,
    )
