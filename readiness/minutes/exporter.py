"""A release as minutes: a dict in the documented JSON schema, and Markdown in its language.

The Markdown is written from the same dict, in the structure of the teams' documents, so
that importing it gives the same release back (see docs/minutes-format.md).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django.utils import timezone

from readiness import bounds
from readiness.minutes.vocabulary import PT, guess_category
from readiness.models import Release

# 2.0: the gate's outcome names (`conditional_go`), conditions with owner, deadline and
# state, participants with attendance. The importer still reads 1.0 (see jsondoc.py).
SCHEMA_VERSION = "2.0"


def _person(person) -> dict[str, str] | None:
    return {"name": person.name, "title": person.title} if person is not None else None


def _moment(value: dt.datetime | None, session) -> str | None:
    """A time as the minutes write it: to the minute, in the session's time zone."""
    if value is None:
        return None
    local = bounds.local_or_none(value, session.tzinfo) or value
    return local.replace(second=0, microsecond=0).isoformat()


def _condition_dict(condition, session, now: dt.datetime) -> dict[str, Any]:
    return {
        "text": condition.text,
        "reference": condition.reference,
        "owner": _person(condition.owner),
        "deadline": _moment(condition.deadline, session),
        "satisfied": condition.is_satisfied,
        "satisfied_at": _moment(condition.satisfied_at, session),
        "state": str(condition.state_at(now)),
    }


def _session(session, now: dt.datetime) -> dict[str, Any]:
    decision = session.current_decision
    return {
        "title": session.title,
        "scheduled_at": session.local_scheduled_at.isoformat(),
        "time_zone": session.time_zone,
        "objective": session.objective,
        "facilitator": _person(session.facilitator),
        "participants": [
            {
                "name": p.person.name,
                "title": p.title,
                "area": p.area,
                "role": p.role,
                "attendance": p.attendance,
            }
            for p in session.participants.all()
        ],
        "agenda": [
            {
                "position": item.position,
                "title": item.title,
                "notes": item.notes,
                "discussed": item.discussed,
            }
            for item in session.agenda_items.all()
        ],
        "readiness_checks": [
            {"area": c.area, "status": c.status, "summary": c.summary}
            for c in session.readiness_checks.all()
        ],
        "decision": (
            {
                "outcome": decision.outcome,
                "text": decision.rationale,
                "conditions": [
                    _condition_dict(c, session, now) for c in decision.conditions.all()
                ],
            }
            if decision is not None
            else None
        ),
        "actions": [
            {
                "code": a.code,
                "kind": a.kind,
                "description": a.description,
                "owner": _person(a.owner),
                "due": a.due_date.isoformat() if a.due_date else None,
                "status": a.status,
                "status_reason": a.status_reason,
            }
            for a in session.actions.all()
        ],
        "evidence": [
            {
                "title": e.title,
                "location": e.location,
                "category": e.category,
                "verified": e.verified,
            }
            for e in session.evidence.all()
        ],
        "notes": session.notes,
    }


def release_as_dict(release: Release) -> dict[str, Any]:
    """The release in the minutes JSON schema (docs/minutes-schema.json).

    Uses what `Release.objects.with_everything()` prefetched, and fetches it that way when
    the caller did not, so the number of queries does not grow with the release.
    """
    if "sessions" not in getattr(release, "_prefetched_objects_cache", {}):
        release = Release.objects.with_everything().get(pk=release.pk)
    return {
        "schema_version": SCHEMA_VERSION,
        "release": {
            "name": release.name,
            "date": release.planned_date.isoformat(),
            "slug": release.slug,
            "language": release.language,
        },
        "sessions": [_session(s, timezone.now()) for s in release.sessions.all()],
    }


def release_as_json(release: Release) -> str:
    return json.dumps(release_as_dict(release), ensure_ascii=False, indent=2) + "\n"


# --- Markdown -----------------------------------------------------------------------------

