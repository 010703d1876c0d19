"""Exporting minutes: the JSON schema, Markdown in the release's language, the round trip."""

import datetime as dt
import json
import zoneinfo
from pathlib import Path

import jsonschema
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from readiness import services
from readiness.minutes import exporter
from readiness.minutes.documents import MinutesError
from readiness.minutes.exporter import release_as_dict, release_as_json, release_as_markdown
from readiness.minutes.importer import import_minutes
from readiness.minutes.parser import parse_minutes
from readiness.models import Action, Decision, Evidence, Person, Release
from tests.factories import make_action, make_decision, make_person, make_session
from tests.test_minutes_parser import SAMPLE_TEXT

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "docs" / "minutes-schema.json").read_text(encoding="utf-8"))
FIXTURES = ROOT / "tests" / "fixtures" / "minutes"
DOCUMENTS = {
    "sample": SAMPLE_TEXT,
    "english": (FIXTURES / "2024-09-02-checkout-en.md").read_text(encoding="utf-8"),
    "portuguese": (FIXTURES / "2024-08-20-pagamentos-pt.md").read_text(encoding="utf-8"),
}


def load(text: str) -> Release:
    report = import_minutes(parse_minutes(text, default_zone="America/Sao_Paulo"), user=None)
    return Release.objects.get(slug=report.slug)


def empty_the_database() -> None:
    for release in Release.objects.all():
        services.release_delete(user=None, release=release, record={})
    Person.objects.all().delete()


def validate(data: dict) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(data)


def test_the_schema_is_a_valid_versioned_json_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["properties"]["schema_version"] == {
        "const": "2.0",
        "description": SCHEMA["properties"]["schema_version"]["description"],
    }


@pytest.mark.parametrize("name", DOCUMENTS)
def test_it_exports_json_that_follows_the_schema(name):
    validate(release_as_dict(load(DOCUMENTS[name])))


def test_it_exports_the_sample_as_the_schema_describes():
    data = release_as_dict(load(SAMPLE_TEXT))
    assert data["release"] == {
        "name": "Billing Gateway",
        "date": "2024-07-15",
        "slug": "2024-07-15-billing-gateway",
        "language": "pt-br",
    }
    [session] = data["sessions"]
    assert session["scheduled_at"] == "2024-07-15T14:00:00-03:00"
    assert session["decision"]["outcome"] == "conditional_go"
    assert session["decision"]["conditions"][0] == {
        "text": "Execução do check BILL-230 antes da janela de deploy.",
        "reference": "BILL-230",
        "owner": None,
        "deadline": None,
        "satisfied": False,
        "satisfied_at": None,
        "state": "open",
    }
    assert [a["due"] for a in session["actions"]] == [
        "2024-07-16",
        "2024-07-17",
        "2024-07-18",
        "2024-07-19",
        None,
    ]


def test_it_exports_a_release_made_in_the_app_within_the_schema():
    session = make_session(facilitator=make_person("Fay"))
    make_decision(session, Decision.Outcome.NO_GO, rationale="Pen test pending")
    make_decision(session, Decision.Outcome.CONDITIONAL_GO, rationale="Pen test passed")
    blocked = make_action(session, code="A1")
    services.action_status_import(user=None, action=blocked, status="blocked", reason="Vendor")
    services.evidence_add(user=None, session=session, title="Site", location="javascript:x()")
    data = release_as_dict(session.release)
    validate(data)
    assert data["sessions"][0]["decision"]["text"] == "Pen test passed"


# --- Round trip ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", DOCUMENTS)
def test_the_round_trip_gives_the_same_json(name):
    first = release_as_dict(load(DOCUMENTS[name]))
    markdown = release_as_markdown(Release.objects.get())
    empty_the_database()
    second = release_as_dict(load(markdown))
    assert second == first


def test_the_round_trip_keeps_what_was_changed_in_the_app():
    release = load(DOCUMENTS["english"])
    action = Action.objects.get(code="A1", session__title="Go/No-Go")
    services.action_status_import(user=None, action=action, status="in_progress")
    condition = Decision.objects.get(is_current=True, outcome="conditional_go").conditions.first()
    services.condition_satisfy(user=None, condition=condition)
    evidence = Evidence.objects.get(title="QA report")
    services.evidence_verify(user=None, evidence=evidence)
    first = release_as_dict(release)
    markdown = release_as_markdown(release)
    empty_the_database()
    assert release_as_dict(load(markdown)) == first


