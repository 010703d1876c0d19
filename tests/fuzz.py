"""What the fuzz suite shares: the hostile values, a world with one of every record, and
the pages that must render after a write was accepted.

Hypothesis runs derandomized (the examples come from a fixed seed, the same on every run
and machine) with no example database, so a run in CI finds exactly what a run here finds
and never flakes; `FUZZ` holds that profile, with the example counts kept small so that the
whole suite stays under a minute on SQLite. `FUZZ_DEEP=20 pytest tests/test_fuzz*.py` looks
harder: twenty times the examples, drawn at random, to hunt for new defects by hand.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from readiness import services, signoff_mail
from readiness.minutes.exporter import release_as_markdown
from readiness.models import (
    Condition,
    Decision,
    Membership,
    Participant,
    Person,
    Release,
    Webhook,
)
from readiness.permissions import forget_roles, teams_for_user
from tests.factories import (
    default_team,
    join_team,
    make_action,
    make_decision,
    make_person,
    make_release,
    make_session,
)

DEEP = int(os.environ.get("FUZZ_DEEP") or 0)
FUZZ = settings(
    max_examples=6,
    deadline=None,
    derandomize=not DEEP,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def examples(count: int) -> settings:
    """The profile with `count` examples (times FUZZ_DEEP when set)."""
    return settings(FUZZ, max_examples=count * (DEEP or 1))


_names = itertools.count(1)


@dataclass(frozen=True)
class Ref:
    """A value that names a record of the world, read when the request is sent."""

    read: Callable[[dict], Any]

    def __repr__(self) -> str:  # what Hypothesis prints for a failing example
        return f"Ref({getattr(self.read, '__name__', 'lambda')})"


def resolve(value: Any, world: dict) -> Any:
    if isinstance(value, Ref):
        return resolve(value.read(world), world)
    if isinstance(value, list):
        return [resolve(v, world) for v in value]
    if isinstance(value, dict):
        return {resolve(k, world): resolve(v, world) for k, v in value.items()}
    return value


# --- Hostile values ------------------------------------------------------------------------

# Every character a form can carry: a browser cannot send half a surrogate pair.
any_char = st.characters(codec="utf-8")
ZONES = ["UTC", "America/Sao_Paulo", "Etc/GMT+12", "Etc/GMT-14", "Pacific/Kiritimati"]
CONTROL = ["\x00", "a\x00b", "\x07\x1b[31m", "Go\r\nNo-Go", "x\u2028y", "\t", "\x85", "\ufeff"]
HUGE = ["x" * 100_000, "é" * 5_000, "A" * 300, "9" * 400]
NUMBERS = ["-1", "0", "1e309", "NaN", "99999999999999999999999", "1.5", "0x10", "٣"]
DATES = [
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2024-02-30",
    "1999-12-31",
    "2101-01-01",
    "2100-12-31",
    "2000-01-01",
    "-2024-01-01",
]
MOMENTS = [
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "10000-01-01T00:00",
    "2100-12-31T23:59",
    "2000-01-01T00:00",
    "2024-07-15T14:00+14:00",
    "2024-07-15T14:00:00-12:00",
    "2024-07-15 25:00",
]
TIMES = ["24:00", "23:59:59.999999", "00:00", "12:60", "-01:00"]
URLS = [
    "http://[::1",
    "http://[::1/x",
    "http://[::1]/x",
    "https://ci.example.com/1",
    "http://a:99999/",
    "javascript:alert(1)",
    "http://exa mple.com",
    "http://" + "a" * 2_000 + ".com",
    "https://xn--/",
    "http://[fe80::1%eth0]/",
    "//example.com",
    "http://user:pw@example.com:8080/x?y#z",
    "docs/roadmap.md",
]
BAD_ZONES = ["A" * 300, "Etc/GMT+13", "../../etc/passwd", "UTC\x00", "localtime", "", " "]

texts = st.text(any_char, max_size=40)
junk = st.one_of(
    texts,
    st.sampled_from(["", *CONTROL, *HUGE, *NUMBERS, *DATES, *URLS, *BAD_ZONES]),
    # The same key sent twice or more, as a form with a repeated field would.
    st.lists(st.sampled_from(["", "1", "x", "\x00", "on"]), min_size=2, max_size=3),
)


def mostly(good: st.SearchStrategy) -> st.SearchStrategy:
    """A good value two times in three, else a hostile one."""
    return st.one_of(good, good, junk)


def good_text(*samples: str) -> st.SearchStrategy:
    plain = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF), min_size=1, max_size=30)
    return st.one_of(st.sampled_from(samples or ("Go/No-Go", "QA")), plain)


# Values a form accepts, the edges of the range included; then the ones it must refuse.
good_days = st.one_of(
    st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)).map(dt.date.isoformat),
    st.sampled_from(["2000-01-01", "2100-12-31"]),
)
bad_days = st.sampled_from(DATES)
good_moments = st.one_of(
    st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2100, 12, 31, 23, 59)).map(
        lambda d: d.strftime("%Y-%m-%dT%H:%M")
    ),
    st.sampled_from(["2000-01-01T00:00", "2100-12-31T23:59", "2024-07-15T14:00+14:00"]),
)
bad_moments = st.sampled_from(MOMENTS)
good_times = st.one_of(
    st.times().map(lambda t: t.strftime("%H:%M")), st.sampled_from(["00:00", "23:59"])
)
bad_times = st.sampled_from(TIMES)
good_zones = st.sampled_from(ZONES)
bad_zones = st.sampled_from(BAD_ZONES)
good_urls = st.sampled_from(
    ["https://ci.example.com/1", "http://[::1]/x", "http://user:pw@example.com:8080/x?y#z"]
)
bad_urls = st.sampled_from(URLS)


# --- A world with one of everything --------------------------------------------------------


def minutes_of(release: Release) -> str:
    return release_as_markdown(release)


def make_world(facilitator, admin) -> dict:
    """A release whose session (run by the facilitator) holds one of every record a form
    can touch, the facilitator owing its action and its condition."""
    person = facilitator.person
    release = make_release(f"Fuzz {next(_names)}")
    session = make_session(release, facilitator=person)
    member = services.participant_add(
        user=None, session=session, person=make_person(f"Member {next(_names)}"), area="QA"
    )
    services.participant_add(
        user=None,
        session=session,
        person=make_person(f"Observer {next(_names)}"),
        role=Participant.Role.OBSERVER,
    )
    agenda = services.agenda_item_add(user=None, session=session, title="QA")
    services.agenda_item_add(user=None, session=session, title="FinOps")
    check = services.readiness_check_set(user=None, session=session, area="QA", status="amber")
    checklist = services.checklist_item_add(user=None, session=session, area="QA", key="e2e")
    action = make_action(session, code="A1", owner=person)
    decision = make_decision(
        session,
        Decision.Outcome.CONDITIONAL_GO,
        conditions=[services.ConditionSpec(text="Run BILL-230", owner=person)],
        review_on=dt.date(2024, 8, 1),
    )
    evidence = services.evidence_add(
        user=None, session=session, title="k6", location="qa/k6.md", category="qa"
    )
    webhook = services.webhook_create(
        user=None, url="https://hooks.example.com/x", events=["action.done"], release=release
    )
    token, _secret = services.api_token_create(user=facilitator, name=f"CI {next(_names)}")
    freeze = services.freeze_create(
        user=None,
        name=f"Freeze {next(_names)}",
        kind="weekly",
        time_zone="Europe/Berlin",
        start_weekday=4,
        start_time=dt.time(18),
        end_weekday=0,
        end_time=dt.time(8),
    )
    override = services.override_grant(
        user=admin,
        release=release,
        reason="Fuzz",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    # The facilitator's team, with someone in it whose role the team forms change.
    team = default_team()
    teammate = join_team(make_person(f"Teammate {next(_names)}"), team, Membership.Role.MEMBER)
    return {
        "team": team,
        "membership": teammate,
        "release": release,
        "session": session,
        "participant": member,
        "person": member.person,
        "agenda": agenda,
        "check": check,
        "checklist": checklist,
        "action": action,
        "condition": Condition.objects.get(decision=decision),
        "decision": decision,
        "evidence": evidence,
        "webhook": webhook,
        "token": token,
        "freeze": freeze,
        "override": override,
        "facilitator": facilitator,
        "admin": admin,
        "signoff_token": signoff_mail.link_token(
            decision_id=decision.pk, participant_id=member.pk
        ),
    }


def make_duplicate(world: dict) -> Person:
    """Someone to merge into the world's person: in its session too, owing an action."""
    n = next(_names)
    duplicate = make_person(f"Duplicate {n}")
    services.participant_add(user=None, session=world["session"], person=duplicate)
    make_action(world["session"], code=f"D{n}", owner=duplicate)
    return duplicate


