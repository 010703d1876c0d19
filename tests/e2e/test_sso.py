"""Single sign-on in a browser, against a real OpenID Connect provider on 127.0.0.1
(tests/oidc_provider.py): a new login, a returning one, the roles a group gives, an
identity provider answering for another issuer, and the password form beside it all."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from readiness.models import Event, Membership, Person
from tests.e2e.test_accessibility import violations
from tests.factories import join_team, make_release, make_team
from tests.oidc_provider import Provider, require_node

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CALLBACK = "/sso/oidc/login/callback/"
ANA = {
    "email": "ana.souza@example.com",
    "email_verified": True,
    "name": "Ana Souza",
    "given_name": "Ana",
    "family_name": "Souza",
    "groups": ["billing-facilitators", "everyone"],
}
ROLES = "billing-facilitators=billing:facilitator,everyone=billing:viewer,qa=billing:approver:QA"


@pytest.fixture(scope="module")
def provider(live_server, tmp_path_factory, browser):
    require_node()
    running = Provider(
        redirect_uri=f"{live_server.url}{CALLBACK}",
        workdir=tmp_path_factory.mktemp("oidc"),
    )
    yield running
    running.stop()


@pytest.fixture
def sign_on(settings, provider):
    """Point the site at the provider, as the OIDC_* variables would."""

    def configure(**env):
        sign_on = provider.sign_on(OIDC_GROUP_ROLES=ROLES, **env)
        settings.SIGN_ON = sign_on
        settings.SOCIALACCOUNT_PROVIDERS = sign_on.allauth_providers()
        settings.PASSWORD_LOGIN = sign_on.password_login
        csp = {**settings.SECURE_CSP}
        csp["form-action"] = [*csp["form-action"], sign_on.origin]
        settings.SECURE_CSP = csp
        return sign_on

    configure()
    return configure


LOOPBACK = re.compile(r"^https?://(127\.0\.0\.1|localhost)[:/]")


def _loopback_only(context) -> None:
    """Nothing a page asks for leaves the machine."""
    context.route(lambda url: not LOOPBACK.match(url), lambda route: route.abort())


@pytest.fixture(autouse=True)
def _page_stays_home(request):
    if "page" in request.fixturenames:
        _loopback_only(request.getfixturevalue("page").context)


@pytest.fixture
def refused_page(browser):
    """A page whose sign-in is refused: the refusal's 4xx or 5xx status is the one console error
    allowed (Chromium reports it for the page itself); script errors still fail."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    _loopback_only(context)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    status = re.compile(r"^Failed to load resource: the server responded with a status of [45]")
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text) if msg.type == "error" and not status.match(msg.text) else None
        ),
    )
    yield page
    context.close()
    assert not errors, f"the browser reported errors: {errors}"


def _sign_in(page, live_server, account: str, *, landing: str = "/releases/"):
    page.goto(f"{live_server.url}/accounts/login/?next={landing}")
    page.get_by_role("button", name="Sign in with Test Identity").click()
    _at_the_provider(page, account)


def _at_the_provider(page, account: str):
    expect(page.get_by_role("heading", level=1)).to_have_text("Test identity provider")
    page.get_by_label("Account").fill(account)
    page.get_by_role("button", name="Continue").click()


def test_a_new_user_signs_in_then_comes_back_to_the_same_login(
    browser, page, live_server, provider, sign_on
):
    billing = make_team("Billing", slug="billing")
    ops = make_team("Ops", slug="ops")
    release = make_release("Billing 2.0", team=billing)
    # Someone else facilitates Billing too, so Ana's own role there can go down.
    join_team(Person.objects.create(name="Bea Lima"), billing)
    # A role added by hand, which no sign-in changes.
    ana = Person.objects.create(name="Ana Souza", email="ana.souza@example.com")
    manual = join_team(ana, ops, Membership.Role.MEMBER)
    provider.set_accounts({"ana": ANA})

    _sign_in(page, live_server, "ana")
    page.wait_for_url("**/releases/")
    expect(page.locator(".nav-username")).to_have_text("Ana Souza")

    user = get_user_model().objects.get(email="ana.souza@example.com")
    # The unlinked Person with Ana's e-mail got the login.
    person = Person.objects.get(user=user)
    assert person.pk == ana.pk
    membership = Membership.objects.get(person=person, team=billing)
    assert (membership.role, membership.source) == ("facilitator", "sign_in")
    assert Event.objects.filter(verb=Event.Verb.PERSON_LOGIN_LINKED, subject_id=person.pk)
    assert Event.objects.filter(verb=Event.Verb.MEMBERSHIP_ADDED, subject_id=membership.pk)

    # The role lets them do what a facilitator does: edit the team's release.
    page.goto(f"{live_server.url}/releases/{release.slug}/edit/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Billing 2.0")

    # Back another day, now only in "everyone": the same login, and the role follows.
    provider.set_accounts({"ana": {**ANA, "groups": ["everyone"]}})
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")
    again = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        _loopback_only(again)
        other = again.new_page()
        _sign_in(other, live_server, "ana")
        other.wait_for_url("**/releases/")
        assert get_user_model().objects.filter(email__iexact=ANA["email"]).count() == 1
        membership.refresh_from_db()
        assert membership.role == "viewer"
        response = other.goto(f"{live_server.url}/releases/{release.slug}/edit/")
        assert response.status == 403
        manual.refresh_from_db()
        assert (manual.role, manual.source) == ("member", "manual")
    finally:
        again.close()