def test_the_round_trip_survives_markup_typed_in_the_app():
    session = make_session(facilitator=make_person("Fay *Star*", title="Ops_Lead"))
    make_decision(session, Decision.Outcome.GO, rationale="Ship it [now] & <b>fast</b>")
    make_action(session, code="A1", description="1. Re-run `k6` *twice*")
    services.agenda_item_add(user=None, session=session, title="# Heading-like title")
    release = session.release
    first = release_as_dict(release)
    markdown = release_as_markdown(release)
    empty_the_database()
    second = release_as_dict(load(markdown))
    # The release made in the app was never imported, so only the content is compared.
    assert second["sessions"] == first["sessions"]


# --- Markdown -----------------------------------------------------------------------------


def test_it_writes_markdown_in_the_release_language_with_statuses():
    markdown = release_as_markdown(load(SAMPLE_TEXT))
    assert markdown.startswith("# Readiness Meetings – Release 2024-07-15 Billing Gateway\n")
    assert "## Sessão de Go/No-Go – 2024-07-15 14:00 BRT" in markdown
    assert "### Participantes confirmados" in markdown
    assert "- Observadores: Ana Souza (SRE Lead), Júlia Martins (Operations Manager)" in markdown
    assert "  - [ ] Execução do check `BILL-230` antes da janela de deploy." in markdown
    assert (
        "- **Ação A1:** Ana Souza irá reexecutar o script k6 e anexar resultados no relatório QA"
        " até 16/07/2024. *(Owner: Ana Souza – SRE Lead; Status: aberta)*"
    ) in markdown
    assert "- Matriz de riscos: `docs/roadmap-riscos.md`." in markdown


def test_it_writes_english_markdown_for_an_english_release():
    markdown = release_as_markdown(load(DOCUMENTS["english"]))
    assert "### Minutes and decisions" in markdown
    assert "- **Main decision:** GO with conditions" in markdown
    assert "  - [x] Confirm the refund dashboards." in markdown
    assert "Status: blocked – waiting for the acquirer" in markdown
    assert "by 2024-09-03." in markdown


def test_it_fetches_what_it_needs_when_given_a_plain_release(django_assert_max_num_queries):
    release = Release.objects.get(pk=load(SAMPLE_TEXT).pk)
    with django_assert_max_num_queries(15):
        assert release_as_dict(release)["sessions"][0]["evidence"]


# --- The command --------------------------------------------------------------------------


def test_the_command_prints_markdown_or_json(capsys):
    load(SAMPLE_TEXT)
    call_command("export_minutes", "2024-07-15-billing-gateway", "--format", "md")
    assert capsys.readouterr().out.startswith("# Readiness Meetings")
    call_command("export_minutes", "2024-07-15-billing-gateway", "--format", "json")
    validate(json.loads(capsys.readouterr().out))


def test_the_command_refuses_an_unknown_release():
    with pytest.raises(CommandError, match="no release"):
        call_command("export_minutes", "2099-01-01-nothing")


def test_the_json_text_is_utf8_not_escaped():
    assert "Júlia Martins" in release_as_json(load(SAMPLE_TEXT))


# --- A meeting recorded in the app: outcome in words, conditions, attendance ---------------

PAST = dt.datetime(2024, 7, 16, 18, 0, tzinfo=zoneinfo.ZoneInfo("America/Sao_Paulo"))


