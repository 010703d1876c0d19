"""Property tests of the input rules: whatever the values, a service either refuses them
with a clean ValidationError or accepts them, and then every page that shows them renders."""

import datetime as dt
import itertools
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from readiness import services
from readiness.models import Decision, Release, Session
from tests.factories import make_decision, make_person, make_release, make_session

PROPERTY = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_names = itertools.count(1)

ZONES = ["UTC", "America/Sao_Paulo", "Etc/GMT+12", "Etc/GMT-14", "Pacific/Kiritimati"]
any_char = st.characters(codec=None, exclude_categories=())
texts = st.one_of(
    st.text(any_char, max_size=40),
    st.sampled_from(["Go\nNo-Go", "a\x00b", "\r\n", "x\u2028y", "\ud800", " "]),
)
zones = st.one_of(
    st.sampled_from(ZONES),
    st.sampled_from(ZONES),
    st.text(any_char, max_size=80),
    st.sampled_from(["A" * 300, "../../etc/passwd", "/etc/localtime", "UTC\x00"]),
)
moments = st.one_of(
    st.datetimes(
        min_value=dt.datetime(2000, 1, 2),
        max_value=dt.datetime(2100, 12, 30),
        timezones=st.sampled_from([zoneinfo.ZoneInfo(z) for z in ZONES]),
    ),
    st.datetimes(
        min_value=dt.datetime(1, 1, 2),
        max_value=dt.datetime(9999, 12, 30),
        timezones=st.sampled_from([zoneinfo.ZoneInfo(z) for z in ZONES]),
    ),
    st.sampled_from(
        [
            dt.datetime(9999, 12, 31, 23, 0, tzinfo=zoneinfo.ZoneInfo("Etc/GMT+12")),
            dt.datetime(1, 1, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo("Etc/GMT-14")),
            dt.datetime(2100, 12, 31, 23, 59, tzinfo=dt.UTC),
            dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
        ]
    ),
)
days = st.one_of(
    st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)),
    st.dates(),
    st.sampled_from([dt.date(9999, 12, 31), dt.date(1, 1, 1)]),
)
urls = st.one_of(
    st.from_regex(r"\Ahttps?://[\[\]:a-z0-9./%@?#-]{0,30}\Z"),
    st.text(any_char, max_size=60),
    st.sampled_from(["http://[::1/x", "http://[::1", "https://ci.example.com/1", "docs/x.md"]),
)


def _renders(client, *urls: str) -> None:
    event("accepted, pages rendered")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url


def _release_pages(release: Release) -> list[str]:
    slug = release.slug
    return [
        "/releases/",
        f"/releases/{slug}/",
        f"/releases/{slug}/dossier/",
        f"/releases/{slug}/minutes.md",
        f"/releases/{slug}/minutes.json",
        "/api/releases",
        f"/api/releases/{slug}/gate",
    ]


def _session_pages(session: Session) -> list[str]:
    return [session.get_absolute_url(), f"{session.get_absolute_url()}invite.ics"]


@pytest.fixture
def logged_in(client, facilitator):
    client.force_login(facilitator)
    return client


@PROPERTY
@given(scheduled_at=moments, zone=zones, title=texts, objective=texts)
def test_a_session_is_refused_cleanly_or_renders(logged_in, scheduled_at, zone, title, objective):
    release = make_release(f"Property {next(_names)}")
    try:
        session = services.session_schedule(
            user=None,
            release=release,
            scheduled_at=scheduled_at,
            time_zone=zone,
            title=title,
            objective=objective,
        )
    except ValidationError:
        assert not release.sessions.exists()
        return
    assert "\n" not in session.title and "\x00" not in session.objective
    _renders(logged_in, *_release_pages(release), *_session_pages(session))


@PROPERTY
@given(start=moments, length=st.integers(1, 10**6), name=texts, planned=days)
def test_a_release_is_refused_cleanly_or_renders(logged_in, start, length, name, planned):
    try:
        end = start + dt.timedelta(minutes=length)
    except OverflowError:
        return  # past Python's own calendar before any door is reached
    before = Release.objects.count()
    try:
        release = services.release_create(
            user=None,
            name=f"{name} {next(_names)}",
            planned_date=planned,
            deploy_window_start=start,
            deploy_window_end=end,
        )
    except ValidationError:
        assert Release.objects.count() == before
        return
    _renders(logged_in, *_release_pages(release))


@PROPERTY
@given(location=urls, title=texts)
def test_evidence_is_refused_cleanly_or_renders(logged_in, location, title):
    session = make_session(make_release(f"Evidence {next(_names)}"))
    try:
        services.evidence_add(user=None, session=session, title=title or "x", location=location)
    except ValidationError:
        assert not session.evidence.exists()
        return
    _renders(logged_in, *_release_pages(session.release), *_session_pages(session))


@PROPERTY
@given(deadline=moments, url=urls, text=texts)
def test_a_condition_is_refused_cleanly_or_renders(logged_in, facilitator, deadline, url, text):
    session = make_session(make_release(f"Condition {next(_names)}"))
    owner = make_person(f"Owner {next(_names)}", user=None)
    try:
        decision = make_decision(
            session,
            Decision.Outcome.CONDITIONAL_GO,
            conditions=[services.ConditionSpec(text=text, owner=owner, deadline=deadline)],
        )
    except ValidationError:
        assert not session.decisions.exists()
        return
    condition = decision.conditions.get()
    try:
        services.condition_satisfy_with_evidence(
            user=facilitator, condition=condition, url=url, expected_version=condition.version
        )
    except ValidationError:
        condition.refresh_from_db()
        assert not condition.is_satisfied
    _renders(logged_in, *_release_pages(session.release), *_session_pages(session))


@PROPERTY
@given(due=days, description=texts)
def test_an_action_is_refused_cleanly_or_renders_for_its_owner(client, owner, due, description):
    session = make_session(make_release(f"Action {next(_names)}"))
    try:
        services.action_create(
            user=None,
            session=session,
            code="A1",
            description=description or "k6",
            owner=owner.person,
            due_date=due,
        )
    except ValidationError:
        assert not session.actions.exists()
        return
    client.force_login(owner)
    response = client.post("/settings/feed/", headers={"HX-Request": "true"})
    feed = response.text.split('id="feed-url">')[1].split("<")[0]
    _renders(client, "/me/", feed.removeprefix("http://testserver"), *_session_pages(session))
