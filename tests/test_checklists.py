"""Per-area checklists: items added, set and exempted on the session page (HTMX rows, 409
on a stale edit), reported by CI through `PUT /api/releases/<slug>/checks/<area>/items/<key>`
(a release-restricted token works, another release's does not, bad payloads write
nothing), what the gate makes of them, and the page's queries at two sizes."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from readiness import gate, services
from readiness.models import ChecklistItem, Decision, Event, ReadinessCheck
from tests.factories import make_action, make_decision, make_person, make_release, make_session

HX = {"HX-Request": "true"}


@pytest.fixture
def session(facilitator):
    return make_session(make_release("Billing Gateway"), facilitator=facilitator.person)


@pytest.fixture
def item(session):
    return services.checklist_item_add(
        user=None, session=session, area="QA", key="e2e", label="End-to-end suite"
    )


def _page(session, path=""):
    return f"{session.get_absolute_url()}{path}"


def _token(user, release=None) -> dict:
    _, token = services.api_token_create(user=user, name="CI pipeline", release=release)
    return {"Authorization": f"Bearer {token}"}


def _put(client, release, headers, area="QA", key="e2e", **body):
    body = {"state": "passed", "evidence_url": "https://ci.example.com/runs/812", **body}
    return client.put(
        f"/api/releases/{release.slug}/checks/{area}/items/{key}",
        json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


# --- The session page -------------------------------------------------------------------


def test_the_page_adds_an_item_and_creates_the_area_it_names(client, facilitator, session):
    client.force_login(facilitator)
    data = {"area": "Security", "key": "SAST", "label": "Static analysis", "required": "on"}
    response = client.post(_page(session, "checklist/add"), data, headers=HX)
    assert response.status_code == 200
    assert '<section id="checklist"' in response.text and "Static analysis" in response.text
    item = ChecklistItem.objects.get()
    assert (item.key, item.required, item.state) == ("sast", True, "pending")
    assert item.readiness_check.area == "Security" and item.session == session
    assert Event.objects.filter(verb=Event.Verb.CHECKLIST_ITEM_ADDED).count() == 1


def test_the_page_refuses_a_key_the_area_has_with_the_input_kept(
    client, facilitator, session, item
):
    client.force_login(facilitator)
    data = {"area": "qa", "key": "e2e", "label": "Keep this label"}
    response = client.post(_page(session, "checklist/add"), data, headers=HX)
    assert response.status_code == 422
    assert "Keep this label" in response.text
    assert "already has an item with this key" in response.text
    assert ChecklistItem.objects.count() == 1


def test_the_page_sets_an_item_and_shows_who_and_when(client, facilitator, session, item):
    client.force_login(facilitator)
    url = _page(session, f"checklist/{item.pk}/edit")
    opened = client.get(url, headers=HX)
    assert opened.status_code == 200
    assert opened.text.lstrip().startswith(f'<tr id="checklist-item-{item.pk}" class="open">')
    data = {"state": "passed", "evidence_url": "qa/e2e-report.md", "version": item.version}
    response = client.post(url, {**data, "required": "on"}, headers=HX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tr id="checklist-item-{item.pk}">')
    assert "Passed" in response.text and "qa/e2e-report.md" in response.text
    assert "Facilitator" in response.text  # who set it
    item.refresh_from_db()
    assert item.state == "passed" and item.set_by == facilitator and item.set_at is not None
    assert item.set_by_token == ""
    page = client.get(_page(session)).text
    assert "End-to-end suite" in page and "qa/e2e-report.md" in page


def test_a_stale_edit_is_409_and_changes_nothing(client, facilitator, session, item):
    client.force_login(facilitator)
    services.checklist_item_set(
        user=None, item=item, expected_version=item.version, state="failed"
    )
    data = {"state": "passed", "evidence_url": "", "version": 1}
    response = client.post(_page(session, f"checklist/{item.pk}/edit"), data, headers=HX)
    assert response.status_code == 409
    item.refresh_from_db()
    assert item.state == "failed"


def test_a_bad_evidence_link_is_422(client, facilitator, session, item):
    client.force_login(facilitator)
    data = {"state": "passed", "evidence_url": "https://", "version": item.version}
    response = client.post(_page(session, f"checklist/{item.pk}/edit"), data, headers=HX)
    assert response.status_code == 422
    item.refresh_from_db()
    assert item.state == "pending"


def test_a_facilitator_exempts_an_item_with_a_reason_and_a_day(client, facilitator, session, item):
    client.force_login(facilitator)
    url = _page(session, f"checklist/{item.pk}/exempt")
    assert client.get(url, headers=HX).status_code == 200
    refused = client.post(url, {"reason": "", "until": "2024-07-20", "version": 1}, headers=HX)
    assert refused.status_code == 422 and "Say why the item is exempted." in refused.text
    data = {"reason": "Lab down; measured last week", "until": "2024-07-20", "version": 1}
    response = client.post(url, data, headers=HX)
    assert response.status_code == 200
    assert "Lab down; measured last week" in response.text
    item.refresh_from_db()
    assert item.exempt_until == dt.date(2024, 7, 20) and item.exempted_by == facilitator
    lifted = client.post(url, {"reason": "", "until": "", "version": item.version}, headers=HX)
    assert lifted.status_code == 200
    item.refresh_from_db()
    assert item.exempt_until is None and item.exempt_reason == ""


def test_without_javascript_a_write_redirects(client, facilitator, session, item):
    client.force_login(facilitator)
    data = {"state": "failed", "evidence_url": "", "version": item.version}
    response = client.post(_page(session, f"checklist/{item.pk}/edit"), data)
    assert response.status_code == 302
    assert response["Location"].endswith(f"#checklist-item-{item.pk}")


def test_the_row_closes_again(client, facilitator, session, item):
    client.force_login(facilitator)
    response = client.get(_page(session, f"checklist/{item.pk}/row"), headers=HX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tr id="checklist-item-{item.pk}" class="overdue">')
    assert "Blocks the gate" in response.text


@pytest.mark.parametrize("role", ["manager", "owner"])
def test_who_does_not_run_the_session_may_read_but_not_write(client, request, session, item, role):
    client.force_login(request.getfixturevalue(role))
    page = client.get(_page(session))
    assert page.status_code == 200 and "End-to-end suite" in page.text
    assert "checklist/add" not in page.text
    before = Event.objects.count()
    for path, data in (
        ("checklist/add", {"area": "QA", "key": "perf"}),
        (f"checklist/{item.pk}/edit", {"state": "passed", "version": 1}),
        (f"checklist/{item.pk}/exempt", {"reason": "x", "until": "2024-07-20", "version": 1}),
    ):
        assert client.post(_page(session, path), data).status_code == 403
    assert Event.objects.count() == before


def test_an_item_of_another_session_is_a_404(client, facilitator, session, item):
    other = make_session(facilitator=facilitator.person)
    client.force_login(facilitator)
    assert client.get(_page(other, f"checklist/{item.pk}/edit")).status_code == 404


def test_the_action_forms_carry_the_before_deploy_flag(client, facilitator, session):
    client.force_login(facilitator)
    data = {
        "code": "A7",
        "description": "Run the migration dry run",
        "owner": "Ana Souza",
        "kind": "action",
        "before_deploy": "on",
    }
    assert client.post(_page(session, "actions/add"), data, headers=HX).status_code == 200
    action = session.actions.get(code="A7")
    assert action.before_deploy
    page = client.get(_page(session)).text
    assert "Before deploy" in page and 'name="before_deploy"' in page
    edit = {**data, "version": action.version}
    del edit["before_deploy"]
    url = _page(session, f"actions/{action.pk}/edit")
    assert 'name="before_deploy"' in client.get(url, headers=HX).text
    assert client.post(url, edit, headers=HX).status_code == 200
    action.refresh_from_db()
    assert not action.before_deploy


# --- The API ----------------------------------------------------------------------------


def test_ci_reports_an_item_and_then_asks_the_gate(client, facilitator, session, item):
    make_decision(session, Decision.Outcome.GO)
    release = session.release
    headers = _token(facilitator, release=release)
    gate_url = f"/api/releases/{release.slug}/gate"
    assert client.get(gate_url, headers=headers).json()["blocking"][0]["kind"] == "checklist"
    response = _put(client, release, headers)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["state"] == "passed" and data["set_by_token"] == "CI pipeline"
    assert data["set_by"] == "Facilitator" and data["blocks"] is False
    assert response["ETag"] == f'"v{data["version"]}"'
    assert client.get(gate_url, headers=headers).json()["ready"] is True


def test_the_same_report_twice_is_one_change(client, facilitator, session, item):
    headers = _token(facilitator)
    before = Event.objects.count()
    assert _put(client, session.release, headers).status_code == 200
    assert _put(client, session.release, headers).status_code == 200
    assert Event.objects.count() == before + 1
    item.refresh_from_db()
    assert item.version == 2


def test_a_new_key_is_added_required_unless_the_body_says_otherwise(client, facilitator, session):
    headers = _token(facilitator)
    created = _put(client, session.release, headers, key="contract", state="failed")
    assert created.status_code == 201
    assert created.json()["required"] is True and created.json()["blocks"] is True
    optional = _put(client, session.release, headers, key="a11y", state="failed", required=False)
    assert optional.status_code == 201 and optional.json()["required"] is False
    assert session.readiness_checks.get().area == "QA"


def test_an_area_nobody_checks_yet_gets_a_check_on_the_latest_session(
    client, facilitator, session
):
    later = make_session(
        session.release,
        facilitator=facilitator.person,
        scheduled_at=dt.datetime(2024, 7, 20, 14, 0, tzinfo=dt.UTC),
    )
    response = _put(client, session.release, _token(facilitator), area="Performance", key="k6")
    assert response.status_code == 201 and response.json()["area"] == "Performance"
    check = ReadinessCheck.objects.get(area="Performance")
    assert check.session == later and check.status == "not_assessed"


def test_a_release_without_a_session_is_refused_in_json(client, facilitator):
    release = make_release("No meeting yet")
    response = _put(client, release, _token(facilitator))
    assert response.status_code == 422
    assert "no session" in response.json()["detail"]
    assert not ReadinessCheck.objects.exists()


def test_a_token_of_another_release_is_refused(client, facilitator, session):
    other = make_session(facilitator=facilitator.person).release
    headers = _token(facilitator, release=other)
    before = Event.objects.count()
    response = _put(client, session.release, headers)
    assert response.status_code == 403 and response.json()["detail"]
    assert Event.objects.count() == before and not ChecklistItem.objects.exists()


@pytest.mark.parametrize("role", ["manager", "owner"])
def test_who_may_not_manage_the_release_is_refused(client, request, session, role):
    response = _put(client, session.release, _token(request.getfixturevalue(role)))
    assert response.status_code == 403
    assert not ChecklistItem.objects.exists()


def test_an_admin_may_report(client, admin_user, session):
    assert _put(client, session.release, _token(admin_user)).status_code == 201


@pytest.mark.parametrize(
    ("key", "body", "status"),
    [
        ("e2e", {"state": "green"}, 400),
        ("e2e", {"state": "passed", "evidence_url": "https://"}, 400),
        ("e2e", {"state": "passed", "unknown": 1}, 400),
        ("e2e", {"state": "passed", "required": "maybe"}, 400),
        ("bad key!", {"state": "passed"}, 400),
        ("e2e", {"state": "passed", "evidence_url": "x" * 1001}, 400),
    ],
)
def test_a_bad_payload_is_refused_in_json_and_writes_nothing(
    client, facilitator, session, key, body, status
):
    headers = _token(facilitator)
    before = Event.objects.count()
    response = client.put(
        f"/api/releases/{session.release.slug}/checks/QA/items/{key}",
        json.dumps(body),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json") and response.json()["detail"]
    assert Event.objects.count() == before and not ChecklistItem.objects.exists()


def test_a_stale_version_sent_is_409(client, facilitator, session, item):
    headers = {**_token(facilitator), "If-Match": '"v9"'}
    response = _put(client, session.release, headers)
    assert response.status_code == 409
    item.refresh_from_db()
    assert item.state == "pending"


def test_an_unknown_release_is_a_404(client, facilitator):
    response = client.put(
        "/api/releases/2024-07-15-nothing/checks/QA/items/e2e",
        json.dumps({"state": "passed"}),
        content_type="application/json",
        headers=_token(facilitator),
    )
    assert response.status_code == 404


# --- The gate and the pages' queries ---------------------------------------------------------


def test_an_expired_exemption_blocks_again(session, item):
    make_decision(session, Decision.Outcome.GO)
    services.checklist_item_exempt(
        user=None, item=item, expected_version=item.version, reason="Lab down", until=None
    )
    item.refresh_from_db()
    services.checklist_item_exempt(
        user=None,
        item=item,
        expected_version=item.version,
        reason="Lab down",
        until=dt.date(2024, 7, 15),
    )
    on_the_day = dt.datetime(2024, 7, 15, 20, 0, tzinfo=dt.UTC)
    assert gate.release_gate(session.release, now=on_the_day).ready
    after = gate.release_gate(session.release, now=on_the_day + dt.timedelta(days=1))
    assert [b.kind for b in after.blocking] == ["checklist"]


def _session_with_items(facilitator, n):
    session = make_session(make_release(f"Sized {n}"), facilitator=facilitator.person)
    for i in range(n):
        item = services.checklist_item_add(
            user=None, session=session, area=f"Area {i % 3}", key=f"item-{i}"
        )
        services.checklist_item_set(
            user=facilitator, item=item, expected_version=item.version, state="passed"
        )
        if i % 2:
            services.checklist_item_exempt(
                user=facilitator,
                item=item,
                expected_version=item.version,
                reason="Later",
                until=dt.date(2030, 1, 1),
            )
        make_action(session, owner=make_person(), due_date=dt.date(2024, 7, 10))
    make_decision(session, Decision.Outcome.GO)
    return session


def test_the_session_and_release_pages_make_the_same_queries_at_two_sizes(
    client, facilitator, django_assert_max_num_queries
):
    small, large = _session_with_items(facilitator, 2), _session_with_items(facilitator, 30)
    client.force_login(facilitator)
    for url in (lambda s: s.get_absolute_url(), lambda s: s.release.get_absolute_url()):
        client.get(url(small))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(small)).status_code == 200
        with django_assert_max_num_queries(len(queries)):
            response = client.get(url(large))
        assert response.status_code == 200
    page = client.get(large.get_absolute_url()).text
    assert page.count('id="checklist-item-') == 30
    release_page = client.get(large.release.get_absolute_url()).text
    assert "Warnings (they do not block)" in release_page


def test_a_template_keeps_the_items_and_a_session_from_it_starts_with_them(session, item):
    services.agenda_item_add(user=None, session=session, title="QA")
    services.checklist_item_add(user=None, session=session, area="QA", key="perf", required=False)
    services.checklist_item_set(
        user=None, item=item, expected_version=item.version, state="passed"
    )
    template = services.session_template_save(user=None, session=session, name="Billing")
    assert template.checklists == {
        "QA": [
            {"key": "e2e", "label": "End-to-end suite", "required": True},
            {"key": "perf", "label": "perf", "required": False},
        ]
    }
    later = services.session_schedule_from_template(
        user=None,
        release=session.release,
        scheduled_at=dt.datetime(2024, 7, 20, 14, 0, tzinfo=dt.UTC),
        time_zone="UTC",
        template=template,
    )
    items = ChecklistItem.objects.filter(session=later).order_by("position")
    assert [(i.key, i.required, i.state) for i in items] == [
        ("e2e", True, "pending"),
        ("perf", False, "pending"),
    ]


def test_passing_the_last_blocking_item_tells_the_release_ready_webhook(session, item):
    from readiness.models import WebhookDelivery

    make_decision(session, Decision.Outcome.GO)
    services.webhook_create(
        user=None, url="https://hooks.example.com/ready", events=["release.ready"]
    )
    services.checklist_item_set(
        user=None, item=item, expected_version=item.version, state="failed"
    )
    assert not WebhookDelivery.objects.exists()
    services.checklist_item_set(
        user=None, item=item, expected_version=item.version, state="passed"
    )
    assert list(WebhookDelivery.objects.values_list("event", flat=True)) == ["release.ready"]
