"""The release dossier: everything a reviewer needs on one printable page."""

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from readiness import services
from readiness.models import Action, Decision
from tests.factories import make_action, make_person
from tests.helpers import assert_sends_to_login, change_status
from tests.history_data import decide, release_with_session

SAMPLE = "/releases/2024-07-15-billing-gateway/dossier/"


@pytest.fixture
def sample_dossier(client, manager, sample_release):
    client.force_login(manager)
    return client.get(SAMPLE).text


def test_it_shows_sessions_participants_attendance_agenda_and_checks(sample_dossier):
    page = sample_dossier
    assert "Dossier: Billing Gateway" in page
    assert (
        "Sessão de Go/No-Go" in page
        and '15 Jul 2024, 14:00 <abbr title="Brasília time">BRT</abbr>' in page
    )
    row = page.split('<th scope="row">Júlia Martins</th>', 1)[1].split("</tr>", 1)[0]
    assert "Observer" in row and "Confirmed" in row
    row = page.split('<th scope="row">Guilherme Prado</th>', 1)[1].split("</tr>", 1)[0]
    assert "Finanças" in row and "Voting member" in row
    assert "Situação dos guardrails e custos FinOps." in page
    assert "Readiness checks" in page


def test_it_shows_conditions_with_who_satisfied_them_and_the_evidence(client, manager):
    session = release_with_session("Ledger", dt.date(2024, 7, 15))
    decision = decide(session, Decision.Outcome.CONDITIONAL_GO, conditions=["Run BILL-230"])
    condition = decision.conditions.get()
    services.evidence_add(
        user=None,
        session=session,
        title="BILL-230 run log",
        location="https://ci.example.com/bill-230",
        condition=condition,
    )
    services.condition_satisfy(user=manager, condition=condition, note="Green on staging")
    client.force_login(manager)
    page = client.get(f"/releases/{session.release.slug}/dossier/").text
    row = page.split('<th scope="row">Run BILL-230', 1)[1].split("</tr>", 1)[0]
    assert "Satisfied" in row and "by Manager" in row and "Green on staging" in row
    assert 'href="https://ci.example.com/bill-230"' in row and "BILL-230 run log" in row


def test_it_shows_every_decision_including_the_superseded_ones(client, manager):
    session = release_with_session("Payments", dt.date(2024, 7, 15))
    decide(session, Decision.Outcome.NO_GO, rationale="Pen test pending")
    decide(session, Decision.Outcome.CONDITIONAL_GO, conditions=["Pen test retest"])
    decide(session, Decision.Outcome.GO, rationale="Pen test passed")
    client.force_login(manager)
    page = client.get(f"/releases/{session.release.slug}/dossier/").text
    decisions = page.split('<ol class="decisions">', 1)[1].split("</ol>", 1)[0]
    assert decisions.count("Superseded") == 2 and decisions.count("In force") == 1
    # Oldest first, each with what it said and the conditions it carried.
    assert (
        decisions.index("Pen test pending")
        < decisions.index("Pen test retest")
        < decisions.index("Pen test passed")
    )
    assert decisions.index("NO-GO") < decisions.index("GO with conditions")


