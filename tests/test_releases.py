"""The release history list and the release page."""

import datetime as dt

import pytest

from readiness import services
from readiness.models import Decision
from tests.factories import (
    make_action,
    make_busy_session,
    make_decision,
    make_release,
    make_session,
)

SAMPLE_URL = "/releases/2024-07-15-billing-gateway/"


# --- Who may see it -----------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_the_login_page(client, sample_release):
    for url in ["/", "/releases/", SAMPLE_URL]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_it_shows_the_release_list_to_every_role(client, any_role, sample_release):
    client.force_login(any_role)
    response = client.get("/releases/")
    assert response.status_code == 200
    assert "Billing Gateway" in response.text


def test_it_shows_the_release_page_to_every_role(client, any_role, sample_release):
    client.force_login(any_role)
    response = client.get(SAMPLE_URL)
    assert response.status_code == 200
    assert "Billing Gateway" in response.text
    assert sample_release.sessions.get().title in response.text


def test_it_refuses_an_inactive_login(client, manager, sample_release):
    client.force_login(manager)
    manager.is_active = False
    manager.save()
    response = client.get(SAMPLE_URL)
    assert response.status_code == 302


def test_it_lands_a_logged_in_user_on_the_releases(client, manager):
    client.force_login(manager)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/releases/"


def test_it_logs_in_with_a_username_and_password(client, manager):
    response = client.post(
        "/accounts/login/", {"username": "manager", "password": "a-long-test-password"}
    )
    assert response.status_code == 302
    assert client.get("/releases/").status_code == 200


def test_it_keeps_the_username_and_says_why_a_login_failed(client, manager):
    response = client.post("/accounts/login/", {"username": "manager", "password": "wrong"})
    assert response.status_code == 200
    assert 'value="manager"' in response.text
    assert "Please enter a correct username and password" in response.text


def test_it_logs_out_only_by_post(client, manager):
    client.force_login(manager)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/releases/").status_code == 302


# --- The sample release -------------------------------------------------------------------


@pytest.fixture
def sample_page(client, manager, sample_release):
    client.force_login(manager)
    return client.get(SAMPLE_URL).text


def test_it_shows_the_sample_session_with_its_time_zone(sample_page):
    assert "Sessão de Go/No-Go" in sample_page
    assert '15 Jul 2024, 14:00 <abbr title="Brasília time">BRT</abbr>' in sample_page
    assert "America/Sao_Paulo" in sample_page
    assert "Marina Lopes" in sample_page and "FinOps / Platform Ops" in sample_page


def test_it_shows_the_sample_participants_by_area_and_the_observers(sample_page):
    for area, name in [
        ("Produto", "Lucas Azevedo"),
        ("Segurança", "Camila Duarte"),
        ("Suporte", "Rafaela Moura"),
        ("Finanças", "Guilherme Prado"),
    ]:
        assert area in sample_page and name in sample_page
    observers = sample_page.split(">Observers<", 1)[1].split("</ul>", 1)[0]
    assert "Ana Souza" in observers and "Júlia Martins" in observers


def test_it_shows_the_sample_decision_and_its_conditions(sample_page):
    assert "GO with conditions" in sample_page
    assert "BILL-230" in sample_page
    assert "Confirmação dos dashboards de retenção." in sample_page
    # Both conditions are open, in the session's record and in the gate box.
    assert sample_page.count('<span class="badge condition-state condition-open">Open<') == 4


def test_it_shows_the_sample_actions_with_owners_due_dates_and_overdue_marks(sample_page):
    for code, owner, due in [
        ("A1", "Ana Souza", "2024-07-16"),
        ("A2", "Camila Duarte", "2024-07-17"),
        ("A3", "Lucas Azevedo", "2024-07-18"),
        ("A4", "Marina Lopes", "2024-07-19"),
    ]:
        row = sample_page.split(f'<th scope="row">{code}</th>', 1)[1].split("</tr>", 1)[0]
        assert owner in row and due in row and "Overdue" in row
    monitoring = sample_page.split('<th scope="row">M1</th>', 1)[1].split("</tr>", 1)[0]
    assert "Post-go-live monitoring" in monitoring and "Rafaela Moura" in monitoring
    assert "Overdue" not in monitoring


def test_it_shows_the_sample_agenda_and_evidence(sample_page):
    assert "Situação dos guardrails e custos FinOps." in sample_page
    assert "<code>docs/roadmap-riscos.md</code>" in sample_page
    assert "releases/staging/2024.07.10-rc1/quality/test-report.md" in sample_page


def test_it_shows_the_timeline(sample_page):
    assert "recorded the decision" in sample_page
    assert "created the release" in sample_page


def test_it_links_repository_paths_when_a_repository_is_configured(
    client, manager, sample_release, settings
):
    settings.REPOSITORY_URL = "https://git.example.com/billing/-/blob/main"
    client.force_login(manager)
    page = client.get(SAMPLE_URL).text
    assert 'href="https://git.example.com/billing/-/blob/main/docs/roadmap-riscos.md"' in page


