"""Write parsed minutes to the database through the services, in one transaction.

Importing a release that already exists changes nothing unless `replace` is asked for; a
replacement is refused when the release was changed in the app since it was imported (so
no one's work is lost), and otherwise keeps the replaced content in the log: the deletion
Event and the new release's `release.imported` Event both hold its export.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from readiness import services
from readiness.minutes.documents import (
    MinutesDoc,
    MinutesError,
    MinutesWarning,
    PersonRef,
    SessionDoc,
)
from readiness.minutes.exporter import release_as_dict
from readiness.minutes.vocabulary import CONDITIONAL_GO
from readiness.models import Event, Participant, Person, Release, Team, release_slug


@dataclass
class ImportReport:
    """What an import did, or would do on a dry run."""

    name: str
    slug: str
    dry_run: bool = False
    created: bool = False
    exists: bool = False
    replaced: bool = False
    people_created: list[str] = field(default_factory=list)
    people_existing: list[str] = field(default_factory=list)
    # A new name close to someone already in the directory ("Julia Martins" when
    # "Júlia Martins" exists): (the name in the file, the names it may be).
    people_close: list[tuple[str, list[str]]] = field(default_factory=list)
    warnings: list[MinutesWarning] = field(default_factory=list)
    sessions: int = 0
    participants: int = 0
    agenda_items: int = 0
    actions: int = 0
    evidence: int = 0


class _DryRun(Exception):
    """Raised to roll the transaction back once a dry run has written everything."""


@contextlib.contextmanager
def _at(line: int | None) -> Iterator[None]:
    """A service's refusal becomes the importer's error, naming the document's line."""
    try:
        yield
    except ValidationError as exc:
        raise MinutesError(" ".join(exc.messages), line) from None


def replace_refusal(release: Release) -> str:
    """Why `release` may not be replaced by an import, or "" when it may."""
    imported = release.events.filter(verb=Event.Verb.RELEASE_IMPORTED).order_by("-pk").first()
    if imported is None:
        return (
            f"The release {release.slug} was not created by an import; replacing it would "
            "lose what was recorded in the app."
        )
    later = release.events.filter(pk__gt=imported.pk).count()
    if later:
        return (
            f"The release {release.slug} was changed in the app since it was imported "
            f"({later} changes); replacing it would lose them."
        )
    return ""


def import_minutes(
    doc: MinutesDoc,
    *,
    user: services.User,
    source: str = "",
    dry_run: bool = False,
    replace: bool = False,
    team: Team | None = None,
) -> ImportReport:
    """Create the release the document describes, in `team` (the default team, or when
    replacing, the replaced release's team, unless named); see the module docstring for
    replace."""
    report = ImportReport(
        name=" ".join(doc.release_name.split()),
        slug=release_slug(doc.release_date, " ".join(doc.release_name.split())),
        dry_run=dry_run,
        warnings=list(doc.warnings),
    )
    try:
        with transaction.atomic():
            _import(doc, report, user=user, source=source, replace=replace, team=team)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def _import(
    doc: MinutesDoc,
    report: ImportReport,
    *,
    user: services.User,
    source: str,
    replace: bool,
    team: Team | None,
) -> None:
    existing = Release.objects.filter(slug=report.slug).first()
    replaced = None
    if existing is not None:
        report.exists = True
        if not replace:
            _people(doc, report)
            return
        refusal = replace_refusal(existing)
        if refusal:
            raise MinutesError(refusal, doc.line)
        replaced = release_as_dict(existing)
        team = team or existing.team
        services.release_delete(user=user, release=existing, record=replaced)
        report.replaced = True
    _people(doc, report)
    with _at(doc.line):
        release = services.release_create(
            user=user,
            name=doc.release_name,
            planned_date=doc.release_date,
            language=doc.language,
            team=team,
        )
    for session_doc in doc.sessions:
        _session(session_doc, release, report, user=user)
    services.release_record_import(user=user, release=release, source=source, replaced=replaced)
    report.created = True


def _people(doc: MinutesDoc, report: ImportReport) -> None:
    """Every person the document names, each once, sorted into new and existing."""
    seen: dict[str, PersonRef] = {}
    for session in doc.sessions:
        for person in session.people():
            key = " ".join(person.name.split()).lower()
            if key in seen:
                continue
            seen[key] = person
            exists = Person.objects.filter(name__iexact=" ".join(person.name.split())).exists()
            (report.people_existing if exists else report.people_created).append(person.name)
            if not exists:
                close = [p.name for p in Person.objects.close_to(person.name)]
                if close:
                    report.people_close.append((person.name, close))


