"""The next session of a release acts on what the earlier ones left open: its follow-ups
carry the same status controls, and a change made there is that session's, not an
addendum of the earlier, closed one."""

import datetime as dt
import zoneinfo

import pytest

from readiness import services
from readiness.models import Action, Event
from tests.factories import make_action, make_person, make_release, make_session

HX = {"HX-Request": "true"}
SAO_PAULO = zoneinfo.ZoneInfo("America/Sao_Paulo")


@pytest.fixture
def meetings(facilitator, owner):
    """A NO-GO meeting, closed, that left A1 (the owner's, overdue) and A2 open, then a
    second meeting of the same release."""
    release = make_release("Payments Ledger")
    first = make_session(release, facilitator=facilitator.person)
    a1 = make_action(first, code="A1", owner=owner.person, due_date=dt.date(2024, 7, 16))
    a2 = make_action(first, code="A2", owner=make_person("Ana Souza"), due_date=None)
    services.session_close(user=None, session=first, expected_version=None)
    second = make_session(
        release,
        facilitator=facilitator.person,
        scheduled_at=dt.datetime(2024, 7, 18, 14, 0, tzinfo=SAO_PAULO),
    )
    return {"first": first, "second": second, "a1": a1, "a2": a2}


def _status(client, meetings, action, status, **extra):
    url = f"{meetings['second'].get_workspace_url()}actions/{action.pk}/status"
    data = {"status": status, "version": action.version, **extra}
    return client.post(url, data, headers=HX)


def test_the_later_session_lists_them_with_controls_marks_and_a_link(
    client, facilitator, meetings
):
    client.force_login(facilitator)
    page = client.get(meetings["second"].get_workspace_url())
    assert page.status_code == 200
    follow_ups = page.text.split('id="follow-ups"')[1].split("</section>")[0]
    a1, a2 = meetings["a1"], meetings["a2"]
    assert f'id="action-{a1.pk}"' in follow_ups and f'id="action-{a2.pk}"' in follow_ups
    assert "Overdue" in follow_ups  # A1 was due on 2024-07-16
    assert f"{meetings['second'].get_workspace_url()}actions/{a1.pk}/open" in follow_ups
    assert f'href="{meetings["first"].get_workspace_url()}#action-{a1.pk}"' in follow_ups


def test_the_owner_closes_a_follow_up_from_the_later_session(client, owner, meetings):
    client.force_login(owner)
    a1 = meetings["a1"]
    response = _status(client, meetings, a1, "done", note="Fixed")
    assert response.status_code == 200
    assert f'id="action-{a1.pk}"' in response.text and "<section" not in response.text
    a1.refresh_from_db()
    assert a1.status == Action.Status.DONE
    event = Event.objects.filter(verb=Event.Verb.ACTION_STATUS_CHANGED, subject_id=a1.pk).get()
    # Filed under the session it was changed from, not as an addendum of the closed one.
    assert event.session_id == meetings["second"].pk and not event.is_addendum
    assert not Event.objects.filter(session=meetings["first"], is_addendum=True).exists()


def test_the_same_change_on_the_closed_session_is_still_an_addendum(client, owner, meetings):
    client.force_login(owner)
    a1 = meetings["a1"]
    url = f"{meetings['first'].get_workspace_url()}actions/{a1.pk}/status"
    client.post(url, {"status": "in_progress", "version": a1.version}, headers=HX)
    event = Event.objects.filter(verb=Event.Verb.ACTION_STATUS_CHANGED, subject_id=a1.pk).get()
    assert event.session_id == meetings["first"].pk and event.is_addendum


def test_the_facilitator_cancels_a_follow_up_from_the_later_session(client, facilitator, meetings):
    client.force_login(facilitator)
    a2 = meetings["a2"]
    url = f"{meetings['second'].get_workspace_url()}actions/{a2.pk}/cancel"
    response = client.post(url, headers=HX)
    assert response.status_code == 200
    a2.refresh_from_db()
    assert a2.status == Action.Status.CANCELLED
    event = Event.objects.filter(verb=Event.Verb.ACTION_STATUS_CHANGED, subject_id=a2.pk).get()
    assert event.session_id == meetings["second"].pk and not event.is_addendum


def test_without_javascript_it_redirects_to_the_later_session(client, owner, meetings):
    client.force_login(owner)
    a1 = meetings["a1"]
    url = f"{meetings['second'].get_workspace_url()}actions/{a1.pk}/status"
    response = client.post(url, {"status": "in_progress", "version": a1.version})
    assert response.status_code == 302
    assert response["Location"] == f"{meetings['second'].get_workspace_url()}#action-{a1.pk}"


