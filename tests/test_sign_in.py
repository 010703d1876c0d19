"""What a sign-in writes (services.sign_in_sync): the login's Person, and the team roles the
groups claim gives, with MANUAL memberships left alone."""

import logging

import pytest

from readiness import services
from readiness.models import Event, Membership, Person
from readiness.sso_config import parse_group_roles
from tests.factories import join_team, make_person, make_team

RULES = parse_group_roles(
    "billing-facilitators=billing:facilitator,billing-qa=billing:approver:QA,"
    "everyone=billing:viewer,everyone=ops:member,ghosts=nowhere:viewer"
)


@pytest.fixture
def login(django_user_model):
    return django_user_model.objects.create_user("ana", email="ana@example.com")


@pytest.fixture
def billing(db):
    team = make_team("Billing", slug="billing")
    # A facilitator of its own, so that a sign-in's facilitator may step down.
    join_team(make_person("Bea Lima"), team)
    return team


def sync(login, *groups, email="ana@example.com", name="Ana Souza"):
    return services.sign_in_sync(login=login, email=email, name=name, groups=groups, rules=RULES)


def roles(person):
    return {
        m.team.slug: (m.role, m.area, m.source)
        for m in Membership.objects.filter(person=person).select_related("team")
    }


def test_the_highest_role_wins_where_two_groups_name_one_team():
    wanted = services.roles_for_groups(["everyone", "billing-qa"], RULES)
    assert wanted["billing"] == ("approver", "QA")
    assert wanted["ops"] == ("member", "")
    assert services.roles_for_groups(["billing-facilitators", "billing-qa"], RULES)["billing"] == (
        "facilitator",
        "",
    )
    assert services.roles_for_groups(["strangers"], RULES) == {}


def test_a_new_login_gets_a_new_person_from_its_name(login, billing):
    person = sync(login, "billing-qa")
    assert (person.name, person.email, person.user_id) == (
        "Ana Souza",
        "ana@example.com",
        login.pk,
    )
    assert roles(person) == {"billing": ("approver", "QA", "sign_in")}
    verbs = set(Event.objects.values_list("verb", flat=True))
    assert {
        Event.Verb.PERSON_CREATED,
        Event.Verb.PERSON_LOGIN_LINKED,
        Event.Verb.MEMBERSHIP_ADDED,
    } <= verbs
    added = Event.objects.get(
        verb=Event.Verb.MEMBERSHIP_ADDED, subject_id__isnull=False, after__source="sign_in"
    )
    assert added.actor == login


def test_an_unlinked_person_with_the_email_gets_the_login(login, db):
    known = Person.objects.create(name="A. Souza", email="ANA@example.com")
    person = sync(login)
    assert person.pk == known.pk
    known.refresh_from_db()
    assert known.user_id == login.pk
    assert Person.objects.count() == 1


def test_a_person_linked_to_someone_else_is_not_taken(login, django_user_model, db):
    other = django_user_model.objects.create_user("other")
    make_person("Ana Souza", user=other)
    person = sync(login)
    assert person.user_id == login.pk
    assert person.name == "Ana Souza (ana@example.com)"


def test_a_returning_login_keeps_its_person(login, billing):
    first = sync(login, "everyone")
    again = sync(login, "everyone", name="Ana S.")
    assert again.pk == first.pk
    assert Person.objects.filter(user=login).count() == 1


def test_sign_in_roles_follow_the_groups_and_go_when_they_go(login, billing):
    ops = make_team("Ops", slug="ops")
    person = sync(login, "billing-facilitators", "everyone")
    assert roles(person) == {
        "billing": ("facilitator", "", "sign_in"),
        "ops": ("member", "", "sign_in"),
    }
    sync(login, "billing-qa")
    assert roles(person) == {"billing": ("approver", "QA", "sign_in")}
    assert Event.objects.filter(verb=Event.Verb.MEMBERSHIP_UPDATED).exists()
    assert Event.objects.filter(verb=Event.Verb.MEMBERSHIP_REMOVED).exists()
    sync(login)
    assert roles(person) == {}
    assert ops.memberships.count() == 0


def test_manual_memberships_are_never_touched(login, billing):
    person = make_person("Ana Souza", user=login)
    manual = join_team(person, billing, Membership.Role.MEMBER)
    ops = make_team("Ops", slug="ops")
    join_team(person, ops, Membership.Role.VIEWER)

    sync(login, "billing-facilitators")  # would make them facilitator of billing
    sync(login)  # and, with no groups, take every sign-in role away

    assert roles(person) == {
        "billing": ("member", "", "manual"),
        "ops": ("viewer", "", "manual"),
    }
    manual.refresh_from_db()
    assert manual.version == 1


def test_an_unknown_team_is_ignored_with_a_warning(login, billing, caplog):
    with caplog.at_level(logging.WARNING, logger="readiness.sso"):
        person = sync(login, "ghosts", "billing-qa")
    assert roles(person) == {"billing": ("approver", "QA", "sign_in")}
    assert "'nowhere'" in caplog.text


def test_the_last_facilitator_stays_until_a_person_changes_it(login, caplog):
    solo = make_team("Solo", slug="billing")
    person = sync(login, "billing-facilitators")
    with caplog.at_level(logging.WARNING, logger="readiness.sso"):
        sync(login)
    assert roles(person) == {"billing": ("facilitator", "", "sign_in")}
    assert "at least one facilitator" in caplog.text
    assert solo.memberships.count() == 1