def test_it_shows_each_actions_full_status_history(client, manager):
    session = release_with_session("Search", dt.date(2024, 7, 15))
    # The manager moves their own action along, as its owner.
    action = make_action(session, code="A1", owner=make_person("Mia Souza", user=manager))
    for status, reason in [("in_progress", ""), ("blocked", "No VPN"), ("done", "")]:
        change_status(manager, action, status, reason=reason)
    client.force_login(manager)
    page = client.get(f"/releases/{session.release.slug}/dossier/").text
    row = page.split('<th scope="row">A1</th>', 1)[1].split("</tr>", 1)[0]
    history = row.split('<ol class="status-history">', 1)[1].split("</ol>", 1)[0]
    steps = [
        "Open → <strong>In progress</strong>",
        "In progress → <strong>Blocked</strong> (No VPN)",
        "Blocked → <strong>Done</strong>",
    ]
    positions = [history.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "Assigned" in history and history.count("Manager:") == 3


def test_it_shows_evidence_with_its_verification_and_the_timeline(client, manager):
    session = release_with_session("Evidence", dt.date(2024, 7, 15))
    doc = services.evidence_add(user=None, session=session, title="DPIA", location="docs/dpia.md")
    services.evidence_add(user=None, session=session, title="PCI", location="docs/pci.md")
    services.evidence_verify(user=manager, evidence=doc)
    client.force_login(manager)
    page = client.get(f"/releases/{session.release.slug}/dossier/").text
    dpia = page.split('<th scope="row">DPIA</th>', 1)[1].split("</tr>", 1)[0]
    assert "Verified" in dpia and "by Manager" in dpia
    pci = page.split('<th scope="row">PCI</th>', 1)[1].split("</tr>", 1)[0]
    assert "Not verified" in pci
    timeline = page.split('id="timeline-title"', 1)[1]
    assert timeline.index("created the release") < timeline.index("verified the evidence")


def test_it_is_made_for_printing(client, manager, sample_release):
    client.force_login(manager)
    page = client.get(SAMPLE).text
    assert 'class="breadcrumbs no-print"' in page
    assert "<details" not in page  # nothing folded away on paper
    css = (Path(__file__).resolve().parents[1] / "static/css/app.css").read_text()
    print_rules = css.split("@media print", 1)[1]
    assert ".no-print" in print_rules and ".dossier-session { break-before: page;" in print_rules


def test_the_release_page_links_to_the_dossier(client, manager, sample_release):
    client.force_login(manager)
    page = client.get("/releases/2024-07-15-billing-gateway/").text
    assert f'href="{SAMPLE}"' in page


def _release_with(n):
    session = release_with_session(f"Big {n}", dt.date(2024, 7, 15), facilitator=make_person())
    owners = [make_person() for _ in range(3)]
    for i in range(n):
        action = make_action(session, code=f"A{i + 1}", owner=owners[i % 3])
        services.action_status_import(user=None, action=action, status="in_progress")
        services.participant_add(user=None, session=session, person=make_person(), area="QA")
        services.agenda_item_add(user=None, session=session, title=f"Item {i}")
        services.evidence_add(user=None, session=session, title=f"Doc {i}", location=f"d/{i}.md")
    decide(session, Decision.Outcome.NO_GO)
    decide(session, Decision.Outcome.CONDITIONAL_GO, conditions=["x", "y"])
    return session.release


def test_the_dossier_makes_the_same_queries_for_3_and_60_actions(
    client, manager, django_assert_max_num_queries
):
    small, large = _release_with(3), _release_with(60)
    client.force_login(manager)
    with CaptureQueriesContext(connection) as ctx:
        client.get(f"/releases/{small.slug}/dossier/")
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        response = client.get(f"/releases/{large.slug}/dossier/")
    assert response.text.count('<ol class="status-history">') == 60


def test_it_answers_404_for_an_unknown_release(client, manager):
    client.force_login(manager)
    assert client.get("/releases/2099-01-01-nothing/dossier/").status_code == 404


def test_it_sends_anonymous_visitors_to_the_login_page(client, sample_release):
    assert_sends_to_login(client.get(SAMPLE))


def test_it_answers_every_role(client, any_role, sample_release):
    client.force_login(any_role)
    response = client.get(SAMPLE)
    assert response.status_code == 200
    assert "Dossier: Billing Gateway" in response.text
    assert response.text.count('<ol class="status-history">') == Action.objects.count()


def test_it_refuses_other_methods(client, manager, sample_release):
    client.force_login(manager)
    assert client.post(SAMPLE).status_code == 405


def test_it_serves_the_whole_page_to_htmx_too(client, manager, sample_release):
    # The dossier has no region to swap: an HTMX request gets the printable page itself.
    client.force_login(manager)
    response = client.get(SAMPLE, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" in response.text
