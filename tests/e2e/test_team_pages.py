"""A facilitator adds someone from the directory to their team and changes that person's
role, in place; the page passes axe-core on a laptop and on a phone."""

import pytest
from playwright.sync_api import expect

from readiness.models import Membership
from tests.e2e.conftest import PASSWORD, screenshot_of
from tests.e2e.test_accessibility import LAYOUT, violations
from tests.factories import join_team, make_person, make_release, make_team

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 375, "height": 800}
LAPTOP = {"width": 1280, "height": 900}


def test_a_facilitator_adds_a_member_and_changes_their_role(
    browser, live_server, log_in, axe_source, django_user_model
):
    team = make_team("Payments", private=True, description="Cards, refunds and payouts.")
    lead = django_user_model.objects.create_user("lead", password=PASSWORD, first_name="Lia")
    join_team(lead, team, Membership.Role.FACILITATOR)
    join_team(make_person("Carla Dias", title="Security Lead"), team, "approver", area="Security")
    for name in ("Cards v2", "Refunds v1"):
        make_release(name, team=team)
    bruno = make_person("Bruno Costa", title="SRE")
    bruno.email = "bruno@example.com"
    bruno.save()

    # A context of its own: a refused save answers 422, which the console reports as a
    # failed load, and the shared `page` fixture counts every console error.
    context = browser.new_context(viewport=LAPTOP, locale="en-US")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        _add_and_change(page, live_server, log_in, axe_source, team, bruno)
    finally:
        context.close()
    assert not errors, errors


def _add_and_change(page, live_server, log_in, axe_source, team, bruno):
    log_in(page, "lead", landing=team.get_absolute_url())
    expect(page.get_by_role("heading", name="Payments", level=1)).to_contain_text("Private")
    page.evaluate("window.__marker = 'same document'")

    # From the directory: the suggestions come from the people search as the name is typed.
    members = page.locator("#team-members")
    name = members.get_by_label("Person from the directory")
    name.fill("brun")
    expect(page.locator('#people-options option[value="Bruno Costa"]')).to_have_count(1)
    name.fill("Bruno Costa")
    members.get_by_role("button", name="Add to the team").click()
    expect(members.get_by_role("status")).to_contain_text(
        "Bruno Costa joined the team; an invitation e-mail is on its way to bruno@example.com"
    )
    membership = Membership.objects.get(team=team, person=bruno)
    row = page.locator(f"#member-{membership.pk}")
    expect(row).to_contain_text("Member")

    # The role: an approver without an area is refused in place, then given one.
    row.get_by_role("link", name="Change the role of Bruno Costa").click()
    role = page.locator(f"#member-{membership.pk}").get_by_label("Role", exact=True)
    expect(role).to_be_visible()
    role.select_option("approver")
    row = page.locator(f"#member-{membership.pk}")
    row.get_by_role("button", name="Save").click()
    expect(page.locator(f"#member-{membership.pk}")).to_contain_text(
        "Say which area the approver signs off for."
    )
    screenshot_of(page, "team-page-refused-role")
    row = page.locator(f"#member-{membership.pk}")
    row.get_by_label("Area", exact=True).fill("Reliability")
    row.get_by_role("button", name="Save").click()
    row = page.locator(f"#member-{membership.pk}")
    expect(row).to_contain_text("Approver")
    expect(row).to_contain_text("Reliability")
    assert page.evaluate("window.__marker") == "same document", "swapped, not reloaded"
    membership.refresh_from_db()
    assert (membership.role, membership.area) == ("approver", "Reliability")

    found = {}
    for name, path in (("team", team.get_absolute_url()), ("teams", "/teams/")):
        page.set_viewport_size(LAPTOP)
        page.goto(f"{live_server.url}{path}")
        for width in (LAPTOP, PHONE):
            page.set_viewport_size(width)
            found[f"{name} at {width['width']}px"] = violations(page, axe_source)
            layout = page.evaluate(LAYOUT)
            assert layout["scroll"] <= layout["width"], f"{name} scrolls sideways: {layout}"
            assert layout["unlabelled"] == [], f"{name}: cells without their column's label"
            screenshot_of(page, f"{name}-page-{width['width']}")
    assert {name: v for name, v in found.items() if v} == {}


def test_the_team_pages_pass_axe_in_portuguese(
    browser, live_server, axe_source, django_user_model
):
    """The controls' accessible names hold their visible words in the other language too."""
    team = make_team("Pagamentos", private=True, description="Cartões e estornos.")
    lead = django_user_model.objects.create_user("lead", password=PASSWORD, first_name="Lia")
    join_team(lead, team, Membership.Role.FACILITATOR)
    join_team(make_person("Carla Dias"), team, Membership.Role.APPROVER, area="Segurança")
    make_release("Cartões v2", team=team)
    context = browser.new_context(viewport=LAPTOP, locale="pt-BR")
    page = context.new_page()
    found = {}
    try:
        page.goto(f"{live_server.url}/accounts/login/?next={team.get_absolute_url()}")
        page.locator("#id_username").fill("lead")
        page.locator("#id_password").fill(PASSWORD)
        page.locator('form[action="/accounts/login/"] button[type=submit]').click()
        page.wait_for_url(f"**{team.get_absolute_url()}")
        expect(page.get_by_role("heading", name="Pagamentos", level=1)).to_contain_text("Privada")
        for name, path in (("team", team.get_absolute_url()), ("teams", "/teams/")):
            page.set_viewport_size(LAPTOP)
            page.goto(f"{live_server.url}{path}")
            for width in (LAPTOP, PHONE):
                page.set_viewport_size(width)
                found[f"{name} at {width['width']}px"] = violations(page, axe_source)
            screenshot_of(page, f"{name}-page-pt-br")
    finally:
        context.close()
    assert {name: v for name, v in found.items() if v} == {}
