"""Correcting the record: evidence edited and removed, participants and readiness checks
removed, a condition's owner and deadline changed; each with its Event, for whoever may
run the session, and nothing changed when refused."""

import datetime as dt

import pytest
from django.core import mail

from readiness import services
from readiness.models import Condition, Decision, Event, Evidence, Participant, ReadinessCheck
from tests.factories import make_action, make_decision, make_person, make_session

HX = {"HX-Request": "true"}


@pytest.fixture
def record(facilitator, owner):
    session = make_session(facilitator=facilitator.person)
    free = services.participant_add(user=None, session=session, person=make_person("Ana Souza"))
    voter = services.participant_add(user=None, session=session, person=make_person("Vera V"))
    owning = services.participant_add(user=None, session=session, person=owner.person)
    check = services.readiness_check_set(user=None, session=session, area="QA", status="amber")
    evidence = services.evidence_add(
        user=None, session=session, title="k6", location="qa/k6.md", category="qa"
    )
    make_action(session, code="A1", owner=owner.person)
    decision = make_decision(
        session,
        Decision.Outcome.CONDITIONAL_GO,
        conditions=[services.ConditionSpec(text="Run BILL-230", owner=owner.person)],
        method="vote",
        votes=[services.VoteSpec(participant=voter, choice="go")],
    )
    return {
        "session": session,
        "url": session.get_workspace_url(),
        "free": free,
        "voter": voter,
        "owning": owning,
        "check": check,
        "evidence": evidence,
        "condition": decision.conditions.get(),
    }


def _events(verb):
    return list(Event.objects.filter(verb=verb))


# --- Evidence -----------------------------------------------------------------------------


def test_it_opens_and_saves_an_evidence_edit_as_its_row(client, facilitator, record):
    client.force_login(facilitator)
    ev = record["evidence"]
    opened = client.get(f"{record['url']}evidence/{ev.pk}/edit", headers=HX)
    assert opened.status_code == 200 and 'name="location"' in opened.text
    response = client.post(
        f"{record['url']}evidence/{ev.pk}/edit",
        {"title": "k6 run 2", "location": "docs/k6-2.md", "category": "qa", "version": ev.version},
        headers=HX,
    )
    assert response.status_code == 200
    assert response.text.strip().startswith(f'<li id="evidence-{ev.pk}"')
    ev.refresh_from_db()
    assert (ev.title, ev.location) == ("k6 run 2", "docs/k6-2.md")
    (event,) = _events(Event.Verb.EVIDENCE_UPDATED)
    assert event.before["location"] == "qa/k6.md" and event.after["location"] == "docs/k6-2.md"
    assert Event.Verb(event.verb).label


def test_a_moved_evidence_must_be_verified_again(facilitator, record):
    ev = record["evidence"]
    services.evidence_verify(user=facilitator, evidence=ev)
    ev.refresh_from_db()
    services.evidence_update(
        user=facilitator,
        evidence=ev,
        expected_version=ev.version,
        title=ev.title,
        location="https://ci.example.com/k6",
        category=ev.category,
    )
    ev.refresh_from_db()
    assert not ev.verified and ev.verified_at is None


def test_a_bad_evidence_location_is_refused_with_the_input_kept(client, facilitator, record):
    client.force_login(facilitator)
    ev = record["evidence"]
    before = Event.objects.count()
    response = client.post(
        f"{record['url']}evidence/{ev.pk}/edit",
        {"title": "Typed", "location": "https://", "category": "qa", "version": ev.version},
        headers=HX,
    )
    assert response.status_code == 422 and 'value="Typed"' in response.text
    ev.refresh_from_db()
    assert ev.title == "k6" and Event.objects.count() == before


def test_a_stale_evidence_edit_or_removal_is_a_409(client, facilitator, record):
    client.force_login(facilitator)
    ev = record["evidence"]
    data = {"title": "x", "location": "a.md", "category": "qa", "version": ev.version + 3}
    edit = client.post(f"{record['url']}evidence/{ev.pk}/edit", data, headers=HX)
    assert edit.status_code == 409
    removal = client.post(
        f"{record['url']}evidence/{ev.pk}/remove", {"version": ev.version + 3}, headers=HX
    )
    assert removal.status_code == 409
    assert Evidence.objects.filter(pk=ev.pk, title="k6").exists()


