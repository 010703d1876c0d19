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

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from readiness.minutes.documents import (
    ActionDoc,
    AgendaItemDoc,
    CheckDoc,
    ConditionDoc,
    DecisionDoc,
    EvidenceDoc,
    MinutesDoc,
    MinutesError,
    MinutesWarning,
    ParticipantDoc,
    SessionDoc,
)
from readiness.minutes.fields import (
    Inline,
    as_sentence,
    inline_of,
    leading_word,
    line_of,
    match_table,
    parse_date,
    parse_moment,
    parse_person,
    parse_zone,
    plain_text,
    split_label,
    split_lines,
    split_meta,
    split_people,
)
from readiness.minutes.jsondoc import looks_like_json, read_json_minutes
from readiness.minutes.vocabulary import (
    ATTENDANCE_FLAGS,
    CATEGORY_WORDS,
    CHECK_WORDS,
    CONDITION_STATE_WORDS,
    CONDITIONAL_GO,
    CONDITIONS_START,
    DATE_LIKE,
    DUE,
    EN,
    FULL_DATE,
    LABELS,
    MONITORING,
    OBSERVERS,
    PT,
    SECTIONS,
    STATUS_WORDS,
    TICKET,
    detect_outcome,
    guess_category,
    leading_outcome,
    normalize,
    outcome_from_label,
)

MAX_BYTES = 1024 * 1024


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
        self.warn(f"{why} It was kept as session notes.", line_of(node))

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
            line_of(node) if node is not None else 1,
        )

    def heading(self, node: SyntaxTreeNode) -> None:
        inline = inline_of(node)
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
            found = match_table(SECTIONS, normalize(inline.plain))
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
            for inline in split_lines(node):
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
        inline = inline_of(first)
        inline.line = line_of(item)
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
        labelled = split_label(inline.plain)
        if labelled is None:
            return None
        label, value = labelled
        found = match_table(LABELS, normalize(label))
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
        said = leading_outcome(text) if outcome is None else None
        if said is not None:
            outcome, text = said
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
                conditions.append(self.condition(inline_of(item.children[0]), line_of(item)))
                for extra in item.children[1:]:
                    self.keep(extra, "Text under a condition the importer could not place.")
        if outcome != CONDITIONAL_GO and conditions:
            for listing in lists:
                self.keep(listing, "Only a GO with conditions carries conditions.")
            conditions = []
        if outcome == CONDITIONAL_GO and not conditions and said is None:
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
        text, meta, _ = split_meta(text)
        reference = meta.get("ref", "").strip().strip("`")
        if not reference:
            reference = next((c for c in inline.codes if TICKET.match(c.strip())), "").strip()
        tz = self.session.scheduled_at.tzinfo
        doc = ConditionDoc(" ".join(text.split()), reference, satisfied, line)
        doc.owner = parse_person(meta["owner"]) if meta.get("owner") else None
        if meta.get("due"):
            doc.deadline = parse_moment(meta["due"], line, tz)
            if doc.deadline is None:
                raise MinutesError(f"“{meta['due']}” is not a deadline.", line)
        word = leading_word(CONDITION_STATE_WORDS, meta["status"]) if meta.get("status") else None
        if word is not None and word[0].startswith("satisfied"):
            # `Status: cumprida em 17/07/2024 10:00`: the state is read from the times.
            doc.satisfied, doc.satisfied_at = True, parse_moment(word[1], line, tz)
        return doc

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
            sentence = as_sentence(clause)
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
        text, meta, _ = split_meta(text)
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
            word = leading_word(STATUS_WORDS, meta["status"])
            if word is None:
                raise MinutesError(f"“{meta['status']}” is not an action status.", inline.line)
            status, reason = word[0], word[1].strip(" \u2013\u2014-:()")
        session.actions.append(
            ActionDoc(code, kind, text, owner, due, status, reason, inline.line)
        )

    def participants(self, inline: Inline) -> bool:
        text = inline.plain
        area, observer = "", False
        labelled = split_label(text)
        if labelled:
            label, text = labelled
            kind = next((lang for p, lang in OBSERVERS if re.fullmatch(p, normalize(label))), None)
            if kind:
                observer = True
                self.vote(kind)
            else:
                area = label.strip()
        seen = {p.person.name.lower() for p in self.session.participants}
        people = [_attending(part) for part in split_people(text)]
        if not any(person for person, _ in people):
            return False
        for person, attendance in people:
            if person is None:
                continue
            if person.name.lower() in seen:
                self.warn(
                    f"{person.name} is listed twice; the first listing is kept.", inline.line
                )
                continue
            seen.add(person.name.lower())
            self.session.participants.append(
                ParticipantDoc(person, area, observer, inline.line, attendance)
            )
        return True

    def agenda(self, inline: Inline, rest: list[SyntaxTreeNode]) -> bool:
        title, _, flags = split_meta(inline.plain)
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
        title = " ".join(plain_text(before).split())
        tail = " ".join(plain_text(after).split())
        if location is None:
            text = inline.plain
            text, _, _ = split_meta(text)
            url = re.search(r"https?://\S+", text)
            if url:
                title, location, tail = text[: url.start()], url.group(0).rstrip(".,;"), ""
            elif ": " in text:
                title, _, location = text.rpartition(": ")
                location, tail = location.strip().rstrip("."), ""
            else:
                return False
        title = re.sub(r"[\s:\u2013\u2014-]+$", "", title).strip()
        remainder, meta, flags = split_meta(tail)
        if remainder.strip(" .;,") or not location:
            return False
        category = guess_category(title)
        if meta.get("category"):
            word = leading_word(CATEGORY_WORDS, meta["category"])
            category = word[0] if word else category
        self.session.evidence.append(
            EvidenceDoc(title or location, location, category, "verified" in flags, inline.line)
        )
        return True

    def check(self, inline: Inline) -> bool:
        labelled = split_label(inline.plain)
        if labelled is None:
            return False
        area, value = labelled
        word = leading_word(CHECK_WORDS, value)
        if word is None:
            self.warn(f"The readiness of {area} is not green, amber or red.", inline.line)
            status, summary = "not_assessed", value
        else:
            status, summary = word[0], word[1].strip(" \u2013\u2014-:,")
        self.session.checks.append(CheckDoc(area.strip(), status, summary, inline.line))
        return True


def _attending(text: str) -> tuple:
    """(person, attendance) of `Ana Souza (SRE Lead) (presente)`; confirmed when unsaid."""
    found = re.search(r"\s*\(([^()]*)\)\s*$", text)
    if found:
        word = normalize(found.group(1))
        flag = next((k for k, p in ATTENDANCE_FLAGS.items() if re.fullmatch(p, word)), None)
        if flag:
            return parse_person(text[: found.start()]), flag
    return parse_person(text), "confirmed"


_MARKDOWN = MarkdownIt("commonmark", {"html": False})


def parse_minutes(text: str, *, default_zone: str = "UTC") -> MinutesDoc:
    """The minutes in `text` (Markdown, or the JSON export); raises MinutesError naming the
    line when they cannot be read."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise MinutesError("The document is larger than 1 MB; split it or trim it.")
    if looks_like_json(text):
        return read_json_minutes(text.removeprefix("\ufeff"))
    # The same clean-up markdown-it does, so that line numbers and kept text agree with it.
    text = re.sub(r"\r\n?", "\n", text.removeprefix("\ufeff")).replace("\0", "\ufffd")
    try:
        tokens = _MARKDOWN.parse(text)
    except RecursionError:
        raise MinutesError("The document nests too deeply to be minutes.") from None
    return _Reader(text, default_zone).read(SyntaxTreeNode(tokens))
