"""Deployments: recorded through the API and the release page, the gate's answer kept with
each, *deployed against the gate* flagged and told, and the release's status following."""

import datetime as dt
import json

import pytest

from readiness import services
from readiness.models import Decision, Deployment, Event, Release, Webhook, WebhookDelivery
from tests.conftest import PASSWORD
from tests.factories import join_team, make_decision, make_person, make_release, make_session

UTC = dt.UTC
START = "2024-07-15T21:00:00Z"
END = "2024-07-15T21:12:00Z"


@pytest.fixture
def fay(db, django_user_model):
    """The release's facilitator (no group: she runs its session), with an address."""
    user = django_user_model.objects.create_user(
        "fay", password=PASSWORD, email="fay@example.com", first_name="Fay"
    )
    make_person("Fay Lima", user=user)
    return user


@pytest.fixture
def release(fay):
    release = make_release("Billing Gateway")
    make_session(release, facilitator=fay.person)
    return release


@pytest.fixture
def ready(release):
    """A GO in force: the gate says ready."""
    make_decision(release.sessions.get(), Decision.Outcome.GO, review_on=dt.date(2024, 7, 18))
    return release


@pytest.fixture
def blocked(release):
    """A NO-GO in force: the gate says not ready."""
    make_decision(release.sessions.get(), Decision.Outcome.NO_GO)
    return release


def _token(user, release=None) -> dict:
    _, token = services.api_token_create(user=user, name="CI", release=release)
    return {"Authorization": f"Bearer {token}"}


def _url(release) -> str:
    return f"/api/releases/{release.slug}/deployments"


def _body(**changes) -> str:
    body = {
        "environment": "production",
        "ref": "v1.4.0",
        "outcome": "succeeded",
        "started_at": START,
        "finished_at": END,
        "url": "https://ci.example.com/pipelines/812",
    }
    body.update(changes)
    return json.dumps({k: v for k, v in body.items() if v is not None})


def _post(client, release, headers, **changes):
    return client.post(
        _url(release), _body(**changes), content_type="application/json", headers=headers
    )


# --- The API ------------------------------------------------------------------------------


def test_it_records_a_deployment_with_the_gate_of_that_moment(client, fay, ready):
    response = _post(client, ready, _token(fay))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["environment"] == "production"
    assert data["ref"] == "v1.4.0"
    assert data["outcome"] == "succeeded"
    assert data["against_gate"] is False
    assert data["url"] == "https://ci.example.com/pipelines/812"
    assert data["recorded_by"] == "Fay"
    gate = client.get(f"/api/releases/{ready.slug}/gate", headers=_token(fay)).json()
    assert data["gate"].keys() == gate.keys()
    assert data["gate"]["ready"] is True
    assert data["gate"]["outcome"] == "go"
    deployment = Deployment.objects.get()
    assert deployment.gate["ready"] is True
    assert deployment.gate["release"] == ready.slug
    assert deployment.started_at == dt.datetime(2024, 7, 15, 21, tzinfo=UTC)
    event = Event.objects.get(verb=Event.Verb.DEPLOYMENT_RECORDED)
    assert event.release == ready
    assert event.after["told"] == []


def test_it_lists_the_deployments_latest_first(client, fay, ready):
    _post(
        client,
        ready,
        _token(fay),
        ref="v1.3.9",
        started_at="2024-07-14T10:00:00Z",
        finished_at=None,
        environment="staging",
    )
    _post(client, ready, _token(fay))
    response = client.get(_url(ready), headers=_token(fay))
    assert response.status_code == 200
    assert [d["ref"] for d in response.json()] == ["v1.4.0", "v1.3.9"]
    assert response.json()[1]["finished_at"] is None


