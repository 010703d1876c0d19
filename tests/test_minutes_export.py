"""Exporting minutes: the JSON schema, Markdown in the release's language, the round trip."""

import json
from pathlib import Path

import jsonschema
import pytest
from django.core.management import CommandError, call_command

from readiness import services
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
        "const": "1.0",
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
    assert session["decision"]["outcome"] == "go_conditional"
    assert session["decision"]["conditions"][0] == {
        "text": "Execução do check BILL-230 antes da janela de deploy.",
        "reference": "BILL-230",
        "satisfied": False,
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
