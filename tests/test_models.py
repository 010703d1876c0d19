"""The invariants the database itself enforces, whatever code writes to it."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from readiness.models import Action, Decision, Evidence, Person, Release, release_slug
from tests.factories import make_action, make_decision, make_person, make_release, make_session

pytestmark = pytest.mark.django_db


def test_it_refuses_a_duplicate_action_code_in_the_database():
    session = make_session()
    first = make_action(session, code="A1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.create(session=session, code="A1", description="Again", owner=first.owner)


def test_it_allows_the_same_action_code_in_another_session():
    owner = make_person()
    make_action(make_session(), code="A1", owner=owner)
    make_action(make_session(), code="A1", owner=owner)
    assert Action.objects.filter(code="A1").count() == 2


def test_it_refuses_a_duplicate_release_slug():
    release = make_release("Billing Gateway")
    with pytest.raises(IntegrityError), transaction.atomic():
        Release.objects.create(name="Other", slug=release.slug, planned_date=dt.date(2024, 1, 1))


def test_it_refuses_an_unknown_status_value():
    session = make_session()
    action = make_action(session)
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.filter(pk=action.pk).update(status="finished")


def test_it_refuses_a_blocked_action_without_a_reason():
    action = make_action(make_session())
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.filter(pk=action.pk).update(status="blocked", status_reason="")


def test_it_keeps_one_current_decision_per_session():
    session = make_session()
    make_decision(session)
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(session=session, outcome="no_go", is_current=True)


def test_it_refuses_a_deploy_window_that_ends_before_it_starts():
    start = dt.datetime(2024, 7, 16, 22, 0, tzinfo=dt.UTC)
    with pytest.raises(IntegrityError), transaction.atomic():
        Release.objects.create(
            name="Backwards",
            slug="backwards",
            planned_date=dt.date(2024, 7, 16),
            deploy_window_start=start,
            deploy_window_end=start - dt.timedelta(hours=1),
        )


def test_it_refuses_evidence_that_backs_two_things():
    session = make_session()
    action = make_action(session)
    item = session.agenda_items.create(position=1, title="QA")
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.create(
            session=session, title="k6", location="qa/k6.md", action=action, agenda_item=item
        )


def test_it_treats_names_differing_only_in_case_as_one_person():
    make_person("Ana Souza")
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(name="ana souza")


def test_it_builds_the_slug_the_evidence_paths_use():
    assert release_slug(dt.date(2024, 7, 15), "Billing Gateway") == "2024-07-15-billing-gateway"


def test_it_marks_only_open_past_due_actions_overdue():
    session = make_session()
    action = make_action(session, due_date=dt.date(2024, 7, 16))
    assert action.is_overdue(today=dt.date(2024, 7, 17))
    assert not action.is_overdue(today=dt.date(2024, 7, 16))
    action.status = Action.Status.DONE
    assert not action.is_overdue(today=dt.date(2024, 7, 17))
    assert not make_action(session, due_date=None).is_overdue(today=dt.date(2030, 1, 1))


def test_it_links_repository_paths_only_when_a_repository_is_configured(settings):
    session = make_session()
    path = Evidence(session=session, title="QA", location="quality/test-report.md")
    url = Evidence(session=session, title="CI", location="https://ci.example.com/runs/1")
    settings.REPOSITORY_URL = ""
    assert path.href() == ""
    assert url.href() == "https://ci.example.com/runs/1"
    settings.REPOSITORY_URL = "https://git.example.com/billing/-/blob/main"
    assert path.href() == "https://git.example.com/billing/-/blob/main/quality/test-report.md"


@pytest.mark.parametrize(
    ("location", "href"),
    [
        ("https://ci.example.com/runs/1", "https://ci.example.com/runs/1"),
        ("docs/roadmap-riscos.md", "https://git.example.com/r/docs/roadmap-riscos.md"),
        ("./docs/a.md", "https://git.example.com/r/docs/a.md"),
        (".github/workflows/ci.yml", "https://git.example.com/r/.github/workflows/ci.yml"),
        ("javascript:alert(1)", ""),
        ("JaVaScRiPt:alert(1)", ""),
        ("data:text/html,<b>x</b>", ""),
        ("//evil.example.com/x", ""),
        ("/etc/passwd", ""),
        ("../../outside.md", ""),
        ("ftp://files.example.com/x", ""),
        ("see the wiki", ""),
    ],
)
def test_only_web_urls_and_relative_paths_become_links(settings, location, href):
    settings.REPOSITORY_URL = "https://git.example.com/r"
    assert Evidence(title="x", location=location).href() == href


def test_a_record_s_evidence_reads_from_the_meeting_s_prefetch_or_else_from_the_database(
    django_assert_num_queries,
):
    from readiness import services
    from readiness.models import Session

    session = make_session()
    action = make_action(session)
    linked = services.evidence_add(
        user=None, session=session, title="k6 run", location="qa/k6.md", action=action
    )
    services.evidence_add(user=None, session=session, title="Elsewhere", location="x.md")
    plain = Action.objects.get(pk=action.pk)
    with django_assert_num_queries(1):  # read through the relation, as any record is
        assert plain.linked_evidence == [linked]
    loaded = Session.objects.with_everything().get(pk=session.pk)
    with django_assert_num_queries(0):  # what the meeting's page loaded
        assert [a.linked_evidence for a in loaded.actions.all()] == [[linked]]


def test_the_meeting_s_load_hands_every_record_its_evidence_in_one_query():
    """Each kind of record gets its own evidence, nothing else, out of the session's; and
    an action carried into a later session keeps the evidence it was closed with there."""
    from readiness import services
    from readiness.models import Session

    session = make_session()
    item = services.agenda_item_add(user=None, session=session, title="QA metrics")
    check = services.readiness_check_add(user=None, session=session, area="QA", status="green")
    condition = make_decision(session, Decision.Outcome.CONDITIONAL_GO).conditions.get()
    action, other = make_action(session), make_action(session)

    def add(title, target=None, on=session):
        return services.evidence_add(
            user=None, session=on, title=title, location=f"docs/{title}.md", **(target or {})
        )

    backing = {
        "item": add("agenda", {"agenda_item": item}),
        "check": add("check", {"readiness_check": check}),
        "condition": add("condition", {"condition": condition}),
        "action": add("action", {"action": action}),
    }
    add("session")
    later = make_session(session.release, scheduled_at=session.scheduled_at + dt.timedelta(1))
    closed_later = add("closed later", {"action": other}, on=later)

    loaded = Session.objects.with_everything().get(pk=session.pk)
    (decision,) = loaded.decisions.all()
    records = {
        "item": loaded.agenda_items.all()[0],
        "check": loaded.readiness_checks.all()[0],
        "condition": decision.conditions.all()[0],
        "action": next(a for a in loaded.actions.all() if a.pk == action.pk),
    }
    for kind, record in records.items():
        assert record.linked_evidence == [backing[kind]], kind
    assert next(a for a in loaded.actions.all() if a.pk == other.pk).linked_evidence == [
        closed_later
    ]
    assert [ev.title for ev in loaded.evidence.all()] == [*map(str, backing.values()), "session"]

    (release,) = Release.objects.with_everything().filter(pk=session.release_id)
    first, second = sorted(release.sessions.all(), key=lambda s: s.scheduled_at)
    assert [a.linked_evidence for a in first.actions.all()] == [
        [backing["action"]],
        [closed_later],
    ]
    assert [ev.title for ev in second.evidence.all()] == ["closed later"]


def test_the_meeting_s_load_takes_the_same_queries_with_and_without_evidence(
    django_assert_num_queries,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from readiness import services
    from readiness.models import Session

    bare, rich = make_session(), make_session()
    for session in (bare, rich):
        services.agenda_item_add(user=None, session=session, title="QA metrics")
        make_action(session)
    for target in [
        *({"agenda_item": item} for item in rich.agenda_items.all()),
        *({"action": action} for action in rich.actions.all()),
    ]:
        services.evidence_add(
            user=None, session=rich, title="Report", location="docs/r.md", **target
        )
    counts = []
    for session in (bare, rich):
        with CaptureQueriesContext(connection) as queries:
            loaded = Session.objects.with_everything().get(pk=session.pk)
            [r.linked_evidence for r in [*loaded.agenda_items.all(), *loaded.actions.all()]]
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_num_queries(0):
        assert len(loaded.actions.all()[0].linked_evidence) == 1