def test_a_token_restricted_to_the_release_may_record_and_list(client, fay, ready):
    headers = _token(fay, release=ready)
    assert _post(client, ready, headers).status_code == 201
    assert client.get(_url(ready), headers=headers).status_code == 200
    # ...and only there: another release's deployments, and other reads, stay closed.
    other = make_release("Ledger")
    make_session(other, facilitator=fay.person)
    assert _post(client, other, headers).status_code == 403
    assert client.get(_url(other), headers=headers).status_code == 403
    assert client.get(f"/api/releases/{ready.slug}/actions", headers=headers).status_code == 403
    assert Deployment.objects.filter(release=other).count() == 0


def test_reading_is_open_to_every_login_and_recording_is_not(client, ready, owner, manager):
    assert client.get(_url(ready)).status_code == 401
    assert client.get(_url(ready), headers=_token(manager)).status_code == 200
    for user in (owner, manager):
        response = _post(client, ready, _token(user))
        assert response.status_code == 403
        assert "facilitators" in response.json()["detail"]
    assert _post(client, ready, {}).status_code == 401
    assert Deployment.objects.count() == 0


def test_a_facilitator_and_an_admin_may_record(client, ready, facilitator, admin_user):
    assert _post(client, ready, _token(facilitator)).status_code == 201
    assert _post(client, ready, _token(admin_user), ref="v1.4.1").status_code == 201


def test_the_session_caller_needs_the_csrf_token(fay, ready):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(fay)
    response = browser.post(_url(ready), _body(), content_type="application/json")
    assert response.status_code == 403
    assert Deployment.objects.count() == 0


BAD = [
    ({"outcome": "shipped"}, 400),
    ({"environment": ""}, 400),
    ({"environment": "   "}, 400),
    ({"ref": ""}, 400),
    ({"ref": "v1\x00"}, 400),
    ({"started_at": "yesterday"}, 400),
    ({"started_at": "2024-07-15T21:00:00"}, 400),  # no offset
    ({"started_at": "1999-12-31T23:00:00Z"}, 400),
    ({"started_at": "2101-01-02T00:00:00Z"}, 400),
    ({"started_at": "9999-12-31T23:59:59-12:00"}, 400),
    ({"started_at": "2099-01-01T00:00:00Z"}, 400),  # in the future
    ({"finished_at": "2024-07-15T20:00:00Z"}, 400),  # before the start
    ({"url": "javascript:alert(1)"}, 400),
    ({"url": "ftp://ci.example.com/1"}, 400),
    ({"url": "https://ci.example.com/a b"}, 400),
    ({"url": "https://"}, 400),
    ({"colour": "blue"}, 400),  # an unknown field is a typo, not ignored
]


@pytest.mark.parametrize(("changes", "status"), BAD)
def test_a_bad_payload_is_refused_in_json_and_writes_nothing(client, fay, ready, changes, status):
    events = Event.objects.count()
    response = _post(client, ready, _token(fay), **changes)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    assert Deployment.objects.count() == 0
    assert Event.objects.count() == events + 1  # the token's creation, nothing more
    assert Release.objects.get(pk=ready.pk).status == Release.Status.PLANNED


def test_a_body_that_is_not_json_is_a_400(client, fay, ready):
    response = client.post(
        _url(ready),
        "environment=production",
        content_type="application/json",
        headers=_token(fay),
    )
    assert response.status_code == 400
    assert Deployment.objects.count() == 0


def test_an_unknown_release_is_a_404(client, fay):
    response = client.post(
        "/api/releases/nope/deployments",
        _body(),
        content_type="application/json",
        headers=_token(fay),
    )
    assert response.status_code == 404


def test_an_internal_ci_address_is_a_pipeline_link(client, fay, ready):
    response = _post(client, ready, _token(fay), url="http://jenkins:8080/job/billing/812/")
    assert response.status_code == 201
    assert response.json()["url"] == "http://jenkins:8080/job/billing/812/"


def test_a_cancelled_release_takes_no_deployment(client, fay, ready):
    services.release_cancel(user=fay, release=ready, expected_version=ready.version)
    response = _post(client, ready, _token(fay))
    assert response.status_code == 422
    assert Deployment.objects.count() == 0


