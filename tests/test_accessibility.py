"""What a keyboard, a screen reader and a room's projector need from the pages' HTML.

The browser checks (axe-core, focus after each swap, phone widths) are in
tests/e2e/test_accessibility.py; these hold the server's side of them.
"""

import re

import pytest

from readiness import services
from tests.factories import make_decision, make_person, make_session

HX = {"HX-Request": "true"}

IDS = re.compile(r'\sid="([^"]+)"')
DESCRIBED_BY = re.compile(r'aria-describedby="([^"]+)"')


def url(session, suffix=""):
    return f"{session.get_absolute_url()}{suffix}"


def assert_descriptions_exist(html: str) -> list[str]:
    """Every id an aria-describedby names is on the page; returns the ids named."""
    ids = set(IDS.findall(html))
    named = [name for value in DESCRIBED_BY.findall(html) for name in value.split()]
    missing = [name for name in named if name not in ids]
    assert missing == [], f"aria-describedby names ids that are not rendered: {missing}"
    return named


# --- Errors linked to their fields ----------------------------------------------------------


def test_a_refused_field_names_its_error_and_the_error_exists(client, facilitator, session):
    client.force_login(facilitator)
    response = client.post(
        url(session, "actions/add"), {"code": "not a code", "owner": "X"}, headers=HX
    )
    assert response.status_code == 422
    named = assert_descriptions_exist(response.text)
    assert "action-code_error" in named
    error = re.search(r'<div id="action-code_error" role="alert">(.*?)</div>', response.text, re.S)
    assert error and "Use a letter and a number, such as A5." in error.group(1)
    assert re.search(r'<input[^>]*name="code"[^>]*aria-invalid="true"', response.text)


def test_the_whole_session_page_names_only_ids_it_renders(client, facilitator, session):
    client.force_login(facilitator)
    response = client.post(url(session, "agenda/add"), {"title": "", "time_box_minutes": "-3"})
    assert response.status_code == 422
    named = assert_descriptions_exist(response.text)
    assert "agenda-title_error" in named


def test_a_refused_choice_of_radios_describes_its_group(client, facilitator, session):
    client.force_login(facilitator)
    response = client.post(
        url(session, "decision"),
        {"rationale": "x", "method": "consensus", "conditions-TOTAL_FORMS": "0"},
        headers=HX,
    )
    assert response.status_code == 422
    assert '<fieldset class="radios" aria-describedby="decision-outcome_error">' in response.text
    assert_descriptions_exist(response.text)


def test_help_text_is_rendered_under_the_id_its_field_names(client, owner):
    client.force_login(owner)
    response = client.get("/settings/tokens/")
    named = assert_descriptions_exist(response.text)
    assert any(name.endswith("_helptext") for name in named)


def test_the_login_form_links_its_error(client, facilitator):
    response = client.post("/accounts/login/", {"username": "", "password": ""})
    assert_descriptions_exist(response.text)
    assert 'id="id_username_error" role="alert"' in response.text


# --- The decision form's condition rows ----------------------------------------------------


def test_a_fresh_decision_form_has_one_condition_row_for_a_conditional_go(
    client, facilitator, session
):
    client.force_login(facilitator)
    page = client.get(url(session)).text
    assert 'name="conditions-0-text"' in page
    assert 'name="conditions-1-text"' not in page
    # Hidden by the stylesheet unless "GO with conditions" is chosen.
    assert '<fieldset class="conditions-fieldset" id="decision-conditions">' in page
    assert 'id="add-condition"' in page and "Add a condition" in page


def test_adding_a_condition_puts_the_cursor_in_the_new_row(client, facilitator, session):
    client.force_login(facilitator)
    response = client.post(
        url(session, "decision"),
        {
            "outcome": "conditional_go",
            "method": "consensus",
            "add_condition": "1",
            "conditions-TOTAL_FORMS": "1",
            "conditions-INITIAL_FORMS": "0",
            "conditions-0-text": "Run BILL-230",
        },
        headers=HX,
    )
    assert response.status_code == 200
    assert re.search(r'<input[^>]*name="conditions-1-text"[^>]*autofocus', response.text)
    assert not re.search(r'<input[^>]*name="conditions-0-text"[^>]*autofocus', response.text)
    assert "has-conditions" in response.text
    assert not session.decisions.exists()


