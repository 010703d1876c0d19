"""The words of the minutes, in Portuguese and English: headings, labels, statuses,
categories and outcomes, each table matched against `normalize()`d text."""

from __future__ import annotations

import re
import unicodedata

# The `go/no-go outcome` values, the same strings the domain uses.
GO, CONDITIONAL_GO, NO_GO, POSTPONED = "go", "conditional_go", "no_go", "postponed"
MONITORING = "monitoring"
PT, EN = "pt-br", "en"


def normalize(text: str) -> str:
    """Lower case, no accents, one kind of dash, single spaces: how labels are compared."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u2212", "-")
    text = re.sub(r"[*_`]", "", text)
    return " ".join(text.lower().split()).strip(" .:")


# (pattern on the normalized label, kind, language or None when both use the word)
SECTIONS = [
    (r"participantes( confirmados)?|presentes", "participants", PT),
    (r"(confirmed )?participants|attendees", "participants", EN),
    (r"agenda da sessao|pauta( da sessao)?", "agenda", PT),
    (r"session agenda", "agenda", EN),
    (r"agenda", "agenda", None),
    (r"ata( e decisoes| da reuniao)?|decisoes", "minutes", PT),
    (r"minutes( and decisions)?|decisions", "minutes", EN),
    (r"evidencias( vinculadas)?", "evidence", PT),
    (r"(linked )?evidence", "evidence", EN),
    (r"(checagens|verificacoes|checks) de (readiness|prontidao)", "checks", PT),
    (r"readiness checks?", "checks", EN),
    (r"notas|anotacoes|observacoes", "notes", PT),
    (r"notes", "notes", EN),
]
LABELS = [
    (r"objetivo", "objective", PT),
    (r"objective|goal", "objective", EN),
    (r"facilitador(a|\(a\))?", "facilitator", PT),
    (r"facilitator|facilitated by", "facilitator", EN),
    (r"decisao( principal)?(\s*\((?P<outcome>.*)\))?", "decision", PT),
    (r"(main )?decision(\s*\((?P<outcome>.*)\))?", "decision", EN),
    (r"acao(\s+(?P<code>[a-z]*\d[a-z0-9-]*))?", "action", PT),
    (r"action(\s+(?P<code>[a-z]*\d[a-z0-9-]*))?", "action", EN),
    (
        r"monitoramento( pos-?go-live| pos go-live| pos-lancamento)?(\s+(?P<code>[a-z]*\d+))?",
        "monitoring",
        PT,
    ),
    (r"(post-go-live |post go-live )?monitoring(\s+(?P<code>[a-z]*\d+))?", "monitoring", EN),
]
OBSERVERS = [(r"observador(es|as|a)?", PT), (r"observers?", EN)]
META_KEYS = {
    "owner": r"owner|responsavel|dono|dona",
    "status": r"status|situacao",
    "due": r"prazo|due|vencimento|deadline",
    "category": r"categoria|category",
    "ref": r"ref|referencia|reference|ticket",
}
FLAGS = {
    "verified": r"verificad[ao]|verified",
    "discussed": r"discutid[ao]|discussed",
}
# A participant's attendance, written after the name when it is more than confirmed.
ATTENDANCE_FLAGS = {
    "present": r"presente|present",
    "absent": r"ausente|absent",
    "confirmed": r"confirmad[ao]|confirmed",
}
# A condition's state, the first words of its `Status:` (the longer phrases first).
CONDITION_STATE_WORDS = {
    "satisfied_late": r"(cumprida|satisfeita) (com atraso|fora do prazo)|satisfied late|met late",
    "satisfied": r"cumprida|satisfeita|satisfied|met|done|concluida",
    "expired": r"expirada|vencida|expired|overdue",
    "open": r"aberta|pendente|open|pending",
}
STATUS_WORDS = {
    "open": r"aberta|aberto|open|pendente|pending",
    "in_progress": r"em andamento|em progresso|in progress|inprogress",
    "blocked": r"bloqueada|bloqueado|blocked",
    "done": r"concluida|concluido|feita|feito|done|completed|complete",
    "cancelled": r"cancelada|cancelado|cancelled|canceled",
}
CHECK_WORDS = {
    "green": r"verde|green",
    "amber": r"ambar|amarelo|amber|yellow",
    "red": r"vermelho|red",
    "not_assessed": r"nao avaliado|nao avaliada|not assessed|notassessed",
}
CATEGORY_WORDS = {
    "summary": r"resumo|summary",
    "qa": r"qa",
    "compliance": r"compliance",
    "finops": r"finops",
    "risk": r"risco|risk",
    "other": r"outra|outro|other",
}
# What an evidence title says about its kind, tried in this order.
CATEGORY_HINTS = [
    ("summary", r"\b(resumo|summary|go/no-go|ata|minutes)\b"),
    ("qa", r"\b(qa|testes?|tests?|quality|qualidade)\b"),
    ("compliance", r"\b(compliance|dpia|pci|juridic\w*|legal|lgpd|gdpr)\b"),
    ("finops", r"\b(finops|custos?|costs?)\b"),
    ("risk", r"\b(riscos?|risks?)\b"),
]
TICKET = re.compile(r"^[A-Z][A-Z0-9]*-\d+$")
CONDITIONAL_HINT = re.compile(
    r"condicionad|condicional|condic(ao|oes)|conditional|conditioned|conditions?\b|"
    r"subject to|provided|desde que|ressalvas"
)
CONDITIONS_START = re.compile(
    r"(?:condicionad[oa]s?|condicional|conditional|conditioned|subject|provided|desde)"
    r"\s*(?:(?:à|às|ao|aos|a|on|upon|to|that|que)\s+)?"
    r"|(?:com|with)\s+(?:as\s+|the\s+)?(?:condições|condicoes|conditions)\s*:?\s*",
    re.IGNORECASE,
)


def guess_category(title: str) -> str:
    """The evidence category its title suggests; `other` when it suggests none."""
    text = normalize(title)
    for category, pattern in CATEGORY_HINTS:
        if re.search(pattern, text):
            return category
    return "other"


# Dates and zones, as the minutes write them.
FULL_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})/(\d{1,2})/(\d{4})")
DATE_LIKE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{4}|\d{1,2}/\d{1,2}")
DUE = re.compile(
    r"\b(?:até|ate|by|due(?: by| on)?|until|prazo:?)\s+"
    r"(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}(?:/\d{4})?)",
    re.IGNORECASE,
)
ZONES = {"BRT": "America/Sao_Paulo", "BRST": "America/Sao_Paulo", "UTC": "UTC", "GMT": "UTC"}
ZONES["Z"] = "UTC"


# Outcomes, as a decision's sentence or its label says them.


def detect_outcome(text: str) -> str | None:
    """GO (in capitals), GO with conditions, NO-GO or postponed, as the sentence says it."""
    norm = normalize(text)
    if re.search(r"\bno[\s-]?go\b(?![\s-]?live)", text, re.IGNORECASE) or "nogo" in norm:
        return NO_GO
    if re.search(r"\bGO\b(?![\s-]?live)", text):
        return CONDITIONAL_GO if CONDITIONAL_HINT.search(norm) else GO
    if re.search(r"adiad|adiament|postpon|defer", norm):
        return POSTPONED
    return None


# The outcome in words at the start of a decision, as the exporter writes it:
# `GO com condições – <rationale>`.
LEADING_OUTCOME = re.compile(
    r"(?P<words>GO com condi[çc][õo]es|GO with conditions|NO-GO|GO|[Aa]diada|[Pp]ostponed)"
    r"(?:\s+[\u2013\u2014]\s+(?P<rest>.*)|\.?)",
    re.DOTALL,
)


def leading_outcome(text: str) -> tuple[str, str] | None:
    """(outcome, rationale) when the decision starts with its outcome in words."""
    found = LEADING_OUTCOME.fullmatch(text.strip())
    if found is None:
        return None
    return outcome_from_label(found.group("words")), (found.group("rest") or "").strip()


def outcome_from_label(text: str) -> str | None:
    norm = normalize(text)
    if re.search(r"no[\s-]?go|nogo", norm):
        return NO_GO
    if re.search(r"adiad|postpon|defer", norm):
        return POSTPONED
    if "condi" in norm:
        return CONDITIONAL_GO
    if re.search(r"\bgo\b", norm):
        return GO
    return None