# --- Against the gate ---------------------------------------------------------------------


def test_a_deployment_while_not_ready_is_flagged_and_the_facilitator_told(
    client, fay, blocked, mailoutbox, django_capture_on_commit_callbacks
):
    hook = services.webhook_create(
        user=None, url="https://hooks.example.com/x", events=["deployment.against_gate"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, blocked, _token(fay))
    assert response.status_code == 201
    data = response.json()
    assert data["against_gate"] is True
    assert data["gate"]["ready"] is False
    assert data["gate"]["blocking"][0]["kind"] == "decision"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["fay@example.com"]
    assert "deployed against the gate" in mailoutbox[0].subject
    assert "v1.4.0" in mailoutbox[0].body
    event = Event.objects.get(verb=Event.Verb.DEPLOYMENT_RECORDED)
    assert event.after["told"] == ["fay@example.com"]
    delivery = WebhookDelivery.objects.filter(webhook=hook).order_by("pk").first()
    assert delivery.payload["data"]["deployment"]["against_gate"] is True
    assert delivery.payload["data"]["gate"]["ready"] is False


def test_with_no_address_nobody_is_said_to_be_told(
    client, facilitator, blocked, mailoutbox, django_capture_on_commit_callbacks
):
    fay = blocked.sessions.get().facilitator.user
    fay.email = ""
    fay.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, blocked, _token(facilitator))
    assert response.json()["against_gate"] is True
    assert mailoutbox == []
    assert Event.objects.get(verb=Event.Verb.DEPLOYMENT_RECORDED).after["told"] == []
    client.force_login(facilitator)
    page = client.get(blocked.get_absolute_url()).content.decode()
    assert "Deployed against the gate" in page
    assert "nobody was told" in page


def test_a_staging_deployment_is_never_against_the_gate(client, fay, blocked, mailoutbox):
    response = _post(client, blocked, _token(fay), environment="Staging")
    assert response.json()["environment"] == "staging"
    assert response.json()["against_gate"] is False
    assert Release.objects.get(pk=blocked.pk).status == Release.Status.PLANNED


# --- Status following ---------------------------------------------------------------------


def test_the_release_status_follows_its_production_deployments(client, fay, ready):
    headers = _token(fay)
    _post(
        client,
        ready,
        headers,
        outcome="failed",
        started_at="2024-07-15T20:00:00Z",
        finished_at=None,
    )
    ready.refresh_from_db()
    assert ready.status == Release.Status.PLANNED
    assert ready.deployed_at is None
    _post(client, ready, headers)
    ready.refresh_from_db()
    assert ready.status == Release.Status.DEPLOYED
    assert ready.deployed_at == dt.datetime(2024, 7, 15, 21, tzinfo=UTC)
    _post(
        client,
        ready,
        headers,
        outcome="rolled_back",
        started_at="2024-07-16T09:00:00Z",
        finished_at=None,
    )
    ready.refresh_from_db()
    assert ready.status == Release.Status.ROLLED_BACK
    # The first successful deployment stays the moment it was deployed.
    assert ready.deployed_at == dt.datetime(2024, 7, 15, 21, tzinfo=UTC)
    _post(
        client, ready, headers, ref="v1.4.1", started_at="2024-07-16T12:00:00Z", finished_at=None
    )
    ready.refresh_from_db()
    assert ready.status == Release.Status.DEPLOYED
    changes = Event.objects.filter(verb=Event.Verb.RELEASE_STATUS_CHANGED, release=ready)
    assert [e.after["status"] for e in changes.order_by("pk")] == [
        "deployed",
        "rolled_back",
        "deployed",
    ]


