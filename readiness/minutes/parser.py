"""Read a Markdown minutes document into plain dataclasses; knows nothing of the database.

The document is parsed with markdown-it-py and its block structure is mapped: the `#`
heading names the release, each `##` heading opens a session, each `###` heading a section
(participants, agenda, minutes and decisions, evidence, readiness checks, notes), and list
items carry labelled fields (`**Objetivo:** ...`, `**Ação A1:** ...`). Regular expressions
only ever look at the text of one heading or one item. Text that fits nowhere is kept as
session notes and reported as a warning; what cannot be read raises `MinutesError` with the
line it is on.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
import unicodedata
import zoneinfo
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

MAX_BYTES = 1024 * 1024

# The `go/no-go outcome` values, the same strings the domain uses.
GO, CONDITIONAL_GO, NO_GO, POSTPONED = "go", "conditional_go", "no_go", "postponed"
MONITORING = "monitoring"
PT, EN = "pt-br", "en"


class MinutesError(Exception):
    """The document cannot be imported; `line` (1-based) says where, when it is known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


@dataclass(frozen=True)
class MinutesWarning:
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class PersonRef:
    name: str
    title: str = ""


@dataclass
class ParticipantDoc:
    person: PersonRef
    area: str
    observer: bool
    line: int | None


@dataclass
class AgendaItemDoc:
    title: str
    notes: str
    discussed: bool
    line: int | None


@dataclass
class CheckDoc:
    area: str
    status: str
    summary: str
    line: int | None


@dataclass
class ConditionDoc:
    text: str
    reference: str
    satisfied: bool
    line: int | None


@dataclass
class DecisionDoc:
    outcome: str
    text: str
    conditions: list[ConditionDoc]
    line: int | None


@dataclass
class ActionDoc:
    code: str
    kind: str
    description: str
    owner: PersonRef
    due: dt.date | None
    status: str
    reason: str
    line: int | None


@dataclass
class EvidenceDoc:
    title: str
    location: str
    category: str
    verified: bool
    line: int | None


@dataclass
class SessionDoc:
    title: str
    scheduled_at: dt.datetime
    time_zone: str
    line: int | None
    objective: str = ""
    facilitator: PersonRef | None = None
    participants: list[ParticipantDoc] = field(default_factory=list)
    agenda: list[AgendaItemDoc] = field(default_factory=list)
    checks: list[CheckDoc] = field(default_factory=list)
    decision: DecisionDoc | None = None
    actions: list[ActionDoc] = field(default_factory=list)
    evidence: list[EvidenceDoc] = field(default_factory=list)
    notes_parts: list[str] = field(default_factory=list)

    @property
    def notes(self) -> str:
        return "\n\n".join(part for part in self.notes_parts if part)

    @property
    def date(self) -> dt.date:
        return self.scheduled_at.date()

    def people(self) -> list[PersonRef]:
        """Everyone the session names, in document order."""
        found = [self.facilitator] if self.facilitator else []
        found += [p.person for p in self.participants]
        found += [a.owner for a in self.actions]
        return found


@dataclass
class MinutesDoc:
    release_name: str
    release_date: dt.date
    language: str
    sessions: list[SessionDoc]
    warnings: list[MinutesWarning]
    line: int | None = 1


# --- Bytes to text ------------------------------------------------------------------------


