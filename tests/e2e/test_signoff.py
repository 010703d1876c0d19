"""Two approvers sign a GO off in their own browsers while the facilitator's page follows:
the count grows and the decision comes into force without a reload."""

import pytest
from playwright.sync_api import expect

from readiness import services
from readiness.models import Policy
from tests.e2e.conftest import PASSWORD
from tests.factories import join_team, make_decision, make_person, make_session

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

POLL = 8000  # ms: the page polls every 2 s


@pytest.fixture
def signing(django_user_model):
    """Marina runs the session; Quinn (QA) and Sam (Security) approve its GO."""
    marina = django_user_model.objects.create_user("marina", password=PASSWORD)
    session = make_session(facilitator=make_person("Marina Lopes", user=marina))
    join_team(marina)
    for name, area in (("quinn", "QA"), ("sam", "Security")):
        user = django_user_model.objects.create_user(name, password=PASSWORD)
        person = make_person(name.title(), user=user)
        services.participant_add(user=None, session=session, person=person, area=area)
    services.policy_update(
        user=None,
        release=session.release,
        expected_version=None,
        required_areas=["QA", "Security"],
        rule=Policy.Rule.AREAS,
        quorum=None,
    )
    make_decision(session)
    return session


def _sign(browser, log_in, url, username, verdict, comment):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    log_in(page, username)
    page.goto(url)
    form = page.locator("#signoff-form")
    form.get_by_label(verdict).check()
    form.get_by_label("Comment").fill(comment)
    form.get_by_role("button", name="Sign off").click()
    expect(page.locator("#signoff-form")).to_have_count(0)
    expect(page.locator("#signoff")).to_contain_text(comment)
    return context


def test_two_approvers_sign_while_the_facilitator_watches(browser, live_server, log_in, signing):
    url = f"{live_server.url}{signing.get_absolute_url()}"
    facilitator = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    watching = facilitator.new_page()
    log_in(watching, "marina")
    watching.goto(url)
    watching.evaluate("window.__sameDocument = true")
    status = watching.locator("#signoff-status")
    expect(status).to_contain_text("Pending sign-off")
    expect(status).to_contain_text("0 of 2 approvals")

    quinn = _sign(browser, log_in, url, "quinn", "Approve", "E2E and contract tests green")
    expect(status).to_contain_text("1 of 2 approvals", timeout=POLL)
    expect(status).to_contain_text("Still to approve: Security")

    sam = _sign(browser, log_in, url, "sam", "Approve", "Pen test clean")
    expect(status).to_contain_text("Signed off", timeout=POLL)
    expect(status).to_contain_text("2 of 2 approvals")
    expect(watching.locator("#signoff")).to_contain_text("Pen test clean")
    # Followed live, never reloaded.
    assert watching.evaluate("window.__sameDocument") is True
    for context in (quinn, sam, facilitator):
        context.close()
