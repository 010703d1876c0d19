"""Read minutes JSON (docs/minutes-schema.json) into the parser's dataclasses.

Reads the current schema version and every earlier one: version 1.0 named a GO with
conditions `go_conditional` and carried no attendance, condition owners or deadlines.
Knows nothing of the database; the importer writes what this returns.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from readiness import bounds
from readiness.minutes.documents import (
    ActionDoc,
    AgendaItemDoc,
    CheckDoc,
    ConditionDoc,
    DecisionDoc,
    EvidenceDoc,
    MinutesDoc,
    MinutesError,
    ParticipantDoc,
    PersonRef,
    SessionDoc,
)
from readiness.minutes.vocabulary import CONDITIONAL_GO, EN, GO, NO_GO, POSTPONED, PT

VERSIONS = ("1.0", "2.0")
OUTCOMES = {GO: GO, CONDITIONAL_GO: CONDITIONAL_GO, NO_GO: NO_GO, POSTPONED: POSTPONED}
OUTCOMES["go_conditional"] = CONDITIONAL_GO  # the name of version 1.0


def looks_like_json(text: str) -> bool:
    return text.lstrip().startswith("{")


def read_json_minutes(text: str) -> MinutesDoc:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MinutesError(f"The JSON cannot be read: {exc.msg}.", exc.lineno) from None
    data = _obj(data, "the document")
    version = data.get("schema_version")
    if version not in VERSIONS:
        raise MinutesError(
            f"Unknown schema_version {version!r}: this version reads {', '.join(VERSIONS)}."
        )
    release = _obj(data.get("release"), "release")
    language = release.get("language")
    if language not in (PT, EN):
        raise MinutesError("release.language must be pt-br or en.")
    sessions = [_session(_obj(s, "a session"), i) for i, s in enumerate(_list(data, "sessions"))]
    if not sessions:
        raise MinutesError("The document has no session.")
    return MinutesDoc(
        release_name=_str(release, "name", required=True),
        release_date=_date(release.get("date"), "release.date"),
        language=language,
        sessions=sessions,
        warnings=[],
    )


# --- Values -------------------------------------------------------------------------------


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MinutesError(f"{where} must be an object.")
    return value


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise MinutesError(f"{key} must be a list.")
    return value


def _objs(data: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    return [_obj(value, where) for value in _list(data, key)]


def _str(data: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise MinutesError(f"{key} must be a text.")
    return value


def _date(value: Any, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise MinutesError(f"{where} must be a date such as 2024-07-15.") from None


def _moment(value: Any, where: str, tz: dt.tzinfo) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise MinutesError(f"{where} must be a time such as 2024-07-15T14:00:00-03:00.") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=tz)
    return bounds.local_or_none(moment, tz) or moment


def _person(value: Any) -> PersonRef | None:
    if value is None:
        return None
    value = _obj(value, "a person")
    return PersonRef(name=_str(value, "name", required=True), title=_str(value, "title"))


# --- Sessions -----------------------------------------------------------------------------


def _session(data: dict[str, Any], index: int) -> SessionDoc:
    zone_name = _str(data, "time_zone") or "UTC"
    tz = bounds.zone_or_none(zone_name)
    if tz is None:
        raise MinutesError(f"Unknown time zone {zone_name!r} in session {index + 1}.")
    scheduled_at = _moment(data.get("scheduled_at"), "scheduled_at", tz)
    if scheduled_at is None:
        raise MinutesError(f"Session {index + 1} has no scheduled_at.")
    session = SessionDoc(
        title=_str(data, "title", required=True),
        scheduled_at=scheduled_at,
        time_zone=zone_name,
        line=None,
        objective=_str(data, "objective"),
        facilitator=_person(data.get("facilitator")),
    )
    for p in _objs(data, "participants", "a participant"):
        person = PersonRef(name=_str(p, "name", required=True), title=_str(p, "title"))
        observer = p.get("role") == "observer"
        attendance = p.get("attendance") or "confirmed"
        session.participants.append(
            ParticipantDoc(person, _str(p, "area"), observer, None, attendance)
        )
    for item in _objs(data, "agenda", "an agenda item"):
        session.agenda.append(
            AgendaItemDoc(
                _str(item, "title", required=True),
                _str(item, "notes"),
                bool(item.get("discussed")),
                None,
            )
        )
    for check in _objs(data, "readiness_checks", "a readiness check"):
        area, status = _str(check, "area", required=True), _str(check, "status")
        session.checks.append(CheckDoc(area, status, _str(check, "summary"), None))
    if data.get("decision") is not None:
        session.decision = _decision(_obj(data["decision"], "decision"), tz)
    for a in _objs(data, "actions", "an action"):
        owner = _person(a.get("owner"))
        if owner is None:
            raise MinutesError(f"Action {a.get('code')!r} has no owner.")
        due = _date(a["due"], "an action's due") if a.get("due") else None
        session.actions.append(
            ActionDoc(
                code=_str(a, "code", required=True),
                kind=_str(a, "kind") or "action",
                description=_str(a, "description", required=True),
                owner=owner,
                due=due,
                status=_str(a, "status") or "open",
                reason=_str(a, "status_reason"),
                line=None,
            )
        )
    for e in _objs(data, "evidence", "an evidence"):
        session.evidence.append(
            EvidenceDoc(
                _str(e, "title", required=True),
                _str(e, "location", required=True),
                _str(e, "category") or "other",
                bool(e.get("verified")),
                None,
            )
        )
    session.notes_parts.append(_str(data, "notes"))
    return session


def _decision(data: dict[str, Any], tz: dt.tzinfo) -> DecisionDoc:
    outcome = OUTCOMES.get(data.get("outcome"))
    if outcome is None:
        raise MinutesError(f"Unknown decision outcome {data.get('outcome')!r}.")
    conditions = []
    for c in _objs(data, "conditions", "a condition"):
        satisfied_at = _moment(c.get("satisfied_at"), "satisfied_at", tz)
        condition = ConditionDoc(
            _str(c, "text", required=True),
            _str(c, "reference"),
            bool(c.get("satisfied")) or satisfied_at is not None,
            None,
        )
        condition.owner = _person(c.get("owner"))
        condition.deadline = _moment(c.get("deadline"), "deadline", tz)
        condition.satisfied_at = satisfied_at
        conditions.append(condition)
    return DecisionDoc(outcome, _str(data, "text"), conditions, None)