def test_a_conditional_go_refused_without_conditions_gets_a_row(client, facilitator, session):
    client.force_login(facilitator)
    response = client.post(
        url(session, "decision"),
        {
            "outcome": "conditional_go",
            "method": "consensus",
            "conditions-TOTAL_FORMS": "0",
            "conditions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 422
    assert "at least one condition" in response.text
    assert 'name="conditions-0-text"' in response.text
    assert 'name="conditions-TOTAL_FORMS" value="1"' in response.text
    assert not session.decisions.exists()


def test_conditions_typed_under_a_go_stay_in_view_with_the_refusal(client, facilitator, session):
    client.force_login(facilitator)
    response = client.post(
        url(session, "decision"),
        {
            "outcome": "go",
            "method": "consensus",
            "conditions-TOTAL_FORMS": "1",
            "conditions-INITIAL_FORMS": "0",
            "conditions-0-text": "Run BILL-230",
        },
        headers=HX,
    )
    assert response.status_code == 422
    assert "Only a GO with conditions can carry conditions." in response.text
    assert 'class="conditions-fieldset has-conditions"' in response.text
    assert 'value="Run BILL-230"' in response.text


# --- Projector mode ------------------------------------------------------------------------


@pytest.fixture
def meeting(facilitator):
    session = make_session(facilitator=facilitator.person)
    item = services.agenda_item_add(user=None, session=session, title="Resumo das métricas QA")
    services.agenda_item_add(user=None, session=session, title="Riscos residuais")
    services.agenda_item_start_discussion(user=None, item=item)
    make_decision(
        session,
        "conditional_go",
        conditions=[
            services.ConditionSpec(
                text="Run BILL-230 before the window",
                reference="BILL-230",
                owner=make_person("Ana Souza"),
            )
        ],
    )
    return session


def test_the_projector_shows_the_item_its_clock_and_the_decision(client, manager, meeting):
    client.force_login(manager)
    response = client.get(url(meeting, "projector"))
    assert response.status_code == 200
    page = response.text
    now = page.split('id="projector-now-heading"')[1].split("</section>")[0]
    assert "Resumo das métricas QA" in now
    assert "data-started=" in now and "data-time-box=" in now
    assert "GO with conditions" in page
    assert "Run BILL-230 before the window" in page and "BILL-230" in page
    assert "Riscos residuais" in page
    # Read-only: no form, no button; follows the live poll; one link (Esc) back.
    assert "<form" not in page.split('<main id="main"')[1]
    assert "<button" not in page.split('<main id="main"')[1]
    assert f'hx-get="{url(meeting, "live")}"' in page
    assert 'id="projector-exit" data-escape>Leave projector mode (Esc)</a>' in page
    assert f'<a href="{url(meeting)}" id="projector-exit"' in page
    assert "js/projector.js" in page and "js/session.js" in page
    assert 'class="projector-mode"' in page


def test_the_projector_refreshes_as_one_region(client, manager, meeting):
    client.force_login(manager)
    response = client.get(url(meeting, "projector"), headers=HX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="projector"')
    assert "<html" not in response.text
    assert "GO with conditions" in response.text
    assert "HX-Request" in response["Vary"]


def test_the_projector_says_when_nothing_is_under_discussion(client, manager, session):
    client.force_login(manager)
    response = client.get(url(session, "projector"))
    assert "No agenda item is being discussed." in response.text
    assert "No decision recorded yet." in response.text


def test_the_session_page_links_its_projector(client, manager, meeting):
    client.force_login(manager)
    page = client.get(url(meeting)).text
    assert f'<a href="{url(meeting, "projector")}" id="open-projector">Projector mode</a>' in page


def test_the_projector_is_in_portuguese_for_a_portuguese_reader(client, manager, meeting):
    client.force_login(manager)
    response = client.get(url(meeting, "projector"), headers={"Accept-Language": "pt-BR"})
    assert "Sair do modo projetor (Esc)" in response.text
    assert "Agora" in response.text


def test_the_projector_needs_a_login(client, meeting):
    response = client.get(url(meeting, "projector"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_projector_answers_404_for_a_session_of_another_release(client, manager, meeting):
    client.force_login(manager)
    other = make_session()
    response = client.get(f"{other.release.get_absolute_url()}sessions/{meeting.pk}/projector")
    assert response.status_code == 404


def test_the_projector_refuses_a_post(client, facilitator, meeting):
    client.force_login(facilitator)
    response = client.post(url(meeting, "projector"))
    assert response.status_code == 405


def test_the_insights_figures_name_their_outcomes_in_the_readers_language(client, manager):
    make_decision(make_session(), "conditional_go")
    client.force_login(manager)
    page = client.get("/insights/", headers={"Accept-Language": "pt-BR"}).text
    assert 'data-label="GO condicionado"' in page
    assert "GO with conditions" not in page
