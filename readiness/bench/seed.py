"""The data the bench measures: a long meeting written through the services, and a release
history in bulk that can grow from one data size to the next."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from readiness import services
from readiness.models import (
    Action,
    Condition,
    Decision,
    Evidence,
    Participant,
    Person,
    Release,
    Session,
)

AREAS = ["QA", "Security", "Support", "Finance", "Product"]
ACTIONS_PER_RELEASE = 10
HISTORY_PEOPLE = 60
# The long meeting, and the short one the cost of each extra row is read against.
WORKSPACE_ROWS = {"small": 5, "large": 200}
WORKSPACE_PARTICIPANTS = {"small": 5, "large": 50}
# The owner /me/ is measured for: open work across this many releases, whatever the size
# of the history, so that the page is the same page at both sizes.
OWNER_RELEASES = 12
OWNER_ACTIONS_PER_RELEASE = 2


@dataclass
class Workspace:
    facilitator: object
    owner: object
    release: Release
    sessions: dict[str, Session]

    @property
    def large(self) -> Session:
        return self.sessions["large"]


def workspace_session(release: Release, size: str, people: list[Person] | None = None) -> Session:
    """A session as a long meeting leaves it, written through the services."""
    n = WORKSPACE_ROWS[size]
    session = services.session_schedule(
        user=None,
        release=release,
        scheduled_at=timezone.make_aware(dt.datetime(2024, 7, 15, 14)),
        time_zone="America/Sao_Paulo",
    )
    if people is None:
        people = [
            services.person_get_or_create(user=None, name=f"Bench {size} person {i}", title="SRE")
            for i in range(WORKSPACE_PARTICIPANTS[size])
        ]
    for i, person in enumerate(people):
        services.participant_add(user=None, session=session, person=person, area=AREAS[i % 5])
    for i in range(n):
        services.agenda_item_add(
            user=None, session=session, title=f"Review the {AREAS[i % 5]} metrics, part {i}"
        )
        services.action_create(
            user=None,
            session=session,
            code=f"A{i + 1}",
            description=f"Re-run the k6 script for the {AREAS[i % 5]} checks, part {i}.",
            owner=people[i % len(people)],
            # Due within the coming weeks; one in ten already overdue.
            due_date=timezone.localdate() + dt.timedelta(days=-3 if i % 10 == 9 else 7 + i % 21),
            notify=False,
        )
    return session


def seed_workspace() -> Workspace:
    """The long and the short meeting (each alone in its release), a facilitator, and an
    owner with open work across several releases."""
    users = get_user_model().objects
    facilitator = users.create_superuser("bench-facilitator", "", None)
    owner_login = users.create_user("bench-owner", password=None)
    release = services.release_create(
        user=None, name="Billing Gateway", planned_date=dt.date(2024, 7, 15)
    )
    small_release = services.release_create(
        user=None, name="Billing Gateway short", planned_date=dt.date(2024, 7, 14)
    )
    sessions = {
        "large": workspace_session(release, "large"),
        "small": workspace_session(small_release, "small"),
    }
    owner = Person.objects.create(name="Bench owner", user=owner_login)
    today = timezone.localdate()
    for r in range(OWNER_RELEASES):
        owned = Release.objects.create(
            name=f"Owner release {r}",
            slug=f"bench-owner-{r}",
            planned_date=today + dt.timedelta(days=r - 3),
        )
        session = Session.objects.create(
            release=owned,
            scheduled_at=timezone.now() - dt.timedelta(days=10 - r),
            time_zone="America/Sao_Paulo",
        )
        Action.objects.bulk_create(
            Action(
                session=session,
                release=owned,
                code=f"A{k + 1}",
                description=f"Confirm the {AREAS[(r + k) % 5]} sign-off for release {r}",
                owner=owner,
                due_date=today + dt.timedelta(days=(r * 3 + k) % 20 - 4),
                status=Action.Status.BLOCKED if k else Action.Status.OPEN,
                status_reason="Waiting for the vendor" if k else "",
            )
            for k in range(OWNER_ACTIONS_PER_RELEASE)
        )
    return Workspace(facilitator, owner_login, release, sessions)


def history_people() -> list[Person]:
    return Person.objects.bulk_create(
        # bulk_create skips save(), which keeps the folded name the directory searches.
        Person(name=f"Bench person {i}", name_key=f"bench person {i}")
        for i in range(HISTORY_PEOPLE)
    )


def seed_history(start: int, stop: int, people: list[Person]) -> None:
    """Releases `start` to `stop - 1`, each with a session, three participants, a decision
    (most of them), conditions on the conditional GOs, ten actions and an evidence link."""
    first = dt.date(2000, 1, 1)
    releases = Release.objects.bulk_create(
        Release(
            name=f"Bench {'gateway' if i % 7 == 0 else 'service'} {i}",
            slug=f"bench-{i}",
            planned_date=first + dt.timedelta(days=i % 9000),
            status=Release.Status.values[i % 4],
        )
        for i in range(start, stop)
    )
    sessions = Session.objects.bulk_create(
        Session(
            release=release,
            scheduled_at=timezone.make_aware(
                dt.datetime.combine(release.planned_date, dt.time(14))
            ),
            time_zone="America/Sao_Paulo",
            facilitator=people[i % 5],
        )
        for i, release in enumerate(releases, start)
    )
    Participant.objects.bulk_create(
        Participant(session=s, person=people[5 + (i + k) % 50], area=AREAS[(i + k) % 5])
        for i, s in enumerate(sessions, start)
        for k in range(3)
    )
    outcomes = Decision.Outcome.values
    decisions = Decision.objects.bulk_create(
        Decision(
            session=s,
            outcome=outcomes[i % len(outcomes)],
            rationale=f"Decided after reviewing the gateway metrics for release {i}.",
        )
        for i, s in enumerate(sessions, start)
        if i % 9 != 8  # some stay undecided
    )
    now = timezone.now()
    Condition.objects.bulk_create(
        Condition(
            decision=d,
            position=k,
            text=f"Condition {k}",
            satisfied_at=now if (d.pk + k) % 3 else None,
        )
        for d in decisions
        if d.outcome == Decision.Outcome.CONDITIONAL_GO
        for k in (1, 2)
    )
    statuses = Action.Status.values
    Action.objects.bulk_create(
        Action(
            session=s,
            release_id=s.release_id,
            code=f"A{k}",
            description=f"=Follow up {k} with Júlia and Guilherme",
            owner=people[5 + (i + k) % 50],
            due_date=s.release.planned_date + dt.timedelta(days=k),
            status=statuses[(i + k) % len(statuses)],
            status_reason="waiting" if statuses[(i + k) % len(statuses)] == "blocked" else "",
            completed_at=now if statuses[(i + k) % len(statuses)] == "done" else None,
        )
        for i, s in enumerate(sessions, start)
        for k in range(ACTIONS_PER_RELEASE)
    )
    Evidence.objects.bulk_create(
        Evidence(session=s, title=f"Test report {i}", location=f"docs/{i}.md")
        for i, s in enumerate(sessions, start)
    )


def analyze() -> None:
    """Fresh planner statistics, as autovacuum would have them after a bulk load."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def seed_load(users: int) -> dict:
    """The long meeting for the load run, committed: its first `users` participants have
    logins, already logged in, and each moves one action of their own along."""
    from django.test import Client

    logins = get_user_model().objects.bulk_create(
        get_user_model()(username=f"load-user-{i}") for i in range(users)
    )
    people = [
        services.person_get_or_create(user=None, name=f"Bench large person {i}", title="SRE")
        for i in range(max(users, WORKSPACE_PARTICIPANTS["large"]))
    ]
    for person, login in zip(people, logins, strict=False):
        person.user = login
        person.save(update_fields=["user"])
    release = services.release_create(
        user=None, name="Billing Gateway", planned_date=dt.date(2024, 7, 15)
    )
    session = workspace_session(release, "large", people)
    session.refresh_from_db()
    first_action = {}
    for action in session.actions.order_by("pk"):
        first_action.setdefault(action.owner_id, action)
    visitors = []
    for person, login in zip(people, logins, strict=False):
        # The session a login makes, without a password hash per visitor to wait for.
        client = Client()
        client.force_login(login)
        action = first_action[person.pk]
        visitors.append(
            {
                "username": login.username,
                "session_cookie": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "action": action.pk,
                "version": action.version,
            }
        )
    return {
        "session_url": session.get_workspace_url(),
        "revision": session.revision,
        "cookie": settings.SESSION_COOKIE_NAME,
        "users": visitors,
    }
