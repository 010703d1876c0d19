"""Input that cannot hurt: dates in range, known time zones, strict links and clean text,
refused (or cleaned) the same way at every door: the services, the API, the importer and
the page forms."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from icalendar import Calendar

from readiness import bounds, services
from readiness.minutes.importer import import_minutes
from readiness.minutes.parser import MinutesError, parse_minutes
from readiness.models import Action, Condition, Decision, Evidence, Release, Session
from tests.factories import make_action, make_decision, make_person, make_release, make_session
from tests.helpers import change_status, refused, snapshot

FAR_ZONE = zoneinfo.ZoneInfo("Etc/GMT+12")
# The probe's value: past year 9999 once in UTC, so it cannot be read back.
FAR = dt.datetime(9999, 12, 31, 23, 0, tzinfo=FAR_ZONE)
FAR_DAY = dt.date(9999, 12, 31)
SAO_PAULO = zoneinfo.ZoneInfo("America/Sao_Paulo")
LONG_ZONE = "A" * 300
BAD_LINKS = ["http://[::1/x", "http://[::1", "https://[not-an-ip]/x", "http://host:99999/"]
HX = {"HX-Request": "true"}

pytestmark = pytest.mark.django_db


# --- The rules themselves -----------------------------------------------------------------


@pytest.mark.parametrize(
    "value, valid",
    [
        (dt.datetime(2000, 1, 1, tzinfo=dt.UTC), True),
        (dt.datetime(2100, 12, 31, 23, 59, tzinfo=dt.UTC), True),
        (dt.datetime(1999, 12, 31, 23, 59, tzinfo=dt.UTC), False),
        (dt.datetime(2101, 1, 1, tzinfo=dt.UTC), False),
        (FAR, False),
        (dt.datetime(1, 1, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo("Etc/GMT-14")), False),
        (dt.datetime.max.replace(tzinfo=dt.UTC), False),
    ],
)
def test_a_moment_is_valid_between_2000_and_2100(value, valid):
    assert bounds.moment_is_valid(value) is valid


@pytest.mark.parametrize(
    "name",
    [LONG_ZONE, "", "../../etc/passwd", "America/Sao_Paulo\x00", "Not/AZone", "/etc/localtime"],
)
def test_an_unknown_or_hostile_zone_name_is_refused_without_an_exception(name):
    assert bounds.zone_or_none(name) is None
    with pytest.raises(ValidationError):
        bounds.check_time_zone(name)


@pytest.mark.parametrize("url", BAD_LINKS + ["ftp://x.example.com/", "http:///x", "http://a b/"])
def test_a_link_that_does_not_parse_is_refused_with_a_reason(url):
    assert bounds.web_url_problem(url)
    assert bounds.is_web_url(url) is False


@pytest.mark.parametrize(
    "url", ["https://ci.example.com/jobs/42?x=1#y", "http://[::1]:8000/x", "http://10.0.0.1/"]
)
def test_a_good_link_passes(url):
    assert bounds.web_url_problem(url) == ""


def test_text_loses_control_characters_and_titles_their_line_breaks():
    assert bounds.clean_text("a\x00b\r\nc\x07\td") == "ab\nc\td"
    assert bounds.clean_line("Go/No-Go\nsecond line\u2028third") == "Go/No-Go second line third"
    assert bounds.clean_text("half \ud800 a pair") == "half  a pair"


# --- The 9999-12-31 window, session time and deadline -------------------------------------


def test_the_far_deploy_window_is_refused_and_nothing_is_created():
    with refused() as error:
        services.release_create(
            user=None,
            name="Far",
            planned_date=dt.date(2024, 7, 15),
            deploy_window_start=FAR - dt.timedelta(hours=1),
            deploy_window_end=FAR,
        )
    assert "2000-01-01" in " ".join(error.value.messages)


def test_a_planned_date_out_of_range_is_refused():
    with refused():
        services.release_create(user=None, name="Old", planned_date=dt.date(1999, 12, 31))


def test_the_far_session_time_is_refused_when_scheduling_and_editing():
    release = make_release()
    with refused(release):
        services.session_schedule(
            user=None, release=release, scheduled_at=FAR, time_zone="Etc/GMT+12"
        )
    session = make_session(release)
    with refused(session):
        services.session_update(
            user=None,
            session=session,
            expected_version=session.version,
            title="Go",
            scheduled_at=FAR,
            time_zone="Etc/GMT+12",
            objective="",
            facilitator=None,
        )


def test_the_far_condition_deadline_is_refused():
    session = make_session()
    with refused(session) as error:
        services.decision_record(
            user=None,
            session=session,
            outcome=Decision.Outcome.CONDITIONAL_GO,
            conditions=[services.ConditionSpec(text="Run BILL-230", deadline=FAR)],
        )
    assert "deadline" in error.value.message_dict


def test_an_action_due_9999_12_31_is_refused_on_create_and_edit():
    session = make_session()
    owner = make_person("Ana Souza")
    with refused(session):
        make_action(session, code="A1", owner=owner, due_date=FAR_DAY)
    action = make_action(session, code="A1")
    with refused(action):
        services.action_update(
            user=None,
            action=action,
            expected_version=action.version,
            description=action.description,
            owner=action.owner,
            due_date=FAR_DAY,
            kind=action.kind,
        )


def test_a_review_date_out_of_range_is_refused():
    session = make_session()
    with refused(session):
        make_decision(session, review_on=dt.date(2200, 1, 1))


# --- Zones ----------------------------------------------------------------------------------


def test_the_300_character_zone_is_a_clean_refusal():
    release = make_release()
    with refused(release) as error:
        services.session_schedule(
            user=None,
            release=release,
            scheduled_at=dt.datetime(2024, 7, 15, 14, 0),
            time_zone=LONG_ZONE,
        )
    assert "time_zone" in error.value.message_dict
    assert len(error.value.message_dict["time_zone"][0]) < 120


# --- Links ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", BAD_LINKS)
def test_a_broken_link_is_refused_as_evidence(url):
    session = make_session()
    with refused(session) as error:
        services.evidence_add(user=None, session=session, title="Bad", location=url)
    assert "location" in error.value.message_dict


def test_a_relative_repository_path_and_plain_text_are_still_kept():
    session = make_session()
    path = services.evidence_add(
        user=None, session=session, title="QA", location="quality/test-report.md"
    )
    text = services.evidence_add(
        user=None, session=session, title="Odd", location="javascript:alert(1)"
    )
    assert path.location == "quality/test-report.md"
    assert text.href() == ""


@pytest.mark.parametrize("url", BAD_LINKS)
def test_a_broken_link_is_refused_as_a_conditions_evidence(url):
    session = make_session()
    decision = make_decision(session, Decision.Outcome.CONDITIONAL_GO)
    condition = decision.conditions.get()
    with refused(condition) as error:
        services.condition_satisfy_with_evidence(
            user=None, condition=condition, url=url, expected_version=condition.version
        )
    assert "evidence_url" in error.value.message_dict


def test_a_broken_link_is_refused_when_an_action_is_done(facilitator):
    session = make_session(facilitator=facilitator.person)
    action = make_action(session, code="A1")
    with refused(action):
        change_status(facilitator, action, Action.Status.DONE, evidence_url="http://[::1/x")


# --- Text -----------------------------------------------------------------------------------


def test_a_line_break_in_a_session_title_is_kept_off_the_invite(client, manager):
    session = make_session()
    services.session_update(
        user=None,
        session=session,
        expected_version=session.version,
        title="Go/No-Go\r\nBEGIN:VEVENT\nX",
        scheduled_at=session.scheduled_at,
        time_zone=session.time_zone,
        objective="",
        facilitator=None,
    )
    session.refresh_from_db()
    assert session.title == "Go/No-Go BEGIN:VEVENT X"
    client.force_login(manager)
    response = client.get(f"{session.get_absolute_url()}invite.ics")
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    assert len(list(calendar.walk("VEVENT"))) == 1


def test_nul_and_control_characters_never_reach_the_database():
    session = make_session()
    person = make_person("Ana\x00 Souza", title="SRE\nLead")
    assert person.name == "Ana Souza" and person.title == "SRE Lead"
    item = services.agenda_item_add(
        user=None, session=session, title="QA\x00 metrics\n", notes="one\x00\r\ntwo\x1b"
    )
    assert item.title == "QA metrics" and item.notes == "one\ntwo"
    action = make_action(session, code="A1", description="Re-run\x00 k6")
    assert action.description == "Re-run k6"


# --- The API ------------------------------------------------------------------------------


@pytest.fixture
def condition(session):
    return make_decision(session, Decision.Outcome.CONDITIONAL_GO).conditions.get()


@pytest.mark.parametrize("url", BAD_LINKS)
def test_the_api_answers_a_broken_link_with_json_400(client, facilitator, condition, url):
    client.force_login(facilitator)
    before = snapshot(condition)
    response = client.post(
        f"/api/conditions/{condition.pk}/satisfy",
        {"evidence_url": url, "expected_version": condition.version},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    before.assert_unchanged()


@pytest.fixture
def action(session):
    return make_action(session, code="A1")


def _block(client, action, reason):
    return client.post(
        f"/api/actions/{action.pk}/status",
        {"status": "blocked", "reason": reason, "expected_version": action.version},
        content_type="application/json",
    )


def test_the_api_refuses_a_nul_byte_in_text_with_json_400(client, facilitator, action):
    client.force_login(facilitator)
    before = snapshot(action)
    response = _block(client, action, "vendor\x00")
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    before.assert_unchanged()


def test_the_api_cleans_other_control_characters(client, facilitator, action):
    client.force_login(facilitator)
    response = _block(client, action, "vendor\x07 late")
    assert response.status_code == 200
    action.refresh_from_db()
    assert action.status_reason == "vendor late"


def test_a_value_error_from_a_service_is_json_400(client, facilitator, condition, monkeypatch):
    def broken(**kwargs):
        raise ValueError("year 10000 is out of range")

    monkeypatch.setattr(services, "condition_satisfy_with_evidence", broken)
    client.force_login(facilitator)
    response = client.post(
        f"/api/conditions/{condition.pk}/satisfy",
        {"evidence_url": "https://ci.example.com/1", "expected_version": condition.version},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "out of range" in response.json()["detail"]


def test_the_api_bounds_its_date_filters(client, manager):
    client.force_login(manager)
    response = client.get("/api/releases", {"planned_from": "9999-12-31"})
    assert response.status_code == 400
    assert response.json()["detail"]


# --- The importer -------------------------------------------------------------------------

DOCUMENT = """# Readiness Meetings – Release {release} Far Away

