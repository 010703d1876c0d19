"""The demo release: the Billing Gateway minutes the teams wrote, loaded through the importer.

Loading it twice changes nothing. Demo logins are created only when DEBUG is on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _

from readiness import services
from readiness.minutes.importer import import_minutes
from readiness.minutes.parser import decode_minutes, parse_minutes
from readiness.models import Membership, Person, Release, Team, TeamRole
from readiness.permissions import MANAGERS

SAMPLE = Path(__file__).resolve().parent / "minutes" / "samples" / "2024-07-15-billing-gateway.md"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    person: str
    group: str | None
    # The login's role in the demo team, if any.
    team_role: str | None = None


DEMO_TEAM_SLUG = "billing"
DEMO_LOGINS = [
    DemoLogin(
        "marina", "readiness-demo", "facilitator", "Marina Lopes", None, TeamRole.FACILITATOR
    ),
    DemoLogin("ana", "readiness-demo", "owner", "Ana Souza", None, TeamRole.MEMBER),
    DemoLogin("julia", "readiness-demo", "manager", "Júlia Martins", MANAGERS),
]


def demo_team() -> Team:
    """The Billing team the sample minutes are from: internal, like a team's first
    release record usually is."""
    team = Team.objects.filter(slug=DEMO_TEAM_SLUG).first()
    if team is None:
        team = services.team_create(
            user=None,
            name=_("Billing"),
            slug=DEMO_TEAM_SLUG,
            description=_("The billing gateway and invoicing."),
            default_time_zone="America/Sao_Paulo",
            default_language="pt-br",
        )
    return team


@dataclass
class DemoResult:
    release: Release
    created: bool
    logins: list[DemoLogin]


@transaction.atomic
def load_demo() -> DemoResult:
    """Import the sample minutes unless they are there; add demo logins when DEBUG is on."""
    doc = parse_minutes(decode_minutes(SAMPLE.read_bytes()), default_zone=settings.TIME_ZONE)
    # The demo is loaded by the system, not by a person.
    report = import_minutes(doc, user=None, source=SAMPLE.name, team=demo_team())
    release = Release.objects.get(slug=report.slug)
    logins = _ensure_logins() if settings.DEBUG else []
    return DemoResult(release=release, created=report.created, logins=logins)


def _ensure_logins() -> list[DemoLogin]:
    User = get_user_model()
    for login in DEMO_LOGINS:
        first, _, last = login.person.partition(" ")
        user, made = User.objects.get_or_create(
            username=login.username, defaults={"first_name": first, "last_name": last}
        )
        if made:
            user.set_password(login.password)
            user.save(update_fields=["password"])
        if login.group:
            user.groups.add(Group.objects.get_or_create(name=login.group)[0])
        person = Person.objects.get(name=login.person)
        if person.user_id != user.pk:
            services.person_link_user(user=None, person=person, login=user)
        team = demo_team()
        if login.team_role and not Membership.objects.filter(team=team, person=person).exists():
            services.membership_add(user=None, team=team, person=person, role=login.team_role)
    return DEMO_LOGINS
