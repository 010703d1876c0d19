"""The session page's doors: who may write through each route, how each answers, and
how little a row write sends back."""

import datetime as dt

import pytest
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from readiness import services
from readiness.models import Action, Decision, Event, Membership
from tests.factories import (
    join_team,
    make_action,
    make_decision,
    make_person,
    make_session,
    make_team,
)

HX = {"HX-Request": "true"}


@pytest.fixture
def outsider(db, django_user_model):
    """A logged-in, active user in no group who owns nothing here."""
    return django_user_model.objects.create_user("outsider", password="x-long-password")


@pytest.fixture
def other_team_facilitator(db, django_user_model):
    """The facilitator of another team: the default team's releases are not theirs."""
    user = django_user_model.objects.create_user("otto", password="x-long-password")
    join_team(user, make_team("Mobile"))
    return user


@pytest.fixture
def team_viewer(db, django_user_model):
    """A viewer of the release's own team: reads it, changes nothing."""
    user = django_user_model.objects.create_user("vera", password="x-long-password")
    join_team(user, role=Membership.Role.VIEWER)
    return user


@pytest.fixture
def record(facilitator, owner):
    """A session with one of each thing a write route can touch."""
    session = make_session(facilitator=make_person("Someone Else"))
    participant = services.participant_add(user=None, session=session, person=make_person())
    item = services.agenda_item_add(user=None, session=session, title="QA")
    services.agenda_item_add(user=None, session=session, title="FinOps")
    check = services.readiness_check_set(user=None, session=session, area="QA", status="amber")
    action = make_action(session, code="A1", owner=owner.person)
    decision = make_decision(
        session,
        Decision.Outcome.CONDITIONAL_GO,
        conditions=[services.ConditionSpec(text="Run BILL-230", owner=owner.person)],
        review_on=dt.date(2024, 8, 1),
    )
    evidence = services.evidence_add(
        user=None, session=session, title="k6", location="qa/k6.md", category="qa"
    )
    checklist = services.checklist_item_add(user=None, session=session, area="QA", key="e2e")
    return {
        "checklist": checklist,
        "session": session,
        "participant": participant,
        "agenda": item,
        "check": check,
        "action": action,
        "condition": decision.conditions.get(),
        "evidence": evidence,
    }


def _session_routes() -> list[URLPattern]:
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "sessions":
            return list(entry.url_patterns)
    raise AssertionError("no sessions namespace")