def record_meeting(language: str = "pt-br") -> Release:
    """A conditional GO recorded through the services: one condition in each state, and
    participants present, absent and confirmed."""
    release = services.release_create(
        user=None, name="Payments Ledger", planned_date=dt.date(2024, 7, 15), language=language
    )
    session = make_session(release, facilitator=make_person("Marina Lopes", title="FinOps"))
    lucas = make_person("Lucas Azevedo", title="PM Billing")
    camila = make_person("Camila Duarte", title="Security Lead")
    for person, attendance, role in [
        (lucas, "present", "member"),
        (camila, "absent", "member"),
        (make_person("Rafaela Moura", title="Support"), "confirmed", "member"),
        (make_person("Ana Souza", title="SRE Lead"), "present", "observer"),
    ]:
        services.participant_add(
            user=None,
            session=session,
            person=person,
            area="Produto" if role == "member" else "",
            role=role,
            attendance=attendance,
        )
    later = timezone.now() + dt.timedelta(days=30)
    decision = make_decision(
        session,
        Decision.Outcome.CONDITIONAL_GO,
        rationale="Pen test passed; the dashboards are pending.",
        conditions=[
            services.ConditionSpec(text="Confirm the dashboards", owner=lucas, deadline=later),
            services.ConditionSpec(
                text="Run BILL-230", reference="BILL-230", owner=camila, deadline=PAST
            ),
            services.ConditionSpec(text="Sign the DPIA", owner=camila, deadline=later),
            services.ConditionSpec(text="Publish the runbook", owner=lucas, deadline=PAST),
        ],
    )
    _, _, on_time, late = decision.conditions.order_by("position")
    services.condition_satisfy(user=None, condition=on_time)
    services.condition_satisfy(user=None, condition=late)
    return release


def test_the_json_of_a_meeting_recorded_in_the_app_says_what_was_decided():
    data = release_as_dict(record_meeting())
    validate(data)
    assert data["schema_version"] == "2.0"
    [session] = data["sessions"]
    decision = session["decision"]
    assert decision["outcome"] == "conditional_go"
    assert [c["state"] for c in decision["conditions"]] == [
        "open",
        "expired",
        "satisfied",
        "satisfied_late",
    ]
    expired = decision["conditions"][1]
    assert expired["owner"] == {"name": "Camila Duarte", "title": "Security Lead"}
    assert expired["deadline"] == "2024-07-16T18:00:00-03:00"
    assert expired["satisfied_at"] is None
    assert decision["conditions"][3]["satisfied_at"] is not None
    assert [(p["name"], p["attendance"]) for p in session["participants"]] == [
        ("Lucas Azevedo", "present"),
        ("Camila Duarte", "absent"),
        ("Rafaela Moura", "confirmed"),
        ("Ana Souza", "present"),
    ]


def test_the_portuguese_markdown_states_the_outcome_conditions_and_attendance():
    markdown = release_as_markdown(record_meeting("pt-br"))
    assert (
        "- **Decisão principal:** GO com condições – Pen test passed; the dashboards are pending."
    ) in markdown
    assert (
        "  - [ ] Run `BILL-230` *(Owner: Camila Duarte – Security Lead; "
        "Prazo: 16/07/2024 18:00; Status: expirada)*"
    ) in markdown
    assert "  - [ ] Confirm the dashboards *(Owner: Lucas Azevedo – PM Billing; Prazo: " in (
        markdown
    )
    assert "Status: aberta)*" in markdown
    assert "Status: cumprida em " in markdown
    assert "  - [x] Publish the runbook *(Owner: Lucas Azevedo – PM Billing; " in markdown
    assert "Status: cumprida com atraso em " in markdown
    assert "- Produto: Lucas Azevedo (PM Billing) *(presente)*" in markdown
    assert "- Produto: Camila Duarte (Security Lead) *(ausente)*" in markdown
    assert "- Produto: Rafaela Moura (Support)\n" in markdown
    assert "- Observadores: Ana Souza (SRE Lead) *(presente)*" in markdown


def test_the_english_markdown_states_the_outcome_conditions_and_attendance():
    markdown = release_as_markdown(record_meeting("en"))
    assert (
        "- **Main decision:** GO with conditions – Pen test passed; the dashboards are pending."
    ) in markdown
    assert (
        "  - [ ] Run `BILL-230` *(Owner: Camila Duarte – Security Lead; "
        "Deadline: 2024-07-16 18:00; Status: expired)*"
    ) in markdown
    assert "Status: open)*" in markdown
    assert "Status: satisfied on " in markdown
    assert "Status: satisfied late on " in markdown
    assert "- Produto: Lucas Azevedo (PM Billing) *(present)*" in markdown
    assert "- Produto: Camila Duarte (Security Lead) *(absent)*" in markdown
    assert "- Observers: Ana Souza (SRE Lead) *(present)*" in markdown


