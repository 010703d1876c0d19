"""Migration 0022 on a database of today's shape (site-wide facilitators and managers
groups, releases with no team): every release joins one internal default team, whose
facilitators are the facilitators group's members, and nothing else changes."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("readiness", "0021_template_policy")]
AFTER = [("readiness", "0022_teams")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_existing_releases_and_facilitators_move_into_the_default_team():
    apps = _migrate(BEFORE)
    try:
        User = apps.get_model("auth", "User")
        Group = apps.get_model("auth", "Group")
        Person = apps.get_model("readiness", "Person")
        Release = apps.get_model("readiness", "Release")
        facilitators = Group.objects.get_or_create(name="facilitators")[0]
        managers = Group.objects.get_or_create(name="managers")[0]
        fay = User.objects.create(username="fay", first_name="Fay", last_name="Lima")
        Person.objects.create(name="Fay Lima", name_key="fay lima", user=fay)
        # Facilitators without a person record: Bob's name is an unlinked person's (his,
        # then), Ana's is someone else's login's.
        bob = User.objects.create(username="bob", first_name="Bob", email="bob@example.com")
        Person.objects.create(name="Bob", name_key="bob")
        ana = User.objects.create(username="ana2", first_name="Ana")
        Person.objects.create(name="Ana", name_key="ana", user=User.objects.create(username="a"))
        julia = User.objects.create(username="julia")
        facilitators.user_set.add(fay, bob, ana)
        managers.user_set.add(julia)
        for n in range(3):
            Release.objects.create(
                name=f"R{n}", slug=f"r{n}", planned_date=dt.date(2025, 1, n + 1)
            )

        apps = _migrate(AFTER)
        Team = apps.get_model("readiness", "Team")
        Membership = apps.get_model("readiness", "Membership")
        Release = apps.get_model("readiness", "Release")
        Group = apps.get_model("auth", "Group")
        Person = apps.get_model("readiness", "Person")
        team = Team.objects.get()
        assert (team.slug, team.visibility) == ("default", "internal")
        assert set(Release.objects.values_list("team_id", flat=True)) == {team.pk}
        roles = {
            m.person.user.username: m.role
            for m in Membership.objects.select_related("person__user")
        }
        assert roles == {"fay": "facilitator", "bob": "facilitator", "ana2": "facilitator"}
        assert Person.objects.get(user__username="bob").name == "Bob"
        assert Person.objects.get(user__username="ana2").name == "Ana (2)"
        assert not Group.objects.filter(name="facilitators").exists()
        assert Group.objects.get(name="managers").user_set.count() == 1

        # Back again: the group returns with the default team's facilitators.
        apps = _migrate(BEFORE)
        Group = apps.get_model("auth", "Group")
        back = Group.objects.get(name="facilitators")
        assert set(back.user_set.values_list("username", flat=True)) == {"fay", "bob", "ana2"}
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_empty_site_gets_the_default_team_and_no_group():
    _migrate(BEFORE)
    try:
        apps = _migrate(AFTER)
        Team = apps.get_model("readiness", "Team")
        assert list(Team.objects.values_list("slug", flat=True)) == ["default"]
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
