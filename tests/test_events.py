"""The Event log: every verb named, every change logged, timelines people can read."""

import ast
import datetime as dt
import pathlib
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from readiness import services
from readiness.models import AgendaItem, ApiToken, Decision, Event, Session, UserSettings
from tests.factories import make_action, make_decision, make_person, make_session

pytestmark = pytest.mark.django_db

READINESS = pathlib.Path(__file__).resolve().parent.parent / "readiness"
# 2026-12-01 08:37:12 in São Paulo (UTC−3).
CLOSING = dt.datetime(2026, 12, 1, 11, 37, 12, tzinfo=dt.UTC)
CLOSED_AT = "Closed at: — → 1 Dec 2026, 08:37 BRT"


# --- Verbs ---------------------------------------------------------------------------------


def test_every_verb_has_a_label():
    unlabelled = [verb.value for verb in Event.Verb if str(verb.label) == verb.value]
    assert unlabelled == []
    assert len(Event.Verb.values) == len(set(Event.Verb.values)) >= 45


def _verbs_in_source():
    """Each `verb=...` argument and each comparison with `.verb` in the application code."""
    for path in READINESS.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "verb":
                yield path, node.value
            elif isinstance(node, ast.Compare) and any(
                isinstance(side, ast.Attribute) and side.attr == "verb"
                for side in (node.left, *node.comparators)
            ):
                yield from ((path, side) for side in node.comparators)


def test_every_verb_written_is_a_labelled_verb_not_a_string():
    literals = [
        f"{path.name}:{value.lineno} {value.value!r}"
        for path, value in _verbs_in_source()
        if isinstance(value, ast.Constant) and isinstance(value.value, str)
    ]
    assert literals == []
    named = {
        value.attr
        for _path, value in _verbs_in_source()
        if isinstance(value, ast.Attribute) and ast.unparse(value).startswith("Event.Verb.")
    }
    assert named and named <= set(Event.Verb.names)


def test_the_label_is_what_the_timeline_says():
    session = make_session()
    item = services.agenda_item_add(user=None, session=session, title="Rollback plan")
    services.agenda_item_move(user=None, item=item, direction="up")
    services.agenda_item_start_discussion(user=None, item=item)
    labels = [event.verb_label for event in session.events.order_by("pk")]
    assert "started discussing" in labels
    assert not [label for label in labels if "." in label or "_" in label]


# --- Timelines -----------------------------------------------------------------------------


def _closed_session() -> Session:
    session = make_session()
    with mock.patch("django.utils.timezone.now", return_value=CLOSING):
        services.session_close(user=None, session=session, expected_version=session.version)
    return session


def test_the_release_timeline_shows_a_closing_time_and_status_for_people(client, manager):
    session = _closed_session()
    client.force_login(manager)
    page = client.get(reverse("releases:detail", args=[session.release.slug])).text
    assert CLOSED_AT in page
    assert "Status: Scheduled → Closed" in page
    assert "closed_at" not in page and "11:37:12" not in page


def test_the_session_timeline_shows_a_closing_time_and_status_for_people(client, manager):
    session = _closed_session()
    client.force_login(manager)
    page = client.get(reverse("sessions:detail", args=[session.release.slug, session.pk])).text
    assert CLOSED_AT in page
    assert "Status: Scheduled → Closed" in page
    assert "closed_at" not in page


def test_the_dossier_shows_dates_as_dates_and_people_by_name(client, manager):
    session = make_session()
    action = make_action(session, owner=make_person("Ana Souza"), due_date=dt.date(2024, 7, 16))
    services.action_update(
        user=None,
        action=action,
        expected_version=action.version,
        description=action.description,
        owner=make_person("Bruno Lima"),
        due_date=dt.date(2024, 8, 1),
        kind=action.kind,
    )
    client.force_login(manager)
    page = client.get(reverse("releases:dossier", args=[session.release.slug])).text
    assert "Due date: 16 Jul 2024 → 1 Aug 2024" in page
    assert "Owner: Ana Souza → Bruno Lima" in page


def test_booleans_read_yes_or_no():
    session = make_session()
    item = services.agenda_item_add(user=None, session=session, title="QA")
    services.agenda_item_set_discussed(user=None, item=item, discussed=True)
    event = Event.objects.get(verb=Event.Verb.AGENDA_ITEM_DISCUSSED)
    assert ("Discussed", "no", "yes") in event.changes


def test_the_release_timeline_reads_changes_in_a_fixed_number_of_queries(
    client, manager, django_assert_num_queries
):
    session = make_session()
    client.force_login(manager)
    url = reverse("releases:detail", args=[session.release.slug])

    def edit(n):
        for _ in range(n):
            action = make_action(session, owner=make_person())
            services.action_update(
                user=None,
                action=action,
                expected_version=action.version,
                description="Changed",
                owner=make_person(),
                due_date=dt.date(2024, 8, 1),
                kind=action.kind,
            )

    edit(1)
    client.get(url)  # Warm the session and caches.
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    edit(10)
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(url).text
    assert page.count("Owner: ") == 11


# --- Every change writes its Event ---------------------------------------------------------


