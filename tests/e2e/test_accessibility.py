"""The main pages checked by axe-core, in both languages, on a laptop and on a phone, plus a
meeting run by keyboard alone and projector mode following a change made elsewhere."""

import re

import pytest
from playwright.sync_api import expect

from readiness import services
from readiness.demo import load_demo
from readiness.models import Decision, Participant
from tests.e2e.conftest import screenshot_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DEMO_PASSWORD = "readiness-demo"
PHONE = {"width": 375, "height": 800}
LAPTOP = {"width": 1280, "height": 900}
LANG = {"en-US": "en", "pt-BR": "pt-BR"}  # the browser's language, the page's <html lang> (BCP 47)

# Only what blocks or seriously hinders someone fails the suite. Target size (24 px, off by
# default in axe) is asked for too.
AXE_RUN = """async () => {
  const result = await axe.run(document, {
    resultTypes: ["violations"], rules: {"target-size": {enabled: true}}});
  return result.violations
    .filter((v) => v.impact === "critical" || v.impact === "serious")
    .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}));
}"""

# Whether the page is wider than the window, and the stacked table cells that do not
# name their column (a cell holding only controls names itself).
LAYOUT = """() => {
  const unlabelled = [];
  document.querySelectorAll("table.compact td, table.stack td").forEach((td) => {
    if (td.getClientRects().length === 0 || getComputedStyle(td).display !== "block") return;
    if (td.hasAttribute("colspan") || td.querySelector("a, button, form, summary")) return;
    const before = getComputedStyle(td, "::before").content;
    if (!before || before === "none") unlabelled.push(td.textContent.trim().slice(0, 40));
  });
  return {scroll: document.documentElement.scrollWidth, width: window.innerWidth, unlabelled};
}"""


