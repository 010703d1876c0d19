"""Events are permanent: never updated or deleted, kept when an import is replaced, and
exported whole for auditors."""

import csv
import io
import json

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from readiness import services
from readiness.models import Event, Release
from tests.factories import make_release
from tests.test_minutes_import import SAMPLE_TEXT, load

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the trigger is PostgreSQL's; SQLite relies on the app",
)


@pytest.fixture
def event():
    make_release("Billing Gateway")
    return Event.objects.get(verb=Event.Verb.RELEASE_CREATED)


# --- The application refuses ---------------------------------------------------------------


def test_an_event_cannot_be_saved_again(event):
    event.actor_name = "someone else"
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    event.refresh_from_db()
    assert event.actor_name == ""


def test_an_event_cannot_be_deleted(event):
    with pytest.raises(TypeError, match="append-only"):
        event.delete()
    with pytest.raises(TypeError, match="append-only"):
        Event.objects.filter(pk=event.pk).delete()
    with pytest.raises(TypeError, match="append-only"):
        Event.objects.filter(pk=event.pk).update(verb="release.deleted")
    assert Event.objects.filter(pk=event.pk, verb=Event.Verb.RELEASE_CREATED).exists()


def test_deleting_a_release_keeps_its_events_detached_under_its_slug():
    release = make_release("Billing Gateway")
    slug = release.slug
    created = Event.objects.get(verb=Event.Verb.RELEASE_CREATED)
    services.release_delete(user=None, release=release, record={"name": release.name})
    created.refresh_from_db()
    assert created.release_id is None and created.release_slug == slug
    verbs = list(Event.objects.of_release(slug).values_list("verb", flat=True))
    assert verbs == [Event.Verb.RELEASE_CREATED, Event.Verb.RELEASE_DELETED]


# --- PostgreSQL refuses too -----------------------------------------------------------------


@on_postgresql
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE readiness_event SET actor_name = 'rewritten' WHERE id = %s",
        "UPDATE readiness_event SET after = NULL WHERE id = %s",
        "UPDATE readiness_event SET release_id = release_id + 1 WHERE id = %s",
        "DELETE FROM readiness_event WHERE id = %s",
    ],
)
def test_the_database_refuses_to_change_or_delete_an_event(event, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.actor_name == "" and event.release_id is not None


@on_postgresql
def test_the_database_lets_a_deleted_release_detach_its_events(event):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE readiness_event SET release_id = NULL WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.release_id is None and event.release_slug


# --- Replacing an import ----------------------------------------------------------------------


def test_replacing_an_import_keeps_the_earlier_events():
    load(SAMPLE_TEXT)
    slug = Release.objects.get().slug
    everything = set(Event.objects.values_list("pk", flat=True))
    earlier = set(Event.objects.of_release(slug).values_list("pk", flat=True))
    assert len(earlier) > 20
    load(SAMPLE_TEXT.replace("até 16/07", "até 20/07"), replace=True)
    assert everything <= set(Event.objects.values_list("pk", flat=True))
    # The new import's log holds the old one's, then the deletion, then its own.
    log = list(Event.objects.of_release(slug))
    assert {e.pk for e in log} >= earlier
    verbs = [e.verb for e in log]
    deleted_at = verbs.index(Event.Verb.RELEASE_DELETED)
    assert verbs.count(Event.Verb.RELEASE_IMPORTED) == 2
    assert verbs.index(Event.Verb.RELEASE_IMPORTED) < deleted_at
    assert verbs[deleted_at + 1 :].count(Event.Verb.RELEASE_IMPORTED) == 1


# --- The auditor's export -------------------------------------------------------------------


def test_it_exports_a_release_s_events_as_csv(client, manager, sample_release):
    client.force_login(manager)
    response = client.get(f"/releases/{sample_release.slug}/events.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"{sample_release.slug}-events.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0].lstrip("\ufeff") == "When (UTC)"
    assert len(rows) - 1 == Event.objects.of_release(sample_release.slug).count()
    assert rows[1][2] == "release.created"


def test_it_exports_a_release_s_events_as_json_lines(client, manager, sample_release):
    client.force_login(manager)
    response = client.get(f"/releases/{sample_release.slug}/events.jsonl")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/jsonl")
    lines = b"".join(response.streaming_content).decode().splitlines()
    events = [json.loads(line) for line in lines]
    expected = list(Event.objects.of_release(sample_release.slug).values_list("pk", flat=True))
    assert [e["id"] for e in events] == expected
    first = events[0]
    assert first["verb"] == "release.created" and first["release"] == sample_release.slug
    assert set(first) >= {"created_at", "actor", "verb_label", "before", "after", "subject"}


def test_the_event_export_needs_a_login_and_a_known_release(client, manager, sample_release):
    for suffix in ("csv", "jsonl"):
        response = client.get(f"/releases/{sample_release.slug}/events.{suffix}")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(manager)
    assert client.get("/releases/no-such-release/events.csv").status_code == 404
    assert client.post(f"/releases/{sample_release.slug}/events.csv").status_code == 405
