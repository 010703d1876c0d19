"""The revised gate rule: only actions flagged *must be done before deploy* block, the other
open actions due before the deploy are warnings, a later session's GO is the authority over
an earlier NO-GO, and the `checklist` kind."""

import datetime as dt
import json

import pytest
from django.core.management import call_command

from readiness import gate, services
from readiness.models import Action, ChecklistItem, Decision, Policy
from tests.factories import make_action, make_decision, make_person, make_release, make_session

NOW = dt.datetime(2024, 7, 15, 18, 0, tzinfo=dt.UTC)
SP = dt.timezone(dt.timedelta(hours=-3))


def _gate(release, now=NOW):
    return gate.release_gate(release, now=now)


@pytest.fixture
def release(db):
    return make_release("Billing Gateway")


def _two_sessions(release):
    first = make_session(release, scheduled_at=dt.datetime(2024, 7, 10, 14, 0, tzinfo=SP))
    second = make_session(release, scheduled_at=dt.datetime(2024, 7, 12, 14, 0, tzinfo=SP))
    return first, second


def test_a_later_go_is_in_force_over_the_earlier_no_go_and_its_actions_warn(release):
    first, second = _two_sessions(release)
    make_decision(first, Decision.Outcome.NO_GO)
    a1 = make_action(first, code="A1", due_date=dt.date(2024, 7, 11))
    a2 = make_action(first, code="A2", due_date=dt.date(2024, 7, 14))
    assert not _gate(release).ready
    make_decision(second, Decision.Outcome.GO)
    result = _gate(release)
    assert result.ready and result.outcome == "go"
    assert result.blocking == ()
    assert [(w.kind, w.reference) for w in result.warnings] == [("action", "A1"), ("action", "A2")]
    data = result.as_dict()
    assert data["ready"] is True and data["blocking"] == []
    assert [w["reference"] for w in data["warnings"]] == [a1.code, a2.code]
    assert set(data["warnings"][0]) == {"kind", "text", "reference", "owner", "detail"}


def test_imported_minutes_are_in_force_as_they_record_the_meetings(release):
    """Minutes imported in any order: the meeting's own time decides which is in force."""
    first, second = _two_sessions(release)
    make_decision(
        second, Decision.Outcome.GO, recorded_at=dt.datetime(2024, 7, 12, 15, 0, tzinfo=SP)
    )
    make_decision(
        first, Decision.Outcome.NO_GO, recorded_at=dt.datetime(2024, 7, 10, 15, 0, tzinfo=SP)
    )
    result = _gate(release)
    assert result.ready and result.outcome == "go"


def test_a_flagged_action_blocks_and_an_unflagged_one_warns(release):
    session = make_session(release)
    make_decision(session, Decision.Outcome.GO)
    make_action(session, code="A1", due_date=dt.date(2024, 7, 15), before_deploy=True)
    make_action(session, code="A2", due_date=dt.date(2024, 7, 15))
    make_action(session, code="A3", due_date=dt.date(2024, 7, 16))  # after the planned day
    result = _gate(release)
    assert not result.ready
    assert [(b.kind, b.reference) for b in result.blocking] == [("action", "A1")]
    assert [(w.kind, w.reference) for w in result.warnings] == [("action", "A2")]


def test_a_done_flagged_action_no_longer_blocks(release):
    session = make_session(release)
    make_decision(session, Decision.Outcome.GO)
    action = make_action(session, due_date=dt.date(2024, 7, 15), before_deploy=True)
    assert not _gate(release).ready
    services.action_status_import(user=None, action=action, status=Action.Status.DONE)
    result = _gate(release)
    assert result.ready and result.warnings == ()


def test_imported_actions_are_not_flagged(sample_release):
    assert sample_release.actions.exists()
    assert not sample_release.actions.filter(before_deploy=True).exists()


def test_every_kind_has_a_label():
    for kind in (gate.DECISION, gate.CONDITION, gate.EXPIRED_CONDITION, gate.ACTION):
        assert gate.KIND_LABELS[kind]
    assert str(gate.KIND_LABELS[gate.CHECKLIST]) == "Checklist"


# --- Checklist ------------------------------------------------------------------------------


def _item(session, area="QA", key="e2e", **kwargs):
    return services.checklist_item_add(user=None, session=session, area=area, key=key, **kwargs)


def _set(item, state):
    item.refresh_from_db()
    return services.checklist_item_set(
        user=None, item=item, expected_version=item.version, state=state
    )


def test_a_required_item_not_passed_blocks_as_checklist(release):
    session = make_session(release)
    make_decision(session, Decision.Outcome.GO)
    item = _item(session, label="End-to-end suite")
    _item(session, key="perf", required=False)  # optional: never blocks
    result = _gate(release)
    assert [(b.kind, b.reference) for b in result.blocking] == [("checklist", "e2e")]
    assert "QA" in result.blocking[0].text and "End-to-end suite" in result.blocking[0].text
    _set(item, ChecklistItem.State.FAILED)
    assert not _gate(release).ready
    _set(item, ChecklistItem.State.PASSED)
    assert _gate(release).ready


