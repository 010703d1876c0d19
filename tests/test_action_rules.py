"""An action's status has one set of rules, whichever door the change comes through: the
session page, /me/, or the API. They all call `services.action_change_status`."""

import html
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from readiness import services
from readiness.models import Action, Condition, Decision, Event
from tests.factories import make_action, make_decision, make_session
from tests.helpers import at_once, change_status, refused, skip_unless_postgresql

HX = {"HX-Request": "true"}
DOORS = ["page", "me", "api"]


def _state(action):
    """What a refusal must leave untouched."""
    row = Action.objects.get(pk=action.pk)
    return row.status, row.version, row.completed_at, row.status_reason, Event.objects.count()


def _post(client, door, action, status, **extra):
    """Ask for `status` through `door`, with the version the action is at."""
    session = action.session
    if door == "page":
        args = [session.release.slug, session.pk, action.pk]
        if status == Action.Status.CANCELLED:
            # The session page cancels with its own button.
            return client.post(reverse("sessions:action_cancel", args=args), headers=HX)
        url = reverse("sessions:action_status", args=args)
        return client.post(url, {"status": status, "version": action.version, **extra}, headers=HX)
    if door == "me":
        url = reverse("me:action_status", args=[action.pk])
        return client.post(url, {"status": status, "version": action.version, **extra}, headers=HX)
    return client.post(
        f"/api/actions/{action.pk}/status",
        {"status": status, "expected_version": action.version, **extra},
        content_type="application/json",
    )


def _form_errors(page: str) -> list[str]:
    """The messages a page shows as form errors, field or not."""
    field = re.findall(r'<p class="field-error"[^>]*>(.*?)</p>', page, re.S)
    blocks = re.findall(r'<div class="form-errors"[^>]*>(.*?)</div>', page, re.S)
    general = [m for block in blocks for m in re.findall(r"<p>(.*?)</p>", block, re.S)]
    return [html.unescape(m).strip() for m in field + general]


# --- Owners move their work along; they neither cancel nor reopen it ----------------------


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize(
    "setup, status",
    [
        ("open", Action.Status.CANCELLED),
        ("done", Action.Status.CANCELLED),
        ("done", Action.Status.OPEN),
        ("done", Action.Status.IN_PROGRESS),
        ("cancelled", Action.Status.OPEN),
        ("cancelled", Action.Status.IN_PROGRESS),
    ],
)
def test_an_owner_may_not_cancel_or_reopen_on_any_door(
    client, owner, facilitator, mine, door, setup, status
):
    if setup == "done":
        change_status(owner, mine, Action.Status.DONE)
    elif setup == "cancelled":
        change_status(facilitator, mine, Action.Status.CANCELLED)
    before = _state(mine)
    client.force_login(owner)
    response = _post(client, door, mine, status, reason="I want it back")
    assert response.status_code == 403
    assert _state(mine) == before


def test_the_api_says_why_an_owner_may_not_cancel(client, owner, mine):
    client.force_login(owner)
    response = _post(client, "api", mine, Action.Status.CANCELLED)
    assert response.status_code == 403
    assert response.json()["detail"] == "Only a facilitator may cancel or reopen an action."


def test_an_owner_cannot_walk_a_done_action_back_through_cancelled(client, owner, mine):
    """Done → cancelled → in progress would be a reopen without a facilitator."""
    change_status(owner, mine, Action.Status.DONE)
    client.force_login(owner)
    assert _post(client, "api", mine, Action.Status.CANCELLED).status_code == 403
    mine.refresh_from_db()
    assert mine.status == Action.Status.DONE
    assert _post(client, "api", mine, Action.Status.IN_PROGRESS).status_code == 403
    mine.refresh_from_db()
    assert mine.status == Action.Status.DONE