def test_a_late_report_of_an_earlier_deployment_moves_the_deploy_time_back(client, fay, ready):
    headers = _token(fay)
    _post(client, ready, headers)
    _post(
        client, ready, headers, ref="v1.3.9", started_at="2024-07-15T18:00:00Z", finished_at=None
    )
    ready.refresh_from_db()
    assert ready.deployed_at == dt.datetime(2024, 7, 15, 18, tzinfo=UTC)
    # The latest by start time still says the status.
    assert ready.status == Release.Status.DEPLOYED


def test_the_post_go_live_review_falls_due_after_the_first_deployment(client, fay, ready):
    """The meeting planned the review three days after the planned date (15 → 18 July);
    deployed on 20 July (São Paulo), it falls due three days after that: 23 July."""
    _post(client, ready, _token(fay), started_at="2024-07-20T15:00:00Z", finished_at=None)
    decision = Decision.objects.get()
    assert decision.review_on == dt.date(2024, 7, 23)
    assert Event.objects.filter(verb=Event.Verb.DECISION_REVIEW_SCHEDULED).count() == 1
    # A second deployment does not move it again.
    _post(client, ready, _token(fay), started_at="2024-07-25T15:00:00Z", finished_at=None)
    assert Decision.objects.get().review_on == dt.date(2024, 7, 23)


def test_a_go_without_review_date_gets_one_a_week_after_the_deploy(client, fay, release):
    make_decision(release.sessions.get(), Decision.Outcome.GO)
    # 01:00 UTC on the 21st is still the 20th in São Paulo.
    _post(client, release, _token(fay), started_at="2024-07-21T01:00:00Z", finished_at=None)
    assert Decision.objects.get().review_on == dt.date(2024, 7, 27)


def test_the_review_shows_on_me_with_its_new_date(client, fay, ready):
    _post(client, ready, _token(fay), started_at="2024-07-20T15:00:00Z", finished_at=None)
    client.force_login(fay)
    page = client.get("/me/").content.decode()
    assert "23 Jul 2024" in page


# --- The release page ---------------------------------------------------------------------


def _form(**changes) -> dict:
    data = {
        "environment": "production",
        "ref": "v1.4.0",
        "outcome": "succeeded",
        "started_at": "2024-07-15T18:00",
        "finished_at": "2024-07-15T18:10",
        "time_zone": "America/Sao_Paulo",
        "url": "https://ci.example.com/p/1",
    }
    data.update(changes)
    return data


def _page_url(release) -> str:
    return f"/releases/{release.slug}/deployments/add"


def test_the_page_records_a_deployment_and_redirects(client, fay, ready):
    client.force_login(fay)
    response = client.post(_page_url(ready), _form())
    assert response.status_code == 302
    assert response["Location"] == ready.get_absolute_url()
    deployment = Deployment.objects.get()
    # 18:00 in São Paulo is 21:00 UTC.
    assert deployment.started_at == dt.datetime(2024, 7, 15, 21, tzinfo=UTC)
    assert deployment.recorded_by == fay
    page = client.get(ready.get_absolute_url()).content.decode()
    assert "v1.4.0" in page
    assert "Deployed" in page


def test_the_page_form_keeps_the_input_on_a_refusal(client, fay, ready):
    client.force_login(fay)
    response = client.post(_page_url(ready), _form(url="ftp://nope", ref="v9.9.9"))
    assert response.status_code == 422
    assert "v9.9.9" in response.content.decode()
    assert Deployment.objects.count() == 0
    response = client.post(_page_url(ready), _form(started_at="2099-01-01T00:00"))
    assert response.status_code == 422
    assert Deployment.objects.count() == 0


