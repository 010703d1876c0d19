"""What the minutes parser produces: plain dataclasses, and the error that names a line."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


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
    attendance: str = "confirmed"


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
    owner: PersonRef | None = None
    deadline: dt.datetime | None = None
    satisfied_at: dt.datetime | None = None


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
        if self.decision is not None:
            found += [c.owner for c in self.decision.conditions if c.owner]
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