@pytest.mark.parametrize("role", ["manager", "outsider"])
def test_who_may_not_change_it_on_its_own_session_may_not_here(
    client, request, django_user_model, meetings, role
):
    user = (
        django_user_model.objects.create_user("outsider", password="x-long-password")
        if role == "outsider"
        else request.getfixturevalue(role)
    )
    client.force_login(user)
    a1 = meetings["a1"]
    before = Event.objects.count()
    response = _status(client, meetings, a1, "in_progress")
    assert response.status_code == 403
    a1.refresh_from_db()
    assert a1.status == Action.Status.OPEN and Event.objects.count() == before


def test_the_owner_may_not_cancel_a_follow_up(client, owner, meetings):
    client.force_login(owner)
    a1 = meetings["a1"]
    url = f"{meetings['second'].get_workspace_url()}actions/{a1.pk}/cancel"
    assert client.post(url, headers=HX).status_code == 403
    a1.refresh_from_db()
    assert a1.status == Action.Status.OPEN


def test_a_stale_follow_up_change_is_a_409_and_changes_nothing(client, owner, meetings):
    client.force_login(owner)
    a1 = meetings["a1"]
    response = _status(client, meetings, a1, "in_progress", version=a1.version + 5)
    assert response.status_code == 409
    a1.refresh_from_db()
    assert a1.status == Action.Status.OPEN


def test_an_action_of_a_later_session_is_no_follow_up_of_an_earlier(client, owner, meetings):
    later = make_action(meetings["second"], code="A3", owner=owner.person)
    client.force_login(owner)
    url = f"{meetings['first'].get_workspace_url()}actions/{later.pk}/status"
    response = client.post(url, {"status": "in_progress", "version": later.version})
    assert response.status_code == 404


def test_an_action_of_another_release_is_not_found(client, owner, meetings):
    elsewhere = make_action(make_session(make_release("Other")), code="A1", owner=owner.person)
    client.force_login(owner)
    assert _status(client, meetings, elsewhere, "in_progress").status_code == 404


def test_the_service_refuses_a_session_it_is_no_follow_up_of(owner, meetings):
    from django.core.exceptions import ValidationError

    other = make_session(make_release("Other"))
    a1 = meetings["a1"]
    with pytest.raises(ValidationError):
        services.action_change_status(
            user=owner,
            action=a1,
            status="in_progress",
            expected_version=a1.version,
            from_session=other,
        )
    a1.refresh_from_db()
    assert a1.status == Action.Status.OPEN


def test_the_follow_up_row_opens_and_closes_on_the_later_session(client, owner, meetings):
    client.force_login(owner)
    a1, url = meetings["a1"], meetings["second"].get_workspace_url()
    opened = client.get(f"{url}actions/{a1.pk}/open", headers=HX)
    assert opened.status_code == 200 and f"{url}actions/{a1.pk}/status" in opened.text
    closed = client.get(f"{url}actions/{a1.pk}/row", headers=HX)
    assert closed.status_code == 200 and f'id="action-{a1.pk}"' in closed.text


def _release_with_follow_ups(n: int, facilitator):
    """A closed first session with `n` open actions (three owners, each with evidence)
    and a second session of the same release, whose page lists them all."""
    release = make_release(f"Follow-ups {n}")
    first = make_session(release, facilitator=make_person())
    owners = [make_person() for _ in range(3)]
    for i in range(n):
        action = make_action(first, code=f"A{i + 1}", owner=owners[i % 3])
        services.evidence_add(
            user=None, session=first, title=f"Doc {i}", location=f"d/{i}.md", action=action
        )
    services.session_close(user=None, session=first, expected_version=None)
    return make_session(
        release,
        facilitator=facilitator.person,
        scheduled_at=dt.datetime(2024, 7, 18, 14, 0, tzinfo=SAO_PAULO),
    )


def test_the_page_makes_the_same_queries_for_3_and_150_follow_ups(
    client, facilitator, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small, large = (_release_with_follow_ups(n, facilitator) for n in (3, 150))
    client.force_login(facilitator)
    with CaptureQueriesContext(connection) as small_queries:
        assert client.get(small.get_workspace_url()).status_code == 200
    with django_assert_max_num_queries(len(small_queries)):
        response = client.get(large.get_workspace_url())
    follow_ups = response.text.split('id="follow-ups"')[1]
    assert follow_ups.count("follow-up-source") == 150
