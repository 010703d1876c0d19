"""The JSON API: the gate, the reads, the two writes, errors, and its OpenAPI document."""

import datetime as dt

import pytest
from django.urls import get_resolver
from django.utils import timezone

from readiness import permissions, services
from readiness.models import Action, Decision, Event, Evidence, Release
from tests.factories import make_action, make_decision, make_person, make_release, make_session
from tests.helpers import snapshot

ROLES = ["anonymous", "manager", "owner", "facilitator", "admin_user"]


@pytest.fixture
def record(db, owner, facilitator):
    """A conditional GO with two conditions owned by `owner`, and an action they owe."""
    release = make_release("Billing Gateway")
    session = make_session(release, facilitator=facilitator.person)
    decision = make_decision(
        session,
        Decision.Outcome.CONDITIONAL_GO,
        conditions=[
            services.ConditionSpec(
                text="Run the BILL-230 check", reference="BILL-230", owner=owner.person
            ),
            services.ConditionSpec(text="Confirm the retention dashboards", owner=owner.person),
        ],
    )
    action = make_action(session, code="A1", owner=owner.person)
    first, second = decision.conditions.all()
    return {
        "release": release,
        "session": session,
        "conditions": (first, second),
        "action": action,
    }


def _as(client, request, role):
    """A client acting as `role`, through a token (so CSRF plays no part)."""
    if role == "anonymous":
        return {}
    user = request.getfixturevalue(role)
    _, token = services.api_token_create(user=user, name="test")
    return {"Authorization": f"Bearer {token}"}


def _gate_url(release):
    return f"/api/releases/{release.slug}/gate"


# --- The gate -----------------------------------------------------------------------------


def test_it_answers_the_gate_to_every_role_through_the_session(client, any_role, record):
    client.force_login(any_role)
    response = client.get(_gate_url(record["release"]))
    assert response.status_code == 200
    data = response.json()
    assert data["release"] == record["release"].slug
    assert data["ready"] is False and data["outcome"] == "conditional_go"
    assert [b["reference"] for b in data["blocking"]] == ["BILL-230", ""]
    assert data["blocking"][0] == {
        "kind": "condition",
        "text": "Run the BILL-230 check",
        "reference": "BILL-230",
        "owner": "Owen Owner",
        "detail": None,
    }
    assert data["deploy_window"] == {"start": None, "end": None}
    assert data["window_open"] is None


def test_it_answers_200_for_a_ready_release_too(client, manager):
    session = make_session()
    make_decision(session, Decision.Outcome.GO)
    client.force_login(manager)
    data = client.get(_gate_url(session.release)).json()
    assert data["ready"] is True and data["blocking"] == []


def test_it_answers_404_for_an_unknown_release(client, manager):
    client.force_login(manager)
    response = client.get("/api/releases/1999-01-01-nothing/gate")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_it_answers_401_to_anonymous_callers(client, record):
    for url in [_gate_url(record["release"]), "/api/releases"]:
        response = client.get(url)
        assert response.status_code == 401
        assert "detail" in response.json()
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_turns_ready_when_the_last_condition_is_satisfied_through_the_api(
    client, owner, record
):
    headers = {"Authorization": f"Bearer {services.api_token_create(user=owner, name='ci')[1]}"}
    first, second = record["conditions"]
    services.condition_satisfy(user=owner, condition=first)
    assert client.get(_gate_url(record["release"]), headers=headers).json()["ready"] is False
    response = client.post(
        f"/api/conditions/{second.pk}/satisfy",
        {
            "evidence_url": "https://ci.example.com/jobs/42",
            "note": "dashboards confirmed",
            "expected_version": second.version,
        },
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200, response.content
    gate = client.get(_gate_url(record["release"]), headers=headers).json()
    assert gate["ready"] is True and gate["blocking"] == []


def test_it_shows_expired_conditions_in_the_gate(client, manager, record):
    first, _ = record["conditions"]
    first.deadline = timezone.now() - dt.timedelta(minutes=5)
    first.save()
    client.force_login(manager)
    kinds = [b["kind"] for b in client.get(_gate_url(record["release"])).json()["blocking"]]
    assert kinds == ["expired_condition", "condition"]


# --- Reads --------------------------------------------------------------------------------


def test_it_lists_releases_filtered_by_status_and_date(client, manager):
    old = make_release("Old", planned_date=dt.date(2024, 1, 10))
    new = make_release("New", planned_date=dt.date(2024, 9, 1))
    # No screen sets a release's status yet; the API filters what is stored.
    Release.objects.filter(pk=old.pk).update(status=Release.Status.DEPLOYED)
    client.force_login(manager)

    def slugs(query=""):
        response = client.get(f"/api/releases{query}")
        assert response.status_code == 200, response.content
        return [r["slug"] for r in response.json()["items"]]

    assert slugs() == [new.slug, old.slug]
    assert slugs("?status=deployed") == [old.slug]
    assert slugs("?planned_from=2024-02-01") == [new.slug]
    assert slugs("?planned_to=2024-02-01") == [old.slug]
    assert slugs("?limit=1&offset=1") == [old.slug]
    data = client.get("/api/releases?limit=1").json()
    assert data["count"] == 2
    assert data["items"][0]["url"] == f"http://testserver/releases/{new.slug}/"


@pytest.mark.parametrize(
    "query", ["?status=shipped", "?planned_from=yesterday", "?limit=0", "?limit=100000"]
)
def test_it_refuses_bad_filters_with_400(client, manager, query):
    client.force_login(manager)
    response = client.get(f"/api/releases{query}")
    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str)