@pytest.mark.parametrize("outcome", ["go", "no_go", "postponed"])
@pytest.mark.parametrize("language", ["pt-br", "en"])
def test_the_markdown_states_an_outcome_the_rationale_does_not_repeat(outcome, language):
    release = services.release_create(
        user=None, name="Ledger", planned_date=dt.date(2024, 7, 15), language=language
    )
    session = make_session(release)
    make_decision(session, outcome, rationale="The team agreed.")
    markdown = release_as_markdown(release)
    said = exporter.WORDS[language if language == "pt-br" else "en"]["outcome"][outcome]
    assert f":** {said} – The team agreed." in markdown
    empty_the_database()
    decision = load(markdown).sessions.get().current_decision
    assert (decision.outcome, decision.rationale) == (outcome, "The team agreed.")


@pytest.mark.parametrize("language", ["pt-br", "en"])
def test_the_round_trip_of_a_meeting_recorded_in_the_app_is_the_identity(language):
    first = release_as_dict(record_meeting(language))
    markdown = release_as_markdown(Release.objects.get())
    empty_the_database()
    second = release_as_dict(load(markdown))
    assert second["sessions"] == first["sessions"]
    # And once more from what the import wrote: import → export → import is the identity.
    third_markdown = release_as_markdown(Release.objects.get())
    assert third_markdown == markdown
    empty_the_database()
    assert release_as_dict(load(third_markdown)) == second


@pytest.mark.parametrize("name", DOCUMENTS)
def test_the_json_export_imports_back_as_the_same_release(name):
    first = release_as_dict(load(DOCUMENTS[name]))
    text = release_as_json(Release.objects.get())
    empty_the_database()
    assert release_as_dict(load(text)) == first


def test_the_json_of_a_meeting_recorded_in_the_app_imports_back_as_the_same_meeting():
    first = release_as_dict(record_meeting())
    text = release_as_json(Release.objects.get())
    empty_the_database()
    assert release_as_dict(load(text))["sessions"] == first["sessions"]


def as_version_1(data: dict) -> dict:
    """The document as schema 1.0 wrote it: go_conditional, no attendance, bare conditions."""
    data = json.loads(json.dumps(data))
    data["schema_version"] = "1.0"
    for session in data["sessions"]:
        for p in session["participants"]:
            del p["attendance"]
        decision = session["decision"]
        if decision and decision["outcome"] == "conditional_go":
            decision["outcome"] = "go_conditional"
        for c in decision["conditions"] if decision else []:
            for key in ("owner", "deadline", "satisfied_at", "state"):
                del c[key]
    return data


def test_it_still_imports_schema_1_0_with_the_old_outcome_name():
    old = as_version_1(release_as_dict(load(SAMPLE_TEXT)))
    assert old["sessions"][0]["decision"]["outcome"] == "go_conditional"
    empty_the_database()
    release = load(json.dumps(old))
    decision = release.sessions.get().current_decision
    assert decision.outcome == Decision.Outcome.CONDITIONAL_GO
    assert [c.reference for c in decision.conditions.all()] == ["BILL-230", ""]
    again = release_as_dict(release)
    assert again["schema_version"] == "2.0"
    assert again["sessions"][0]["decision"]["outcome"] == "conditional_go"
    assert {p["attendance"] for p in again["sessions"][0]["participants"]} == {"confirmed"}


def test_it_still_imports_a_1_0_meeting_with_satisfied_conditions():
    old = as_version_1(release_as_dict(record_meeting()))
    empty_the_database()
    conditions = load(json.dumps(old)).sessions.get().current_decision.conditions.all()
    assert [c.is_satisfied for c in conditions] == [False, False, True, True]
    assert {c.owner for c in conditions} == {None}


def test_it_refuses_an_unknown_schema_version_or_outcome():
    data = release_as_dict(load(SAMPLE_TEXT))
    empty_the_database()
    with pytest.raises(MinutesError, match="schema_version"):
        load(json.dumps({**data, "schema_version": "9.0"}))
    data["sessions"][0]["decision"]["outcome"] = "maybe"
    with pytest.raises(MinutesError, match="outcome"):
        load(json.dumps(data))
    assert not Release.objects.exists()


def test_the_command_imports_a_json_export(tmp_path, capsys):
    load(SAMPLE_TEXT)
    path = tmp_path / "billing.json"
    call_command("export_minutes", "2024-07-15-billing-gateway", "--format", "json")
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    first = release_as_dict(Release.objects.get())
    empty_the_database()
    call_command("import_minutes", str(path))
    assert "created the release 2024-07-15-billing-gateway" in capsys.readouterr().out
    assert release_as_dict(Release.objects.get()) == first
