"""Browser tests: Playwright driving the system's Chromium against the live test server.

Without a `chromium` binary the tests are skipped with a reason, except where
READINESS_REQUIRE_BROWSER=1 (as in CI), where a missing browser is a failure. The same
holds for axe-core (node_modules/, which `make test` installs with npm) in the
accessibility checks.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# axe-core, installed by `make test` (npm ci, pinned in package.json).
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "a-long-test-password"  # the suite's own logins (tests/conftest.py)


@pytest.fixture(scope="session")
def browser(_allow_orm_beside_playwright):
    executable = shutil.which("chromium")
    if executable is None:
        message = "the chromium package is not installed (apt-get install chromium)"
        if os.environ.get("READINESS_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_source():
    """axe-core's source, to evaluate in a page: the app's CSP refuses a <script> tag."""
    if not AXE.exists():
        message = "axe-core is not installed (`make test` installs it with npm ci)"
        if os.environ.get("READINESS_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def _allow_orm_beside_playwright():
    """Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    make around the browser are still plain synchronous code."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" else None,
    )
    yield page
    context.close()
    assert not errors, f"the browser reported errors: {errors}"


def screenshot_of(page, name: str) -> Path:
    """A full-page screenshot kept for people to look at; tests that drive two pages use
    this directly, the others the `screenshot` fixture."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def screenshot(page):
    return lambda name: screenshot_of(page, name)


@pytest.fixture
def log_in(live_server):
    """Log a page in through the login form and wait until it lands on `landing`."""

    def log_in(page, username: str, *, password: str = PASSWORD, landing: str = "/releases/"):
        page.goto(f"{live_server.url}/accounts/login/?next={landing}")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"**{landing}")
        return page

    return log_in


@pytest.fixture(autouse=True)
def _role_groups(request):
    """A transactional test empties every table when it ends, the role groups that a data
    migration created included; the next browser test finds them again."""
    if "live_server" not in request.fixturenames:
        return
    from django.contrib.auth.models import Group

    from readiness.permissions import MANAGERS

    request.getfixturevalue("transactional_db")
    for name in (MANAGERS,):
        Group.objects.get_or_create(name=name)