def test_it_lists_the_actions_of_a_release(client, manager, record):
    client.force_login(manager)
    response = client.get(f"/api/releases/{record['release'].slug}/actions")
    assert response.status_code == 200
    (action,) = response.json()
    assert action["code"] == "A1" and action["owner"] == "Owen Owner"
    assert action["status"] == "open" and action["version"] == record["action"].version


def test_it_lists_the_conditions_in_force(client, manager, record):
    client.force_login(manager)
    data = client.get(f"/api/releases/{record['release'].slug}/conditions").json()
    assert [c["reference"] for c in data] == ["BILL-230", ""]
    assert data[0]["id"] == record["conditions"][0].pk and data[0]["satisfied_at"] is None


def test_it_answers_404_on_the_reads_of_an_unknown_release(client, manager):
    client.force_login(manager)
    for part in ["actions", "conditions"]:
        assert client.get(f"/api/releases/nothing/{part}").status_code == 404


# --- Writes: satisfying a condition -------------------------------------------------------


def _satisfy(client, condition, headers=None, **body):
    """Satisfy through the API; the version sent is the one the test holds unless given."""
    body.setdefault("evidence_url", "https://ci.example.com/jobs/42")
    body.setdefault("expected_version", getattr(condition, "version", 1))
    return client.post(
        f"/api/conditions/{condition.pk}/satisfy",
        body,
        content_type="application/json",
        headers=headers or {},
    )


def test_it_refuses_a_condition_owned_by_someone_else(client, django_user_model, record):
    other = django_user_model.objects.create_user("other", password="x")
    make_person("Olga Other", user=other)
    headers = {"Authorization": f"Bearer {services.api_token_create(user=other, name='t')[1]}"}
    before = snapshot(record["conditions"][0])
    response = _satisfy(client, record["conditions"][0], headers)
    assert response.status_code == 403
    assert "owner" in response.json()["detail"]
    before.assert_unchanged()


def test_it_satisfies_a_condition_with_its_evidence_in_one_go(client, owner, record):
    client.force_login(owner)
    condition = record["conditions"][0]
    response = _satisfy(
        client, condition, title="BILL-230 run", note="green", expected_version=condition.version
    )
    assert response.status_code == 200
    data = response.json()
    assert data["satisfied_at"] and data["satisfied_note"] == "green"
    condition.refresh_from_db()
    assert data["state"] == condition.state and condition.state.startswith("satisfied")
    assert data["evidence"] == [
        {
            "id": data["evidence"][0]["id"],
            "title": "BILL-230 run",
            "location": "https://ci.example.com/jobs/42",
        }
    ]
    evidence = Evidence.objects.get(condition=condition)
    assert evidence.session == record["session"]
    verbs = set(Event.objects.values_list("verb", flat=True))
    assert {"condition.satisfied", "evidence.added"} <= verbs


def test_it_answers_422_for_an_already_satisfied_condition(client, owner, record):
    client.force_login(owner)
    condition = record["conditions"][0]
    assert _satisfy(client, condition).status_code == 200
    before = snapshot(condition)
    response = _satisfy(client, condition)
    assert response.status_code == 422
    assert "already satisfied" in response.json()["detail"]
    before.assert_unchanged()
    assert Evidence.objects.filter(condition=condition).count() == 1


def test_it_answers_409_for_a_stale_version_and_keeps_nothing(client, owner, record):
    client.force_login(owner)
    condition = record["conditions"][0]
    response = _satisfy(client, condition, expected_version=condition.version + 1)
    assert response.status_code == 409
    condition.refresh_from_db()
    assert not condition.is_satisfied
    assert not Evidence.objects.filter(condition=condition).exists()


