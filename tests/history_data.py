"""Known data sets for the history, insights and export tests.

Built through the services like every write; only the moments that the services stamp with
"now" (a condition satisfied, an action completed) are moved into the past afterwards, so
that the expected figures can be worked out by hand.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from readiness import services
from readiness.models import Action, Condition, Decision, Participant, Person, Release, Session
from tests.factories import make_person

SAO_PAULO = zoneinfo.ZoneInfo("America/Sao_Paulo")
UTC = dt.UTC


def at(year: int, month: int, day: int, hour: int = 12, tz: dt.tzinfo = UTC) -> dt.datetime:
    return dt.datetime(year, month, day, hour, 0, tzinfo=tz)


def release_with_session(
    name: str,
    planned: dt.date,
    *,
    facilitator: Person | None = None,
    members: tuple[tuple[Person, str], ...] = (),
    observers: tuple[Person, ...] = (),
    status: str = Release.Status.PLANNED,
) -> Session:
    release = services.release_create(user=None, name=name, planned_date=planned)
    if status != Release.Status.PLANNED:
        # Statuses come from deployments and cancelling; the history reads what is stored.
        Release.objects.filter(pk=release.pk).update(status=status)
    session = services.session_schedule(
        user=None,
        release=release,
        scheduled_at=dt.datetime.combine(planned, dt.time(14), tzinfo=SAO_PAULO)
        - dt.timedelta(days=2),
        time_zone="America/Sao_Paulo",
        facilitator=facilitator,
    )
    for person, area in members:
        services.participant_add(user=None, session=session, person=person, area=area)
    for person in observers:
        services.participant_add(
            user=None, session=session, person=person, role=Participant.Role.OBSERVER
        )
    return session


def decide(
    session: Session,
    outcome: str,
    *,
    rationale: str = "",
    conditions: list[str] = (),
    recorded_at: dt.datetime | None = None,
) -> Decision:
    return services.decision_record(
        user=None,
        session=session,
        outcome=outcome,
        rationale=rationale,
        conditions=[services.ConditionSpec(text=text) for text in conditions],
        # Decided during the meeting, unless said otherwise, not on the day the test runs.
        recorded_at=recorded_at or session.scheduled_at,
    )


def satisfy(condition: Condition, when: dt.datetime) -> None:
    services.condition_satisfy(user=None, condition=condition, note="checked")
    Condition.objects.filter(pk=condition.pk).update(satisfied_at=when)


def act(
    session: Session,
    code: str,
    owner: Person,
    *,
    due: dt.date | None,
    status: str = Action.Status.OPEN,
    completed: dt.datetime | None = None,
    description: str = "Follow up.",
) -> Action:
    action = services.action_create(
        user=None, session=session, code=code, description=description, owner=owner, due_date=due
    )
    if status != Action.Status.OPEN:
        reason = "waiting" if status == Action.Status.BLOCKED else ""
        services.action_status_import(user=None, action=action, status=status, reason=reason)
    if completed is not None:
        Action.objects.filter(pk=action.pk).update(completed_at=completed)
    return action


@dataclass
class History:
    """Six releases, one per line of the table in `history_set()`."""

    fay: Person
    marco: Person
    ana: Person
    bruno: Person
    carla: Person
    releases: dict[str, Release]


def history_set() -> History:
    """
    | release        | planned    | status    | facilitator | outcome        | areas           |
    | Alpha Payments | 2024-01-10 | deployed  | Fay         | GO             | QA (Ana)        |
    | Beta Ledger    | 2024-02-15 | planned   | Marco       | conditional GO | Security (Bruno)|
    |                |            |           |             | 1 of 2 met     | overdue action  |
    | Gamma Refunds  | 2024-03-05 | cancelled | Fay         | NO-GO          | Finance (Carla) |
    | Delta Search   | 2024-04-20 | planned   | Marco       | postponed      | -               |
    | Epsilon Mobile | 2024-05-01 | planned   | -           | undecided      | QA (Ana),       |
    |                |            |           |             |                | overdue action  |
    | Zeta Billing   | 2024-06-01 | deployed  | Marco       | conditional GO | Security (Bruno)|
    |                |            |           |             | 2 of 2 met     |                 |
    """
    fay, marco = make_person("Fay Lima"), make_person("Marco Reis")
    ana, bruno, carla = make_person("Ana Souza"), make_person("Bruno Dias"), make_person("Carla")
    s = {}
    s["alpha"] = release_with_session(
        "Alpha Payments",
        dt.date(2024, 1, 10),
        facilitator=fay,
        members=((ana, "QA"),),
        status=Release.Status.DEPLOYED,
    )
    decide(s["alpha"], Decision.Outcome.GO, rationale="Everything green after the soak test.")
    act(s["alpha"], "A1", ana, due=dt.date(2024, 1, 9), status=Action.Status.DONE)
    services.evidence_add(
        user=None, session=s["alpha"], title="Pentest report walrus", location="docs/pt.md"
    )

    s["beta"] = release_with_session(
        "Beta Ledger", dt.date(2024, 2, 15), facilitator=marco, members=((bruno, "Security"),)
    )
    beta = decide(
        s["beta"],
        Decision.Outcome.CONDITIONAL_GO,
        conditions=["Rotate the signing keys", "Confirm the retention dashboards"],
    )
    satisfy(beta.conditions.order_by("position")[0], at(2024, 2, 14))
    act(s["beta"], "A1", bruno, due=dt.date(2024, 2, 20))

    s["gamma"] = release_with_session(
        "Gamma Refunds",
        dt.date(2024, 3, 5),
        facilitator=fay,
        members=((carla, "Finance"),),
        status=Release.Status.CANCELLED,
    )
    decide(s["gamma"], Decision.Outcome.GO, rationale="First call.")
    decide(s["gamma"], Decision.Outcome.NO_GO, rationale="Refund totals disagree.")
    act(
        s["gamma"],
        "A1",
        carla,
        due=dt.date(2024, 3, 1),
        status=Action.Status.DONE,
        description="Reconcile the refunds with the kangaroo ledger.",
    )

    s["delta"] = release_with_session("Delta Search", dt.date(2024, 4, 20), facilitator=marco)
    decide(s["delta"], Decision.Outcome.POSTPONED)

    s["epsilon"] = release_with_session(
        "Epsilon Mobile", dt.date(2024, 5, 1), members=((ana, "QA"),)
    )
    act(s["epsilon"], "A1", ana, due=dt.date(2024, 5, 2))
    act(s["epsilon"], "A2", bruno, due=None)

    s["zeta"] = release_with_session(
        "Zeta Billing",
        dt.date(2024, 6, 1),
        facilitator=marco,
        members=((bruno, "Security"),),
        status=Release.Status.DEPLOYED,
    )
    zeta = decide(s["zeta"], Decision.Outcome.CONDITIONAL_GO, conditions=["Run BILL-230"])
    satisfy(zeta.conditions.get(), at(2024, 5, 30))
    return History(fay, marco, ana, bruno, carla, {k: v.release for k, v in s.items()})
