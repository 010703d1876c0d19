"""Migration 0012 on a database whose sessions of one release reused action codes: the
earliest keeps its code, each later one gets the first free suffix, and each renaming is
in the log."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("readiness", "0011_user_time_zone")]
AFTER = [("readiness", "0012_action_codes_per_release")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_renumbers_codes_reused_across_a_releases_sessions(capsys):
    apps = _migrate(BEFORE)
    try:
        Release = apps.get_model("readiness", "Release")
        Session = apps.get_model("readiness", "Session")
        Person = apps.get_model("readiness", "Person")
        Action = apps.get_model("readiness", "Action")
        ana = Person.objects.create(name="Ana Souza")
        release = Release.objects.create(
            name="Payments Ledger", slug="payments-ledger", planned_date=dt.date(2025, 3, 10)
        )
        other = Release.objects.create(
            name="Other", slug="other", planned_date=dt.date(2025, 3, 10)
        )
        at = dt.datetime(2025, 3, 5, 14, 0, tzinfo=dt.UTC)
        # Created out of order: the session held first is the one that keeps its codes.
        third = Session.objects.create(release=release, scheduled_at=at + dt.timedelta(days=6))
        first = Session.objects.create(release=release, scheduled_at=at, status="closed")
        second = Session.objects.create(release=release, scheduled_at=at + dt.timedelta(days=3))
        elsewhere = Session.objects.create(release=other, scheduled_at=at)

        def action(session, code):
            return Action.objects.create(
                session=session, code=code, description=f"{code} work", owner=ana
            ).pk

        ids = {
            "third A1": action(third, "A1"),
            "first A1": action(first, "A1"),
            "first A2": action(first, "A2"),
            "second A1": action(second, "A1"),
            "second A1-2": action(second, "A1-2"),  # the suffix a renaming would take
            "second A3": action(second, "A3"),
            "elsewhere A1": action(elsewhere, "A1"),
        }

        apps = _migrate(AFTER)
        Action = apps.get_model("readiness", "Action")
        Event = apps.get_model("readiness", "Event")
        codes = {name: Action.objects.get(pk=pk).code for name, pk in ids.items()}
        assert codes == {
            "first A1": "A1",
            "first A2": "A2",
            "second A1": "A1-3",
            "second A1-2": "A1-2",
            "second A3": "A3",
            "third A1": "A1-4",
            "elsewhere A1": "A1",
        }
        filled = Action.objects.filter(session__release_id=release.pk)
        assert {a.release_id for a in filled} == {release.pk}
        renamed = Event.objects.filter(verb="action.code_renamed").order_by("subject_id")
        assert sorted((e.before["code"], e.after["code"]) for e in renamed) == [
            ("A1", "A1-3"),
            ("A1", "A1-4"),
        ]
        assert {e.session_id for e in renamed} == {second.pk, third.pk}
        assert not any(e.is_addendum for e in renamed)
        assert "is now A1-3" in capsys.readouterr().out
        # From now on the database itself refuses a code twice in a release.
        with pytest.raises(IntegrityError), transaction.atomic():
            Action.objects.create(
                session_id=second.pk,
                release_id=release.pk,
                code="A2",
                description="Again",
                owner_id=ana.pk,
            )
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