def log_in_as(page, live_server, username, *, landing="/releases/"):
    page.goto(f"{live_server.url}/accounts/login/?next={landing}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    # The login form's own button, whatever the page's language (the language switcher's
    # buttons are forms of their own).
    page.locator('form[action="/accounts/login/"] button[type=submit]').click()
    page.wait_for_url(f"**{landing}")


@pytest.fixture
def demo(settings):
    settings.DEBUG = True  # the demo's logins exist only in DEBUG
    release = load_demo().release
    session = release.sessions.get()
    return release, session


def violations(page, axe_source):
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    return page.evaluate(AXE_RUN)


@pytest.mark.parametrize("language", ["en-US", "pt-BR"])
def test_the_main_pages_have_no_serious_accessibility_violation(
    browser, live_server, axe_source, demo, language
):
    """Each page at 1280 px and then at 375 px (the same page, the window narrowed)."""
    release, session = demo
    # A deployment against the gate, so that its row and its flag are read too.
    services.deployment_record(
        user=None,
        release=release,
        environment="production",
        ref="v1.4.0",
        outcome="succeeded",
        started_at=session.scheduled_at,
        url="https://ci.example.com/p/812",
    )
    context = browser.new_context(viewport=LAPTOP, locale=language)
    page = context.new_page()
    found = {}
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        found["login"] = violations(page, axe_source)
        log_in_as(page, live_server, "marina")
        session_url = session.get_absolute_url()
        pages = {
            "releases": "/releases/",
            "release": release.get_absolute_url(),
            "session": session_url,
            "projector": f"{session_url}projector",
            "dossier": f"{release.get_absolute_url()}dossier/",
            "release edit": f"{release.get_absolute_url()}edit/",
            "deployment form": f"{release.get_absolute_url()}deployments/add",
            "me": "/me/",
            "insights": "/insights/",
            "settings": "/settings/",
        }
        for name, path in pages.items():
            page.set_viewport_size(LAPTOP)
            page.goto(f"{live_server.url}{path}")
            expect(page.locator("html")).to_have_attribute("lang", LANG[language])
            for width in (LAPTOP, PHONE):
                page.set_viewport_size(width)
                found[f"{name} at {width['width']}px"] = violations(page, axe_source)
            layout = page.evaluate(LAYOUT)
            assert layout["scroll"] <= layout["width"], f"{name} scrolls sideways: {layout}"
            assert layout["unlabelled"] == [], f"{name}: cells without their column's label"
    finally:
        context.close()
    failing = {name: v for name, v in found.items() if v}
    assert failing == {}, failing


# --- A meeting run by keyboard ------------------------------------------------------------


# The focused element's ring, and whether a box around it would cut the ring off.
RING = """() => {
  const elt = document.activeElement;
  const style = getComputedStyle(elt);
  const ring = parseFloat(style.outlineWidth) + Math.max(0, parseFloat(style.outlineOffset));
  const box = elt.getBoundingClientRect();
  const clippedBy = [];
  for (let up = elt.parentElement; up; up = up.parentElement) {
    const s = getComputedStyle(up);
    if (s.overflowX === "visible" && s.overflowY === "visible") continue;
    const r = up.getBoundingClientRect();
    if (box.left - ring < r.left || box.right + ring > r.right ||
        box.top - ring < r.top || box.bottom + ring > r.bottom) clippedBy.push(up.className);
  }
  return {color: style.outlineColor, style: style.outlineStyle,
          width: parseFloat(style.outlineWidth), clippedBy};
}"""


def _luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def assert_focus_ring_is_visible(page, *, on: str = "rgb(255, 255, 255)"):
    """A solid ring of 2 px or more, 3:1 or better against `on`, cut off by no box."""
    ring = page.evaluate(RING)
    assert ring["style"] == "solid" and ring["width"] >= 2, ring
    lighter, darker = sorted((_luminance(ring["color"]), _luminance(on)), reverse=True)
    contrast = (lighter + 0.05) / (darker + 0.05)
    assert contrast >= 3, f"the focus ring is {contrast:.2f}:1 against {on}"
    assert ring["clippedBy"] == [], ring


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_a_facilitator_runs_the_meeting_by_keyboard(browser, live_server, demo):
    release, session = demo
    context = browser.new_context(viewport=LAPTOP, locale="en-US")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        log_in_as(page, live_server, "marina")
        page.goto(f"{live_server.url}{session.get_absolute_url()}")
        keyboard = page.keyboard

        # Attendance: open a participant's row, then one press per change.
        participant = session.participants.select_related("person").first()
        row = page.locator(f"#participant-{participant.pk}")
        row.get_by_role("link", name="Change").focus()
        keyboard.press("Enter")
        present = page.locator(f"#attendance-{participant.pk}-present")
        expect(present).to_be_visible()
        expect(page.locator(f"#participant-{participant.pk} :focus")).to_have_count(1)
        present.focus()
        assert_focus_ring_is_visible(page)
        keyboard.press("Enter")
        expect(present).to_have_attribute("aria-pressed", "true")
        # The row stays open for the next name, the focus on the button used.
        expect(present).to_be_focused()
        participant.refresh_from_db()
        assert participant.attendance == Participant.Attendance.PRESENT

        # The agenda: open an item, discuss it now.
        item = session.agenda_items.filter(discussed=False).exclude(
            pk=session.current_agenda_item_id or 0
        )[0]
        page.locator(f"#agenda-item-{item.pk}").get_by_role("link", name="Change").focus()
        keyboard.press("Enter")
        discuss = page.locator(f"#agenda-{item.pk}-discuss")
        expect(discuss).to_be_visible()
        expect(page.locator(f"#agenda-item-{item.pk} :focus")).to_have_count(1)
        discuss.focus()
        keyboard.press("Enter")
        expect(page.locator(f"#agenda-item-{item.pk}")).to_contain_text("Being discussed")
        # The button is gone with the item now under discussion: the focus stays on the item.
        expect(page.locator(f"#agenda-item-{item.pk} :focus")).to_have_count(1)
        session.refresh_from_db()
        assert session.current_agenda_item_id == item.pk

        # The decision: a GO reaches Record decision in a few presses, past no condition row.
        form = page.locator("#decision form.decision-form")
        form.get_by_label("GO", exact=True).focus()
        keyboard.press("Space")
        expect(form.locator('[name="conditions-0-text"]')).to_be_hidden()
        presses = 0
        while focused_id(page) != "record-decision" and presses < 30:
            keyboard.press("Tab")
            presses += 1
        assert presses <= 10, f"{presses} Tab presses from the outcome to Record decision"

        # A GO with conditions: its first row appears; a row without its text is refused,
        # the focus goes to that field and the error is linked to it.
        form.get_by_label("GO with conditions").focus()
        keyboard.press("Space")
        condition = form.locator('[name="conditions-0-text"]')
        expect(condition).to_be_visible()
        form.locator('[name="conditions-0-reference"]').focus()
        keyboard.type("BILL-230")
        page.locator("#record-decision").focus()
        assert_focus_ring_is_visible(page)
        keyboard.press("Enter")
        condition = page.locator('#decision [name="conditions-0-text"]')
        expect(condition).to_be_focused()
        described = condition.get_attribute("aria-describedby")
        expect(page.locator(f"#{described}")).to_have_text("Say what the condition is.")
        expect(page.locator(f"#{described}")).to_have_attribute("role", "alert")
        keyboard.type("Run the BILL-230 check before the window")

        # One more condition, one at a time, the cursor in the new row.
        page.locator("#add-condition").focus()
        keyboard.press("Enter")
        second = page.locator('#decision [name="conditions-1-text"]')
        expect(second).to_be_focused()
        keyboard.type("Confirm the retention dashboards")
        page.locator("#record-decision").focus()
        keyboard.press("Enter")
        expect(page.locator("#current-decision")).to_contain_text(
            "Confirm the retention dashboards"
        )
        expect(page.locator("#record-decision")).to_be_focused()
        decision = session.decisions.get(is_current=True)
        assert decision.outcome == Decision.Outcome.CONDITIONAL_GO
        assert decision.conditions.count() == 2

        # An action: a code the server refuses (the focus goes to it, its error linked and
        # announced), then put right and added.
        form = page.locator("#actions form.add-form")
        form.get_by_label("Code").focus()
        keyboard.press("ControlOrMeta+a")
        keyboard.type("A-5")
        keyboard.press("Tab")
        keyboard.type("Re-run the k6 script")
        keyboard.press("Tab")
        keyboard.type("Ana Souza")
        keyboard.press("Enter")
        code = page.locator("#actions form.add-form").get_by_label("Code")
        expect(code).to_be_focused()
        expect(code).to_have_attribute("aria-invalid", "true")
        error = page.locator(f"#{code.get_attribute('aria-describedby')}")
        expect(error).to_have_text("Use a letter and a number, such as A5.")
        expect(error).to_have_attribute("role", "alert")
        keyboard.press("ControlOrMeta+a")
        keyboard.type("A9")
        keyboard.press("Enter")
        expect(page.locator("#actions tbody")).to_contain_text("Re-run the k6 script")
        # The form is empty again, the cursor in it for the next action.
        expect(page.locator("#actions form.add-form").get_by_label("Action")).to_be_focused()
        assert session.actions.filter(code="A9", description="Re-run the k6 script").exists()
        screenshot_of(page, "keyboard-meeting")
    finally:
        context.close()
    assert not errors, errors


# --- Phone widths, projector mode -----------------------------------------------------------


def test_projector_mode_follows_a_change_made_elsewhere(browser, live_server, demo):
    release, session = demo
    room = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="en-US")
    facilitator = browser.new_context(viewport=LAPTOP, locale="en-US")
    screen, page = room.new_page(), facilitator.new_page()
    try:
        log_in_as(screen, live_server, "julia")
        screen.goto(f"{live_server.url}{session.get_absolute_url()}")
        screen.get_by_role("link", name="Projector mode").click()
        screen.wait_for_url("**/projector")
        screen.evaluate("window.__sameDocument = true")
        expect(screen.locator("h1")).to_contain_text(session.title)

        item = services.agenda_item_add(user=None, session=session, title="Go-live checklist")
        log_in_as(page, live_server, "marina")
        page.goto(f"{live_server.url}{session.get_absolute_url()}")
        page.locator(f"#agenda-item-{item.pk}").get_by_role("link", name="Change").click()
        page.locator(f"#agenda-{item.pk}-discuss").click()
        expect(page.locator(f"#agenda-item-{item.pk}")).to_contain_text("Being discussed")

        now = screen.locator(".projector-now")
        expect(now).to_contain_text("Go-live checklist", timeout=6000)
        expect(now.locator("[data-elapsed]")).to_have_text(re.compile(r"^\d+:\d\d"))
        assert screen.evaluate("window.__sameDocument") is True
        screenshot_of(screen, "projector-live")

        screen.keyboard.press("Escape")
        screen.wait_for_url(f"**{session.get_absolute_url()}")
        expect(screen.get_by_role("link", name="Projector mode")).to_be_visible()
    finally:
        room.close()
        facilitator.close()