def test_moving_the_current_agenda_item_writes_an_event_of_the_session():
    session = make_session()
    first = services.agenda_item_add(user=None, session=session, title="QA")
    second = services.agenda_item_add(user=None, session=session, title="FinOps")
    services.agenda_item_start_discussion(user=None, item=first)
    services.agenda_item_start_discussion(user=None, item=second)
    moves = Event.objects.filter(verb=Event.Verb.SESSION_CURRENT_ITEM_CHANGED).order_by("pk")
    assert [
        (e.before["current_agenda_item_id"], e.after["current_agenda_item_id"]) for e in moves
    ] == [
        (None, first.pk),
        (first.pk, second.pk),
    ]
    assert all(e.session_id == session.pk and e.subject_id == session.pk for e in moves)
    # Which item is up is not a change to the session's details: an open edit stays valid.
    session.refresh_from_db()
    assert session.version == 1 and session.current_agenda_item == second

    services.agenda_item_set_discussed(user=None, item=second, discussed=True)
    cleared = moves.latest("pk")
    assert (cleared.before["current_agenda_item_id"], cleared.after["current_agenda_item_id"]) == (
        second.pk,
        None,
    )


def test_discussing_the_current_item_again_writes_nothing():
    session = make_session()
    item = services.agenda_item_add(user=None, session=session, title="QA")
    services.agenda_item_start_discussion(user=None, item=item)
    count = Event.objects.count()
    services.agenda_item_start_discussion(user=None, item=item)
    assert Event.objects.count() == count


def test_deleting_an_item_bumps_the_versions_of_the_items_it_renumbers():
    session = make_session()
    first, second, third = (
        services.agenda_item_add(user=None, session=session, title=title)
        for title in ("QA", "FinOps", "Compliance")
    )
    services.agenda_item_start_discussion(user=None, item=first)
    deleted_pk = first.pk
    services.agenda_item_delete(user=None, item=first)
    assert list(session.agenda_items.values_list("title", "position", "version")) == [
        ("FinOps", 1, second.version + 1),
        ("Compliance", 2, third.version + 1),
    ]
    with pytest.raises(services.StaleEdit):
        services.agenda_item_update(
            user=None,
            item=AgendaItem.objects.get(pk=second.pk),
            expected_version=second.version,
            title="Stale",
            time_box_minutes=None,
            notes="",
        )
    cleared = Event.objects.filter(verb=Event.Verb.SESSION_CURRENT_ITEM_CHANGED).latest("pk")
    assert cleared.after["current_agenda_item_id"] is None
    deleted = Event.objects.filter(verb=Event.Verb.AGENDA_ITEM_DELETED, subject_id=deleted_pk)
    assert deleted.exists()


# --- The writes that now go through the one update path ---------------------------------------


def test_superseding_a_decision_logs_before_and_after():
    session = make_session()
    first = make_decision(session, Decision.Outcome.NO_GO)
    make_decision(session, Decision.Outcome.GO)
    event = Event.objects.get(verb=Event.Verb.DECISION_SUPERSEDED)
    assert event.subject_id == first.pk and event.session == session
    assert (event.before["is_current"], event.after["is_current"]) == (True, False)
    first.refresh_from_db()
    assert not first.is_current


def test_the_review_done_logs_before_and_after(facilitator):
    session = make_session()
    decision = make_decision(session, Decision.Outcome.GO, review_on=dt.date(2024, 8, 1))
    services.decision_review_done(user=facilitator, decision=decision)
    event = Event.objects.get(verb=Event.Verb.DECISION_REVIEW_DONE)
    assert event.before["review_done_at"] is None and event.after["review_done_at"]
    assert event.after["review_done_by_id"] == facilitator.pk
    assert decision.review_done_by == facilitator
    with pytest.raises(ValidationError, match="already recorded"):
        services.decision_review_done(user=facilitator, decision=decision)
    assert Event.objects.filter(verb=Event.Verb.DECISION_REVIEW_DONE).count() == 1


def test_revoking_a_token_logs_before_and_after_without_the_secret(facilitator):
    api_token, _token = services.api_token_create(user=facilitator, name="CI")
    services.api_token_revoke(user=facilitator, api_token=api_token)
    event = Event.objects.get(verb=Event.Verb.API_TOKEN_REVOKED)
    assert event.before["revoked_at"] is None and event.after["revoked_at"]
    assert "token_hash" not in event.after
    assert ApiToken.objects.get(pk=api_token.pk).revoked_at == api_token.revoked_at


def test_settings_log_their_creation_then_each_change(facilitator):
    services.user_settings_update(user=facilitator, language="en", reminders=True)
    services.user_settings_update(user=facilitator, language="pt-br", reminders=False)
    token = services.feed_token_regenerate(user=facilitator)
    saved = UserSettings.objects.get(user=facilitator)
    assert saved.feed_token_hash == services.secret_hash(token)
    created, updated, regenerated = Event.objects.filter(subject_type="usersettings").order_by(
        "pk"
    )
    assert (created.verb, created.before) == (Event.Verb.USER_SETTINGS_CREATED, None)
    assert updated.verb == Event.Verb.USER_SETTINGS_UPDATED
    assert (updated.before["language"], updated.after["language"]) == ("en", "pt-br")
    assert regenerated.verb == Event.Verb.USER_SETTINGS_FEED_REGENERATED
    assert regenerated.before["feed_created_at"] is None and regenerated.after["feed_created_at"]
    assert "feed_token_hash" not in regenerated.after


def test_the_first_feed_address_is_logged_as_a_regeneration(facilitator):
    services.feed_token_regenerate(user=facilitator)
    event = Event.objects.get(subject_type="usersettings")
    assert event.verb == Event.Verb.USER_SETTINGS_FEED_REGENERATED and event.before is None
