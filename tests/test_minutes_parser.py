"""The minutes parser: Markdown text in, dataclasses out, or MinutesError naming the line."""

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.minutes.parser import (
    MAX_BYTES,
    MinutesDoc,
    MinutesError,
    decode_minutes,
    parse_minutes,
)

SAMPLE = Path(__file__).resolve().parent.parent / "readiness/minutes/samples"
SAMPLE_TEXT = (SAMPLE / "2024-07-15-billing-gateway.md").read_text(encoding="utf-8")
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "minutes"

HEAD = "# Readiness Meetings – Release 2024-07-15 X\n\n"
MINIMAL = """# Readiness Meetings – Release 2024-07-15 Billing Gateway

## Go/No-Go – {when}

- **Facilitator:** Marina Lopes (FinOps)

### Minutes and decisions
- **Main decision:** GO.
{extra}
"""


def parse(text: str) -> MinutesDoc:
    return parse_minutes(text, default_zone="America/Sao_Paulo")


def minimal(when: str = "2024-07-15 14:00 BRT", extra: str = "") -> MinutesDoc:
    return parse(MINIMAL.format(when=when, extra=extra))


# --- The sample ---------------------------------------------------------------------------


def test_it_reads_the_sample_release_and_session():
    doc = parse(SAMPLE_TEXT)
    assert (doc.release_name, doc.release_date, doc.language) == (
        "Billing Gateway",
        dt.date(2024, 7, 15),
        "pt-br",
    )
    [session] = doc.sessions
    assert session.title == "Sessão de Go/No-Go"
    assert session.scheduled_at.isoformat() == "2024-07-15T14:00:00-03:00"
    assert session.time_zone == "America/Sao_Paulo"
    assert session.objective.startswith("validar readiness cruzando QA")
    assert (session.facilitator.name, session.facilitator.title) == (
        "Marina Lopes",
        "FinOps / Platform Ops",
    )
    assert doc.warnings == []


def test_it_reads_the_sample_participants_agenda_and_evidence():
    [session] = parse(SAMPLE_TEXT).sessions
    assert [(p.area, p.person.name, p.observer) for p in session.participants] == [
        ("Produto", "Lucas Azevedo", False),
        ("Segurança", "Camila Duarte", False),
        ("Suporte", "Rafaela Moura", False),
        ("Finanças", "Guilherme Prado", False),
        ("", "Ana Souza", True),
        ("", "Júlia Martins", True),
    ]
    assert len(session.agenda) == 5
    assert session.agenda[2].title == "Situação dos guardrails e custos FinOps."
    assert [(e.title, e.location, e.category) for e in session.evidence][-1] == (
        "Matriz de riscos",
        "docs/roadmap-riscos.md",
        "risk",
    )


def test_it_splits_the_sample_conditional_go_into_its_clauses():
    decision = parse(SAMPLE_TEXT).sessions[0].decision
    assert decision.outcome == "conditional_go"
    assert [(c.text, c.reference) for c in decision.conditions] == [
        ("Execução do check BILL-230 antes da janela de deploy.", "BILL-230"),
        ("Confirmação dos dashboards de retenção.", ""),
    ]


def test_it_reads_the_sample_actions_with_owners_and_due_dates():
    actions = parse(SAMPLE_TEXT).sessions[0].actions
    assert [(a.code, a.kind, a.owner.name, a.due) for a in actions] == [
        ("A1", "action", "Ana Souza", dt.date(2024, 7, 16)),
        ("A2", "action", "Camila Duarte", dt.date(2024, 7, 17)),
        ("A3", "action", "Lucas Azevedo", dt.date(2024, 7, 18)),
        ("A4", "action", "Marina Lopes", dt.date(2024, 7, 19)),
        ("M1", "monitoring", "Rafaela Moura", None),
    ]
    assert actions[0].description == (
        "Ana Souza irá reexecutar o script k6 e anexar resultados no relatório QA"
    )
    assert actions[0].owner.title == "SRE Lead"