WORDS = {
    PT: {
        "objective": "Objetivo",
        "facilitator": "Facilitador",
        "participants": "Participantes confirmados",
        "observers": "Observadores",
        "agenda": "Agenda da sessão",
        "checks": "Checagens de readiness",
        "minutes": "Ata e decisões",
        "decision": "Decisão principal",
        "action": "Ação",
        "monitoring": "Monitoramento pós-go-live",
        "evidence": "Evidências vinculadas",
        "notes": "Notas",
        "owner": "Owner",
        "category": "Categoria",
        "due": "até {:%d/%m/%Y}",
        "deadline": "Prazo",
        "moment": "{:%d/%m/%Y %H:%M}",
        "on": "em",
        "discussed": "discutido",
        "verified": "verificada",
        "status": {
            "open": "aberta",
            "in_progress": "em andamento",
            "blocked": "bloqueada",
            "done": "concluída",
            "cancelled": "cancelada",
        },
        "rag": {
            "green": "verde",
            "amber": "âmbar",
            "red": "vermelho",
            "not_assessed": "não avaliado",
        },
        "outcome": {
            "go": "GO",
            "conditional_go": "GO com condições",
            "no_go": "NO-GO",
            "postponed": "Adiada",
        },
        "state": {
            "open": "aberta",
            "expired": "expirada",
            "satisfied": "cumprida",
            "satisfied_late": "cumprida com atraso",
        },
        "attendance": {"present": "presente", "absent": "ausente"},
        "categories": {
            "summary": "resumo",
            "qa": "QA",
            "compliance": "compliance",
            "finops": "FinOps",
            "risk": "risco",
            "other": "outra",
        },
    },
    "en": {
        "objective": "Objective",
        "facilitator": "Facilitator",
        "participants": "Confirmed participants",
        "observers": "Observers",
        "agenda": "Session agenda",
        "checks": "Readiness checks",
        "minutes": "Minutes and decisions",
        "decision": "Main decision",
        "action": "Action",
        "monitoring": "Post-go-live monitoring",
        "evidence": "Linked evidence",
        "notes": "Notes",
        "owner": "Owner",
        "category": "Category",
        "due": "by {:%Y-%m-%d}",
        "deadline": "Deadline",
        "moment": "{:%Y-%m-%d %H:%M}",
        "on": "on",
        "discussed": "discussed",
        "verified": "verified",
        "status": {
            "open": "open",
            "in_progress": "in progress",
            "blocked": "blocked",
            "done": "done",
            "cancelled": "cancelled",
        },
        "rag": {
            "green": "green",
            "amber": "amber",
            "red": "red",
            "not_assessed": "not assessed",
        },
        "outcome": {
            "go": "GO",
            "conditional_go": "GO with conditions",
            "no_go": "NO-GO",
            "postponed": "Postponed",
        },
        "state": {
            "open": "open",
            "expired": "expired",
            "satisfied": "satisfied",
            "satisfied_late": "satisfied late",
        },
        "attendance": {"present": "present", "absent": "absent"},
        "categories": {
            "summary": "summary",
            "qa": "QA",
            "compliance": "compliance",
            "finops": "FinOps",
            "risk": "risk",
            "other": "other",
        },
    },
}


def _md(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<&])", r"\\\1", text)


def _esc(text: str) -> str:
    """Text as Markdown that reads back as the same text (one line, markup escaped)."""
    return _md(" ".join(str(text).split()))


def _esc_start(text: str) -> str:
    """Escaped text that starts a list item, where `#`, `-` or `1.` would start a block."""
    return _start(_esc(text))


def _start(text: str) -> str:
    text = re.sub(r"^(\d+)([.)])", r"\1\\\2", text)
    return "\\" + text if text[:1] in ("#", ">", "+", "-", "=", "|") else text