def test_it_removes_evidence_and_keeps_it_in_the_event(client, facilitator, record):
    client.force_login(facilitator)
    ev = record["evidence"]
    response = client.post(
        f"{record['url']}evidence/{ev.pk}/remove", {"version": ev.version}, headers=HX
    )
    assert response.status_code == 200 and response.text == ""
    assert not Evidence.objects.filter(pk=ev.pk).exists()
    (event,) = _events(Event.Verb.EVIDENCE_REMOVED)
    assert event.before["location"] == "qa/k6.md" and event.subject_id == ev.pk


def test_without_javascript_a_removal_redirects_to_its_section(client, facilitator, record):
    client.force_login(facilitator)
    ev = record["evidence"]
    response = client.post(f"{record['url']}evidence/{ev.pk}/remove", {"version": ev.version})
    assert response.status_code == 302 and response["Location"].endswith("#evidence")


# --- Participants -------------------------------------------------------------------------


def test_it_removes_a_participant_nothing_needs(client, facilitator, record):
    client.force_login(facilitator)
    p = record["free"]
    response = client.post(
        f"{record['url']}participants/{p.pk}/remove", {"version": p.version}, headers=HX
    )
    assert response.status_code == 200 and response.text == ""
    assert not Participant.objects.filter(pk=p.pk).exists()
    (event,) = _events(Event.Verb.PARTICIPANT_REMOVED)
    assert event.session_id == record["session"].pk and not event.is_addendum


@pytest.mark.parametrize(
    ("who", "reason"),
    [("voter", "They voted in this session."), ("owning", "They own an action of this session.")],
)
def test_a_participant_the_record_needs_stays(client, facilitator, record, who, reason):
    client.force_login(facilitator)
    p = record[who]
    before = Event.objects.count()
    response = client.post(
        f"{record['url']}participants/{p.pk}/remove", {"version": p.version}, headers=HX
    )
    assert response.status_code == 422
    assert "cannot be removed" in response.text and reason in response.text
    assert f'id="participant-{p.pk}"' in response.text
    assert Participant.objects.filter(pk=p.pk).exists() and Event.objects.count() == before


def test_the_owner_of_a_condition_is_named_as_such(facilitator, record):
    from django.core.exceptions import ValidationError

    p = record["owning"]
    with pytest.raises(ValidationError, match="own a condition of this session"):
        services.participant_remove(user=facilitator, participant=p, expected_version=p.version)


# --- Readiness checks ---------------------------------------------------------------------


def test_it_removes_a_check_and_its_evidence_stays_on_the_session(client, facilitator, record):
    check = record["check"]
    backing = services.evidence_add(
        user=None, session=record["session"], title="QA", location="qa.md", readiness_check=check
    )
    client.force_login(facilitator)
    response = client.post(
        f"{record['url']}checks/{check.pk}/remove", {"version": check.version}, headers=HX
    )
    assert response.status_code == 200
    assert not ReadinessCheck.objects.filter(pk=check.pk).exists()
    backing.refresh_from_db()
    assert backing.readiness_check is None
    assert len(_events(Event.Verb.READINESS_CHECK_REMOVED)) == 1


def test_the_check_edit_row_offers_its_removal(client, facilitator, record):
    client.force_login(facilitator)
    check = record["check"]
    opened = client.get(f"{record['url']}checks/{check.pk}/edit", headers=HX)
    assert f"checks/{check.pk}/remove" in opened.text


# --- A condition's owner and deadline -----------------------------------------------------


def test_it_gives_a_condition_a_new_owner_who_is_told(
    client, facilitator, record, django_capture_on_commit_callbacks
):
    ana = make_person("Ana Souza")
    ana.email = "ana@example.com"
    ana.save()
    client.force_login(facilitator)
    condition = record["condition"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{record['url']}conditions/{condition.pk}/edit",
            {"owner": "Ana Souza", "deadline": "2024-07-20T18:00", "version": condition.version},
            headers=HX,
        )
    assert response.status_code == 200
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    assert "Ana Souza is told by e-mail." in response.text
    condition.refresh_from_db()
    assert condition.owner == ana
    assert condition.deadline == dt.datetime(2024, 7, 20, 21, 0, tzinfo=dt.UTC)
    (event,) = _events(Event.Verb.CONDITION_UPDATED)
    assert event.after["owner_id"] == ana.pk


