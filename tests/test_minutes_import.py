"""Importing minutes: what the sample creates, several sessions, twice, replace, bad input."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness import services
from readiness.minutes.importer import import_minutes
from readiness.minutes.parser import MAX_BYTES, MinutesError, parse_minutes
from readiness.models import (
    Action,
    AgendaItem,
    Condition,
    Decision,
    Event,
    Evidence,
    Participant,
    Person,
    Release,
    Session,
)
from tests.factories import make_person
from tests.test_minutes_parser import PIECES, SAMPLE_TEXT

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "minutes"
ENGLISH = FIXTURES / "2024-09-02-checkout-en.md"
PORTUGUESE = FIXTURES / "2024-08-20-pagamentos-pt.md"
MODELS = [Release, Session, Person, Participant, AgendaItem, Decision, Condition, Action]
MODELS += [Evidence, Event]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def load(text: str, **kwargs):
    return import_minutes(
        parse_minutes(text, default_zone="America/Sao_Paulo"), user=None, **kwargs
    )


@pytest.fixture
def sample():
    load(SAMPLE_TEXT)
    return Release.objects.get()


# --- The sample, exactly ------------------------------------------------------------------


def test_it_imports_the_sample_into_one_release_and_one_session(sample):
    assert Release.objects.count() == 1 and sample.slug == "2024-07-15-billing-gateway"
    assert sample.language == "pt-br"
    session = Session.objects.get()
    assert session.scheduled_at == dt.datetime(
        2024, 7, 15, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3))
    )
    assert session.time_zone == "America/Sao_Paulo"
    assert (session.facilitator.name, session.facilitator.title) == (
        "Marina Lopes",
        "FinOps / Platform Ops",
    )


def test_it_imports_the_sample_people_and_agenda(sample):
    session = Session.objects.get()
    assert session.participants.count() == 6
    assert sorted(
        session.participants.filter(role="observer").values_list("person__name", flat=True)
    ) == [
        "Ana Souza",
        "Júlia Martins",
    ]
    assert session.agenda_items.count() == 5
    assert Person.objects.count() == 7


def test_it_imports_the_sample_decision_with_two_conditions(sample):
    decision = Decision.objects.get()
    assert decision.outcome == Decision.Outcome.CONDITIONAL_GO and decision.is_current
    assert [c.reference for c in decision.conditions.all()] == ["BILL-230", ""]
    assert decision.recorded_at == Session.objects.get().scheduled_at


def test_it_imports_the_sample_actions_monitoring_and_evidence(sample):
    actions = Action.objects.filter(kind="action").order_by("code")
    assert [(a.code, a.owner.name, a.due_date) for a in actions] == [
        ("A1", "Ana Souza", dt.date(2024, 7, 16)),
        ("A2", "Camila Duarte", dt.date(2024, 7, 17)),
        ("A3", "Lucas Azevedo", dt.date(2024, 7, 18)),
        ("A4", "Marina Lopes", dt.date(2024, 7, 19)),
    ]
    monitoring = Action.objects.get(kind="monitoring")
    assert monitoring.owner.name == "Rafaela Moura" and monitoring.due_date is None
    assert list(Evidence.objects.values_list("title", "location")) == [
        ("Resumo completo do go/no-go", "releases/2024-07-15-billing-gateway/go-no-go.md"),
        ("Relatório QA", "releases/staging/2024.07.10-rc1/quality/test-report.md"),
        ("Dossiê de compliance", "docs/compliance/releases/2024-07-15-billing-gateway/"),
        ("Relatório FinOps", "analytics/finops/reports/2025-11.md"),
        ("Matriz de riscos", "docs/roadmap-riscos.md"),
    ]


def test_it_logs_every_record_and_the_import(sample):
    assert sample.events.filter(verb="release.imported").count() == 1
    assert sample.events.filter(verb="action.created").count() == 5
    assert Event.objects.filter(verb="person.created").count() == 7


# --- Other documents ----------------------------------------------------------------------


def test_it_imports_an_english_document_with_a_no_go_then_a_go():
    report = load(ENGLISH.read_text(encoding="utf-8"))
    release = Release.objects.get(slug=report.slug)
    assert release.language == "en"
    first, second = release.sessions.order_by("scheduled_at")
    assert first.decisions.get().outcome == "no_go"
    assert second.decisions.get().outcome == "conditional_go"
    assert second.time_zone == "America/New_York"
    assert Person.objects.get(name="Sara Lind").title == "Security Lead"  # the newer title
    blocked = second.actions.get(code="A2")
    assert blocked.status == "blocked"
    assert blocked.status_reason == "waiting for the acquirer's price list"
    satisfied = Condition.objects.get(text="Confirm the refund dashboards.")
    assert satisfied.is_satisfied
    assert second.evidence.get(title="Retest").verified
    assert report.sessions == 2


def test_it_imports_a_portuguese_document_with_tolerated_variants():
    report = load(PORTUGUESE.read_text(encoding="utf-8"))
    session = Session.objects.get()
    assert session.time_zone == "Etc/GMT+3"
    assert session.facilitator.name == "Beatriz Nunes"
    assert session.participants.filter(area="Produto").count() == 2
    item = session.agenda_items.get(position=1)
    assert item.discussed and "Cobertura de 92%" in item.notes
    assert "### Riscos em aberto" in session.notes
    assert [w.line for w in report.warnings] == [39]
    assert list(Condition.objects.values_list("reference", flat=True).order_by("position")) == [
        "LEG-12",
        "",
    ]
    javascript = Evidence.objects.get(title="Parecer")
    assert javascript.location == "javascript:alert(1)" and javascript.href() == ""
    assert javascript.category == "compliance"


def test_it_matches_people_by_name_and_keeps_the_newer_title():
    make_person("ana souza", title="Head of SRE")
    services.person_get_or_create(
        user=None, name="Ana Souza", title="Head of SRE", as_of=dt.date(2025, 1, 1)
    )
    report = load(SAMPLE_TEXT)
    assert Person.objects.filter(name__iexact="ana souza").count() == 1
    assert Person.objects.get(name__iexact="ana souza").title == "Head of SRE"
    assert report.people_existing == ["Ana Souza"]
    assert "Marina Lopes" in report.people_created and len(report.people_created) == 6


def test_it_creates_owners_who_are_not_participants():
    text = SAMPLE_TEXT.replace(
        "*(Owner: Marina Lopes – FinOps / Platform Ops)*", "*(Owner: Nova Pessoa – Data)*"
    )
    load(text)
    assert Action.objects.get(code="A4").owner.title == "Data"


# --- Twice, replace, dry run --------------------------------------------------------------


def test_it_changes_nothing_when_imported_twice(sample):
    before = counts()
    report = load(SAMPLE_TEXT)
    assert report.exists and not report.created
    assert counts() == before


def test_it_writes_nothing_on_a_dry_run():
    report = load(SAMPLE_TEXT, dry_run=True)
    assert report.created and report.dry_run and report.actions == 5
    assert counts() == {model.__name__: 0 for model in MODELS}


def test_it_replaces_an_unchanged_import_and_keeps_what_it_replaced(sample):
    old_pk = sample.pk
    report = load(SAMPLE_TEXT.replace("até 16/07", "até 20/07"), replace=True)
    assert report.replaced
    assert Release.objects.count() == 1 and not Release.objects.filter(pk=old_pk).exists()
    assert Action.objects.get(code="A1").due_date == dt.date(2024, 7, 20)
    deleted = Event.objects.get(verb="release.deleted")
    assert deleted.subject_id == old_pk
    assert deleted.before["sessions"][0]["actions"][0]["due"] == "2024-07-16"
    imported = Release.objects.get().events.get(verb="release.imported")
    assert imported.after["replaced"]["release"]["slug"] == sample.slug


def test_it_refuses_to_replace_a_release_changed_in_the_app(sample):
    action = Action.objects.get(code="A1")
    services.action_status_import(user=None, action=action, status="done")
    before = counts()
    with pytest.raises(MinutesError, match="changed in the app"):
        load(SAMPLE_TEXT, replace=True)
    assert counts() == before


def test_it_refuses_to_replace_a_release_made_in_the_app():
    services.release_create(user=None, name="Billing Gateway", planned_date=dt.date(2024, 7, 15))
    with pytest.raises(MinutesError, match="not created by an import"):
        load(SAMPLE_TEXT, replace=True)


# --- Errors write nothing -----------------------------------------------------------------


def test_it_turns_a_service_refusal_into_an_error_on_the_line():
    text = SAMPLE_TEXT.replace("**Ação A2:**", "**Ação A1:**")
    with pytest.raises(MinutesError, match="already used") as caught:
        load(text)
    assert caught.value.line == 24
    assert counts() == {model.__name__: 0 for model in MODELS}


def test_it_refuses_a_field_too_long_for_the_database_and_writes_nothing():
    text = SAMPLE_TEXT.replace("Marina Lopes (FinOps", "M" * 300 + " (FinOps", 1)
    with pytest.raises(MinutesError) as caught:
        load(text)
    assert caught.value.line == 3
    assert counts() == {model.__name__: 0 for model in MODELS}


def test_it_stores_html_as_text():
    load(SAMPLE_TEXT.replace("validar readiness", "<script>alert('x')</script> validar"))
    assert Session.objects.get().objective.startswith("<script>alert('x')</script>")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=25))
def test_it_imports_or_refuses_without_writing_anything_partial(lines):
    before = counts()
    try:
        report = load("\n".join(lines))
    except MinutesError:
        assert counts() == before
    else:
        assert report.created or report.exists


# --- The command --------------------------------------------------------------------------


@pytest.fixture
def sample_file(tmp_path):
    path = tmp_path / "billing.md"
    path.write_text(SAMPLE_TEXT, encoding="utf-8")
    return path


def test_the_command_imports_files_and_says_what_it_did(sample_file, capsys):
    call_command("import_minutes", str(sample_file), str(ENGLISH))
    out = capsys.readouterr().out
    assert "created the release 2024-07-15-billing-gateway" in out
    assert "created the release 2024-09-02-checkout-revamp" in out
    assert "new people: Marina Lopes" in out
    assert Release.objects.count() == 2
    call_command("import_minutes", str(sample_file))
    assert "already exists; unchanged" in capsys.readouterr().out


def test_the_command_dry_run_writes_nothing(sample_file, capsys):
    call_command("import_minutes", str(sample_file), "--dry-run")
    assert "would create the release" in capsys.readouterr().out
    assert not Release.objects.exists()


def _bad_files(tmp_path):
    cases = {
        "not-minutes.md": (b"Just a note.\n", 1),
        "no-date.md": ("# Readiness Meetings – Release 2024-07-15 X\n\n## Go/No-Go\n".encode(), 3),
        "bad-date.md": (
            "# Readiness Meetings – Release 2024-07-15 X\n\n## S – 2024-02-30 14h BRT\n".encode(),
            3,
        ),
        "latin1.md": ("# Readiness Meetings - Release\nSessão\n".encode("latin-1"), 2),
        "huge.md": (b"#" * (MAX_BYTES + 1), 1),
    }
    for name, (data, line) in cases.items():
        (tmp_path / name).write_bytes(data)
        yield tmp_path / name, line


def test_the_command_refuses_each_kind_of_bad_input_and_writes_nothing(tmp_path, sample_file):
    for path, line in _bad_files(tmp_path):
        with pytest.raises(CommandError) as caught:
            call_command("import_minutes", str(sample_file), str(path))
        assert f"{path}:{line}:" in str(caught.value)
        assert "nothing was imported" in str(caught.value)
        assert not Release.objects.exists() and not Person.objects.exists()


def test_the_command_exits_non_zero_with_the_line(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "bad.md"
    path.write_text("# Readiness Meetings – Release 2024-07-15 X\n\n## Go/No-Go\n")
    result = subprocess.run(
        [sys.executable, "manage.py", "import_minutes", "--dry-run", str(path)],
        capture_output=True,
        text=True,
        env={"DEBUG": "1", "PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite:///:memory:"},
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert result.returncode == 1
    assert f"{path}:3:" in result.stderr


def test_importing_history_pages_nobody(mailoutbox, settings, django_capture_on_commit_callbacks):
    """Minutes tell of decisions and assignments made long ago: no e-mail goes out."""
    from django.contrib.auth import get_user_model

    from readiness import services
    from readiness.models import Person

    settings.DEBUG = False
    ana = get_user_model().objects.create_user("ana-owner", email="ana@example.com")
    person = services.person_get_or_create(user=None, name="Ana Souza", title="SRE Lead")
    Person.objects.filter(pk=person.pk).update(email="ana@example.com", user=ana)
    from readiness.demo import load_demo

    with django_capture_on_commit_callbacks(execute=True):
        load_demo()
    assert mailoutbox == []