def _code(text: str) -> str:
    text = " ".join(text.split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _attending(person: dict[str, str], w: dict[str, Any]) -> str:
    """Who took part, and how when it was not just confirmed: `Ana Souza (SRE) *(present)*`."""
    attendance = w["attendance"].get(person.get("attendance", ""))
    return f"{_who(person)} *({attendance})*" if attendance else _who(person)


def _who(person: dict[str, str], sep: str = "()") -> str:
    if not person["title"]:
        return _esc(person["name"])
    if sep == "()":
        return f"{_esc(person['name'])} ({_esc(person['title'])})"
    return f"{_esc(person['name'])} \u2013 {_esc(person['title'])}"


def _zone_label(zone: str) -> str:
    return "BRT" if zone == "America/Sao_Paulo" else zone


def release_as_markdown(release: Release) -> str:
    return minutes_markdown(release_as_dict(release))


def minutes_markdown(data: dict[str, Any]) -> str:
    """The minutes dict as a Markdown document in the release's language."""
    release = data["release"]
    words = WORDS[PT] if release["language"] == PT else WORDS["en"]
    out = [f"# Readiness Meetings \u2013 Release {release['date']} {_esc(release['name'])}"]
    for session in data["sessions"]:
        out += ["", *_session_markdown(session, words)]
    return "\n".join(out) + "\n"


def _session_markdown(session: dict[str, Any], w: dict[str, Any]) -> list[str]:
    local = dt.datetime.fromisoformat(session["scheduled_at"])
    out = [
        f"## {_esc(session['title'])} \u2013 {local:%Y-%m-%d %H:%M} "
        f"{_zone_label(session['time_zone'])}"
    ]
    head = []
    if session["objective"]:
        head.append(f"- **{w['objective']}:** {_esc(session['objective'])}")
    if session["facilitator"]:
        head.append(f"- **{w['facilitator']}:** {_who(session['facilitator'])}")
    if head:
        out += head

    members = [p for p in session["participants"] if p["role"] != "observer"]
    observers = [p for p in session["participants"] if p["role"] == "observer"]
    if members or observers:
        out += ["", f"### {w['participants']}"]
        for p in members:
            area = f"{_esc_start(p['area'])}: " if p["area"] else ""
            who = _attending(p, w) if area else _esc_start(_attending(p, w))
            out.append(f"- {area}{who}")
        if observers:
            out.append(f"- {w['observers']}: " + ", ".join(_attending(p, w) for p in observers))

    if session["agenda"]:
        out += ["", f"### {w['agenda']}"]
        for i, item in enumerate(session["agenda"], start=1):
            marker = f"{i}. "
            flag = f" *({w['discussed']})*" if item["discussed"] else ""
            out.append(f"{marker}{_esc_start(item['title'])}{flag}")
            if item["notes"]:
                indent = " " * len(marker)
                notes = [
                    indent + line if line.strip() else "" for line in item["notes"].split("\n")
                ]
                out += ["", *notes, ""]

    if session["readiness_checks"]:
        out += ["", f"### {w['checks']}"]
        for check in session["readiness_checks"]:
            summary = f" \u2013 {_esc(check['summary'])}" if check["summary"] else ""
            out.append(f"- **{_esc(check['area'])}:** {w['rag'][check['status']]}{summary}")

    decision = session["decision"]
    if decision or session["actions"]:
        out += ["", f"### {w['minutes']}"]
    if decision:
        # The outcome in words first, then the rationale (the parser reads them back apart).
        said = w["outcome"][decision["outcome"]]
        text = _esc(decision["text"])
        out.append(f"- **{w['decision']}:** {said}" + (f" \u2013 {text}" if text else ""))
        for condition in decision["conditions"]:
            box = "x" if condition["satisfied"] else " "
            out.append(f"  - [{box}] {_condition(condition, w)}")
    monitoring = 0
    for action in session["actions"]:
        if action["kind"] == "monitoring":
            monitoring += 1
            label = w["monitoring"]
            if action["code"] != f"M{monitoring}":
                label += f" {action['code']}"
        else:
            label = f"{w['action']} {action['code']}"
        text = _esc(action["description"])
        if action["due"]:
            text += " " + w["due"].format(dt.date.fromisoformat(action["due"]))
        meta = f"{w['owner']}: {_who(action['owner'], sep='-')}; Status: "
        meta += w["status"][action["status"]]
        if action["status_reason"]:
            meta += f" \u2013 {_esc(action['status_reason'])}"
        out.append(f"- **{label}:** {text}. *({meta})*")

    if session["evidence"]:
        out += ["", f"### {w['evidence']}"]
        for evidence in session["evidence"]:
            meta = []
            if evidence["category"] != guess_category(evidence["title"]):
                meta.append(f"{w['category']}: {w['categories'][evidence['category']]}")
            if evidence["verified"]:
                meta.append(w["verified"])
            tail = f" *({'; '.join(meta)})*" if meta else ""
            title = _esc_start(evidence["title"])
            out.append(f"- {title}: {_code(evidence['location'])}.{tail}")

    if session["notes"]:
        out += ["", f"### {w['notes']}", "", session["notes"]]
    return out


def _condition(condition: dict[str, Any], w: dict[str, Any]) -> str:
    """The condition's text (its ticket reference as code where the text names it), then
    `*(Ref: X; Owner: Name – Title; Deadline: ...; Status: state on ...)*`."""
    text, reference = " ".join(condition["text"].split()), condition["reference"]
    meta = []
    if reference and re.fullmatch(r"[A-Z][A-Z0-9]*-\d+", reference) and reference in text:
        before, _, after = text.partition(reference)
        shown = f"{_start(_md(before))}{_code(reference)}{_md(after)}"
    else:
        shown = _esc_start(text)
        if reference:
            meta.append(f"Ref: {_esc(reference)}")
    if condition.get("owner"):
        meta.append(f"{w['owner']}: {_who(condition['owner'], sep='-')}")
    if condition.get("deadline"):
        meta.append(f"{w['deadline']}: {_when(condition['deadline'], w)}")
    state = condition.get("state") or ("satisfied" if condition["satisfied"] else "open")
    status = f"Status: {w['state'][state]}"
    if condition.get("satisfied_at"):
        status += f" {w['on']} {_when(condition['satisfied_at'], w)}"
    return f"{shown} *({'; '.join([*meta, status])})*"


def _when(iso: str, w: dict[str, Any]) -> str:
    return w["moment"].format(dt.datetime.fromisoformat(iso))