# --- Tolerance ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.replace(" – ", " - "),
        lambda t: t.replace("\n- ", "\n* "),
        lambda t: t.replace("**", ""),
        lambda t: t.replace("Facilitador:", "Facilitadora:"),
        lambda t: t.replace("\n", "\n\n"),
        lambda t: t.replace(".\n", "\n").replace(". *(", " *("),
        lambda t: t.replace("Participantes confirmados", "PARTICIPANTES CONFIRMADOS"),
        lambda t: t.replace("\n", "\r\n"),
    ],
    ids=[
        "hyphens",
        "star-bullets",
        "no-bold",
        "feminine",
        "blank-lines",
        "no-period",
        "case",
        "crlf",
    ],
)
def test_it_tolerates_what_people_really_type(change):
    doc = parse(change(SAMPLE_TEXT))
    [session] = doc.sessions
    assert session.facilitator.name == "Marina Lopes"
    assert len(session.participants) == 6
    assert sum(p.observer for p in session.participants) == 2
    assert len(session.agenda) == 5
    assert session.decision.outcome == "conditional_go"
    assert len(session.decision.conditions) == 2
    assert [a.due for a in session.actions][:4] == [dt.date(2024, 7, d) for d in (16, 17, 18, 19)]
    assert len(session.evidence) == 5
    assert doc.warnings == []


def test_it_reads_an_english_document_with_two_sessions():
    doc = parse((FIXTURES / "2024-09-02-checkout-en.md").read_text(encoding="utf-8"))
    assert doc.language == "en"
    first, second = doc.sessions
    assert first.decision.outcome == "no_go"
    assert second.decision.outcome == "conditional_go"
    assert [(c.text, c.reference, c.satisfied) for c in second.decision.conditions] == [
        ("Run the PAY-88 smoke test before the deploy window.", "PAY-88", False),
        ("Confirm the refund dashboards.", "", True),
    ]
    assert [(a.code, a.status, a.due) for a in second.actions] == [
        ("A1", "done", dt.date(2024, 9, 3)),
        ("A2", "blocked", dt.date(2024, 9, 10)),
        ("M1", "open", None),
    ]
    assert second.actions[1].reason == "waiting for the acquirer's price list"
    assert [(c.area, c.status) for c in second.checks] == [
        ("QA", "green"),
        ("Security", "amber"),
        ("FinOps", "red"),
    ]
    assert first.evidence[0].location.startswith("https://security.example.com/")
    assert second.evidence[1].verified
    assert "The acquirer confirmed" in second.notes


# --- Time zones and dates -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "zone", "iso"),
    [
        ("2024-07-15 14:00 BRT", "America/Sao_Paulo", "2024-07-15T14:00:00-03:00"),
        ("2024-07-15 17:00 UTC", "UTC", "2024-07-15T17:00:00+00:00"),
        ("2024-07-15 14:00 UTC-3", "Etc/GMT+3", "2024-07-15T14:00:00-03:00"),
        ("2024-07-15 14:00 -03:00", "Etc/GMT+3", "2024-07-15T14:00:00-03:00"),
        ("15/07/2024 14h00 America/Sao_Paulo", "America/Sao_Paulo", "2024-07-15T14:00:00-03:00"),
        ("2024-07-15 10:00 Europe/Lisbon", "Europe/Lisbon", "2024-07-15T10:00:00+01:00"),
    ],
)
def test_it_reads_the_session_time_zone(when, zone, iso):
    [session] = minimal(when).sessions
    assert session.time_zone == zone
    assert session.scheduled_at.isoformat() == iso


def test_it_keeps_the_instant_of_an_offset_without_a_zone_name_and_warns():
    doc = minimal("2024-07-15 14:00 +05:30")
    assert doc.sessions[0].time_zone == "UTC"
    assert doc.sessions[0].scheduled_at == dt.datetime(2024, 7, 15, 8, 30, tzinfo=dt.UTC)
    assert "no IANA zone" in doc.warnings[0].message


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ("16/07", dt.date(2024, 7, 16)),
        ("16/07/2024", dt.date(2024, 7, 16)),
        ("2024-07-16", dt.date(2024, 7, 16)),
        ("10/07", dt.date(2025, 7, 10)),  # no year: the first one on or after the session
        ("15/07", dt.date(2024, 7, 15)),
        ("29/02", dt.date(2028, 2, 29)),
    ],
)
def test_it_reads_due_dates(due, expected):
    action = f"- **Action A1:** Ship it by {due}. *(Owner: Ana Souza – SRE Lead)*"
    [session] = minimal(extra=action).sessions
    assert session.actions[0].due == expected
    assert session.actions[0].description == "Ship it"