def test_me_shows_an_owner_no_reopen_control_for_their_closed_work(
    client, owner, facilitator, session, mine
):
    done = mine
    cancelled = make_action(session, code="A2", owner=owner.person)
    change_status(owner, done, Action.Status.DONE)
    change_status(facilitator, cancelled, Action.Status.CANCELLED)
    client.force_login(owner)
    page = client.get("/me/").text
    recent = page.split('id="group-closed"')[1]
    assert f'id="closed-action-{done.pk}"' in recent
    assert f'id="closed-action-{cancelled.pk}"' in recent
    for action in (done, cancelled):
        assert f'id="action-{action.pk}-reopen-open"' not in page
        assert f"/actions/{action.pk}/cancel" not in page
        assert f'name="status" value="{Action.Status.CANCELLED}"' not in page
    # A facilitator who may reopen them gets the control on the session page, in the row
    # its "Update" link opens (the page carries no per-row forms until one is opened).
    client.force_login(facilitator)
    for action in (done, cancelled):
        opened = client.get(
            reverse("sessions:action_open", args=[session.release.slug, session.pk, action.pk])
        ).text
        assert f'id="action-{action.pk}-reopen-open"' in opened


def test_a_facilitator_reopens_a_cancelled_action_with_a_reason(facilitator, mine):
    change_status(facilitator, mine, Action.Status.CANCELLED)
    change_status(facilitator, mine, Action.Status.IN_PROGRESS, reason="The vendor answered")
    mine.refresh_from_db()
    assert mine.status == Action.Status.IN_PROGRESS
    assert mine.status_reason == "The vendor answered" and mine.completed_at is None


# --- The same refusal, with the same words, on every door ---------------------------------


def _refusal_on(client, door, action, status, **extra):
    """The refusal's message as the door shows it: the API's detail, the page's errors."""
    response = _post(client, door, action, status, **extra)
    assert response.status_code in (400, 422), response.content
    if door == "api":
        return response.json()["detail"]
    (message,) = _form_errors(response.text)
    return message


@pytest.mark.parametrize("door", DOORS)
def test_reopening_without_a_reason_is_refused_alike(client, owner, facilitator, mine, door):
    change_status(owner, mine, Action.Status.DONE)
    before = _state(mine)
    client.force_login(facilitator)
    message = _refusal_on(client, door, mine, Action.Status.OPEN, reason="  ")
    assert message == "Say why the action is reopened."
    assert _state(mine) == before


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("who", ["owner", "facilitator"])
def test_done_after_cancel_is_refused_alike(client, request, facilitator, mine, door, who):
    change_status(facilitator, mine, Action.Status.CANCELLED)
    before = _state(mine)
    client.force_login(request.getfixturevalue(who))
    message = _refusal_on(client, door, mine, Action.Status.DONE)
    assert message == "This action is already closed."
    assert _state(mine) == before


def test_the_messages_of_every_door_come_from_the_service(client, owner, facilitator, mine):
    """The API's detail and the page's error are the same text, in the same language."""
    change_status(owner, mine, Action.Status.DONE)
    client.force_login(facilitator)
    client.cookies["django_language"] = "pt-br"
    # The middleware leaves the language active in this thread; put it back afterwards.
    with translation.override("en"):
        api = _refusal_on(client, "api", mine, Action.Status.OPEN, reason="")
        page = _refusal_on(client, "page", mine, Action.Status.OPEN, reason="")
    assert api == page == "Diga por que a ação está sendo reaberta."


# --- The rules themselves -------------------------------------------------------------------


def test_done_sets_a_completion_time_and_cancelled_has_none(owner, facilitator, session, mine):
    change_status(owner, mine, Action.Status.DONE)
    mine.refresh_from_db()
    assert mine.completed_at is not None
    other = make_action(session, code="A2", owner=owner.person)
    change_status(facilitator, other, Action.Status.CANCELLED)
    other.refresh_from_db()
    assert other.status == Action.Status.CANCELLED and other.completed_at is None


def test_a_cancelled_action_cannot_be_marked_done(facilitator, mine):
    change_status(facilitator, mine, Action.Status.CANCELLED)
    with refused(mine, match="already closed"):
        change_status(facilitator, mine, Action.Status.DONE)


