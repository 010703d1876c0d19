"""Fuzzing every API endpoint with what a careless or hostile client sends: wrong JSON
types, nested objects, NUL and control characters, huge strings, unknown ids, malformed
links, odd `If-Match` headers and query strings. No answer is a 5xx, every answer is JSON,
and after a write that was accepted every page showing the record renders.

tests/test_api.py already runs Schemathesis against the OpenAPI document (requests the
document allows or forbids, checked against the declared responses); this file adds the
values Schemathesis does not aim at, as the facilitator and an administrator, whose writes
are accepted. The operations come from the same document: one it lists without an entry in
`OPERATIONS` fails `test_every_api_operation_is_fuzzed`.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from readiness import services
from readiness.models import Event
from tests import fuzz
from tests.fuzz import Ref

# Any JSON document, objects and lists nested a few levels.
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    fuzz.texts,
    st.sampled_from(fuzz.CONTROL + fuzz.HUGE[:2] + fuzz.NUMBERS + fuzz.URLS + fuzz.DATES),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
ids = st.one_of(
    st.sampled_from(["0", "-1", "999999", "9223372036854775808", "1e3", "abc", "%00", "%20"]),
    st.integers(1, 10).map(str),
)
slugs = st.sampled_from(
    ["2024-07-15-nothing", "x" * 300, "%00", "..", "%2e%2e", "a%20b", "é", "a.b", "-"]
)
if_match = st.one_of(
    st.none(),
    st.sampled_from(['"v1"', "*", '"v999999"', 'W/"v1"', '"v-1"', '"vabc"', "", '"v1", "v2"']),
    st.just(Ref(lambda w: f'"v{w["current"]().version}"')),
)


OMIT = object()


def _body(fields: dict) -> st.SearchStrategy:
    """A JSON body: the right fields with right or wrong values, or any JSON at all."""
    right = st.fixed_dictionaries(
        {k: st.one_of(v, v, v, v, json_values, st.just(OMIT)) for k, v in fields.items()}
    ).map(lambda body: {k: v for k, v in body.items() if v is not OMIT})
    return st.one_of(right, right, right, json_values)


_version = st.one_of(
    st.just(Ref(lambda w: w["current"]().version)),
    st.sampled_from([0, -1, 2**31, 2**63, "1", 1.5, True, None]),
)
SATISFY = {
    "evidence_url": st.one_of(
        st.sampled_from(["https://ci.example.com/1", "http://[::1]/x"]), st.sampled_from(fuzz.URLS)
    ),
    "title": fuzz.good_text("CI run"),
    "note": fuzz.good_text("Green"),
    "expected_version": _version,
}
STATUS = {
    "status": st.sampled_from(["open", "in_progress", "blocked", "done", "cancelled", "Done", ""]),
    "reason": fuzz.good_text("Waiting for the vendor"),
    "expected_version": _version,
}
MOMENTS = st.sampled_from(
    [
        *fuzz.DATES,
        "2024-07-15T21:00:00Z",
        "2024-07-15T21:00:00",
        "2024-07-15T21:00:00+14:00",
        "2099-01-01T00:00:00Z",
        "9999-12-31T23:59:59-12:00",
        "2000-01-01T00:00:00+01:00",
    ]
)
DEPLOY = {
    "environment": st.one_of(
        st.sampled_from(["production", "prod", "Staging", "", " "]), fuzz.good_text()
    ),
    "ref": fuzz.good_text("v1.4.0"),
    "outcome": st.sampled_from(["succeeded", "failed", "rolled_back", "Succeeded", ""]),
    "started_at": MOMENTS,
    "finished_at": st.one_of(st.none(), MOMENTS),
    "url": st.one_of(st.just(""), st.sampled_from(fuzz.URLS)),
}
CHECKLIST = {
    "state": st.sampled_from(["passed", "failed", "pending", "Passed", ""]),
    "evidence_url": st.one_of(st.just(""), st.just("qa/e2e.md"), st.sampled_from(fuzz.URLS)),
    "required": st.sampled_from([True, False, None, "yes", 1]),
    "expected_version": _version,
}
SIGNOFF = {
    "verdict": st.sampled_from(["approve", "reject", "abstain", "Approve", ""]),
    "comment": fuzz.good_text("Scan clean"),
    "participant_id": st.one_of(
        st.none(), st.just(Ref(lambda w: w["participant"].pk)), st.integers(-1, 10**6)
    ),
    "proxy_reason": fuzz.good_text("Travelling"),
}
RELEASE_QUERY = {
    "status": st.sampled_from(["draft", "scheduled", "decided", "nonsense", ""]),
    "planned_from": st.sampled_from(fuzz.DATES + ["2024-07-01", "2100-12-31", "x"]),
    "planned_to": st.sampled_from(fuzz.DATES + ["2024-07-31", "2000-01-01", ""]),
    "limit": st.sampled_from(["1", "200", "201", "0", "-5", "abc", "1e3"]),
    "offset": st.sampled_from(["0", "1000000", "1000001", "-1", "x"]),
}


def _slug(world):
    return world["release"].slug


def _action(world):
    return world["action"].pk


def _condition(world):
    return world["condition"].pk


def _decision(world):
    return world["decision"].pk


# Per operation of the document: its path with the world's ids put in, what identifies the
# record it reads or writes, and the body or query it takes.
OPERATIONS = {
    ("get", "/api/releases"): {"query": RELEASE_QUERY},
    ("get", "/api/releases/{slug}"): {"slug": _slug},
    ("get", "/api/releases/{slug}/gate"): {"slug": _slug},
    ("get", "/api/releases/{slug}/actions"): {"slug": _slug},
    ("get", "/api/releases/{slug}/conditions"): {"slug": _slug},
    ("get", "/api/releases/{slug}/deployments"): {"slug": _slug},
    # A create: no version is asked for, and an If-Match sent anyway changes nothing.
    ("post", "/api/releases/{slug}/deployments"): {
        "slug": _slug,
        "body": DEPLOY,
        "current": "release",
        "examples": 30,
    },
    ("get", "/api/decisions/{decision_id}/signoffs"): {"decision_id": _decision},
    # A create: the approver's own sign-off, or a facilitator's proxy one.
    ("post", "/api/decisions/{decision_id}/signoffs"): {
        "decision_id": _decision,
        "body": SIGNOFF,
        "current": "release",
        "examples": 20,
    },
    ("get", "/api/actions/{action_id}"): {"action_id": _action},
    ("get", "/api/conditions/{condition_id}"): {"condition_id": _condition},
    ("post", "/api/conditions/{condition_id}/satisfy"): {
        "condition_id": _condition,
        "body": SATISFY,
        "current": "condition",
        "examples": 20,
    },
    # A report from CI: no version is needed, one sent is checked.
    ("put", "/api/releases/{slug}/checks/{area}/items/{key}"): {
        "slug": _slug,
        "area": lambda w: "QA",
        "key": lambda w: "e2e",
        "body": CHECKLIST,
        "current": "checklist",
        "examples": 20,
    },
    ("post", "/api/actions/{action_id}/status"): {
        "action_id": _action,
        "body": STATUS,
        "current": "action",
        "examples": 30,
    },
}


def test_every_api_operation_is_fuzzed(client, db):
    document = client.get("/api/openapi.json").json()
    documented = {(method, path) for path, item in document["paths"].items() for method in item}
    assert documented == set(OPERATIONS)


@pytest.fixture
def world(facilitator, admin_user):
    world = fuzz.make_world(facilitator, admin_user)
    world["tokens"] = {
        "facilitator": services.api_token_create(user=facilitator, name="fuzz")[1],
        "admin": services.api_token_create(user=admin_user, name="fuzz")[1],
    }
    return world


def _refresh(world, key):
    def current():
        return type(world[key]).objects.get(pk=world[key].pk)

    return current


RAW = st.sampled_from(["{", "[]", "null", '{"status": "done"', "\x00", "", "{}" * 1000])


@st.composite
def _request(draw, spec) -> dict:
    """One call: all of it right (so that writes are often accepted), one part hostile,
    or every part anything at all."""
    paths = {name: read for name, read in spec.items() if callable(read)}
    fields = spec.get("body", {})
    parts = [*paths, *(["body", "raw", "if_match"] if fields else []), "query"]
    mode = draw(st.sampled_from(["good", "one", "one", "wild"]))
    hostile = set(parts) if mode == "wild" else {draw(st.sampled_from(parts))}
    if mode == "good":
        hostile = set()
    path = {
        name: draw(slugs if name == "slug" else ids) if name in hostile else Ref(read)
        for name, read in paths.items()
    }
    body = raw = None
    if fields:
        right = {k: draw(v) for k, v in fields.items()}
        body = draw(_body(fields)) if "body" in hostile else right
        raw = draw(RAW) if "raw" in hostile else None
    query = spec.get("query", {})
    return {
        "path": path,
        "query": draw(st.fixed_dictionaries({}, optional=query)) if query else {},
        "body": body,
        "raw": raw,
        "if_match": draw(if_match) if "if_match" in hostile else None,
        "caller": draw(st.sampled_from(["facilitator", "facilitator", "admin", "session"])),
    }


@pytest.mark.parametrize("operation", sorted(OPERATIONS), ids=lambda o: f"{o[0]} {o[1]}")
def test_no_api_answer_is_5xx_or_anything_but_json(client, world, operation):
    method, path = operation
    spec = OPERATIONS[operation]
    if "current" in spec:
        world["current"] = _refresh(world, spec["current"])

    @fuzz.examples(spec.get("examples", 12))
    @given(request=_request(spec))
    def attempt(request):
        if (
            world["condition"]
            .__class__.objects.filter(pk=world["condition"].pk, satisfied_at__isnull=False)
            .exists()
        ):  # satisfied by an earlier example: write to a fresh one
            world.update(fuzz.make_world(world["facilitator"], world["admin"]))
        url = path
        for name, value in request["path"].items():
            url = url.replace("{" + name + "}", str(fuzz.resolve(value, world)))
        headers = {}
        if request["caller"] == "session":
            client.force_login(world["facilitator"])
        else:
            client.logout()
            headers["Authorization"] = f"Bearer {world['tokens'][request['caller']]}"
        if request["if_match"] is not None:
            headers["If-Match"] = fuzz.resolve(request["if_match"], world)
        events = Event.objects.count()
        if method == "get":
            response = client.get(url, request["query"], headers=headers)
        else:
            body = request["raw"]
            if body is None:
                body = json.dumps(fuzz.resolve(request["body"], world))
            send = client.put if method == "put" else client.post
            response = send(url, body, content_type="application/json", headers=headers)
        assert response.status_code < 500, (url, response.status_code, response.content[:300])
        assert response["Content-Type"].startswith("application/json"), (url, response)
        document = response.json()
        if response.status_code >= 400:
            assert isinstance(document.get("detail"), str) and document["detail"], document
        written = Event.objects.count() != events
        event("accepted" if written else f"answered {response.status_code}")
        if written:
            user = world["admin"] if request["caller"] == "admin" else world["facilitator"]
            fuzz.assert_pages_render(client, user, [world["release"]], shows=("session", "me"))

    attempt()