# --- Bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("Just some notes.\n\nNothing else.", 1, "not a minutes document"),
        ("# Shopping list\n\n- eggs\n", 1, "not a minutes document"),
        ("# Readiness Meetings – Release 2024-07-15 X\n\n## Go/No-Go\n", 3, "has no date"),
        ("# Readiness Meetings – Release 2024-13-45 X\n", 1, "not a date"),
        (
            "# Readiness Meetings – Release 2024-07-15 X\n\n## S – 31/02/2024 14:00 BRT\n",
            3,
            "not a date",
        ),
        (
            "# Readiness Meetings – Release 2024-07-15 X\n\n## S – 2024-07-15 25:00 BRT\n",
            3,
            "not a time",
        ),
        (
            "# Readiness Meetings – Release 2024-07-15 X\n\n## S – 2024-07-15 14:00 Mars/Base\n",
            3,
            "Unknown time zone",
        ),
        ("# Readiness Meetings – Release 2024-07-15 X\n", 1, "no session"),
        (
            HEAD + "## S – 2024-07-15 14:00 BRT\n\n# Readiness Meetings – Release 2024-07-16 Y\n",
            5,
            "second release",
        ),
    ],
)
def test_it_refuses_what_is_not_minutes_and_names_the_line(text, line, words):
    with pytest.raises(MinutesError) as caught:
        parse(text)
    assert caught.value.line == line
    assert words in caught.value.message


def test_it_refuses_an_unparseable_due_date_with_its_line():
    with pytest.raises(MinutesError) as caught:
        minimal(extra="- **Action A1:** Ship it by 32/07. *(Owner: Ana Souza)*")
    assert caught.value.line == 9 and "32/07" in caught.value.message


def test_it_refuses_an_action_without_an_owner():
    with pytest.raises(MinutesError, match="no owner") as caught:
        minimal(extra="- **Action A7:** Somebody should do it.")
    assert caught.value.line == 9


def test_it_refuses_a_decision_it_cannot_read():
    text = MINIMAL.format(when="2024-07-15 14:00 BRT", extra="").replace("GO.", "we shall see")
    with pytest.raises(MinutesError, match="does not say GO") as caught:
        parse(text)
    assert caught.value.line == 8


def test_it_refuses_bytes_that_are_not_utf8_and_names_the_line():
    with pytest.raises(MinutesError, match="not UTF-8") as caught:
        decode_minutes("# Release\n\nlinha dois\nna\xefve\n".encode("latin-1"))
    assert caught.value.line == 4


def test_it_refuses_more_than_1_mb():
    with pytest.raises(MinutesError, match="larger than 1 MB"):
        decode_minutes(b"x" * (MAX_BYTES + 1))
    with pytest.raises(MinutesError, match="larger than 1 MB"):
        parse("x" * (MAX_BYTES + 1))


# --- Nothing is lost ----------------------------------------------------------------------


def test_it_keeps_text_it_cannot_place_as_notes_with_a_warning():
    extra = "\nA paragraph nobody expected.\n\n### Riscos\n- Fornecedor atrasado.\n"
    doc = minimal(extra=extra)
    notes = doc.sessions[0].notes
    assert "A paragraph nobody expected." in notes
    assert "### Riscos\n- Fornecedor atrasado." in notes
    assert [w.line for w in doc.warnings] == [10, 12]


def test_it_keeps_html_as_text():
    doc = minimal(extra="- **Action A1:** <script>alert(1)</script> by 16/07. *(Owner: Ana)*")
    assert doc.sessions[0].actions[0].description == "<script>alert(1)</script>"


# --- Never a crash ------------------------------------------------------------------------

PIECES = [
    "# Readiness Meetings – Release 2024-07-15 Billing Gateway",
    "## Sessão de Go/No-Go – 2024-07-15 14:00 BRT",
    "## Go/No-Go – 31/02/2024 99:99 UTC+99",
    "### Participantes confirmados",
    "### Ata e decisões",
    "### Evidências vinculadas",
    "### Agenda da sessão",
    "### Readiness checks",
    "### Notes",
    "- **Objetivo:** validar",
    "- **Facilitador:** Marina Lopes (FinOps",
    "- Observadores: Ana Souza (SRE Lead), , (x)",
    "- **Decisão principal:** GO condicionado à `BILL-230` e ",
    "  - [x] `X-1`",
    "- **Ação A1:** faz até 16/07. *(Owner: Ana Souza – SRE Lead; Status: bloqueada)*",
    "- **Ação:** (Owner: )",
    "- **Monitoramento pós-go-live:** x *(Owner: Rafaela)*",
    "- Título: `caminho`. *(Categoria: risco; verificada)*",
    "- QA: verde – ok",
    "1. item *(discutido)*",
    "   notas",
    "> citação",
    "```",
    "    code",
    "",
    "- ",
    "* [ ]",
    "<script>alert(1)</script>",
]