def test_a_done_action_is_not_closed_again(owner, facilitator, mine):
    change_status(owner, mine, Action.Status.DONE)
    for status in (Action.Status.DONE, Action.Status.CANCELLED):
        with refused(mine, match="already closed"):
            change_status(facilitator, mine, status)


def test_the_same_status_again_is_refused_with_a_clear_message(owner, mine):
    change_status(owner, mine, Action.Status.IN_PROGRESS)
    with refused(mine, match="already “In progress”"):
        change_status(owner, mine, Action.Status.IN_PROGRESS)


def test_reopening_clears_the_completion_time(owner, facilitator, mine):
    change_status(owner, mine, Action.Status.DONE)
    change_status(facilitator, mine, Action.Status.OPEN, reason="The run was on staging")
    mine.refresh_from_db()
    assert mine.status == Action.Status.OPEN and mine.completed_at is None


def test_the_rules_are_checked_against_the_row_not_the_callers_copy(owner, facilitator, mine):
    """A copy read before a facilitator cancelled the action does not let its owner finish
    it: the service re-reads the row under its lock."""
    stale_copy = Action.objects.get(pk=mine.pk)
    change_status(facilitator, mine, Action.Status.CANCELLED)
    with refused(mine, match="already closed"):
        services.action_change_status(
            user=owner, action=stale_copy, status="done", expected_version=mine.version
        )
    with refused(mine, error=PermissionDenied):
        services.action_change_status(
            user=owner, action=stale_copy, status="open", reason="x", expected_version=mine.version
        )


def test_the_import_path_keeps_the_state_rules(mine):
    services.action_status_import(user=None, action=mine, status=Action.Status.CANCELLED)
    mine.refresh_from_db()
    assert mine.completed_at is None
    with pytest.raises(ValidationError, match="already closed"):
        services.action_status_import(user=None, action=mine, status=Action.Status.DONE)
    with pytest.raises(ValidationError, match="reopened"):
        services.action_status_import(user=None, action=mine, status=Action.Status.OPEN)


# --- API writes carry the version they read -------------------------------------------------


def _token_headers(user):
    return {"Authorization": f"Bearer {services.api_token_create(user=user, name='ci')[1]}"}


def test_an_api_write_without_a_version_is_refused_with_428(client, owner, mine):
    client.force_login(owner)
    before = _state(mine)
    response = client.post(
        f"/api/actions/{mine.pk}/status", {"status": "done"}, content_type="application/json"
    )
    assert response.status_code == 428
    assert "expected_version" in response.json()["detail"]
    assert "If-Match" in response.json()["detail"]
    assert _state(mine) == before


def test_the_reads_give_an_etag_and_if_match_with_it_writes(client, owner, mine):
    client.force_login(owner)
    read = client.get(f"/api/actions/{mine.pk}")
    assert read.status_code == 200
    assert read["ETag"] == f'"v{mine.version}"' and read.json()["version"] == mine.version
    response = client.post(
        f"/api/actions/{mine.pk}/status",
        {"status": "in_progress"},
        content_type="application/json",
        headers={"If-Match": read["ETag"]},
    )
    assert response.status_code == 200
    mine.refresh_from_db()
    assert mine.status == Action.Status.IN_PROGRESS
    assert response["ETag"] == f'"v{mine.version}"' == f'"v{response.json()["version"]}"'


def test_a_stale_etag_is_refused_with_409(client, owner, facilitator, mine):
    client.force_login(owner)
    etag = client.get(f"/api/actions/{mine.pk}")["ETag"]
    change_status(facilitator, mine, Action.Status.IN_PROGRESS)
    before = _state(mine)
    response = client.post(
        f"/api/actions/{mine.pk}/status",
        {"status": "done"},
        content_type="application/json",
        headers={"If-Match": etag},
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.json()["detail"]
    assert _state(mine) == before


@pytest.mark.parametrize(
    "if_match, body_version",
    [("*", None), ('W/"v1"', None), ("v1", None), ('"v1", "v2"', None), ('"v1"', 2)],
)
def test_an_if_match_that_names_no_single_version_is_refused(
    client, owner, mine, if_match, body_version
):
    client.force_login(owner)
    before = _state(mine)
    body = {"status": "done"}
    if body_version is not None:
        body["expected_version"] = body_version
    response = client.post(
        f"/api/actions/{mine.pk}/status",
        body,
        content_type="application/json",
        headers={"If-Match": if_match},
    )
    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str)
    assert _state(mine) == before


