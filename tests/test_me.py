"""My work: /me/, what an owner owes across releases, and its one-click updates."""

import datetime as dt

import pytest
from django.utils import timezone

from readiness import owed, services
from readiness.models import Action, Condition, Decision, Event, Evidence
from tests.factories import make_action, make_decision, make_person, make_session
from tests.helpers import change_status, snapshot

HX = {"HX-Request": "true"}


@pytest.fixture
def theirs(session):
    return make_action(session, code="A2", owner=make_person("Someone Else"))


def status_url(action):
    return f"/me/actions/{action.pk}/status"


def post_status(client, action, status, headers=None, **extra):
    data = {"status": status, "version": action.version, **extra}
    return client.post(status_url(action), data, headers=headers or {})


# --- Landing and reading ------------------------------------------------------------------


def test_owners_land_on_their_work_and_others_on_the_releases(client, owner, manager):
    client.force_login(owner)
    assert client.get("/")["Location"] == "/me/"
    client.force_login(manager)
    assert client.get("/")["Location"] == "/releases/"


def test_it_sends_anonymous_visitors_to_log_in(client):
    response = client.get("/me/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_refuses_writing_methods_on_the_page(client, owner):
    client.force_login(owner)
    assert client.post("/me/").status_code == 405


def test_it_groups_what_the_owner_owes_across_releases(client, owner, session):
    today = timezone.now().astimezone(session.tzinfo).date()
    make_action(session, code="A1", owner=owner.person, due_date=today - dt.timedelta(days=1))
    other_release = make_session(facilitator=session.facilitator)
    make_action(other_release, code="B1", owner=owner.person, due_date=today + dt.timedelta(30))
    make_action(session, code="A3", owner=owner.person, due_date=None)
    make_action(session, code="A4", owner=make_person("Not Me"))
    decision = make_decision(
        session,
        Decision.Outcome.CONDITIONAL_GO,
        conditions=[services.ConditionSpec(text="Run BILL-230", owner=owner.person)],
    )
    client.force_login(owner)
    page = client.get("/me/").text
    overdue = page.split('id="group-overdue"')[1].split('id="group-week"')[0]
    later = page.split('id="group-later"')[1].split('id="group-undated"')[0]
    undated = page.split('id="group-undated"')[1].split('id="group-closed"')[0]
    assert "A1:" in overdue and "B1:" in later and "A3:" in undated
    assert "Run BILL-230" in page and str(other_release.release) in page
    assert "A4:" not in page
    assert f"/me/conditions/{decision.conditions.get().pk}/satisfy" in page


def test_it_lists_the_reviews_of_the_sessions_a_facilitator_runs(client, facilitator, session):
    decision = make_decision(session, Decision.Outcome.GO, review_on=dt.date(2030, 1, 10))
    client.force_login(facilitator)
    page = client.get("/me/").text
    assert "Post-go-live review" in page and "2030-01-10" in page
    response = client.post(f"/me/reviews/{decision.pk}/done", headers=HX)
    assert response.status_code == 200
    decision.refresh_from_db()
    assert decision.review_done_at is not None
    assert decision.outcome == Decision.Outcome.GO  # what was decided is untouched
    assert Event.objects.filter(verb="decision.review_done", subject_id=decision.pk).exists()
    assert f"/me/reviews/{decision.pk}/done" not in response.text
    assert "Recently closed" in response.text and 'id="closed-review-' in response.text


def test_only_the_facilitator_records_a_review(client, owner, session):
    decision = make_decision(session, Decision.Outcome.GO, review_on=dt.date(2030, 1, 10))
    client.force_login(owner)
    before = snapshot(decision)
    assert client.post(f"/me/reviews/{decision.pk}/done").status_code == 403
    assert client.post("/me/reviews/99999/done").status_code == 404
    before.assert_unchanged()


def test_a_login_without_a_person_sees_an_explanation(client, manager):
    client.force_login(manager)
    assert "not linked to a person" in client.get("/me/").text


def test_it_serves_the_list_alone_to_htmx(client, owner, mine):
    client.force_login(owner)
    response = client.get("/me/", headers=HX)
    assert response.text.lstrip().startswith('<div id="my-work"')
    assert "<html" not in response.text
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("count", [3, 300])
def test_the_page_makes_the_same_queries_whatever_the_number_of_items(
    client, owner, session, django_assert_max_num_queries, count
):
    actions = [
        Action(
            session=session,
            release=session.release,
            code=f"A{i}",
            description="Work",
            owner=owner.person,
            due_date=dt.date(2024, 7, 1) + dt.timedelta(days=i % 90),
        )
        for i in range(count)
    ]
    Action.objects.bulk_create(actions)
    decision = make_decision(
        session,
        Decision.Outcome.CONDITIONAL_GO,
        conditions=[
            services.ConditionSpec(text=f"C{i}", owner=owner.person) for i in range(count // 3)
        ],
        review_on=dt.date(2024, 8, 1),
    )
    Action.objects.filter(code="A0").update(status="done", completed_at=timezone.now())
    assert decision.conditions.count() == count // 3
    client.force_login(owner)
    # The login (2), the person, one query per kind of work for owed and closed alike (3),
    # the sign-offs awaited (2) and the reader's teams.
    with django_assert_max_num_queries(9):
        response = client.get("/me/")
    assert response.status_code == 200
    assert response.text.count('class="owed-item"') == count + count // 3


def test_my_work_splits_each_kind_into_owed_and_recently_closed(owner, session):
    now = timezone.now()
    person = owner.person
    open_action = make_action(session, code="A1", owner=person, due_date=dt.date(2030, 1, 2))
    done = make_action(session, code="A2", owner=person)
    old = make_action(session, code="A3", owner=person)
    Action.objects.filter(pk=done.pk).update(status="done", completed_at=now - dt.timedelta(1))
    Action.objects.filter(pk=old.pk).update(status="done", completed_at=now - dt.timedelta(40))
    decision = make_decision(
        session,
        Decision.Outcome.CONDITIONAL_GO,
        conditions=[
            services.ConditionSpec(text="Owed", owner=person),
            services.ConditionSpec(text="Met", owner=person),
        ],
    )
    owed_condition, met = decision.conditions.order_by("position")
    Condition.objects.filter(pk=met.pk).update(satisfied_at=now - dt.timedelta(hours=2))
    session.facilitator = person
    session.save(update_fields=["facilitator"])
    Decision.objects.filter(pk=decision.pk).update(
        review_on=dt.date(2030, 1, 1), review_done_at=now - dt.timedelta(hours=3)
    )

    items, closed = owed.my_work(person, now)

    assert (
        [i.key for i in items]
        == [i.key for i in owed.owed_items(person)]
        == [f"action-{open_action.pk}", f"condition-{owed_condition.pk}"]
    )
    # Newest first; the action closed 40 days ago is no longer listed.
    assert [i.key for i in closed] == [
        f"condition-{met.pk}",
        f"review-{decision.pk}",
        f"action-{done.pk}",
    ]


# --- Changing status ----------------------------------------------------------------------


def test_an_owner_moves_their_action_along_with_one_click(client, owner, mine):
    client.force_login(owner)
    response = post_status(client, mine, "in_progress", headers=HX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="my-work"')
    mine.refresh_from_db()
    assert mine.status == Action.Status.IN_PROGRESS
    response = post_status(
        client,
        mine,
        "done",
        headers=HX,
        note="k6 re-run: p95 180 ms",
        evidence_url="https://ci.example.com/k6/42",
    )
    mine.refresh_from_db()
    assert mine.status == Action.Status.DONE and mine.status_reason == "k6 re-run: p95 180 ms"
    evidence = Evidence.objects.get(action=mine)
    assert evidence.location == "https://ci.example.com/k6/42"
    assert Event.objects.filter(verb="action.status_changed", subject_id=mine.pk).count() == 2
    assert Event.objects.filter(verb="evidence.added", subject_id=evidence.pk).exists()
    recent = response.text.split('id="group-closed"')[1]
    assert "A1:" in recent


def test_without_javascript_a_change_redirects_back(client, owner, mine):
    client.force_login(owner)
    response = post_status(client, mine, "in_progress")
    assert response.status_code == 302 and response["Location"] == "/me/"


def test_an_owner_gets_403_on_someone_elses_action(client, owner, theirs):
    client.force_login(owner)
    before = Event.objects.count()
    assert post_status(client, theirs, "done").status_code == 403
    assert Event.objects.count() == before
    theirs.refresh_from_db()
    assert theirs.status == Action.Status.OPEN


def test_an_owner_gets_403_on_someone_elses_condition(client, owner, session):
    decision = make_decision(
        session,
        Decision.Outcome.CONDITIONAL_GO,
        conditions=[services.ConditionSpec(text="Run it", owner=make_person("Other"))],
    )
    condition = decision.conditions.get()
    client.force_login(owner)
    before = snapshot(condition)
    response = client.post(
        f"/me/conditions/{condition.pk}/satisfy",
        {"evidence_url": "https://ci.example.com/1", "version": condition.version},
    )
    assert response.status_code == 403
    before.assert_unchanged()


def test_blocked_without_a_reason_is_refused_inline(client, owner, mine):
    client.force_login(owner)
    response = post_status(client, mine, "blocked", headers=HX, reason="  ")
    assert response.status_code == 422
    assert "Say what blocks this action." in response.text
    assert response.text.lstrip().startswith('<div id="my-work"')
    mine.refresh_from_db()
    assert mine.status == Action.Status.OPEN
    response = post_status(client, mine, "blocked", headers=HX, reason="Waiting for the VPN")
    mine.refresh_from_db()
    assert mine.status == Action.Status.BLOCKED and mine.status_reason == "Waiting for the VPN"


def test_a_bad_evidence_link_is_refused_and_kept(client, owner, mine):
    client.force_login(owner)
    response = post_status(client, mine, "done", headers=HX, evidence_url="javascript:alert(1)")
    assert response.status_code == 422
    assert "Give an http:// or https:// URL." in response.text
    mine.refresh_from_db()
    assert mine.status == Action.Status.OPEN


def test_a_stale_change_is_refused_with_409(client, owner, facilitator, mine):
    seen = mine.version
    change_status(facilitator, mine, "in_progress")
    client.force_login(owner)
    response = client.post(status_url(mine), {"status": "done", "version": seen}, headers=HX)
    assert response.status_code == 409
    assert "changed by someone else" in response.text
    mine.refresh_from_db()
    assert mine.status == Action.Status.IN_PROGRESS


def test_only_a_facilitator_reopens_a_done_action_with_a_reason(client, owner, facilitator, mine):
    change_status(owner, mine, "done")
    mine.refresh_from_db()
    client.force_login(owner)
    assert post_status(client, mine, "open", reason="Not really").status_code == 403
    client.force_login(facilitator)
    response = post_status(client, mine, "open", headers=HX, reason="")
    assert response.status_code == 422 and "Say why the action is reopened." in response.text
    response = post_status(client, mine, "open", headers=HX, reason="The k6 run was on staging")
    assert response.status_code == 200
    mine.refresh_from_db()
    assert mine.status == Action.Status.OPEN and mine.completed_at is None


def test_an_owner_satisfies_a_condition_with_its_evidence(client, owner, session):
    decision = make_decision(
        session,
        Decision.Outcome.CONDITIONAL_GO,
        conditions=[services.ConditionSpec(text="Run BILL-230", owner=owner.person)],
    )
    condition = decision.conditions.get()
    client.force_login(owner)
    url = f"/me/conditions/{condition.pk}/satisfy"
    before = snapshot(condition)
    response = client.post(url, {"evidence_url": "", "version": condition.version}, headers=HX)
    assert response.status_code == 422
    before.assert_unchanged()
    response = client.post(
        url,
        {"evidence_url": "https://ci.example.com/job/7", "version": condition.version},
        headers=HX,
    )
    assert response.status_code == 200
    condition = Condition.objects.get(pk=condition.pk)
    assert condition.is_satisfied
    assert condition.evidence.get().location == "https://ci.example.com/job/7"


def test_writes_answer_404_for_missing_items_and_405_for_get(client, owner):
    client.force_login(owner)
    before = snapshot()
    assert client.post("/me/actions/99999/status", {"status": "done"}).status_code == 404
    assert client.post("/me/conditions/99999/satisfy").status_code == 404
    assert client.get("/me/actions/1/status").status_code == 405
    assert client.get("/me/conditions/1/satisfy").status_code == 405
    before.assert_unchanged()


def test_anonymous_writes_go_to_the_login(client, mine):
    assert post_status(client, mine, "done").status_code == 302
    mine.refresh_from_db()
    assert mine.status == Action.Status.OPEN


# --- The same controls on the session page ------------------------------------------------


def test_the_owner_sees_controls_on_their_own_row_only(client, owner, mine, theirs):
    client.force_login(owner)
    base = mine.session.get_absolute_url()
    page = client.get(base).text
    # A row links to its controls; they are fetched when opened, so a row stays small.
    assert f'href="{base}actions/{mine.pk}/open#action-{mine.pk}"' in page
    assert f"actions/{theirs.pk}/open" not in page
    assert "Add a participant" not in page  # no facilitator controls
    opened = client.get(f"{base}actions/{mine.pk}/open", headers=HX).text
    assert f'id="action-{mine.pk}-done"' in opened
    refused = client.get(f"{base}actions/{theirs.pk}/open", headers=HX)
    assert refused.status_code == 403


def test_the_owner_updates_their_row_from_the_session_page(client, owner, mine, theirs):
    client.force_login(owner)
    base = mine.session.get_absolute_url()
    before = snapshot(mine)
    response = client.post(
        f"{base}actions/{mine.pk}/status",
        {"status": "blocked", "reason": "", "version": mine.version},
        headers={**HX, "HX-Target": "actions"},
    )
    assert response.status_code == 422
    before.assert_unchanged()
    assert response.text.lstrip().startswith('<section id="actions"')
    assert "Say what blocks this action." in response.text
    response = client.post(
        f"{base}actions/{mine.pk}/status",
        {"status": "done", "version": mine.version},
        headers=HX,
    )
    assert response.status_code == 200
    assert Action.objects.get(pk=mine.pk).status == Action.Status.DONE
    before = snapshot(mine, theirs)
    other = client.post(
        f"{base}actions/{theirs.pk}/status", {"status": "done", "version": theirs.version}
    )
    assert other.status_code == 403
    missing = client.post(f"{base}actions/99999/status", {"status": "done"})
    assert missing.status_code == 404
    before.assert_unchanged()
    assert client.get(f"{base}actions/{mine.pk}/status").status_code == 405


def test_a_facilitator_satisfies_a_condition_and_records_the_review_on_the_session_page(
    client, facilitator, session
):
    decision = make_decision(
        session,
        Decision.Outcome.CONDITIONAL_GO,
        conditions=[services.ConditionSpec(text="Run BILL-230")],
        review_on=dt.date(2024, 8, 1),
    )
    condition = decision.conditions.get()
    client.force_login(facilitator)
    base = session.get_absolute_url()
    response = client.post(
        f"{base}conditions/{condition.pk}/satisfy",
        {"evidence_url": "https://ci.example.com/9", "version": condition.version},
    )
    assert response.status_code == 302
    assert Condition.objects.get(pk=condition.pk).is_satisfied
    response = client.post(f"{base}review-done", headers=HX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="decision"')
    assert Decision.objects.get(pk=decision.pk).review_done_at is not None