def test_the_page_form_as_htmx_answers_with_its_section(client, fay, ready):
    client.force_login(fay)
    hx = {"HX-Request": "true"}
    response = client.get(_page_url(ready), headers=hx)
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    response = client.post(_page_url(ready), _form(), headers=hx)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="deployments"' in body
    assert "v1.4.0" in body
    # The header's status moves with it, out of band.
    assert '<dd id="release-status" hx-swap-oob="true">Deployed</dd>' in body


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("manager", 403),
        ("owner", 403),
        ("other", 403),
        ("fay", 302),
        ("admin_user", 302),
    ],
)
def test_who_may_record_a_deployment_on_the_page(client, request, ready, role, status, db):
    if role == "other":
        user = request.getfixturevalue("django_user_model").objects.create_user("oli")
        make_session(make_release("Elsewhere"), facilitator=make_person("Oli", user=user))
        client.force_login(user)
    elif role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = client.post(_page_url(ready), _form())
    assert response.status_code == status
    if role == "anonymous":
        assert "/accounts/login/" in response["Location"]
    assert Deployment.objects.count() == (1 if role in ("fay", "admin_user") else 0)


def test_against_the_gate_shows_on_the_release_page_the_dossier_and_the_history(
    client, fay, blocked
):
    _post(client, blocked, _token(fay))
    client.force_login(fay)
    for url in (blocked.get_absolute_url(), f"/releases/{blocked.slug}/dossier/", "/releases/"):
        page = client.get(url).content.decode()
        assert "Deployed against the gate" in page, url


def test_the_release_page_makes_the_same_queries_at_two_sizes(
    client, fay, django_assert_max_num_queries
):
    counts = []
    for n in (1, 12):
        release = make_release(f"Sized {n}")
        make_session(release, facilitator=fay.person)
        for i in range(n):
            services.deployment_record(
                user=fay,
                release=release,
                environment="production",
                ref=f"v{i}",
                outcome="succeeded",
                started_at=dt.datetime(2024, 7, 15, 10, i, tzinfo=UTC),
            )
        client.force_login(fay)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(release.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[0]):
        client.get(release.get_absolute_url())


def test_the_webhook_lists_the_deployment_events(db):
    assert {"deployment.recorded", "deployment.against_gate"} <= set(Webhook.Event.values)


def test_the_facilitators_group_is_told_when_the_release_has_no_session(
    client, db, django_user_model, mailoutbox, django_capture_on_commit_callbacks
):
    lead = django_user_model.objects.create_user("lead", email="lead@example.com")
    join_team(lead)
    release = make_release("Sessionless")
    with django_capture_on_commit_callbacks(execute=True):
        deployment = services.deployment_record(
            user=lead,
            release=release,
            environment="prod",
            ref="v1",
            outcome="succeeded",
            started_at=dt.datetime(2024, 7, 15, 10, tzinfo=UTC),
        )
    assert deployment.against_gate is True
    assert [m.to for m in mailoutbox] == [["lead@example.com"]]


# --- "Were the conditions met before the deploy?" -----------------------------------------


@pytest.fixture
def before_deploy(db, facilitator):
    """Four conditional GOs, one condition each unless said; São Paulo sessions.

      A planned 07-15, decided 07-10 12:00 UTC; met 07-12 12:00 and 07-15 20:00 UTC.
        Deployed 07-15 18:00 UTC: the second was met 2 h after the deploy. By the plan alone
        (the end of 07-15 in São Paulo, 07-16 03:00 UTC) both were in time.
        Days to the last condition: 5 d 8 h = 5.3333.
      B planned 07-10, decided 07-05 12:00; met 07-12 12:00, after the planned day but
        before its late deploy on 07-20 12:00 UTC: in time for the deploy. 7 days.
      C planned 07-20, decided 07-15 12:00; met 07-19 12:00; never deployed: judged by the
        plan, in time. 4 days.
      D planned 07-25, decided 07-20 12:00; met 07-24 12:00, after a deploy at 07-24
        06:00 UTC: not in time. 4 days.

    Every condition is met now, so "now" would say 4 of 4; the plan alone says 3 in time
    (A, C, D) and 1 not (B); the deploy times say 2 in time (B, C) and 2 not (A, D).
    """
    from tests.history_data import at, decide, release_with_session, satisfy

    def one(name, planned, decided, met, deployed=None):
        session = release_with_session(name, planned)
        decision = decide(
            session,
            Decision.Outcome.CONDITIONAL_GO,
            conditions=[f"{name} {i}" for i in range(len(met))],
            recorded_at=decided,
        )
        for condition, when in zip(decision.conditions.order_by("position"), met, strict=True):
            satisfy(condition, when)
        if deployed is not None:
            services.deployment_record(
                user=facilitator,
                release=session.release,
                environment="production",
                ref="v1",
                outcome="succeeded",
                started_at=deployed,
            )
        return session.release

    return {
        "A": one(
            "A",
            dt.date(2024, 7, 15),
            at(2024, 7, 10),
            [at(2024, 7, 12), at(2024, 7, 15, hour=20)],
            deployed=at(2024, 7, 15, hour=18),
        ),
        "B": one(
            "B", dt.date(2024, 7, 10), at(2024, 7, 5), [at(2024, 7, 12)], deployed=at(2024, 7, 20)
        ),
        "C": one("C", dt.date(2024, 7, 20), at(2024, 7, 15), [at(2024, 7, 19)]),
        "D": one(
            "D",
            dt.date(2024, 7, 25),
            at(2024, 7, 20),
            [at(2024, 7, 24)],
            deployed=at(2024, 7, 24, hour=6),
        ),
    }


