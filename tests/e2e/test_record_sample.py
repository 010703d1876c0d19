"""The sample meeting, recorded by hand in the browser, equals the imported sample minutes."""

import json

import pytest
from playwright.sync_api import expect

from readiness import services
from readiness.demo import load_demo
from readiness.minutes.exporter import release_as_dict
from readiness.models import Release
from tests.e2e.conftest import PASSWORD
from tests.factories import join_team

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PARTICIPANTS = [
    ("Lucas Azevedo", "PM Billing", "Produto", "member"),
    ("Camila Duarte", "Security Lead", "Segurança", "member"),
    ("Rafaela Moura", "Support Manager", "Suporte", "member"),
    ("Guilherme Prado", "Controller", "Finanças", "member"),
    ("Ana Souza", "SRE Lead", "", "observer"),
    ("Júlia Martins", "Operations Manager", "", "observer"),
]


def expected_from_the_imported_sample() -> dict:
    """Import the shipped sample, keep its JSON export, then remove it to start afresh."""
    release = load_demo().release
    expected = json.loads(json.dumps(release_as_dict(release)))
    services.release_delete(user=None, release=release, record=expected)
    return expected


def test_the_sample_recorded_by_hand_equals_the_imported_sample(
    live_server, page, log_in, django_user_model, screenshot
):
    expected = expected_from_the_imported_sample()
    session_doc = expected["sessions"][0]
    marina = django_user_model.objects.create_user("marina", password=PASSWORD)
    join_team(marina)

    log_in(page, "marina")

    page.goto(f"{live_server.url}/releases/new/")
    page.get_by_label("Name").fill("Billing Gateway")
    page.get_by_label("Planned date").fill("2024-07-15")
    page.get_by_label("Language of the minutes").select_option("pt-br")
    page.get_by_role("button", name="Create release").click()

    page.wait_for_url("**/sessions/new/")
    page.get_by_label("Title").fill("Sessão de Go/No-Go")
    page.get_by_label("Facilitator").fill("Marina Lopes (FinOps / Platform Ops)")
    page.get_by_label("Date").fill("2024-07-15")
    page.get_by_label("Time", exact=True).fill("14:00")
    page.get_by_label("Time zone").fill("America/Sao_Paulo")
    page.get_by_label("Objective").fill(session_doc["objective"])
    page.get_by_role("button", name="Schedule").click()
    page.wait_for_url("**/sessions/*/")

    for name, title, area, role in PARTICIPANTS:
        form = page.locator("#participants form.add-form")
        form.get_by_label("Name").fill(name)
        form.get_by_label("Title").fill(title)
        form.get_by_label("Area").fill(area)
        form.get_by_label("Role").select_option(role)
        form.get_by_role("button", name="Add participant").click()
        expect(page.locator("#participants tbody th").filter(has_text=name)).to_be_visible()

    for item in session_doc["agenda"]:
        form = page.locator("#agenda form.add-form")
        form.get_by_label("Agenda item").fill(item["title"])
        form.get_by_role("button", name="Add item").click()
        expect(
            page.locator("#agenda .agenda-title").filter(has_text=item["title"])
        ).to_be_visible()

    decision = page.locator("#decision form")
    decision.get_by_label("GO with conditions").check()
    decision.get_by_label("Rationale").fill(session_doc["decision"]["text"])
    for i, condition in enumerate(session_doc["decision"]["conditions"]):
        if i > 0:  # one row to begin with; each further one is asked for
            decision.get_by_role("button", name="Add a condition").click()
            expect(decision.locator(f'[name="conditions-{i}-text"]')).to_be_focused()
        decision.locator(f'[name="conditions-{i}-text"]').fill(condition["text"])
        decision.locator(f'[name="conditions-{i}-reference"]').fill(condition["reference"])
    decision.get_by_role("button", name="Record decision").click()
    expect(page.locator("#current-decision").get_by_text("GO with conditions")).to_be_visible()

    for action in session_doc["actions"]:
        form = page.locator("#actions form.add-form")
        form.get_by_label("Code").fill(action["code"])
        form.get_by_label("Action").fill(action["description"])
        owner = action["owner"]
        form.get_by_label("Owner").fill(f"{owner['name']} ({owner['title']})")
        form.get_by_label("Due").fill(action["due"] or "")
        form.get_by_label("Kind").select_option(action["kind"])
        form.get_by_role("button", name="Add action").click()
        expect(page.locator("#actions tbody th").filter(has_text=action["code"])).to_be_visible()

    # The evidence form lists every item it can back, so it is opened on demand.
    page.get_by_role("link", name="Link evidence…").click()
    for evidence in session_doc["evidence"]:
        form = page.locator("#evidence form.add-form")
        form.get_by_label("Title").fill(evidence["title"])
        form.get_by_label("Location").fill(evidence["location"])
        form.get_by_label("Category").select_option(evidence["category"])
        form.get_by_role("button", name="Link evidence").click()
        expect(
            page.locator("#evidence .evidence-title").filter(has_text=evidence["title"])
        ).to_be_visible()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close and lock the minutes").click()
    expect(
        page.locator("#session-header .notice").get_by_text("The minutes were closed")
    ).to_be_visible()
    screenshot("sample-recorded-by-hand")

    recorded = release_as_dict(Release.objects.get(slug="2024-07-15-billing-gateway"))
    assert json.loads(json.dumps(recorded)) == expected