## Go/No-Go – {session} 14:00 {zone}
- **Objective:** check the rules.

### Minutes and decisions
- **Decision:** **GO**.
- **Action A1:** Ana Souza re-runs k6 by {due}. *(Owner: Ana Souza – SRE)*

### Linked evidence
- QA report: `{location}`.
"""


def _document(**values) -> str:
    fields = {
        "release": "2024-07-15",
        "session": "2024-07-15",
        "zone": "UTC",
        "due": "2024-07-16",
        "location": "quality/report.md",
    }
    return DOCUMENT.format(**{**fields, **values})


def test_the_document_used_below_imports_when_its_values_are_good():
    report = import_minutes(parse_minutes(_document()), user=None)
    assert report.created and Action.objects.get().due_date == dt.date(2024, 7, 16)
    assert Evidence.objects.get().location == "quality/report.md"


@pytest.mark.parametrize(
    "values",
    [
        {"release": "9999-12-31", "session": "9999-12-31"},
        {"session": "1999-01-01"},
        {"due": "9999-12-31"},
        {"location": "http://[::1/x"},
    ],
)
def test_the_importer_refuses_out_of_range_dates_and_broken_links(values):
    with refused(error=MinutesError):
        import_minutes(parse_minutes(_document(**values)), user=None)


def test_the_importer_refuses_the_300_character_zone():
    with pytest.raises(MinutesError, match="Unknown time zone"):
        parse_minutes(_document(zone=LONG_ZONE))
    assert not Release.objects.exists()


# --- The page forms (through the test client) -----------------------------------------------


def test_the_release_form_refuses_the_far_window(client, facilitator):
    client.force_login(facilitator)
    before = snapshot()
    response = client.post(
        "/releases/new/",
        {
            "name": "Far",
            "planned_date": "2024-07-15",
            "language": "en",
            "window_start": "9999-12-31T22:00",
            "window_end": "9999-12-31T23:00",
            "window_time_zone": "Etc/GMT+12",
        },
    )
    assert response.status_code == 422
    assert "31 Dec 2100" in response.text
    before.assert_unchanged()


@pytest.mark.parametrize(
    "when, says",
    [
        # The far time is told beside the date, with the range a date must be in.
        (
            {"date": "9999-12-31", "time": "23:00", "time_zone": "Etc/GMT+12"},
            ["31 Dec 2100", "Give a date from 1 Jan 2000 to 31 Dec 2100."],
        ),
        ({"date": "2024-07-15", "time": "14:00", "time_zone": LONG_ZONE}, ["field-error"]),
    ],
    ids=["the far time", "the 300-character zone"],
)
def test_the_session_form_refuses(client, facilitator, when, says):
    release = make_release()
    client.force_login(facilitator)
    before = snapshot(release)
    response = client.post(f"/releases/{release.slug}/sessions/new/", {"title": "Go", **when})
    assert response.status_code == 422
    for text in says:
        assert text in response.text
    before.assert_unchanged()


def test_the_people_search_survives_a_nul_byte(client, facilitator):
    client.force_login(facilitator)
    response = client.get("/people/search", {"q": "An\x00a"})
    assert response.status_code == 200


def _conditional_go(client, session, form, headers=None):
    """Post the decision form for a GO with conditions: `form` gives the condition rows."""
    return client.post(
        f"{session.get_absolute_url()}decision",
        {
            "outcome": "conditional_go",
            "method": "consensus",
            "conditions-INITIAL_FORMS": "0",
            **form,
        },
        headers=headers or {},
    )


@pytest.mark.parametrize("total", ["x", "-1", "99999999999999999999", ""])
def test_one_more_condition_survives_a_forged_row_count(client, facilitator, session, total):
    client.force_login(facilitator)
    before = snapshot(session)
    response = _conditional_go(
        client, session, {"add_condition": "1", "conditions-TOTAL_FORMS": total}
    )
    assert response.status_code == 200
    assert 'name="conditions-0-text"' in response.text
    before.assert_unchanged()


def test_the_decision_form_refuses_the_far_deadline(client, facilitator, session):
    client.force_login(facilitator)
    before = snapshot(session)
    form = {
        "conditions-TOTAL_FORMS": "1",
        "conditions-0-text": "Run BILL-230",
        "conditions-0-deadline": "9999-12-31T23:00",
    }
    response = _conditional_go(client, session, form, headers=HX)
    assert response.status_code == 422
    before.assert_unchanged()
    assert not Condition.objects.exists()


def test_the_action_form_refuses_a_due_date_in_9999(client, facilitator, session):
    client.force_login(facilitator)
    before = snapshot(session)
    response = client.post(
        f"{session.get_absolute_url()}actions/add",
        {"code": "A1", "description": "k6", "owner": "Ana Souza", "due_date": "9999-12-31"},
        headers=HX,
    )
    assert response.status_code == 422
    before.assert_unchanged()


@pytest.mark.parametrize("url", BAD_LINKS)
def test_the_evidence_form_refuses_a_broken_link(client, facilitator, session, url):
    client.force_login(facilitator)
    before = snapshot(session)
    response = client.post(
        f"{session.get_absolute_url()}evidence/add",
        {"title": "Bad", "location": url, "category": "other"},
        headers=HX,
    )
    assert response.status_code == 422
    before.assert_unchanged()


def test_the_satisfy_form_refuses_a_broken_link(client, facilitator, condition):
    client.force_login(facilitator)
    session = condition.decision.session
    before = snapshot(condition)
    response = client.post(
        f"{session.get_absolute_url()}conditions/{condition.pk}/satisfy",
        {"evidence_url": "http://[::1/x", "version": condition.version},
        headers=HX,
    )
    assert response.status_code == 422
    before.assert_unchanged()


def test_the_session_edit_form_keeps_a_title_on_one_line(client, facilitator, session):
    client.force_login(facilitator)
    response = client.post(
        f"{session.get_absolute_url()}edit",
        {
            "title": "Go\r\nNo-Go",
            "date": "2024-07-15",
            "time": "14:00",
            "time_zone": "America/Sao_Paulo",
            "version": session.version,
        },
        headers=HX,
    )
    assert response.status_code == 200
    assert Session.objects.get(pk=session.pk).title == "Go No-Go"
