"""A condition's state is one word everywhere: open, expired, satisfied, satisfied late.

And the dossier calls only the release's decision in force "In force".
"""

import datetime as dt
import re

import pytest
from django.utils import timezone

from readiness import services
from readiness.models import Condition, Decision
from tests.factories import make_person, make_session
from tests.history_data import decide

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2024, 7, 20, 12, 0, tzinfo=dt.UTC)
BEFORE, AFTER = NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=1)
STATES = {"open": "Open", "expired": "Expired", "satisfied": "Satisfied"}
STATES["satisfied_late"] = "Satisfied late"
PT_STATES = {"open": "Aberta", "expired": "Expirada", "satisfied": "Cumprida"}
PT_STATES["satisfied_late"] = "Cumprida com atraso"


@pytest.mark.parametrize(
    ("deadline", "satisfied_at", "state"),
    [
        (None, None, "open"),
        (AFTER, None, "open"),
        (BEFORE, None, "expired"),
        (NOW, None, "expired"),
        (AFTER, NOW, "satisfied"),
        (None, NOW, "satisfied"),
        (BEFORE, NOW, "satisfied_late"),
        # Within the deadline's minute is on time: the pages and the minutes show minutes.
        (NOW, NOW + dt.timedelta(seconds=30), "satisfied"),
        (NOW, NOW + dt.timedelta(minutes=1), "satisfied_late"),
    ],
)
def test_a_condition_has_one_state_at_a_time(deadline, satisfied_at, state):
    condition = Condition(text="x", deadline=deadline, satisfied_at=satisfied_at)
    assert condition.state_at(NOW) == state
    assert condition.is_expired(NOW) is (state == "expired")


def test_each_state_has_a_label_in_both_languages():
    from django.utils import translation

    for value, label in STATES.items():
        assert str(Condition.State(value).label) == label
        with translation.override("pt-br"):
            assert str(Condition.State(value).label) == PT_STATES[value]


@pytest.fixture
def conditional_go(owner):
    """A GO in force whose four conditions, owned by `owner`, are in the four states."""
    session = make_session(facilitator=make_person("Fay"))
    person = owner.person
    past = timezone.now() - dt.timedelta(days=2)
    later = timezone.now() + dt.timedelta(days=30)
    decision = services.decision_record(
        user=None,
        session=session,
        outcome=Decision.Outcome.CONDITIONAL_GO,
        conditions=[
            services.ConditionSpec(text="Cond open", owner=person, deadline=later),
            services.ConditionSpec(text="Cond expired", owner=person, deadline=past),
            services.ConditionSpec(text="Cond on time", owner=person, deadline=later),
            services.ConditionSpec(text="Cond late", owner=person, deadline=past),
        ],
        notify=False,
    )
    _, _, on_time, late = decision.conditions.order_by("position")
    services.condition_satisfy(user=None, condition=on_time)
    services.condition_satisfy(user=None, condition=late)
    return session


def badge(state: str, label: str) -> str:
    return f'<span class="badge condition-state condition-{state}">{label}</span>'


def states_in(page: str) -> list[str]:
    return re.findall(r'<span class="badge condition-state condition-(\w+)">', page)


def pages(session) -> dict[str, str]:
    return {
        "session page": session.get_absolute_url(),
        "release page": session.release.get_absolute_url(),
        "dossier": f"/releases/{session.release.slug}/dossier/",
        "my work": "/me/",
    }


@pytest.mark.parametrize("language", ["en", "pt-br"])
def test_every_page_says_the_same_state_word(client, owner, conditional_go, language):
    labels = STATES if language == "en" else PT_STATES
    client.force_login(owner)
    for where, url in pages(conditional_go).items():
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).text
        for state, label in labels.items():
            assert badge(state, label) in page, (where, state)
        assert "Not yet satisfied" not in page and "Ainda não cumprida" not in page


def test_the_gate_box_lists_every_condition_with_its_state(client, owner, conditional_go):
    client.force_login(owner)
    page = client.get(conditional_go.release.get_absolute_url()).text
    gate = page.split('aria-labelledby="gate-heading"', 1)[1].split("</section>", 1)[0]
    assert states_in(gate) == ["open", "expired", "satisfied", "satisfied_late"]
    assert "Cond late" in gate and "Conditions of the GO in force" in gate


def test_the_session_page_and_the_dossier_list_them_in_order(client, owner, conditional_go):
    client.force_login(owner)
    for url in (conditional_go.get_absolute_url(), pages(conditional_go)["dossier"]):
        assert states_in(client.get(url).text) == [
            "open",
            "expired",
            "satisfied",
            "satisfied_late",
        ]


def test_the_dossier_calls_a_decision_a_later_session_overtook_superseded(client, manager):
    first = make_session()
    decide(first, Decision.Outcome.NO_GO, rationale="Two blocking actions")
    second = make_session(first.release, scheduled_at=timezone.now() - dt.timedelta(hours=1))
    client.force_login(manager)
    url = f"/releases/{first.release.slug}/dossier/"
    # Until the second session decides, the first session's NO-GO is in force.
    decisions = client.get(url).text.split('<ol class="decisions">', 1)[1]
    assert "In force" in decisions.split("</ol>", 1)[0]
    decide(second, Decision.Outcome.GO, rationale="Both actions done")
    page = client.get(url).text
    blocks = page.split('<ol class="decisions">')[1:]
    assert len(blocks) == 2
    first_block, second_block = (b.split("</ol>", 1)[0] for b in blocks)
    assert "Two blocking actions" in first_block and "In force" not in first_block
    assert "Superseded by a later session" in first_block
    assert "Both actions done" in second_block and "In force" in second_block
    assert page.count(">In force<") == 1


def test_the_superseded_label_is_translated(client, manager):
    first = make_session()
    decide(first, Decision.Outcome.NO_GO)
    decide(make_session(first.release), Decision.Outcome.GO)
    client.force_login(manager)
    page = client.get(f"/releases/{first.release.slug}/dossier/", HTTP_ACCEPT_LANGUAGE="pt-br")
    assert "Substituída por uma sessão posterior" in page.text
    assert page.text.count(">Em vigor<") == 1