def decode_minutes(data: bytes) -> str:
    """Strict UTF-8 of at most MAX_BYTES; the error names the line of the first bad byte."""
    if len(data) > MAX_BYTES:
        raise MinutesError(
            f"The file is larger than 1 MB ({len(data):,} bytes); split it or trim it."
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise MinutesError("The file is not UTF-8 text.", line) from None
    return text.removeprefix("\ufeff")


# --- Labels -------------------------------------------------------------------------------


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
    "due": r"prazo|due|vencimento",
    "category": r"categoria|category",
    "ref": r"ref|referencia|reference|ticket",
}
FLAGS = {
    "verified": r"verificad[ao]|verified",
    "discussed": r"discutid[ao]|discussed",
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


def _match(table, label: str) -> tuple[str, str | None, re.Match] | None:
    for pattern, kind, lang in table:
        found = re.fullmatch(pattern, label)
        if found:
            return kind, lang, found
    return None


def _word(table: dict[str, str], text: str) -> tuple[str, str] | None:
    """(key, rest) when the normalized `text` starts with one of the table's words."""
    norm = normalize(text)
    for key, pattern in table.items():
        found = re.match(rf"(?:{pattern})\b", norm)
        if found:
            # The words are ASCII after normalization; count them back on the original.
            rest = _strip_words(text, len(found.group(0).split()))
            return key, rest
    return None


def _strip_words(text: str, n: int) -> str:
    parts = text.strip().split(None, n)
    return parts[n] if len(parts) > n else ""


# --- Dates and zones ----------------------------------------------------------------------

FULL_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})/(\d{1,2})/(\d{4})")
DATE_LIKE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{4}|\d{1,2}/\d{1,2}")
DUE = re.compile(
    r"\b(?:até|ate|by|due(?: by| on)?|until|prazo:?)\s+"
    r"(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}(?:/\d{4})?)",
    re.IGNORECASE,
)
ZONES = {"BRT": "America/Sao_Paulo", "BRST": "America/Sao_Paulo", "UTC": "UTC", "GMT": "UTC"}
ZONES["Z"] = "UTC"


def parse_date(token: str, line: int | None, *, after: dt.date | None = None) -> dt.date:
    """`2024-07-16`, `16/07/2024`, or `16/07` (the first such date on or after `after`)."""
    token = token.strip()
    try:
        found = FULL_DATE.fullmatch(token)
        if found and found.group(1):
            return dt.date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
        if found:
            return dt.date(int(found.group(6)), int(found.group(5)), int(found.group(4)))
        short = re.fullmatch(r"(\d{1,2})/(\d{1,2})", token)
        if short and after is not None:
            day, month = int(short.group(1)), int(short.group(2))
            for year in range(after.year, after.year + 9):
                try:
                    candidate = dt.date(year, month, day)
                except ValueError:
                    continue
                if candidate >= after:
                    return candidate
    except (ValueError, OverflowError):
        pass
    raise MinutesError(f"“{token}” is not a date: write 2024-07-16, 16/07/2024 or 16/07.", line)


def parse_zone(text: str, line: int | None, default: str) -> tuple[str, dt.tzinfo, str]:
    """(zone name to store, tzinfo to read the time in, warning or "")."""
    raw = text.strip().strip("()").strip()
    if not raw:
        return default, zoneinfo.ZoneInfo(default), f"No time zone given; {default} assumed."
    upper = raw.upper().replace("\u2212", "-").replace("\u2013", "-")
    if upper in ZONES:
        return ZONES[upper], zoneinfo.ZoneInfo(ZONES[upper]), ""
    offset = re.fullmatch(r"(?:UTC|GMT)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", upper)
    if offset:
        sign = 1 if offset.group(1) == "+" else -1
        hours, minutes = int(offset.group(2)), int(offset.group(3) or 0)
        if hours > 14 or minutes > 59:
            raise MinutesError(f"“{raw}” is not a UTC offset.", line)
        fixed = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
        if minutes == 0:
            # A whole-hour offset has an IANA name; note Etc/ names invert the sign.
            name = "UTC" if hours == 0 else f"Etc/GMT{'-' if sign > 0 else '+'}{hours}"
            return name, zoneinfo.ZoneInfo(name), ""
        return "UTC", fixed, f"The offset {raw} has no IANA zone; the time is kept, shown in UTC."
    try:
        return raw, zoneinfo.ZoneInfo(raw), ""
    except (ValueError, OSError, zoneinfo.ZoneInfoNotFoundError):
        raise MinutesError(
            f"Unknown time zone “{raw}”: write BRT, UTC, an offset such as UTC-3 or -03:00, "
            "or an IANA name such as America/Sao_Paulo.",
            line,
        ) from None


# --- Inline text --------------------------------------------------------------------------


@dataclass
class Inline:
    """The text of one heading, item or paragraph line, as plain text and code spans."""

    nodes: list[SyntaxTreeNode]
    line: int | None

    @property
    def plain(self) -> str:
        return " ".join(_plain(self.nodes).split())

    @property
    def codes(self) -> list[str]:
        return [n.content for n in _walk(self.nodes) if n.type == "code_inline"]