# Which object each route's <item> names, and a payload a facilitator could save.
WRITES = {
    "create": (
        None,
        lambda r: {"title": "Go", "date": "2024-07-15", "time": "14:00", "time_zone": "UTC"},
    ),
    "edit": (
        None,
        lambda r: {
            "title": "Go/No-Go",
            "date": "2024-07-15",
            "time": "14:00",
            "time_zone": "America/Sao_Paulo",
            "version": r["session"].version,
        },
    ),
    "start": (None, lambda r: {}),
    "close": (None, lambda r: {}),
    "save_template": (None, lambda r: {"name": "Billing"}),
    "participant_add": (None, lambda r: {"name": "Ana Souza", "role": "member"}),
    "participant_edit": (
        "participant",
        lambda r: {"area": "QA", "role": "member", "version": r["participant"].version},
    ),
    "participant_attendance": ("participant", lambda r: {"attendance": "present"}),
    "agenda_add": (None, lambda r: {"title": "Security"}),
    "agenda_edit": ("agenda", lambda r: {"title": "QA metrics", "version": r["agenda"].version}),
    "agenda_delete": ("agenda", lambda r: {}),
    "agenda_move": ("agenda", lambda r: {"direction": "down"}),
    "agenda_discuss": ("agenda", lambda r: {}),
    "agenda_discussed": ("agenda", lambda r: {"discussed": "on"}),
    "check_add": (None, lambda r: {"area": "Security", "status": "green"}),
    "check_edit": ("check", lambda r: {"status": "green", "version": r["check"].version}),
    "decision_record": (
        None,
        lambda r: {
            "outcome": "go",
            "method": "consensus",
            "conditions-TOTAL_FORMS": "0",
            "conditions-INITIAL_FORMS": "0",
        },
    ),
    "action_add": (
        None,
        lambda r: {"code": "A9", "description": "Re-run", "owner": "Ana", "kind": "action"},
    ),
    "action_edit": (
        "action",
        lambda r: {
            "description": "Re-run k6",
            "owner": "Ana",
            "kind": "action",
            "version": r["action"].version,
        },
    ),
    "action_cancel": ("action", lambda r: {}),
    "action_status": (
        "action",
        lambda r: {"status": "in_progress", "version": r["action"].version},
    ),
    "condition_satisfy": (
        "condition",
        lambda r: {"evidence_url": "https://ci.example.com/1", "version": r["condition"].version},
    ),
    "review_done": (None, lambda r: {}),
    "minutes_send": (None, lambda r: {}),
    "evidence_add": (
        None,
        lambda r: {"title": "Pen test", "location": "sec.md", "category": "qa"},
    ),
    "evidence_verify": ("evidence", lambda r: {}),
    "evidence_edit": (
        "evidence",
        lambda r: {
            "title": "k6 run",
            "location": "qa/k6.md",
            "category": "qa",
            "version": r["evidence"].version,
        },
    ),
    "evidence_remove": ("evidence", lambda r: {"version": r["evidence"].version}),
    "participant_remove": ("participant", lambda r: {"version": r["participant"].version}),
    "check_remove": ("check", lambda r: {"version": r["check"].version}),
    "condition_edit": (
        "condition",
        lambda r: {"owner": "Ana Souza", "deadline": "", "version": r["condition"].version},
    ),
    "addendum_add": (None, lambda r: {"text": "Confirmed by e-mail."}),
    "checklist_add": (None, lambda r: {"area": "QA", "key": "perf", "required": "on"}),
    "checklist_edit": (
        "checklist",
        lambda r: {"state": "passed", "evidence_url": "", "version": r["checklist"].version},
    ),
    "checklist_exempt": (
        "checklist",
        lambda r: {
            "reason": "Lab down",
            "until": "2024-07-20",
            "version": r["checklist"].version,
        },
    ),
    # A proxy sign-off, by whoever runs the session (the GO here needs none: 422).
    "signoff": (
        None,
        lambda r: {
            "participant": r["participant"].pk,
            "verdict": "approve",
            "proxy_reason": "Away",
        },
    ),
}
# The owner of the action and of the condition may change those two, nothing else.
OWNER_MAY = {"action_status", "condition_satisfy"}


def _url(route: URLPattern, record: dict) -> str:
    session = record["session"]
    if "pk" not in route.pattern.converters:
        return reverse(f"sessions:{route.name}", kwargs={"slug": session.release.slug})
    kwargs = {"slug": session.release.slug, "pk": session.pk}
    if "item" in route.pattern.converters:
        # A route outside the matrix (a GET) is probed with the action.
        kwargs["item"] = record[WRITES.get(route.name, ("action",))[0]].pk
    if "kind" in route.pattern.converters:
        kwargs["kind"] = "actions"
    return reverse(f"sessions:{route.name}", kwargs=kwargs)


def _accepts_post(client, route, record) -> bool:
    """What the route's method decorator allows: OPTIONS is refused with an Allow list."""
    response = client.options(_url(route, record))
    return "POST" in response.get("Allow", "")


def test_the_matrix_covers_every_session_write_route(client, facilitator, record):
    client.force_login(facilitator)
    writes = {r.name for r in _session_routes() if _accepts_post(client, r, record)}
    assert writes == set(WRITES)
    assert len(writes) >= 27


@pytest.mark.parametrize("name", sorted(WRITES))
@pytest.mark.parametrize(
    "role",
    ["outsider", "manager", "owner", "other_team_facilitator", "team_viewer", "facilitator"],
)
def test_each_write_route_refuses_whoever_may_not(client, request, record, role, name):
    user = request.getfixturevalue(role)
    route = next(r for r in _session_routes() if r.name == name)
    client.force_login(user)
    before = Event.objects.count()
    response = client.post(_url(route, record), WRITES[name][1](record))
    allowed = role == "facilitator" or (role == "owner" and name in OWNER_MAY)
    if allowed:
        assert response.status_code in (302, 422), response.status_code
    else:
        assert response.status_code == 403
        assert Event.objects.count() == before


# --- The loaders ------------------------------------------------------------------------