@pytest.mark.parametrize(
    "body",
    [
        {"evidence_url": "javascript:alert(1)"},
        {"evidence_url": "docs/local.md"},
        {"evidence_url": ""},
        {"evidence_url": "https://x.example.com/\x00"},
        {"evidence_url": "https://x.example.com/", "expected_version": 0},
    ],
)
def test_it_answers_400_for_bad_input(client, owner, record, body):
    client.force_login(owner)
    before = snapshot(record["conditions"][0])
    response = _satisfy(client, record["conditions"][0], **body)
    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str)
    before.assert_unchanged()


def test_it_answers_400_for_a_body_that_is_not_json(client, owner, record):
    client.force_login(owner)
    before = snapshot(record["conditions"][0])
    response = client.post(
        f"/api/conditions/{record['conditions'][0].pk}/satisfy",
        "nope",
        content_type="application/json",
    )
    assert response.status_code == 400
    before.assert_unchanged()


def test_it_answers_404_for_an_unknown_condition_or_action(client, owner):
    client.force_login(owner)
    before = snapshot()
    assert _satisfy(client, type("C", (), {"pk": 999999})).status_code == 404
    response = client.post(
        "/api/actions/999999/status",
        {"status": "done", "expected_version": 1},
        content_type="application/json",
    )
    assert response.status_code == 404
    before.assert_unchanged()


# --- Writes: an action's status -----------------------------------------------------------


def _set_status(client, action, headers=None, **body):
    """Set a status through the API; the version sent is the one the test holds unless given."""
    body.setdefault("expected_version", action.version)
    return client.post(
        f"/api/actions/{action.pk}/status",
        body,
        content_type="application/json",
        headers=headers or {},
    )


# The two writes the API offers, each with the permission function the pages ask too.
WRITES = {
    "satisfy a condition": (
        lambda record: record["conditions"][0],
        _satisfy,
        {},
        permissions.can_satisfy_condition,
    ),
    "update an action": (
        lambda record: record["action"],
        _set_status,
        {"status": "in_progress"},
        permissions.can_update_action,
    ),
}


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_the_owner_and_facilitators_write(client, request, record, role, write):
    target, post, body, may = WRITES[write]
    obj = target(record)
    headers = _as(client, request, role)
    before = snapshot(obj)
    response = post(client, obj, headers, **body)
    expected = {"anonymous": 401, "manager": 403, "owner": 200, "facilitator": 200}
    assert response.status_code == expected.get(role, 200)
    if response.status_code != 200:
        before.assert_unchanged()
    if role != "anonymous":
        user = request.getfixturevalue(role)
        assert (response.status_code == 200) == may(user, obj)


def test_it_updates_an_action_as_its_owner(client, owner, record):
    client.force_login(owner)
    action = record["action"]
    response = _set_status(
        client,
        action,
        status="blocked",
        reason="Waiting for BILL-230",
        expected_version=action.version,
    )
    assert response.status_code == 200
    assert response.json()["status"] == "blocked"
    assert response.json()["status_reason"] == "Waiting for BILL-230"
    action.refresh_from_db()
    assert action.status == Action.Status.BLOCKED


def test_it_needs_a_reason_to_block_an_action(client, owner, record):
    client.force_login(owner)
    before = snapshot(record["action"])
    response = _set_status(client, record["action"], status="blocked")
    assert response.status_code == 400
    assert "blocks" in response.json()["detail"]
    before.assert_unchanged()


def test_it_answers_409_for_a_stale_action(client, owner, record):
    client.force_login(owner)
    action = record["action"]
    before = snapshot(action)
    response = _set_status(client, action, status="done", expected_version=action.version + 3)
    assert response.status_code == 409
    before.assert_unchanged()


def test_it_refuses_an_unknown_status(client, owner, record):
    client.force_login(owner)
    before = snapshot(record["action"])
    assert _set_status(client, record["action"], status="finished").status_code == 400
    before.assert_unchanged()


def test_it_refuses_the_wrong_method(client, owner, record):
    client.force_login(owner)
    assert client.get(f"/api/actions/{record['action'].pk}/status").status_code == 405
    assert client.delete(_gate_url(record["release"])).status_code == 405


# --- The browser session: CSRF on writes --------------------------------------------------