def _parses_or_refuses(text: str) -> None:
    try:
        doc = parse(text)
    except MinutesError as exc:
        assert exc.message
    else:
        assert isinstance(doc, MinutesDoc) and doc.sessions


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_it_never_crashes_on_arbitrary_text(text):
    _parses_or_refuses(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=30)), max_size=30))
def test_it_never_crashes_on_shuffled_minutes(lines):
    _parses_or_refuses("\n".join(lines))


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_it_never_crashes_on_a_mangled_sample(data):
    lines = SAMPLE_TEXT.split("\n")
    index = data.draw(st.integers(0, len(lines) - 1))
    lines[index] = data.draw(st.text(max_size=80))
    _parses_or_refuses("\n".join(lines))


# --- What the export writes: the outcome in words, condition meta, attendance -------------


@pytest.mark.parametrize(
    ("line", "outcome", "text"),
    [
        ("GO com condições – consenso pelo GO", "conditional_go", "consenso pelo GO"),
        ("GO with conditions – Pen test passed", "conditional_go", "Pen test passed"),
        ("NO-GO – two high findings", "no_go", "two high findings"),
        ("Adiada – falta o parecer", "postponed", "falta o parecer"),
        ("Postponed", "postponed", ""),
        ("GO – ship it", "go", "ship it"),
        ("consenso pelo **GO**", "go", "consenso pelo GO"),
    ],
)
def test_it_reads_the_outcome_in_words_before_the_rationale(line, outcome, text):
    extra = "  - [ ] Run the check." if outcome == "conditional_go" else ""
    doc = parse(
        HEAD + f"## Go/No-Go – 2024-07-15 14:00 BRT\n\n### Ata\n- **Decisão:** {line}\n{extra}\n"
    )
    decision = doc.sessions[0].decision
    assert (decision.outcome, decision.text) == (outcome, text)


def test_it_reads_a_condition_s_owner_deadline_and_when_it_was_satisfied():
    doc = parse(
        HEAD + "## Go/No-Go – 2024-07-15 14:00 BRT\n\n### Ata\n"
        "- **Decisão principal:** GO com condições – ok\n"
        "  - [ ] Run `BILL-230` *(Owner: Camila Duarte – Security Lead; Prazo: 16/07/2024 18:00;"
        " Status: expirada)*\n"
        "  - [x] Sign it *(Ref: LEG-1; Owner: Lucas; Deadline: 2024-07-16; "
        "Status: cumprida com atraso em 17/07/2024 09:30)*\n"
    )
    expired, late = doc.sessions[0].decision.conditions
    zone = doc.sessions[0].scheduled_at.tzinfo
    assert (expired.text, expired.reference, expired.owner.name, expired.owner.title) == (
        "Run BILL-230",
        "BILL-230",
        "Camila Duarte",
        "Security Lead",
    )
    assert expired.deadline == dt.datetime(2024, 7, 16, 18, 0, tzinfo=zone)
    assert (expired.satisfied, expired.satisfied_at) == (False, None)
    assert (late.text, late.reference, late.owner.name) == ("Sign it", "LEG-1", "Lucas")
    assert late.deadline == dt.datetime(2024, 7, 16, 23, 59, tzinfo=zone)
    assert late.satisfied_at == dt.datetime(2024, 7, 17, 9, 30, tzinfo=zone)


def test_it_reads_attendance_after_a_participant():
    doc = parse(
        HEAD + "## Go/No-Go – 2024-07-15 14:00 BRT\n\n### Participantes\n"
        "- Produto: Lucas Azevedo (PM Billing) *(presente)*\n"
        "- Segurança: Camila Duarte (Security Lead) *(ausente)*\n"
        "- Suporte: Rafaela Moura\n"
        "- Observers: Ana Souza (SRE Lead) *(present)*, Júlia Martins (Ops)\n"
        "\n### Ata\n- **Decisão:** GO\n"
    )
    assert [
        (p.person.name, p.person.title, p.attendance) for p in doc.sessions[0].participants
    ] == [
        ("Lucas Azevedo", "PM Billing", "present"),
        ("Camila Duarte", "Security Lead", "absent"),
        ("Rafaela Moura", "", "confirmed"),
        ("Ana Souza", "SRE Lead", "present"),
        ("Júlia Martins", "Ops", "confirmed"),
    ]
