"""The login page's sign-in button and the sign-in addresses, without a browser."""

import pytest
from django.urls import reverse
from django.utils import translation

from readiness.sso_config import sign_on_from
from tests import servers
from tests.conftest import PASSWORD

START = "/sso/oidc/login/"


@pytest.fixture
def sign_on(settings):
    """A provider on a port where nothing listens: enough for the pages, and any attempt
    to reach it fails at once."""

    def configure(**env):
        sign_on = sign_on_from(
            {
                "OIDC_ISSUER": f"http://127.0.0.1:{servers.free_port()}",
                "OIDC_CLIENT_ID": "readiness",
                "OIDC_CLIENT_SECRET": "s3cret",
                "OIDC_NAME": "Acme SSO",
                **env,
            }
        )
        settings.SIGN_ON = sign_on
        settings.SOCIALACCOUNT_PROVIDERS = sign_on.allauth_providers()
        settings.PASSWORD_LOGIN = sign_on.password_login
        return sign_on

    configure()
    return configure


def test_without_a_provider_the_login_page_has_no_button(client, db):
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with" not in page
    assert 'name="password"' in page
    assert reverse("login") == "/accounts/login/"


def test_the_button_is_a_post_with_csrf_beside_the_password_form(client, db, sign_on):
    page = client.get(reverse("login") + "?next=/releases/").content.decode()
    form = page[page.index('<form class="sign-in"') :]
    form = form[: form.index("</form>")]
    assert 'method="post"' in form
    assert f'action="{START}"' in form
    assert "csrfmiddlewaretoken" in form
    assert 'name="next" value="/releases/"' in form
    assert '<button type="submit" class="button button-primary">Sign in with Acme SSO' in form
    assert 'name="password"' in page


def test_the_button_speaks_portuguese(client, db, sign_on):
    with translation.override("pt-br"):
        page = client.get(reverse("login"), headers={"accept-language": "pt-br"})
    assert "Entrar com Acme SSO" in page.content.decode()


def test_a_get_of_the_sign_in_address_only_shows_the_button(client, db, sign_on):
    page = client.get(START)
    assert page.status_code == 200
    assert f'action="{START}"' in page.content.decode()


def test_an_unknown_provider_is_not_found(client, db, sign_on):
    assert client.post("/sso/other/login/").status_code == 404


def test_a_provider_that_does_not_answer_gives_a_clear_page(client, db, sign_on):
    page = client.post(START)
    assert page.status_code == 502
    assert "The identity provider did not answer" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_callback_without_a_sign_in_under_way_logs_nobody_in(client, db, sign_on):
    page = client.get(START + "callback/?code=abc&state=forged")
    assert page.status_code in (401, 502)
    assert "_auth_user_id" not in client.session


def test_with_passwords_off_the_form_is_gone_and_a_password_is_refused(
    client, facilitator, sign_on, settings
):
    sign_on(PASSWORD_LOGIN="0")
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "readiness.sso.NoPasswordBackend",
    ]
    page = client.get(reverse("login")).content.decode()
    assert 'name="password"' not in page
    assert "Sign in with Acme SSO" in page
    answer = client.post(reverse("login"), {"username": "facilitator", "password": PASSWORD})
    assert answer.status_code == 403
    assert "Passwords are turned off here" in answer.content.decode()
    assert "_auth_user_id" not in client.session


def test_passwords_still_log_in_beside_the_button(client, facilitator, sign_on):
    answer = client.post(
        reverse("login"), {"username": "facilitator", "password": PASSWORD, "next": "/me/"}
    )
    assert answer.status_code == 302
    assert answer["Location"] == "/me/"