def test_it_shows_superseded_decisions_apart(client, manager):
    session = make_session()
    make_decision(session, Decision.Outcome.NO_GO, rationale="Pen test pending")
    make_decision(session, Decision.Outcome.GO, rationale="Pen test passed")
    client.force_login(manager)
    page = client.get(session.release.get_absolute_url()).text
    assert "1 earlier decision, superseded" in page
    assert "Pen test pending" in page and "Pen test passed" in page


def test_it_escapes_what_people_typed(client, manager):
    session = make_session()
    make_action(session, description="<script>alert('x')</script>")
    client.force_login(manager)
    page = client.get(session.release.get_absolute_url()).text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_it_answers_404_for_an_unknown_release(client, manager):
    client.force_login(manager)
    response = client.get("/releases/2099-01-01-nothing/")
    assert response.status_code == 404
    assert "This page does not exist" in response.text


@pytest.mark.parametrize("url", ["/releases/", SAMPLE_URL])
def test_it_refuses_writes_on_read_only_pages(client, manager, sample_release, url):
    client.force_login(manager)
    assert client.post(url).status_code == 405


# --- The list -----------------------------------------------------------------------------


def test_it_lists_releases_newest_first_with_decision_and_actions_done(client, manager):
    old = make_session(make_release("Old", planned_date=dt.date(2024, 1, 1)))
    new = make_session(make_release("New", planned_date=dt.date(2024, 6, 1)))
    make_decision(old, Decision.Outcome.NO_GO)
    make_decision(old, Decision.Outcome.GO)
    make_action(new)
    done = make_action(new)
    services.action_status_import(user=None, action=done, status="done")
    client.force_login(manager)
    page = client.get("/releases/").text
    assert page.index("New") < page.index("Old")
    new_row = page.split(">New</a>", 1)[1].split("</tr>", 1)[0]
    old_row = page.split(">Old</a>", 1)[1].split("</tr>", 1)[0]
    assert "Undecided" in new_row and "1 of 2" in new_row
    assert "GO" in old_row and "NO-GO" not in old_row and "1 of" not in old_row


def test_it_paginates_and_serves_the_list_region_to_htmx(client, manager):
    releases = [
        make_release(f"Release {day:02d}", planned_date=dt.date(2024, 7, day))
        for day in range(1, 31)
    ]
    client.force_login(manager)
    page_two_url = f"/releases/?after={releases[5].pk}"  # the 25th newest, Release 06
    page_two = client.get(page_two_url)
    assert "Release 05" in page_two.text and "Release 06" not in page_two.text
    assert "<html" in page_two.text
    fragment = client.get(page_two_url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<section id="release-list"')
    assert "<html" not in fragment.text
    assert "HX-Request" in fragment["Vary"]
    restore = client.get(
        page_two_url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.text


def test_it_shows_the_first_page_for_a_page_link_to_a_release_that_is_gone(client, manager):
    make_release("Only")
    client.force_login(manager)
    response = client.get("/releases/?after=99999")
    assert response.status_code == 200 and "Only" in response.text


# --- Queries do not grow with the data ----------------------------------------------------


def _release_with(n):
    session = make_busy_session(n)
    make_decision(session, Decision.Outcome.CONDITIONAL_GO)
    return session.release


def _count_queries(client, url, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_release_page_makes_the_same_queries_for_3_and_200_actions(
    client, manager, django_assert_max_num_queries
):
    small, large = _release_with(3), _release_with(200)
    client.force_login(manager)
    n_small = _count_queries(client, small.get_absolute_url(), django_assert_max_num_queries)
    with django_assert_max_num_queries(n_small):
        response = client.get(large.get_absolute_url())
    assert response.text.count('<th scope="row">A') == 200


def test_the_release_list_makes_the_same_queries_for_10_and_100_releases(
    client, manager, django_assert_max_num_queries
):
    for i in range(10):
        make_action(make_session(make_release(f"R{i}")))
    client.force_login(manager)
    n_small = _count_queries(client, "/releases/", django_assert_max_num_queries)
    for i in range(10, 100):
        make_action(make_session(make_release(f"R{i}")))
    with django_assert_max_num_queries(n_small):
        client.get("/releases/")


def test_it_shows_the_deployment_gate_with_what_blocks_it(sample_page):
    gate = sample_page.split('aria-labelledby="gate-heading"', 1)[1].split("</section>", 1)[0]
    assert "Not ready to ship" in gate
    assert "Condition" in gate and "BILL-230" in gate
    assert "/api/releases/2024-07-15-billing-gateway/gate" in gate


def test_a_release_with_a_plain_go_is_ready_on_its_page(client, manager):
    session = make_session()
    make_decision(session, Decision.Outcome.GO)
    client.force_login(manager)
    page = client.get(session.release.get_absolute_url()).text
    assert "Ready to ship" in page and "Not ready to ship" not in page