def _walk(nodes):
    for node in nodes:
        yield node
        if node.children:
            yield from _walk(node.children)


def _plain(nodes) -> str:
    out = []
    for node in nodes:
        if node.type in ("text", "code_inline"):
            out.append(node.content)
        elif node.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif node.children:
            out.append(_plain(node.children))
    return "".join(out)


def _line(node: SyntaxTreeNode) -> int | None:
    return node.map[0] + 1 if node.map else None


def _inline_of(node: SyntaxTreeNode) -> Inline:
    inline = node.children[0] if node.children else None
    return Inline(list(inline.children) if inline else [], _line(node))


def _split_lines(paragraph: SyntaxTreeNode) -> list[Inline]:
    """A paragraph written as several lines, one field a line, without bullets."""
    whole = _inline_of(paragraph)
    lines, current = [], []
    for node in whole.nodes:
        if node.type in ("softbreak", "hardbreak"):
            lines.append(current)
            current = []
        else:
            current.append(node)
    lines.append(current)
    start = whole.line or 1
    return [Inline(nodes, start + i) for i, nodes in enumerate(lines) if _plain(nodes).strip()]


def _label(text: str) -> tuple[str, str] | None:
    """("Objetivo", "validar ...") for "Objetivo: validar ..."; None without a label."""
    found = re.match(r"\s*([^:]{1,80}?)\s*:(?!//)\s*", text)
    if not found or not found.group(1).strip():
        return None
    return found.group(1), text[found.end() :].strip()


def _split_meta(text: str) -> tuple[str, dict[str, str], set[str]]:
    """Split a trailing `(Owner: X; Status: done)` off `text` when it holds known keys.

    Scans backwards for the matching parenthesis rather than using a regular expression,
    so that a long line cannot make it slow.
    """
    stripped = text.rstrip().rstrip(".").rstrip()
    if not stripped.endswith(")"):
        return text, {}, set()
    depth = 0
    for i in range(len(stripped) - 1, -1, -1):
        char = stripped[i]
        if char == ")":
            depth += 1
        elif char == "(":
            depth -= 1
            if depth == 0:
                break
    else:
        return text, {}, set()
    body, before = stripped[i + 1 : -1], stripped[:i].rstrip()
    meta: dict[str, str] = {}
    flags: set[str] = set()
    status_at = re.search(r"\b(status|situação|situacao)\s*:", body, re.IGNORECASE)
    parts = body[: status_at.start()].split(";") if status_at else body.split(";")
    if status_at:
        meta["status"] = body[status_at.end() :].strip()
    for part in parts:
        part = part.strip()
        if not part:
            continue
        labelled = _label(part)
        key = None
        if labelled:
            key = next(
                (k for k, p in META_KEYS.items() if re.fullmatch(p, normalize(labelled[0]))),
                None,
            )
        if key:
            meta[key] = labelled[1]
            continue
        flag = next((k for k, p in FLAGS.items() if re.fullmatch(p, normalize(part))), None)
        if flag is None:
            return text, {}, set()  # an ordinary parenthesis, not ours
        flags.add(flag)
    return before, meta, flags


def parse_person(text: str) -> PersonRef | None:
    """`Ana Souza (SRE Lead)` or `Ana Souza – SRE Lead` or `Ana Souza`."""
    text = " ".join(text.split()).strip(" .;,")
    if "(" in text and text.endswith(")"):
        name, _, title = text.partition("(")
        title = title[:-1]
    else:
        parts = re.split(r"\s+[\u2013\u2014-]\s+", text, maxsplit=1)
        name, title = parts[0], parts[1] if len(parts) > 1 else ""
    name = " ".join(name.split()).strip(" .;,")
    if not name:
        return None
    return PersonRef(name=name, title=title.strip())


def _split_people(text: str) -> list[str]:
    """Split on commas and semicolons outside parentheses."""
    out, depth, current = [], 0, []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        if char in ",;" and depth == 0:
            out.append("".join(current))
            current = []
        else:
            current.append(char)
    out.append("".join(current))
    return [part for part in (p.strip() for p in out) if part]


