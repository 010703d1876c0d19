"""Small builders for test data; they go through the services, like every real write."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo

from readiness import services
from readiness.models import Action, Decision, Membership, Person, Release, Session, Team

_counter = itertools.count(1)
SAO_PAULO = "America/Sao_Paulo"


def make_person(name: str | None = None, *, title: str = "", user=None) -> Person:
    person = services.person_get_or_create(
        user=None, name=name or f"Person {next(_counter)}", title=title
    )
    if user is not None:
        services.person_link_user(user=None, person=person, login=user)
    return person


def default_team() -> Team:
    return Team.objects.get(pk=Team.default_pk())


def make_team(name: str | None = None, *, private: bool = False, **extra) -> Team:
    return services.team_create(
        user=None,
        name=name or f"Team {next(_counter)}",
        visibility=Team.Visibility.PRIVATE if private else Team.Visibility.INTERNAL,
        **extra,
    )


def join_team(
    who, team: Team | None = None, role: str = Membership.Role.FACILITATOR, *, area: str = ""
) -> Membership:
    """Give a login (or a person) a role in a team, the default one unless named. A login
    without a person record gets one."""
    person = who if isinstance(who, Person) else Person.objects.filter(user=who).first()
    if person is None:
        person = make_person(who.get_full_name() or who.get_username(), user=who)
    if area == "" and role == Membership.Role.APPROVER:
        area = "QA"
    membership = services.membership_add(
        user=None, team=team or default_team(), person=person, role=role, area=area
    )
    if not isinstance(who, Person):
        from readiness.permissions import forget_roles

        forget_roles(who)
    return membership


def make_release(
    name: str | None = None,
    *,
    planned_date: dt.date = dt.date(2024, 7, 15),
    team: Team | None = None,
) -> Release:
    return services.release_create(
        user=None, name=name or f"Release {next(_counter)}", planned_date=planned_date, team=team
    )


def make_session(
    release: Release | None = None,
    *,
    facilitator: Person | None = None,
    scheduled_at: dt.datetime | None = None,
) -> Session:
    return services.session_schedule(
        user=None,
        release=release or make_release(),
        scheduled_at=scheduled_at
        or dt.datetime(2024, 7, 15, 14, 0, tzinfo=zoneinfo.ZoneInfo(SAO_PAULO)),
        time_zone=SAO_PAULO,
        objective="Validate readiness across QA, compliance and FinOps.",
        facilitator=facilitator,
    )


def make_action(
    session: Session,
    *,
    code: str | None = None,
    owner: Person | None = None,
    due_date: dt.date | None = dt.date(2024, 7, 16),
    description: str = "Re-run the k6 script and attach the results.",
    before_deploy: bool = False,
) -> Action:
    return services.action_create(
        user=None,
        session=session,
        code=code or f"A{next(_counter)}",
        description=description,
        owner=owner or make_person(),
        due_date=due_date,
        before_deploy=before_deploy,
    )


def make_decision(session: Session, outcome: str = Decision.Outcome.GO, **kwargs) -> Decision:
    if outcome == Decision.Outcome.CONDITIONAL_GO and "conditions" not in kwargs:
        kwargs["conditions"] = [services.ConditionSpec(text="Run BILL-230", reference="BILL-230")]
    return services.decision_record(user=None, session=session, outcome=outcome, **kwargs)


def make_busy_session(n: int) -> Session:
    """A session of its own release with `n` actions (three owners), participants,
    agenda items and pieces of evidence: for checking that queries do not grow with `n`."""
    session = make_session(make_release(f"Big {n}"), facilitator=make_person())
    owners = [make_person() for _ in range(3)]
    for i in range(n):
        make_action(session, code=f"A{i + 1}", owner=owners[i % 3])
        services.participant_add(user=None, session=session, person=make_person(), area="QA")
        services.agenda_item_add(user=None, session=session, title=f"Item {i}")
        services.evidence_add(user=None, session=session, title=f"Doc {i}", location=f"d/{i}.md")
    return session
