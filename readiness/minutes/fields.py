"""Reading one heading, list item or line of the minutes: labels and their values, the
trailing `(Owner: ...; Status: ...)`, people, dates and time zones."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

from markdown_it.tree import SyntaxTreeNode

from readiness import bounds
from readiness.minutes.documents import MinutesError, PersonRef
from readiness.minutes.vocabulary import FLAGS, FULL_DATE, META_KEYS, ZONES, normalize

# --- Labels -------------------------------------------------------------------------------


def match_table(table, label: str) -> tuple[str, str | None, re.Match] | None:
    for pattern, kind, lang in table:
        found = re.fullmatch(pattern, label)
        if found:
            return kind, lang, found
    return None


def leading_word(table: dict[str, str], text: str) -> tuple[str, str] | None:
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


MOMENT = re.compile(r"(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{4})(?:[ T,]+(\d{1,2}):(\d{2}))?")


def parse_moment(text: str, line: int | None, tz: dt.tzinfo) -> dt.datetime | None:
    """The first `2024-07-16 18:00` or `16/07/2024 18:00` in `text`, in `tz`; None if none.
    A date without a time is the end of that day."""
    found = MOMENT.search(text)
    if found is None:
        return None
    day = parse_date(found.group(1), line)
    if found.group(2) is None:
        return dt.datetime.combine(day, dt.time(23, 59), tzinfo=tz)
    hour, minute = int(found.group(2)), int(found.group(3))
    if hour > 23 or minute > 59:
        raise MinutesError(f"“{found.group(0)}” is not a time of day.", line)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)


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
    zone = bounds.zone_or_none(raw)
    if zone is None:
        shown = raw if len(raw) <= bounds.MAX_ZONE_LENGTH else raw[: bounds.MAX_ZONE_LENGTH] + "…"
        raise MinutesError(
            f"Unknown time zone “{shown}”: write BRT, UTC, an offset such as UTC-3 or -03:00, "
            "or an IANA name such as America/Sao_Paulo.",
            line,
        )
    return raw, zone, ""


# --- Inline text --------------------------------------------------------------------------


@dataclass
class Inline:
    """The text of one heading, item or paragraph line, as plain text and code spans."""

    nodes: list[SyntaxTreeNode]
    line: int | None

    @property
    def plain(self) -> str:
        return " ".join(plain_text(self.nodes).split())

    @property
    def codes(self) -> list[str]:
        return [n.content for n in _walk(self.nodes) if n.type == "code_inline"]


def _walk(nodes):
    for node in nodes:
        yield node
        if node.children:
            yield from _walk(node.children)


def plain_text(nodes) -> str:
    out = []
    for node in nodes:
        if node.type in ("text", "code_inline"):
            out.append(node.content)
        elif node.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif node.children:
            out.append(plain_text(node.children))
    return "".join(out)


def line_of(node: SyntaxTreeNode) -> int | None:
    return node.map[0] + 1 if node.map else None


def inline_of(node: SyntaxTreeNode) -> Inline:
    inline = node.children[0] if node.children else None
    return Inline(list(inline.children) if inline else [], line_of(node))


def split_lines(paragraph: SyntaxTreeNode) -> list[Inline]:
    """A paragraph written as several lines, one field a line, without bullets."""
    whole = inline_of(paragraph)
    lines, current = [], []
    for node in whole.nodes:
        if node.type in ("softbreak", "hardbreak"):
            lines.append(current)
            current = []
        else:
            current.append(node)
    lines.append(current)
    start = whole.line or 1
    return [Inline(nodes, start + i) for i, nodes in enumerate(lines) if plain_text(nodes).strip()]


def split_label(text: str) -> tuple[str, str] | None:
    """("Objetivo", "validar ...") for "Objetivo: validar ..."; None without a label."""
    found = re.match(r"\s*([^:]{1,80}?)\s*:(?!//)\s*", text)
    if not found or not found.group(1).strip():
        return None
    return found.group(1), text[found.end() :].strip()


def split_meta(text: str) -> tuple[str, dict[str, str], set[str]]:
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
        labelled = split_label(part)
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


def split_people(text: str) -> list[str]:
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


def as_sentence(text: str) -> str:
    text = " ".join(text.split()).strip(" ;,")
    text = text.rstrip(".").rstrip()
    if not text:
        return ""
    return text[0].upper() + text[1:] + "."