def test_it_enforces_csrf_on_session_writes_but_not_on_reads(owner, record):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.get(_gate_url(record["release"])).status_code == 200
    before = snapshot(record["action"])
    response = _set_status(client, record["action"], status="done")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    before.assert_unchanged()
    client.get("/releases/")  # sets the CSRF cookie, as the page does
    token = client.cookies["csrftoken"].value
    response = _set_status(client, record["action"], {"X-CSRFToken": token}, status="done")
    assert response.status_code == 200


def test_it_does_not_ask_a_token_caller_for_csrf(owner, record):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    headers = {"Authorization": f"Bearer {services.api_token_create(user=owner, name='t')[1]}"}
    response = _set_status(client, record["action"], headers, status="done")
    assert response.status_code == 200
    assert response.json()["status"] == "done"
    record["action"].refresh_from_db()
    assert record["action"].status == "done"


# --- The OpenAPI document -----------------------------------------------------------------


def test_it_serves_a_valid_openapi_document(client, db):
    from openapi_spec_validator import validate

    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["openapi"].startswith("3.")
    assert set(document["components"]["securitySchemes"]) == {"TokenAuth", "BrowserSession"}


def test_it_documents_exactly_the_routes_it_serves(client, db):
    document = client.get("/api/openapi.json").json()
    documented = {path.replace("{", "<").replace("}", ">") for path in document["paths"]}
    resolver = get_resolver()
    (api_resolver,) = [p for p in resolver.url_patterns if str(p.pattern) == "api/"]
    served = {
        "/api/" + str(p.pattern)
        for p in api_resolver.url_patterns
        if p.name not in {"openapi-json", "api-root"}
    }
    assert served == documented


# --- Fuzzing against the document ---------------------------------------------------------


@pytest.fixture
def in_process_wsgi():
    """The WSGI app, called in the test's thread and transaction. Like Django's test client,
    keep the end of each request from closing the test's database connection."""
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_it_never_answers_5xx_to_what_its_document_allows_or_forbids(
    owner, record, in_process_wsgi
):
    """Schemathesis generates valid and invalid requests from the OpenAPI document and
    sends them to the app in-process; none may fail with a server error, and every answer
    must be one the document declares, shaped as it says."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", in_process_wsgi)
    modes = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
    # Random slugs and ids mostly miss; also aim at the records that exist.
    real = {
        ("/api/releases/{slug}/gate", "GET"): {"slug": record["release"].slug},
        ("/api/releases/{slug}/actions", "GET"): {"slug": record["release"].slug},
        ("/api/releases/{slug}/conditions", "GET"): {"slug": record["release"].slug},
        ("/api/conditions/{condition_id}/satisfy", "POST"): {
            "condition_id": record["conditions"][0].pk
        },
        ("/api/actions/{action_id}/status", "POST"): {"action_id": record["action"].pk},
    }
    strategies = [schema.as_strategy(generation_mode=mode) for mode in modes]
    strategies += [
        schema[path][method].as_strategy(generation_mode=mode, path_parameters=params)
        for (path, method), params in real.items()
        for mode in modes
    ]
    _, token = services.api_token_create(user=owner, name="fuzz")
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]

    @given(case=st.one_of(strategies))
    @settings(
        max_examples=300,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case):
        headers = {"Authorization": f"Bearer {token}"}
        response = case.call(headers=headers)
        case.validate_response(response, checks=checks, headers=headers)

    fuzz()


# --- One release in the minutes schema ------------------------------------------------------


def test_it_serves_a_release_as_minutes_json_matching_the_schema(client, request, sample_release):
    import json
    from pathlib import Path

    import jsonschema

    headers = _as(client, request, "manager")
    response = client.get(f"/api/releases/{sample_release.slug}", headers=headers)
    assert response.status_code == 200
    document = response.json()
    schema = json.loads(
        (Path(__file__).resolve().parent.parent / "docs" / "minutes-schema.json").read_text()
    )
    jsonschema.validate(document, schema)
    assert document["release"]["slug"] == sample_release.slug
    from readiness.minutes.exporter import release_as_dict

    assert document == json.loads(json.dumps(release_as_dict(sample_release)))
    assert client.get("/api/releases/1999-01-01-nothing", headers=headers).status_code == 404
    assert client.get(f"/api/releases/{sample_release.slug}").status_code == 401


def test_a_gate_only_token_cannot_read_the_minutes(client, manager, sample_release):
    _, token = services.api_token_create(user=manager, name="gate", release=sample_release)
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        client.get(f"/api/releases/{sample_release.slug}/gate", headers=headers).status_code == 200
    )
    assert client.get(f"/api/releases/{sample_release.slug}", headers=headers).status_code == 403