# --- Every page that shows a record --------------------------------------------------------


def release_pages(release: Release) -> list[str]:
    slug = release.slug
    pages = [
        f"/releases/{slug}/",
        f"/releases/{slug}/dossier/",
        f"/releases/{slug}/minutes.md",
        f"/releases/{slug}/minutes.json",
        f"/releases/{slug}/events.jsonl",
        f"/api/releases/{slug}",
        f"/api/releases/{slug}/gate",
        f"/api/releases/{slug}/actions",
        f"/api/releases/{slug}/conditions",
        f"/api/releases/{slug}/deployments",
        f"/releases/{slug}/edit/",
    ]
    for session in release.sessions.all():
        url = session.get_absolute_url()
        pages += [url, f"{url}invite.ics"]
    return pages


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _pages(user, releases: list[Release], shows: tuple[str, ...]) -> list[str]:
    pages = []
    if "session" in shows:
        for release in releases:
            pages += release_pages(release)
    if "list" in shows:
        pages += ["/releases/", "/api/releases"]
    if "me" in shows:
        feed = services.feed_token_regenerate(user=user)
        pages += ["/me/", f"/me/feed/{feed}.ics"]
    if "people" in shows:
        pages += ["/people/", "/people/?q=a"]
        pages += [person.get_absolute_url() for person in Person.objects.order_by("-pk")[:10]]
    if "freezes" in shows:
        pages += ["/freezes/", "/freezes/feed.ics"]
    if "teams" in shows:
        forget_roles(user)
        pages += ["/teams/"] + [team.get_absolute_url() for team in teams_for_user(user)]
    if "account" in shows:
        pages += ["/settings/", "/settings/tokens/", "/webhooks/"]
        pages += [webhook.get_absolute_url() for webhook in Webhook.objects.all()]
    return pages


def assert_pages_render(client, user, releases: list[Release], *, shows=("session",)) -> None:
    """Every page that shows these releases (and, as `shows` says, the history, the user's
    work and calendar feed, or their settings) answers 200 with a body, for `user`."""
    client.force_login(user)
    for url in _pages(user, releases, shows):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert body(response), url
        if url.startswith("/api/"):
            assert response["Content-Type"].startswith("application/json"), url


def touched_releases(world: dict, first_new_pk: int) -> list[Release]:
    """The world's release (if it still exists) and any release the write created."""
    return list(
        Release.objects.filter(pk=world["release"].pk)
        | Release.objects.filter(pk__gte=first_new_pk)
    )


def next_release_pk() -> int:
    last = Release.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1