@pytest.fixture
def condition(owner, session):
    decision = make_decision(
        session,
        Decision.Outcome.CONDITIONAL_GO,
        conditions=[services.ConditionSpec(text="Run BILL-230", owner=owner.person)],
    )
    return decision.conditions.get()


def test_satisfying_a_condition_needs_the_version_too(client, owner, condition):
    client.force_login(owner)
    url = f"/api/conditions/{condition.pk}/satisfy"
    body = {"evidence_url": "https://ci.example.com/jobs/1"}
    before = Event.objects.count()
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 428
    assert Event.objects.count() == before
    assert not Condition.objects.get(pk=condition.pk).is_satisfied
    read = client.get(f"/api/conditions/{condition.pk}")
    assert read["ETag"] == f'"v{condition.version}"'
    response = client.post(
        url, body, content_type="application/json", headers={"If-Match": read["ETag"]}
    )
    assert response.status_code == 200
    fresh = Condition.objects.get(pk=condition.pk)
    assert fresh.is_satisfied and response["ETag"] == f'"v{fresh.version}"'


def test_the_single_reads_answer_404_and_refuse_a_gate_only_token(client, owner, mine, condition):
    headers = _token_headers(owner)
    assert client.get("/api/actions/999999", headers=headers).status_code == 404
    assert client.get("/api/conditions/999999", headers=headers).status_code == 404
    _, gate_token = services.api_token_create(
        user=owner, name="gate", release=mine.session.release
    )
    gate = {"Authorization": f"Bearer {gate_token}"}
    assert client.get(f"/api/actions/{mine.pk}", headers=gate).status_code == 403
    assert client.get(f"/api/conditions/{condition.pk}", headers=gate).status_code == 403


def test_the_document_says_a_write_needs_the_version(client, db):
    document = client.get("/api/openapi.json").json()
    assert "428" in document["info"]["description"]
    write = document["paths"]["/api/actions/{action_id}/status"]["post"]
    assert "428" in write["responses"]
    assert "ETag" in write["responses"]["200"]["headers"]
    assert [p["name"] for p in write["parameters"] if p["in"] == "header"] == ["If-Match"]
    read = document["paths"]["/api/actions/{action_id}"]["get"]
    assert "ETag" in read["responses"]["200"]["headers"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_api_writes_on_postgresql_let_exactly_one_win(owner):
    skip_unless_postgresql()
    action = make_action(make_session(), code="A1", owner=owner.person)
    headers = _token_headers(owner)
    writers = 20
    outcomes = []

    def write(n, go):
        client = Client()
        read = client.get(f"/api/actions/{action.pk}", headers=headers)
        version = read.json()["version"]
        go()
        # Half send the version in the body, half as If-Match: the same precondition.
        if n % 2:
            body, extra = {"status": "in_progress", "expected_version": version}, {}
        else:
            body, extra = {"status": "in_progress"}, {"If-Match": read["ETag"]}
        response = client.post(
            f"/api/actions/{action.pk}/status",
            body,
            content_type="application/json",
            headers={**headers, **extra},
        )
        outcomes.append(response.status_code)

    at_once(write, writers)
    assert sorted(outcomes) == [200] + [409] * (writers - 1)
    action.refresh_from_db()
    assert action.status == Action.Status.IN_PROGRESS and action.version == 2
    assert Event.objects.filter(verb="action.status_changed", subject_id=action.pk).count() == 1
