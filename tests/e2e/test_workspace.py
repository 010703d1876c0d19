"""A facilitator runs a meeting in one browser while a participant watches in another."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from readiness import services
from readiness.models import Decision, Release
from tests.e2e.conftest import PASSWORD, screenshot_of
from tests.factories import join_team

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def people(django_user_model):
    marina = django_user_model.objects.create_user(
        "marina", password=PASSWORD, first_name="Marina", last_name="Lopes"
    )
    join_team(marina)
    services.person_link_user(
        user=None,
        person=services.person_get_or_create(
            user=None, name="Marina Lopes", title="FinOps / Platform Ops"
        ),
        login=marina,
    )
    ana = django_user_model.objects.create_user(
        "ana", password=PASSWORD, first_name="Ana", last_name="Souza"
    )
    return marina, ana


def test_a_facilitator_records_the_meeting_and_a_participant_sees_it_live(browser, log_in, people):
    facilitator_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    participant_context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = facilitator_context.new_page()
    watcher = participant_context.new_page()
    errors = []
    for p in (page, watcher):
        p.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        log_in(page, "marina")
        page.get_by_role("link", name="New release").click()
        page.get_by_label("Name").fill("Billing Gateway")
        page.get_by_label("Planned date").fill("2024-07-15")
        page.get_by_label("Language of the minutes").select_option("pt-br")
        page.get_by_role("button", name="Create release").click()

        page.wait_for_url("**/sessions/new/")
        page.get_by_label("Title").fill("Sessão de Go/No-Go")
        page.get_by_label("Time", exact=True).fill("14:00")
        page.get_by_label("Time zone").fill("America/Sao_Paulo")
        page.get_by_label("Objective").fill("Validar readiness antes da produção.")
        page.get_by_role("button", name="Schedule").click()
        page.wait_for_url("**/sessions/*/")
        session_url = page.url

        for name, title, area in [
            ("Lucas Azevedo", "PM Billing", "Produto"),
            ("Camila Duarte", "Security Lead", "Segurança"),
        ]:
            form = page.locator("#participants form.add-form")
            form.get_by_label("Name").fill(name)
            form.get_by_label("Title").fill(title)
            form.get_by_label("Area").fill(area)
            form.get_by_role("button", name="Add participant").click()
            expect(page.locator("#participants tbody").get_by_text(name)).to_be_visible()

        for item in ["Resumo das métricas QA.", "Decisão final e próximos passos."]:
            form = page.locator("#agenda form.add-form")
            form.get_by_label("Agenda item").fill(item)
            form.get_by_role("button", name="Add item").click()
            expect(page.locator("#agenda .agenda-title").filter(has_text=item)).to_be_visible()

        # A participant opens the same page in another browser.
        log_in(watcher, "ana")
        watcher.goto(session_url)
        watcher.evaluate("window.__sameDocument = true")
        expect(
            watcher.locator("#decision").get_by_text("No decision recorded yet.")
        ).to_be_visible()

        decision = page.locator("#decision form")
        decision.get_by_label("GO with conditions").check()
        decision.get_by_label("Rationale").fill("Consenso pelo GO condicionado.")
        decision.locator('[name="conditions-0-text"]').fill("Execução do check BILL-230")
        decision.locator('[name="conditions-0-reference"]').fill("BILL-230")
        # The second condition's row comes when asked for, with the first row's text kept.
        decision.get_by_role("button", name="Add a condition").click()
        decision = page.locator("#decision form.decision-form")
        expect(decision.locator('[name="conditions-0-text"]')).to_have_value(
            "Execução do check BILL-230"
        )
        decision.locator('[name="conditions-1-text"]').fill("Confirmação dos dashboards")
        decision.get_by_role("button", name="Record decision").click()
        expect(page.locator("#current-decision").get_by_text("GO with conditions")).to_be_visible()

        # Within 5 seconds, without reloading, the participant sees the decision.
        expect(
            watcher.locator("#current-decision").get_by_text("GO with conditions")
        ).to_be_visible(timeout=5000)
        assert watcher.evaluate("window.__sameDocument") is True
        expect(watcher.locator("#current-decision").get_by_text("BILL-230")).to_be_visible()

        form = page.locator("#actions form.add-form")
        expect(form.get_by_label("Code")).to_have_value("A1")
        form.get_by_label("Action").fill("Reexecutar o script k6.")
        form.get_by_label("Owner").fill("Ana Souza (SRE Lead)")
        form.get_by_label("Due").fill("2024-07-16")
        form.get_by_role("button", name="Add action").click()
        expect(
            page.locator("#actions tbody").get_by_text("Reexecutar o script k6.")
        ).to_be_visible()
        expect(page.locator("#actions form.add-form").get_by_label("Code")).to_have_value("A2")
        expect(
            watcher.locator("#actions tbody").get_by_text("Reexecutar o script k6.")
        ).to_be_visible(timeout=5000)
        screenshot_of(page, "session-facilitator")
        screenshot_of(watcher, "session-participant")
    finally:
        facilitator_context.close()
        participant_context.close()
    assert not errors, errors

    release = Release.objects.get(slug="2024-07-15-billing-gateway")
    session = release.sessions.get()
    assert session.participants.count() == 2
    assert session.agenda_items.count() == 2
    current = session.decisions.get(is_current=True)
    assert current.outcome == Decision.Outcome.CONDITIONAL_GO
    assert [c.reference for c in current.conditions.all()] == ["BILL-230", ""]
    assert session.actions.get().owner.title == "SRE Lead"


def test_typing_is_not_wiped_by_someone_elses_change(live_server, browser, log_in, people):
    release = services.release_create(
        user=None, name="Billing Gateway", planned_date=dt.date(2024, 7, 15)
    )
    session = services.session_schedule(
        user=None,
        release=release,
        scheduled_at=dt.datetime(2024, 7, 15, 14, 0),
        time_zone="America/Sao_Paulo",
    )
    context = browser.new_context()
    page = context.new_page()
    try:
        log_in(page, "marina")
        page.goto(f"{live_server.url}{session.get_absolute_url()}")
        form = page.locator("#agenda form.add-form")
        form.get_by_label("Agenda item").fill("Half-typed agenda item")
        # Every free section is asked for in one request once the poll reports a change;
        # the busy agenda must not be. Waiting for the timeline's answer proves the poll came.
        agenda_refreshes = []
        page.on(
            "request",
            lambda r: (
                agenda_refreshes.append(r.url)
                if r.headers.get("hx-target") == "agenda"
                or "agenda" in (r.headers.get("live-regions") or "").split()
                else None
            ),
        )
        with page.expect_response(
            lambda r: "timeline" in (r.request.headers.get("live-regions") or "").split(),
            timeout=10_000,
        ):
            # Someone else changes the agenda meanwhile.
            services.agenda_item_add(user=None, session=session, title="Added elsewhere")
        assert agenda_refreshes == []
        expect(form.get_by_label("Agenda item")).to_have_value("Half-typed agenda item")
        form.get_by_role("button", name="Add item").click()
        expect(
            page.locator("#agenda .agenda-title").filter(has_text="Half-typed agenda item")
        ).to_be_visible()
        expect(
            page.locator("#agenda .agenda-title").filter(has_text="Added elsewhere")
        ).to_be_visible()
    finally:
        context.close()