def _loaders(record, other):
    """(loader call, for an object in another session) per loader of a session's rows."""
    from readiness import permissions as p

    s, o = record["session"], other
    here = (s.release.slug, s.pk)
    there = (s.release.slug, o.pk)  # a session, but not of that release
    rows = [
        (p.get_participant_for_editor, "participant"),
        (p.get_agenda_item_for_editor, "agenda"),
        (p.get_check_for_editor, "check"),
        (p.get_action_for_editor, "action"),
        (p.get_evidence_for_editor, "evidence"),
        (p.get_action_for_updater, "action"),
        (p.get_condition_for_editor, "condition"),
        (p.get_checklist_item_for_editor, "checklist"),
    ]
    calls = {
        "session_for_user": (lambda u, a: p.get_session_for_user(u, *a), None),
        "session_for_editor": (lambda u, a: p.get_session_for_editor(u, *a), None),
        "action_for_user": (
            lambda u, a: p.get_action_for_user(u, record["action"].pk, slug=a[0], session_pk=a[1]),
            None,
        ),
        "condition_for_user": (
            lambda u, a: p.get_condition_for_user(
                u, record["condition"].pk, slug=a[0], session_pk=a[1]
            ),
            None,
        ),
        "decision_for_reviewer": (
            lambda u, a: p.get_decision_for_reviewer(u, slug=a[0], session_pk=a[1]),
            None,
        ),
    }
    for loader, key in rows:
        calls[loader.__name__.removeprefix("get_")] = (
            lambda u, a, loader=loader, key=key: loader(u, *a, record[key].pk),
            None,
        )
    return here, there, calls


LOADER_NAMES = [
    "session_for_user",
    "session_for_editor",
    "participant_for_editor",
    "agenda_item_for_editor",
    "check_for_editor",
    "action_for_editor",
    "evidence_for_editor",
    "action_for_updater",
    "action_for_user",
    "condition_for_user",
    "condition_for_editor",
    "decision_for_reviewer",
    "checklist_item_for_editor",
]
# Who may not: an anonymous visitor may read nothing; the others need to run the session
# (or own the condition).
REFUSED = {"session_for_user": "anonymous", "action_for_user": "anonymous"}


@pytest.mark.parametrize("name", LOADER_NAMES)
def test_each_loader_answers_404_outside_its_session_and_403_to_who_may_not(
    record, facilitator, outsider, name
):
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    other = make_session()
    here, there, calls = _loaders(record, other)
    load, _unused = calls[name]
    assert load(facilitator, here) is not None
    with pytest.raises(Http404):
        load(facilitator, there)
    with pytest.raises(Http404):
        load(facilitator, (here[0], 999999))
    refused = AnonymousUser() if REFUSED.get(name) == "anonymous" else outsider
    with pytest.raises(PermissionDenied):
        load(refused, here)


def test_the_webhook_and_token_loaders(facilitator, manager, owner):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from readiness import permissions

    release = make_session().release
    webhook = services.webhook_create(
        user=None, url="https://hooks.example.com/x", events=["decision.recorded"], release=release
    )
    assert permissions.get_webhook_for_user(facilitator, webhook.pk) == webhook
    with pytest.raises(PermissionDenied):
        permissions.get_webhook_for_user(manager, webhook.pk)
    with pytest.raises(Http404):
        permissions.get_webhook_for_user(facilitator, 999999)
    token, _secret = services.api_token_create(user=owner, name="CI")
    assert permissions.get_api_token_for_user(owner, token.pk) == token
    with pytest.raises(Http404):  # someone else's token does not exist for them
        permissions.get_api_token_for_user(facilitator, token.pk)


def test_a_deactivated_facilitator_is_no_facilitator(facilitator):
    from readiness import permissions

    assert permissions.is_facilitator(facilitator)
    facilitator.is_active = False
    assert not permissions.is_facilitator(facilitator)


# --- The answer policy --------------------------------------------------------------------