def test_insights_judge_the_conditions_by_the_deploy_time(before_deploy):
    from readiness.reports.insights import conditional_gos

    gos = conditional_gos(Release.objects.all())
    assert (gos.in_time, gos.not_in_time) == (2, 2)
    assert gos.days_to_last_condition == pytest.approx([4, 4, 5 + 8 / 24, 7])
    assert gos.median_days == pytest.approx((4 + 5 + 8 / 24) / 2)


def test_the_insights_page_shows_those_figures(client, facilitator, before_deploy):
    client.force_login(facilitator)
    page = client.get("/insights/").content.decode()
    assert "All met before the release" in page
    gos = client.get("/insights/").context["gos"]
    assert (gos.in_time, gos.not_in_time) == (2, 2)


def test_the_dossier_answers_from_the_deploy_time(client, facilitator, before_deploy):
    client.force_login(facilitator)
    page = client.get(f"/releases/{before_deploy['A'].slug}/dossier/")
    answer = page.context["before_deploy"]
    assert (answer.met, answer.late, answer.open) == (1, 1, 0)
    assert answer.deployed_at == dt.datetime(2024, 7, 15, 18, tzinfo=UTC)
    text = page.content.decode()
    assert "1 of 2 met before the deploy" in text
    assert "1 met after it" in text
    # Not deployed: no answer yet, whatever holds now.
    page = client.get(f"/releases/{before_deploy['C'].slug}/dossier/")
    assert page.context["before_deploy"] is None


def test_the_history_answers_from_the_deploy_time(client, facilitator, before_deploy):
    from readiness.models import local_today_by_zone

    rows = {r.name: r for r in Release.objects.with_history_row(local_today_by_zone())}
    assert (rows["A"].condition_satisfied_count, rows["A"].condition_met_before_deploy_count) == (
        2,
        1,
    )
    assert rows["B"].condition_met_before_deploy_count == 1
    assert rows["D"].condition_met_before_deploy_count == 0
    assert rows["C"].deployed_at is None
    client.force_login(facilitator)
    page = client.get("/releases/").content.decode()
    assert "1 before the deploy" in page
    assert "0 before the deploy" in page


def test_the_dossier_makes_the_same_queries_at_two_sizes(client, fay):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(fay)
    counts = []
    for n in (1, 10):
        release = make_release(f"Dossier {n}")
        make_session(release, facilitator=fay.person)
        for i in range(n):
            services.deployment_record(
                user=fay,
                release=release,
                environment="production",
                ref=f"v{i}",
                outcome="succeeded",
                started_at=dt.datetime(2024, 7, 15, 10, i, tzinfo=UTC),
            )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/releases/{release.slug}/dossier/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