def _sentence(text: str) -> str:
    text = " ".join(text.split()).strip(" ;,")
    text = text.rstrip(".").rstrip()
    if not text:
        return ""
    return text[0].upper() + text[1:] + "."


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


# --- The document -------------------------------------------------------------------------


class _Reader:
    def __init__(self, text: str, default_zone: str) -> None:
        self.text = text
        # Split exactly as markdown-it counts lines, so that its line numbers index here.
        self.lines = text.split("\n")
        self.default_zone = default_zone
        self.warnings: list[MinutesWarning] = []
        self.votes = {PT: 0, EN: 0}
        self.release: tuple[str, dt.date, int | None] | None = None
        self.sessions: list[SessionDoc] = []
        self.session: SessionDoc | None = None
        self.section = "main"
        self.section_start: int | None = None
        self.section_end: int | None = None
        self.pending: list[str] = []  # text before the first session

    # Helpers

    def vote(self, lang: str | None) -> None:
        if lang:
            self.votes[lang] += 1

    def warn(self, message: str, line: int | None) -> None:
        self.warnings.append(MinutesWarning(message, line))

    def source(self, node: SyntaxTreeNode) -> str:
        if not node.map:
            return ""
        return textwrap.dedent("\n".join(self.lines[node.map[0] : node.map[1]])).strip()

    def keep(self, node: SyntaxTreeNode, why: str) -> None:
        """Keep text the reader could not place as notes, and say so."""
        text = self.source(node)
        if not text:
            return
        if self.session is None:
            self.pending.append(text)
        else:
            self.session.notes_parts.append(text)
        self.warn(f"{why} It was kept as session notes.", _line(node))

    # The walk

    def read(self, root: SyntaxTreeNode) -> MinutesDoc:
        for node in root.children:
            if node.type == "heading":
                self.heading(node)
            elif self.release is None:
                if node.type not in ("hr", "html_block"):
                    self.not_minutes(node)
            else:
                self.block(node)
        self.close_section()
        if self.release is None:
            self.not_minutes(None)
        name, date, line = self.release
        if not self.sessions:
            raise MinutesError(
                "The document has no session: add a heading such as "
                "“## Go/No-Go – 2024-07-15 14:00 BRT”.",
                line,
            )
        language = PT if self.votes[PT] > self.votes[EN] else EN
        return MinutesDoc(name, date, language, self.sessions, self.warnings, line)

    def not_minutes(self, node: SyntaxTreeNode | None) -> None:
        raise MinutesError(
            "This is not a minutes document: it must start with a heading such as "
            "“# Readiness Meetings – Release 2024-07-15 Billing Gateway”.",
            _line(node) if node is not None else 1,
        )

    def heading(self, node: SyntaxTreeNode) -> None:
        inline = _inline_of(node)
        level = int(node.tag[1:])
        if level == 1:
            self.release_heading(inline, node)
        elif self.release is None:
            self.not_minutes(node)
        elif level == 2:
            self.session_heading(inline)
        elif self.session is None:
            self.keep(node, "A heading came before any session.")
        elif level == 3:
            self.close_section()
            found = _match(SECTIONS, normalize(inline.plain))
            self.section_start = node.map[1] if node.map else None
            if found is None:
                self.section = "unknown"
                self.section_start = node.map[0] if node.map else None
                self.warn(
                    f"The section “{inline.plain}” is not one the importer knows; "
                    "it was kept as session notes.",
                    inline.line,
                )
            else:
                self.section = found[0]
                self.vote(found[1])
        else:
            self.block(node)

    def close_section(self) -> None:
        """Notes and unknown sections are kept whole, exactly as written."""
        if self.section in ("notes", "unknown") and self.section_end is not None:
            text = "\n".join(self.lines[self.section_start : self.section_end]).strip()
            if text and self.session is not None:
                self.session.notes_parts.append(text)
        self.section = "main"
        self.section_end = None

    def release_heading(self, inline: Inline, node: SyntaxTreeNode) -> None:
        if self.release is not None:
            raise MinutesError(
                "A second release heading: a file holds the minutes of one release.",
                inline.line,
            )
        text = inline.plain
        found = re.search(r"\b(?:release|lançamento|lancamento)\s+(\S+)\s+(.+?)\s*$", text, re.I)
        if not found or not re.match(r"\d", found.group(1)):
            self.not_minutes(node)
        date = parse_date(found.group(1), inline.line)
        self.release = (found.group(2).strip(), date, inline.line)

    def session_heading(self, inline: Inline) -> None:
        self.close_section()
        text = inline.plain
        found = FULL_DATE.search(text) or DATE_LIKE.search(text)
        if found is None:
            raise MinutesError(
                f"The session “{text}” has no date: write it as "
                "“## Go/No-Go – 2024-07-15 14:00 BRT”.",
                inline.line,
            )
        date = parse_date(found.group(0), inline.line)
        title = re.sub(r"[\s\u2013\u2014,:-]+$", "", text[: found.start()]).strip()
        rest = text[found.end() :]
        clock = re.match(
            r"\s*(?:,|às|as|at)?\s*(\d{1,2})(?:(?::|h)(\d{2})?|\s*h\b)(?![\d:])", rest, re.I
        )
        time = dt.time(0, 0)
        if clock:
            hour, minute = int(clock.group(1)), int(clock.group(2) or 0)
            if hour > 23 or minute > 59:
                raise MinutesError(
                    f"“{clock.group(0).strip()}” is not a time of day.", inline.line
                )
            time = dt.time(hour, minute)
            rest = rest[clock.end() :]
        else:
            self.warn("The session has no time; 00:00 was assumed.", inline.line)
        zone_name, tz, warning = parse_zone(rest, inline.line, self.default_zone)
        if warning:
            self.warn(warning, inline.line)
        scheduled_at = dt.datetime.combine(date, time, tzinfo=tz)
        self.session = SessionDoc(
            title=title, scheduled_at=scheduled_at, time_zone=zone_name, line=inline.line
        )
        if self.pending:
            self.session.notes_parts.extend(self.pending)
            self.pending = []
        self.sessions.append(self.session)
        self.section = "main"

    def block(self, node: SyntaxTreeNode) -> None:
        if self.session is None:
            self.keep(node, "Text came before any session.")
            return
        if self.section in ("notes", "unknown"):
            if node.map:
                if self.section_start is None:
                    self.section_start = node.map[0]
                self.section_end = node.map[1]
            return
        if node.type in ("bullet_list", "ordered_list"):
            for item in node.children:
                self.item(item)
        elif node.type == "paragraph" and self.section in ("main", "minutes"):
            for inline in _split_lines(node):
                if not self.labelled(inline, None):
                    self.session.notes_parts.append(self.lines[inline.line - 1].strip())
                    self.warn("A line the importer could not place.", inline.line)
        elif node.type != "hr":
            self.keep(node, "Text the importer could not place.")

    def item(self, item: SyntaxTreeNode) -> None:
        if not item.children:
            return
        first, rest = item.children[0], list(item.children[1:])
        if first.type != "paragraph":
            self.keep(item, "A list item the importer could not read.")
            return
        inline = _inline_of(first)
        inline.line = _line(item)
        section = self.section
        if section == "participants":
            handled = self.participants(inline)
        elif section == "agenda":
            handled = self.agenda(inline, rest)
            rest = []
        elif section == "evidence":
            handled = self.evidence(inline)
        elif section == "checks":
            handled = self.check(inline)
        else:
            handled = self.labelled(inline, rest)
            if handled == "decision":
                rest = [n for n in rest if n.type not in ("bullet_list", "ordered_list")]
        if not handled:
            self.keep(item, "A list item the importer could not read.")
            return
        for extra in rest:
            self.keep(extra, "Text under a list item the importer could not place.")

    # Fields

    def labelled(self, inline: Inline, rest: list[SyntaxTreeNode] | None) -> str | None:
        labelled = _label(inline.plain)
        if labelled is None:
            return None
        label, value = labelled
        found = _match(LABELS, normalize(label))
        if found is None:
            return None
        kind, lang, match = found
        self.vote(lang)
        session = self.session
        if kind == "objective":
            session.objective = value
        elif kind == "facilitator":
            session.facilitator = parse_person(value)
        elif kind == "decision":
            self.decision(inline, value, match.groupdict().get("outcome"), rest or [])
        else:
            self.action(inline, value, kind, match.groupdict().get("code"))
        return kind

    def decision(
        self, inline: Inline, text: str, label_outcome: str | None, rest: list[SyntaxTreeNode]
    ) -> None:
        outcome = outcome_from_label(label_outcome) if label_outcome else None
        outcome = outcome or detect_outcome(text)
        if outcome is None:
            raise MinutesError(
                "The decision does not say GO, GO with conditions, NO-GO or postponed.",
                inline.line,
            )
        conditions = []
        lists = [n for n in rest if n.type in ("bullet_list", "ordered_list")]
        for listing in lists:
            for item in listing.children:
                if not item.children or item.children[0].type != "paragraph":
                    continue
                conditions.append(self.condition(_inline_of(item.children[0]), _line(item)))
                for extra in item.children[1:]:
                    self.keep(extra, "Text under a condition the importer could not place.")
        if outcome != CONDITIONAL_GO and conditions:
            for listing in lists:
                self.keep(listing, "Only a GO with conditions carries conditions.")
            conditions = []
        if outcome == CONDITIONAL_GO and not conditions:
            conditions = self.inline_conditions(inline, text)
        if self.session.decision is not None:
            self.warn("A second main decision in the session; the later one is kept.", inline.line)
        self.session.decision = DecisionDoc(outcome, text, conditions, inline.line)

    def condition(self, inline: Inline, line: int | None) -> ConditionDoc:
        text = inline.plain
        satisfied = False
        box = re.match(r"\[([ xX])\]\s*", text)
        if box:
            satisfied = box.group(1) != " "
            text = text[box.end() :]
        text, meta, _ = _split_meta(text)
        reference = meta.get("ref", "").strip().strip("`")
        if not reference:
            reference = next((c for c in inline.codes if TICKET.match(c.strip())), "").strip()
        return ConditionDoc(" ".join(text.split()), reference, satisfied, line)

    def inline_conditions(self, inline: Inline, text: str) -> list[ConditionDoc]:
        """`GO condicionado à A e B`: one condition per clause after the condition word."""
        start = CONDITIONS_START.search(text)
        rest = text[start.end() :] if start else ""
        if not rest.strip(" .;:"):
            self.warn(
                "The GO with conditions names no clause; its text is kept as the one condition.",
                inline.line,
            )
            rest = text
        clauses = rest.split(";") if ";" in rest else re.split(r"\s+(?:e|and)\s+", rest)
        tickets = [c.strip() for c in inline.codes if TICKET.match(c.strip())]
        conditions = []
        for clause in clauses:
            sentence = _sentence(clause)
            if sentence:
                reference = next((t for t in tickets if t in sentence), "")
                conditions.append(ConditionDoc(sentence, reference, False, inline.line))
        return conditions

    def action(self, inline: Inline, text: str, kind: str, code: str | None) -> None:
        session = self.session
        same_kind = [a for a in session.actions if a.kind == kind]
        if code:
            code = code.upper()
        else:
            code = f"{'M' if kind == MONITORING else 'A'}{len(same_kind) + 1}"
        text, meta, _ = _split_meta(text)
        text = text.strip().removesuffix(".").rstrip()
        due = None
        found = next(reversed(list(DUE.finditer(text))), None)  # the last due date wins
        if found is not None:
            due = parse_date(found.group(1), inline.line, after=session.date)
            if not text[found.end() :].strip(" ."):
                text = text[: found.start()].rstrip(" ,;")
        if meta.get("due"):
            due = parse_date(meta["due"], inline.line, after=session.date)
        owner = parse_person(meta["owner"]) if meta.get("owner") else None
        if owner is None:
            known = [p for p in session.people() if text.lower().startswith(p.name.lower())]
            owner = known[0] if known else None
        if owner is None:
            raise MinutesError(
                f"Action {code} has no owner: add “(Owner: Name – Title)”.", inline.line
            )
        status, reason = "open", ""
        if meta.get("status"):
            word = _word(STATUS_WORDS, meta["status"])
            if word is None:
                raise MinutesError(f"“{meta['status']}” is not an action status.", inline.line)
            status, reason = word[0], word[1].strip(" \u2013\u2014-:()")
        session.actions.append(
            ActionDoc(code, kind, text, owner, due, status, reason, inline.line)
        )

    def participants(self, inline: Inline) -> bool:
        text = inline.plain
        area, observer = "", False
        labelled = _label(text)
        if labelled:
            label, text = labelled
            kind = next((lang for p, lang in OBSERVERS if re.fullmatch(p, normalize(label))), None)
            if kind:
                observer = True
                self.vote(kind)
            else:
                area = label.strip()
        seen = {p.person.name.lower() for p in self.session.participants}
        people = [parse_person(part) for part in _split_people(text)]
        if not any(people):
            return False
        for person in people:
            if person is None:
                continue
            if person.name.lower() in seen:
                self.warn(
                    f"{person.name} is listed twice; the first listing is kept.", inline.line
                )
                continue
            seen.add(person.name.lower())
            self.session.participants.append(ParticipantDoc(person, area, observer, inline.line))
        return True

    def agenda(self, inline: Inline, rest: list[SyntaxTreeNode]) -> bool:
        title, _, flags = _split_meta(inline.plain)
        title = title.strip()
        if not title:
            return False
        notes = "\n\n".join(filter(None, (self.source(n) for n in rest)))
        self.session.agenda.append(AgendaItemDoc(title, notes, "discussed" in flags, inline.line))
        return True

    def evidence(self, inline: Inline) -> bool:
        before, location, after = [], None, []
        for node in inline.nodes:
            if location is None and node.type == "code_inline":
                location = node.content.strip()
            elif location is None and node.type == "link":
                location = node.attrs.get("href", "")
            elif location is None:
                before.append(node)
            else:
                after.append(node)
        title = " ".join(_plain(before).split())
        tail = " ".join(_plain(after).split())
        if location is None:
            text = inline.plain
            text, _, _ = _split_meta(text)
            url = re.search(r"https?://\S+", text)
            if url:
                title, location, tail = text[: url.start()], url.group(0).rstrip(".,;"), ""
            elif ": " in text:
                title, _, location = text.rpartition(": ")
                location, tail = location.strip().rstrip("."), ""
            else:
                return False
        title = re.sub(r"[\s:\u2013\u2014-]+$", "", title).strip()
        remainder, meta, flags = _split_meta(tail)
        if remainder.strip(" .;,") or not location:
            return False
        category = guess_category(title)
        if meta.get("category"):
            word = _word(CATEGORY_WORDS, meta["category"])
            category = word[0] if word else category
        self.session.evidence.append(
            EvidenceDoc(title or location, location, category, "verified" in flags, inline.line)
        )
        return True

    def check(self, inline: Inline) -> bool:
        labelled = _label(inline.plain)
        if labelled is None:
            return False
        area, value = labelled
        word = _word(CHECK_WORDS, value)
        if word is None:
            self.warn(f"The readiness of {area} is not green, amber or red.", inline.line)
            status, summary = "not_assessed", value
        else:
            status, summary = word[0], word[1].strip(" \u2013\u2014-:,")
        self.session.checks.append(CheckDoc(area.strip(), status, summary, inline.line))
        return True


_MARKDOWN = MarkdownIt("commonmark", {"html": False})


def parse_minutes(text: str, *, default_zone: str = "UTC") -> MinutesDoc:
    """The minutes in `text`; raises MinutesError naming the line when they cannot be read."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise MinutesError("The document is larger than 1 MB; split it or trim it.")
    # The same clean-up markdown-it does, so that line numbers and kept text agree with it.
    text = re.sub(r"\r\n?", "\n", text.removeprefix("\ufeff")).replace("\0", "\ufffd")
    try:
        tokens = _MARKDOWN.parse(text)
    except RecursionError:
        raise MinutesError("The document nests too deeply to be minutes.") from None
    return _Reader(text, default_zone).read(SyntaxTreeNode(tokens))