def test_an_owner_without_an_address_is_not_said_to_be_told(client, facilitator, record):
    make_person("Nadia Noaddress")
    client.force_login(facilitator)
    condition = record["condition"]
    response = client.post(
        f"{record['url']}conditions/{condition.pk}/edit",
        {"owner": "Nadia Noaddress", "deadline": "", "version": condition.version},
        headers=HX,
    )
    assert response.status_code == 200
    assert "has no e-mail address: nobody was told." in response.text
    assert "is told by e-mail" not in response.text


def test_a_stale_condition_edit_is_a_409(client, facilitator, record):
    client.force_login(facilitator)
    condition = record["condition"]
    response = client.post(
        f"{record['url']}conditions/{condition.pk}/edit",
        {"owner": "Ana Souza", "deadline": "", "version": condition.version + 2},
        headers=HX,
    )
    assert response.status_code == 409
    condition.refresh_from_db()
    assert condition.owner.name == "Owen Owner"


def test_a_satisfied_condition_keeps_its_owner(facilitator, record):
    from django.core.exceptions import ValidationError

    condition = record["condition"]
    services.condition_satisfy(user=facilitator, condition=condition)
    condition.refresh_from_db()
    with pytest.raises(ValidationError, match="already satisfied"):
        services.condition_update(
            user=facilitator,
            condition=condition,
            expected_version=condition.version,
            owner=None,
            deadline=None,
        )


def test_a_condition_is_satisfied_with_a_repository_path(client, owner, record):
    client.force_login(owner)
    condition = record["condition"]
    response = client.post(
        f"{record['url']}conditions/{condition.pk}/satisfy",
        {"evidence_url": "docs/bill-230.md", "version": condition.version},
        headers=HX,
    )
    assert response.status_code == 200
    condition.refresh_from_db()
    assert condition.is_satisfied
    assert condition.evidence.get().location == "docs/bill-230.md"


# --- Closed sessions and permissions ------------------------------------------------------


def test_on_a_closed_session_a_correction_is_an_addendum(client, facilitator, record):
    services.session_close(user=None, session=record["session"], expected_version=None)
    client.force_login(facilitator)
    p = record["free"]
    client.post(f"{record['url']}participants/{p.pk}/remove", {"version": p.version}, headers=HX)
    (event,) = _events(Event.Verb.PARTICIPANT_REMOVED)
    assert event.is_addendum


@pytest.mark.parametrize("role", ["manager", "owner"])
@pytest.mark.parametrize(
    "route",
    ["evidence_edit", "evidence_remove", "participant_remove", "check_remove", "condition_edit"],
)
def test_only_who_runs_the_session_corrects_it(client, request, record, role, route):
    client.force_login(request.getfixturevalue(role))
    target = {
        "evidence_edit": ("evidence", record["evidence"], "edit"),
        "evidence_remove": ("evidence", record["evidence"], "remove"),
        "participant_remove": ("participants", record["free"], "remove"),
        "check_remove": ("checks", record["check"], "remove"),
        "condition_edit": ("conditions", record["condition"], "edit"),
    }[route]
    kind, obj, verb = target
    before = Event.objects.count()
    response = client.post(
        f"{record['url']}{kind}/{obj.pk}/{verb}",
        {"version": obj.version, "title": "x", "location": "a.md", "category": "qa", "owner": ""},
        headers=HX,
    )
    assert response.status_code == 403
    assert Event.objects.count() == before
    assert type(obj).objects.filter(pk=obj.pk, version=obj.version).exists()


def test_a_condition_of_another_session_is_not_found(client, facilitator, record):
    other = make_session(facilitator=facilitator.person)
    decision = make_decision(other, Decision.Outcome.CONDITIONAL_GO)
    condition = Condition.objects.get(decision=decision)
    client.force_login(facilitator)
    response = client.get(f"{record['url']}conditions/{condition.pk}/edit", headers=HX)
    assert response.status_code == 404