def test_a_password_login_with_the_same_verified_email_is_joined_not_doubled(
    page, live_server, provider, sign_on, django_user_model
):
    user = django_user_model.objects.create_user("ana", email="Ana.Souza@example.com")
    person = Person.objects.create(name="A. Souza", email="ana.souza@example.com")
    provider.set_accounts({"ana": ANA})

    _sign_in(page, live_server, "ana")
    page.wait_for_url("**/releases/")

    assert django_user_model.objects.count() == 1
    person.refresh_from_db()
    assert person.user_id == user.pk


@pytest.mark.parametrize("who", ["staff", "two logins"])
def test_a_login_that_is_not_safe_to_join_is_left_alone(
    refused_page, live_server, provider, sign_on, django_user_model, who
):
    page = refused_page
    if who == "staff":
        django_user_model.objects.create_user("ana", email=ANA["email"], is_staff=True)
    else:
        django_user_model.objects.create_user("ana", email=ANA["email"])
        django_user_model.objects.create_user("ana2", email=ANA["email"].upper())
    provider.set_accounts({"ana": ANA})

    _sign_in(page, live_server, "ana")

    expect(page.locator(".form-errors")).to_contain_text("already exists")
    assert django_user_model.objects.count() == (1 if who == "staff" else 2)
    assert not Person.objects.filter(user__isnull=False).exists()


def test_an_unverified_email_makes_no_login(refused_page, live_server, provider, sign_on):
    page = refused_page
    provider.set_accounts({"ana": {**ANA, "email_verified": False}})

    _sign_in(page, live_server, "ana")

    expect(page.locator(".form-errors")).to_contain_text("did not confirm an e-mail address")
    assert not get_user_model().objects.exists()


def test_an_email_in_a_trusted_domain_needs_no_verified_claim(
    page, live_server, provider, sign_on
):
    sign_on(OIDC_TRUSTED_EMAIL_DOMAINS="example.com")
    unverified = {k: v for k, v in ANA.items() if k != "email_verified"}
    provider.set_accounts({"ana": unverified})

    _sign_in(page, live_server, "ana")
    page.wait_for_url("**/releases/")
    assert get_user_model().objects.get().email == ANA["email"]


@pytest.mark.parametrize(
    ("path", "when"),
    [
        # Its discovery document names the provider's real issuer, not the one configured.
        ("/impostor", "before"),
        # Its discovery document names the configured issuer; its tokens another.
        ("/lying", "after"),
    ],
)
def test_an_identity_provider_answering_for_another_issuer_is_refused(
    refused_page, live_server, provider, sign_on, path, when
):
    page = refused_page
    sign_on(OIDC_ISSUER=provider.issuer + path)
    provider.set_accounts({"ana": ANA})

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Sign in with Test Identity").click()
    if when == "after":
        _at_the_provider(page, "ana")

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in refused")
    expect(page.locator(".form-errors")).to_contain_text("did not come from the issuer")
    assert not get_user_model().objects.exists()
    page.goto(f"{live_server.url}/releases/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_the_password_form_still_logs_in_beside_the_button(
    page, live_server, log_in, provider, sign_on, facilitator
):
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("button", name="Sign in with Test Identity")).to_be_visible()
    log_in(page, "facilitator")
    expect(page.locator(".nav-username")).to_have_text("Facilitator")


def test_with_passwords_off_only_the_button_is_offered(
    page, live_server, provider, sign_on, settings
):
    sign_on(PASSWORD_LOGIN="0")
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "readiness.sso.NoPasswordBackend",
    ]
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("button", name="Sign in with Test Identity")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_count(0)


def test_without_single_sign_on_the_password_form_is_as_before(page, live_server, log_in):
    other = make_team("Other")
    user = get_user_model().objects.create_user("plain", password="a-long-test-password")
    join_team(user, other)
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("button", name=re.compile("Sign in with"))).to_have_count(0)
    log_in(page, "plain")
    expect(page.locator(".nav-username")).to_have_text("plain")


@pytest.mark.parametrize("language", ["en-US", "pt-BR"])
def test_the_button_and_the_refusal_pass_axe(
    browser, live_server, provider, sign_on, axe_source, language
):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=language)
    _loopback_only(context)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        name = "Entrar com Test Identity" if language == "pt-BR" else "Sign in with Test Identity"
        button = page.get_by_role("button", name=name)
        expect(button).to_be_visible()
        assert violations(page, axe_source) == []
        button.focus()
        expect(button).to_be_focused()
        page.goto(f"{live_server.url}/sso/cancelled/")
        expect(page.locator(".form-errors")).to_be_visible()
        assert violations(page, axe_source) == []
    finally:
        context.close()