def test_an_exemption_lets_it_through_until_it_expires(release):
    session = make_session(release)
    make_decision(session, Decision.Outcome.GO)
    item = _item(session)
    services.checklist_item_exempt(
        user=None,
        item=item,
        expected_version=item.version,
        reason="Performance environment down; measured last week.",
        until=dt.date(2024, 7, 16),
    )
    assert _gate(release).ready
    # The 16th in São Paulo is still exempt; the 17th is not.
    assert _gate(release, now=dt.datetime(2024, 7, 17, 2, 59, tzinfo=dt.UTC)).ready
    late = _gate(release, now=dt.datetime(2024, 7, 17, 3, 0, tzinfo=dt.UTC))
    assert [b.kind for b in late.blocking] == ["checklist"]


def test_only_the_latest_sessions_check_of_an_area_counts(release):
    first, second = _two_sessions(release)
    make_decision(second, Decision.Outcome.GO)
    _item(first)  # pending in the first meeting
    item = _item(second)
    _set(item, ChecklistItem.State.PASSED)
    assert _gate(release).ready


def test_the_command_keeps_its_exit_codes_and_lists_warnings(release, capsys):
    first, second = _two_sessions(release)
    make_decision(first, Decision.Outcome.NO_GO)
    make_action(first, code="A1", due_date=dt.date(2024, 7, 11))
    make_decision(second, Decision.Outcome.GO)
    call_command("gate", release.slug)  # exit 0: no SystemExit
    out = capsys.readouterr().out
    assert "READY" in out and "Warnings:" in out and "[action]" in out
    _item(second)
    with pytest.raises(SystemExit) as exit_:
        call_command("gate", release.slug)
    assert exit_.value.code == 1
    assert "[checklist]" in capsys.readouterr().out


def test_the_api_answers_warnings(client, facilitator, release):
    first, second = _two_sessions(release)
    make_decision(first, Decision.Outcome.NO_GO)
    make_action(first, code="A1", due_date=dt.date(2024, 7, 11))
    make_decision(second, Decision.Outcome.GO)
    client.force_login(facilitator)
    data = json.loads(client.get(f"/api/releases/{release.slug}/gate").content)
    assert data["ready"] is True
    assert [w["kind"] for w in data["warnings"]] == ["action"]


def test_the_release_page_shows_the_warnings(client, facilitator, release):
    first, second = _two_sessions(release)
    make_decision(first, Decision.Outcome.NO_GO)
    make_action(first, code="A1", due_date=dt.date(2024, 7, 11))
    make_decision(second, Decision.Outcome.GO)
    client.force_login(facilitator)
    page = client.get(release.get_absolute_url()).content.decode()
    assert "Warnings (they do not block)" in page and "Ready to ship" in page
    assert "<code>A1</code>" in page


def test_a_deployment_gate_stored_before_warnings_existed_still_reads(
    client, facilitator, release
):
    from readiness.models import Deployment

    session = make_session(release, facilitator=facilitator.person)
    make_decision(session, Decision.Outcome.GO)
    deployment = services.deployment_record(
        user=facilitator,
        release=release,
        environment="production",
        ref="v1",
        outcome="succeeded",
        started_at=dt.datetime(2024, 7, 15, 21, 0, tzinfo=dt.UTC),
    )
    old = {k: v for k, v in deployment.gate.items() if k != "warnings"}
    Deployment.objects.filter(pk=deployment.pk).update(gate=old)
    client.force_login(facilitator)
    response = client.get(f"/api/releases/{release.slug}/deployments")
    assert response.status_code == 200
    assert response.json()[0]["gate"]["warnings"] == []


def test_a_no_go_then_a_go_is_ready_once_the_later_go_is_signed_off(release, django_user_model):
    """The issue's two-session release: the NO-GO's two actions, never marked done in the
    app, only warn; the later GO waits for QA's sign-off and is then in force."""
    services.policy_update(
        user=None,
        release=release,
        expected_version=None,
        required_areas=["QA"],
        rule=Policy.Rule.AREAS,
        quorum=None,
    )
    first, second = _two_sessions(release)
    make_decision(first, Decision.Outcome.NO_GO)
    make_action(first, code="A1", due_date=dt.date(2024, 7, 11))
    make_action(first, code="A2", due_date=dt.date(2024, 7, 14))
    quinn = django_user_model.objects.create_user(username="quinn", password="x" * 20)
    qa = services.participant_add(
        user=None, session=second, person=make_person("Quinn Lima", user=quinn), area="QA"
    )
    go = make_decision(second, Decision.Outcome.GO)
    assert go.approval == Decision.Approval.PENDING

    pending = _gate(release)
    assert not pending.ready and pending.outcome == "go"
    assert [b.kind for b in pending.blocking] == ["signoff"]
    assert [w.reference for w in pending.warnings] == ["A1", "A2"]

    services.signoff_record(user=quinn, decision=go, participant=qa, verdict="approve")
    signed = _gate(release)
    assert signed.ready and signed.blocking == ()
    assert [w.reference for w in signed.warnings] == ["A1", "A2"]
    assert signed.as_dict()["policy"]["required_areas"] == ["QA"]