def test_invalid_input_is_422_with_the_input_kept_on_the_page_and_in_htmx(
    client, facilitator, record
):
    session, action = record["session"], record["action"]
    client.force_login(facilitator)
    url = f"{session.get_absolute_url()}actions/{action.pk}/edit"
    data = {"description": "Keep this text", "owner": "", "kind": "action", "version": 1}
    page = client.post(url, data)
    assert page.status_code == 422
    assert "<html" in page.text and "Keep this text" in page.text
    assert "This field is required." in page.text
    row = client.post(url, data, headers=HX)
    assert row.status_code == 422
    assert row.text.lstrip().startswith(f'<tr id="action-{action.pk}"')
    assert "Keep this text" in row.text and "<html" not in row.text
    action.refresh_from_db()
    assert action.description != "Keep this text"


def test_a_stale_row_edit_is_409_with_their_change_and_my_text(client, facilitator, record):
    session, check = record["session"], record["check"]
    services.readiness_check_set(
        user=None, session=session, area="QA", status="green", summary="Theirs", expected_version=1
    )
    client.force_login(facilitator)
    response = client.post(
        f"{session.get_absolute_url()}checks/{check.pk}/edit",
        {"status": "red", "summary": "Mine, typed with care", "version": 1},
        headers=HX,
    )
    assert response.status_code == 409
    assert response.text.lstrip().startswith(f'<tr id="check-{check.pk}"')
    assert "Someone else saved this first" in response.text
    assert "Mine, typed with care" in response.text and "Theirs" in response.text


# --- Writes answer with only what changed ------------------------------------------------


def _session_with_actions(n, owner):
    session = make_session(facilitator=make_person())
    for i in range(n):
        make_action(session, code=f"A{i + 1}", owner=owner.person if i == 0 else None)
    return session


def _status_change(client, session):
    action = session.actions.get(code="A1")
    return action, client.post(
        f"{session.get_absolute_url()}actions/{action.pk}/status",
        {"status": "blocked", "reason": "Waiting for the vendor", "version": action.version},
        headers=HX,
    )


def test_a_status_change_answers_with_its_row_alone_whatever_the_size(client, owner):
    from django.db import connection

    small, large = _session_with_actions(5, owner), _session_with_actions(200, owner)
    client.force_login(owner)
    with CaptureQueriesContext(connection) as small_queries:
        _action, response = _status_change(client, small)
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as large_queries:
        action, response = _status_change(client, large)
    assert response.status_code == 200
    assert len(large_queries) == len(small_queries)
    assert len(response.content) < 10_000
    assert response.text.lstrip().startswith(f'<tr id="action-{action.pk}"')
    assert "Blocked" in response.text and "Waiting for the vendor" in response.text
    other = large.actions.get(code="A2")
    assert f'id="action-{other.pk}"' not in response.text
    assert "action-changed" in response["HX-Trigger"]
    # Blocked is still open: the header's count of open actions did not change, so it
    # does not come along; the header is not drawn again.
    assert 'id="open-action-count"' not in response.text
    assert 'id="session-header"' not in response.text
    assert Action.objects.get(pk=action.pk).status == Action.Status.BLOCKED
    # Done closes it: the new count comes along out of band, still without the header.
    response = client.post(
        f"{large.get_absolute_url()}actions/{action.pk}/status",
        {"status": "done", "version": action.version + 1},
        headers=HX,
    )
    assert response.status_code == 200
    assert '<dd id="open-action-count" hx-swap-oob="true">199</dd>' in response.text
    assert 'id="session-header"' not in response.text
    assert len(response.content) < 10_000


def test_a_row_opens_its_controls_and_closes_again(client, facilitator, record):
    session, action = record["session"], record["action"]
    base = session.get_absolute_url()
    client.force_login(facilitator)
    page = client.get(base).text
    assert f'id="action-{action.pk}-done"' not in page  # fetched when opened
    opened = client.get(f"{base}actions/{action.pk}/open", headers=HX)
    assert f'id="action-{action.pk}-done"' in opened.text
    assert f"{base}actions/{action.pk}/cancel" in opened.text
    without_js = client.get(f"{base}actions/{action.pk}/open")
    assert "<html" in without_js.text and f'id="action-{action.pk}-done"' in without_js.text
    closed = client.get(f"{base}actions/{action.pk}/row", headers=HX)
    assert f'id="action-{action.pk}-done"' not in closed.text
    assert closed.text.lstrip().startswith(f'<tr id="action-{action.pk}"')
    assert client.get(f"{base}nonsense/{action.pk}/row").status_code == 404
