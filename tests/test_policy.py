"""The sign-off policy: required areas, N of M, who may not sign, and how long a GO holds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from readiness import gate, services
from readiness.models import Decision, Event, Policy, SignOff
from tests.factories import make_decision, make_person, make_release

pytestmark = pytest.mark.django_db


def _login(django_user_model, name):
    return django_user_model.objects.create_user(username=name, password="x" * 20)


@pytest.fixture
def approvers(django_user_model, session):
    """Quinn for QA and Sam for Security, voting members with their own logins."""
    seats = {}
    for name, area in (("quinn", "QA"), ("sam", "Security")):
        user = _login(django_user_model, name)
        person = make_person(name.title(), user=user)
        seats[name] = (
            user,
            services.participant_add(user=None, session=session, person=person, area=area),
        )
    return seats


def _policy(release, **values):
    values.setdefault("rule", Policy.Rule.AREAS)
    values.setdefault("required_areas", [])
    values.setdefault("quorum", None)
    return services.policy_update(user=None, release=release, expected_version=None, **values)


def _sign(seats, name, verdict=SignOff.Verdict.APPROVE, decision=None, **kwargs):
    user, participant = seats[name]
    decision = decision or participant.session.decisions.get(is_current=True)
    return services.signoff_record(
        user=kwargs.pop("user", user),
        decision=decision,
        participant=participant,
        verdict=verdict,
        **kwargs,
    )


def _blockers(release):
    blocking = gate.release_gate(release, now=timezone.now()).blocking
    return [b for b in blocking if b.kind == "signoff"]


def test_it_keeps_a_site_without_policy_as_before(session):
    decision = make_decision(session)
    assert decision.approval == Decision.Approval.NOT_REQUIRED
    assert decision.in_force_at == decision.recorded_at
    assert gate.release_gate(session.release, now=timezone.now()).ready


def test_it_holds_a_go_until_every_required_area_approves(session, approvers):
    _policy(session.release, required_areas=["QA", "Security"])
    decision = make_decision(session)
    assert decision.approval == Decision.Approval.PENDING
    [blocker] = _blockers(session.release)
    assert "0 of 2" in blocker.text and "QA, Security" in blocker.text
    _sign(approvers, "quinn")
    decision.refresh_from_db()
    assert decision.approval == Decision.Approval.PENDING
    assert "Security" in _blockers(session.release)[0].text
    _sign(approvers, "sam")
    decision.refresh_from_db()
    assert decision.approval == Decision.Approval.SIGNED
    assert decision.in_force_at is not None
    assert _blockers(session.release) == []
    assert gate.release_gate(session.release, now=timezone.now()).ready
    verbs = set(Event.objects.values_list("verb", flat=True))
    assert {Event.Verb.SIGNOFF_APPROVED, Event.Verb.DECISION_IN_FORCE} <= verbs


def test_it_needs_n_of_the_voting_members_under_a_quorum(session, approvers):
    _policy(session.release, rule=Policy.Rule.QUORUM, quorum=2)
    decision = make_decision(session)
    _sign(approvers, "quinn")
    decision.refresh_from_db()
    assert decision.approval == Decision.Approval.PENDING
    _sign(approvers, "sam", SignOff.Verdict.ABSTAIN)
    decision.refresh_from_db()
    assert decision.approval == Decision.Approval.PENDING
    assert "1 of 2" in _blockers(session.release)[0].text


def test_it_does_not_let_the_product_owner_carry_a_go_alone(session, approvers):
    user, participant = approvers["quinn"]
    release = session.release
    services.release_update(
        user=None,
        release=release,
        expected_version=None,
        name=release.name,
        planned_date=release.planned_date,
        deploy_window_start=None,
        deploy_window_end=None,
        product_owner=participant.person,
        language=release.language,
    )
    _policy(release, rule=Policy.Rule.QUORUM, quorum=1)
    decision = make_decision(session)
    _sign(approvers, "quinn")
    decision.refresh_from_db()
    assert decision.approval == Decision.Approval.PENDING
    assert "product owner" in _blockers(release)[0].text
    _sign(approvers, "sam")
    decision.refresh_from_db()
    assert decision.approval == Decision.Approval.SIGNED


def test_it_refuses_someone_signing_for_another_approver(session, approvers, owner):
    _policy(session.release, required_areas=["QA"])
    make_decision(session)
    with pytest.raises(PermissionDenied):
        _sign(approvers, "quinn", user=owner)
    with pytest.raises(PermissionDenied):
        _sign(approvers, "quinn", user=approvers["sam"][0])
    assert not SignOff.objects.exists()


def test_it_lets_the_facilitator_sign_as_proxy_only_with_a_reason(session, approvers, facilitator):
    _policy(session.release, required_areas=["QA"])
    decision = make_decision(session)
    with pytest.raises(ValidationError) as refused:
        _sign(approvers, "quinn", user=facilitator)
    assert "proxy_reason" in refused.value.error_dict
    assert not SignOff.objects.exists()
    signoff = _sign(approvers, "quinn", user=facilitator, proxy_reason="On leave, agreed by chat")
    assert signoff.recorded_by == facilitator
    assert signoff.proxy_reason == "On leave, agreed by chat"
    assert signoff.participant.person.name == "Quinn"
    decision.refresh_from_db()
    assert decision.approval == Decision.Approval.SIGNED


def test_it_blocks_on_a_rejection_and_says_why(session, approvers):
    _policy(session.release, required_areas=["QA", "Security"])
    decision = make_decision(session)
    _sign(approvers, "sam", SignOff.Verdict.REJECT, comment="Pen test findings open")
    decision.refresh_from_db()
    assert decision.approval == Decision.Approval.REJECTED
    [blocker] = _blockers(session.release)
    assert "Sam" in blocker.text and "Pen test findings open" in blocker.text
    with pytest.raises(ValidationError):
        _sign(approvers, "quinn")


def test_it_refuses_a_second_sign_off_and_areas_it_does_not_require(session, approvers):
    _policy(session.release, required_areas=["QA"])
    make_decision(session)
    with pytest.raises(ValidationError):
        _sign(approvers, "sam")
    _sign(approvers, "quinn", SignOff.Verdict.ABSTAIN)
    with pytest.raises(ValidationError):
        _sign(approvers, "quinn")
    assert SignOff.objects.count() == 1


def test_it_lets_a_go_expire_after_its_validity(session):
    _policy(session.release, go_valid_days=7)
    decision = make_decision(session)
    since = decision.in_force_at
    assert gate.release_gate(session.release, now=since + dt.timedelta(days=6)).ready
    later = gate.release_gate(session.release, now=since + dt.timedelta(days=7))
    assert not later.ready
    assert [b.kind for b in later.blocking] == ["signoff"]
    assert "reconfirm" in later.blocking[0].text
    assert later.as_dict()["policy"]["go_valid_days"] == 7


def test_it_keeps_imported_decisions_in_force_as_the_minutes_say(session):
    _policy(session.release, required_areas=["QA"], go_valid_days=1)
    decision = services.decision_record(
        user=None, session=session, outcome=Decision.Outcome.GO, notify=False, imported=True
    )
    assert decision.approval == Decision.Approval.MINUTES
    assert gate.release_gate(session.release, now=timezone.now() + dt.timedelta(days=30)).ready


def test_it_does_not_ask_a_no_go_to_be_signed(session):
    _policy(session.release, required_areas=["QA"])
    decision = make_decision(session, Decision.Outcome.NO_GO)
    assert decision.approval == Decision.Approval.NOT_REQUIRED


def test_it_fixes_the_policy_once_the_release_has_a_decision(session):
    policy = _policy(session.release, required_areas=["QA"])
    make_decision(session, Decision.Outcome.NO_GO)
    with pytest.raises(ValidationError):
        services.policy_update(
            user=None,
            release=session.release,
            expected_version=policy.version,
            required_areas=[],
            rule=Policy.Rule.AREAS,
            quorum=None,
        )
    policy.refresh_from_db()
    assert policy.required_areas == ["QA"]


def test_it_copies_the_site_default_to_a_new_release():
    _policy(None, required_areas=["QA", "FinOps"], go_valid_days=7)
    release = make_release("Copied")
    assert release.policy.required_areas == ["QA", "FinOps"]
    assert release.policy.go_valid_days == 7
    # A release made before the default was set follows the default.
    Policy.objects.filter(release=release).delete()
    assert Policy.for_release(release).required_areas == ["QA", "FinOps"]


def test_it_refuses_a_quorum_without_a_number(session):
    with pytest.raises(ValidationError):
        _policy(session.release, rule=Policy.Rule.QUORUM, quorum=None)


# --- The policy pages ----------------------------------------------------------------------


def _form(**values):
    data = {
        "required_areas": "QA, Security, qa",
        "rule": "areas",
        "quorum": "",
        "owner_not_sole_approver": "on",
        "go_valid_days": "7",
    }
    return data | values


def test_the_facilitator_sets_the_release_policy_before_its_first_decision(
    client, facilitator, session
):
    client.force_login(facilitator)
    url = f"/releases/{session.release.slug}/policy/"
    assert "Sign-off policy of" in client.get(url).text
    response = client.post(url, _form())
    assert response.status_code == 302
    policy = Policy.objects.get(release=session.release)
    assert policy.required_areas == ["QA", "Security"]
    assert policy.go_valid_days == 7
    assert Event.objects.filter(verb=Event.Verb.POLICY_CREATED).exists()
    changed = client.post(url, _form(required_areas="QA", version=str(policy.version)))
    assert changed.status_code == 302
    policy.refresh_from_db()
    assert policy.required_areas == ["QA"]


def test_the_release_policy_page_refuses_a_change_after_a_decision(client, facilitator, session):
    policy = _policy(session.release, required_areas=["QA"])
    make_decision(session, Decision.Outcome.NO_GO)
    client.force_login(facilitator)
    url = f"/releases/{session.release.slug}/policy/"
    assert "cannot change once the release has a decision" in client.get(url).text
    response = client.post(url, _form(required_areas="", version=str(policy.version)))
    assert response.status_code == 422
    policy.refresh_from_db()
    assert policy.required_areas == ["QA"]


def test_the_policy_page_refuses_a_quorum_without_its_number_keeping_the_input(
    client, facilitator, session
):
    client.force_login(facilitator)
    response = client.post(
        f"/releases/{session.release.slug}/policy/", _form(rule="quorum", required_areas="FinOps")
    )
    assert response.status_code == 422
    assert 'value="FinOps"' in response.text
    assert not Policy.objects.filter(release=session.release).exists()


@pytest.mark.parametrize(("role", "status"), [("owner", 403), ("manager", 403)])
def test_only_who_manages_the_release_opens_its_policy(client, request, session, role, status):
    client.force_login(request.getfixturevalue(role))
    url = f"/releases/{session.release.slug}/policy/"
    assert client.get(url).status_code == status
    assert client.post(url, _form()).status_code == status
    assert not Policy.objects.exists()


def test_only_an_administrator_sets_the_site_default(client, facilitator, admin_user):
    client.force_login(facilitator)
    assert client.post("/policy/", _form()).status_code == 403
    client.force_login(admin_user)
    assert client.post("/policy/", _form(required_areas="Compliance")).status_code == 302
    assert Policy.objects.get(release__isnull=True).required_areas == ["Compliance"]
    assert client.get("/releases/nope/policy/").status_code == 404
    assert client.delete("/policy/").status_code == 405


def test_every_change_of_a_release_policy_is_in_the_release_history(session):
    """Creating and then changing a release's policy are both events of that release."""
    Policy.objects.filter(release=session.release).delete()
    policy = _policy(session.release, required_areas=["QA"])
    services.policy_update(
        user=None,
        release=session.release,
        expected_version=policy.version,
        required_areas=["QA", "Security"],
        rule=Policy.Rule.AREAS,
        quorum=None,
    )
    events = Event.objects.filter(subject_type="policy", subject_id=policy.pk).order_by("pk")
    assert [(e.verb, e.release_id) for e in events] == [
        (Event.Verb.POLICY_CREATED, session.release.pk),
        (Event.Verb.POLICY_UPDATED, session.release.pk),
    ]


def test_a_policy_loaded_with_its_release_is_read_without_a_query(
    django_assert_num_queries,
):
    _policy(None, required_areas=["QA"])
    release = make_release("Loaded with it")
    loaded = type(release).objects.select_related("policy").get(pk=release.pk)
    with django_assert_num_queries(0):
        assert Policy.for_release(loaded).required_areas == ["QA"]
    # Without one of its own, the release still follows its team's or the site's default.
    Policy.objects.filter(release=release).delete()
    bare = type(release).objects.select_related("policy").get(pk=release.pk)
    with django_assert_num_queries(1):
        assert Policy.for_release(bare).required_areas == ["QA"]


def test_the_gate_reads_the_release_policy_with_the_release(client, manager):
    _policy(None, required_areas=["QA"])
    release = make_release("Gated")
    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/releases/{release.slug}/gate")
    assert response.status_code == 200
    assert response.json()["policy"]["required_areas"] == ["QA"]
    assert not any('FROM "readiness_policy"' in q["sql"] for q in queries.captured_queries)
