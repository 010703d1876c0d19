"""What a sign-in through the identity provider writes: the login's Person, and the team
roles its groups give."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from readiness.models import Membership, Person, Team
from readiness.services.people import person_get_or_create, person_link_user
from readiness.services.teams import membership_add, membership_remove, membership_update
from readiness.sso_config import ROLES, GroupRole

log = logging.getLogger("readiness.sso")


def roles_for_groups(
    groups: Iterable[str], rules: Iterable[GroupRole]
) -> dict[str, tuple[str, str]]:
    """Team slug -> (role, area) for someone in `groups`; where two groups give roles in
    one team, the higher role wins (the first such rule's area, for an approver)."""
    mine = set(groups)
    wanted: dict[str, tuple[str, str]] = {}
    for rule in rules:
        if rule.group not in mine:
            continue
        held = wanted.get(rule.team)
        if held is None or ROLES.index(rule.role) < ROLES.index(held[0]):
            wanted[rule.team] = (rule.role, rule.area)
    return wanted


def _person_for(login: AbstractBaseUser, *, email: str, name: str) -> Person:
    """The login's Person: theirs already; else the one unlinked Person with their e-mail;
    else a new one from their name (with the e-mail added when another has that name)."""
    person = Person.objects.filter(user=login).first()
    if person is not None:
        return person
    if email:
        person = (
            Person.objects.select_for_update()
            .filter(email__iexact=email, user__isnull=True)
            .order_by("pk")
            .first()
        )
    if person is None:
        name = name.strip() or login.get_username()
        if Person.objects.filter(name__iexact=name).exists():
            name = f"{name} ({email or login.get_username()})"
        person = person_get_or_create(user=login, name=name, email=email)
    return person_link_user(user=login, person=person, login=login)


def _sync_memberships(
    login: AbstractBaseUser, person: Person, wanted: dict[str, tuple[str, str]]
) -> None:
    teams = {team.slug: team for team in Team.objects.filter(slug__in=wanted)}
    for slug in sorted(set(wanted) - set(teams)):
        log.warning("the group roles name the team %r, which does not exist: ignored", slug)
    held = {m.team_id: m for m in Membership.objects.filter(person=person).select_related("team")}
    for slug, team in sorted(teams.items()):
        role, area = wanted[slug]
        membership = held.get(team.pk)
        if membership is None:
            membership_add(
                user=login,
                team=team,
                person=person,
                role=role,
                area=area,
                source=Membership.Source.SIGN_IN,
            )
        elif membership.source == Membership.Source.SIGN_IN:
            _keep_trying(
                membership_update,
                user=login,
                membership=membership,
                expected_version=None,
                role=role,
                area=area,
                source=Membership.Source.SIGN_IN,
            )
    for membership in held.values():
        gone = membership.team.slug not in teams
        if gone and membership.source == Membership.Source.SIGN_IN:
            _keep_trying(
                membership_remove, user=login, membership=membership, expected_version=None
            )


def _keep_trying(write, **kwargs) -> None:
    """A change the team's rules refuse (its last facilitator leaving) waits for a person
    to make it; the rest of the sign-in goes on."""
    try:
        write(**kwargs)
    except ValidationError as exc:
        membership = kwargs["membership"]
        log.warning("sign-in left %s as it is: %s", membership, " ".join(exc.messages))


@transaction.atomic
def sign_in_sync(
    *,
    login: AbstractBaseUser,
    email: str,
    name: str,
    groups: Iterable[str],
    rules: Iterable[GroupRole],
) -> Person:
    """Bring a login up to date with what the identity provider said at sign-in.

    The Person is linked by e-mail (or made from the name), and the memberships a
    sign-in gave are added, changed or removed to match the groups; memberships added by
    hand are never touched. Each change writes its Event, with the login as its actor.
    """
    person = _person_for(login, email=email, name=name)
    _sync_memberships(login, person, roles_for_groups(groups, rules))
    return person