def _person(ref: PersonRef, session: SessionDoc, line: int | None, *, user) -> Person:
    with _at(line):
        return services.person_get_or_create(
            user=user, name=ref.name, title=ref.title, as_of=session.date
        )


def _session(
    doc: SessionDoc,
    release: Release,
    report: ImportReport,
    *,
    user: services.User,
) -> None:
    facilitator = _person(doc.facilitator, doc, doc.line, user=user) if doc.facilitator else None
    with _at(doc.line):
        session = services.session_schedule(
            user=user,
            release=release,
            title=doc.title,
            scheduled_at=doc.scheduled_at,
            time_zone=doc.time_zone,
            objective=doc.objective,
            facilitator=facilitator,
            notes=doc.notes,
        )
    report.sessions += 1
    for p in doc.participants:
        person = _person(p.person, doc, p.line, user=user)
        role = Participant.Role.OBSERVER if p.observer else Participant.Role.MEMBER
        with _at(p.line):
            services.participant_add(
                user=user,
                session=session,
                person=person,
                area=p.area,
                role=role,
                attendance=p.attendance,
                title=p.person.title or person.title,
            )
        report.participants += 1
    for item in doc.agenda:
        with _at(item.line):
            services.agenda_item_add(
                user=user,
                session=session,
                title=item.title,
                notes=item.notes,
                discussed=item.discussed,
            )
        report.agenda_items += 1
    for check in doc.checks:
        with _at(check.line):
            services.readiness_check_set(
                user=user,
                session=session,
                area=check.area,
                status=check.status,
                summary=check.summary,
            )
    if doc.decision is not None:
        _decision(doc, session, user=user)
    # Minutes written when codes were counted per meeting may give A1 again in a later
    # session: that one is renumbered (A1-2) and the report says so.
    earlier = set(release.actions.values_list("code", flat=True))
    for action_doc in doc.actions:
        owner = _person(action_doc.owner, doc, action_doc.line, user=user)
        code = action_doc.code
        if code.upper() in earlier:
            taken = earlier | set(session.actions.values_list("code", flat=True))
            code = services.code_with_free_suffix(code.upper(), taken)
            report.warnings.append(
                MinutesWarning(
                    f"Action {action_doc.code} is already used in an earlier session: "
                    f"imported as {code}.",
                    action_doc.line,
                )
            )
        with _at(action_doc.line):
            action = services.action_create(
                user=user,
                session=session,
                code=code,
                description=action_doc.description,
                owner=owner,
                due_date=action_doc.due,
                kind=action_doc.kind,
                notify=False,
            )
            if action_doc.status != action.status:
                reason = action_doc.reason
                if action_doc.status == "blocked" and not reason:
                    reason = "Blocked in the imported minutes."
                services.action_status_import(
                    user=user,
                    action=action,
                    status=action_doc.status,
                    reason=reason,
                    # The minutes tell it was done by the meeting, not on the import's day.
                    completed_at=_held_at(doc) if action_doc.status == "done" else None,
                )
        report.actions += 1
    for ev in doc.evidence:
        with _at(ev.line):
            evidence = services.evidence_add(
                user=user,
                session=session,
                title=ev.title,
                location=ev.location,
                category=ev.category,
            )
            if ev.verified:
                services.evidence_verify(user=user, evidence=evidence)
        report.evidence += 1
    if doc.decision is not None:
        # A session whose decision is on record has been held, at its own time.
        services.session_close(
            user=user, session=session, expected_version=None, closed_at=_held_at(doc)
        )


def _held_at(doc: SessionDoc) -> dt.datetime | None:
    """The meeting's own time for what it recorded; None (now) for minutes written ahead."""
    return doc.scheduled_at if doc.scheduled_at <= timezone.now() else None


def _decision(doc: SessionDoc, session, *, user: services.User) -> None:
    decision_doc = doc.decision
    specs = [
        services.ConditionSpec(
            text=c.text,
            reference=c.reference,
            owner=_person(c.owner, doc, c.line, user=user) if c.owner else None,
            deadline=c.deadline,
        )
        for c in decision_doc.conditions
    ]
    with _at(decision_doc.line):
        decision = services.decision_record(
            user=user,
            session=session,
            outcome=decision_doc.outcome,
            rationale=decision_doc.text,
            conditions=specs if decision_doc.outcome == CONDITIONAL_GO else (),
            recorded_at=_held_at(doc),
            notify=False,
            imported=True,
        )
        conditions = list(decision.conditions.order_by("position"))
        for condition, condition_doc in zip(conditions, decision_doc.conditions, strict=False):
            if condition_doc.satisfied:
                services.condition_satisfy(
                    user=user,
                    condition=condition,
                    satisfied_at=condition_doc.satisfied_at or _held_at(doc),
                )
