"""Single sign-on's environment: the OIDC_* variables, read and checked at startup."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from readiness.sso_config import GroupRole, SignOn, parse_group_roles, sign_on_from
from tests.test_settings import PRODUCTION, manage

BASE = {
    "OIDC_ISSUER": "https://sso.example.com/realms/acme",
    "OIDC_CLIENT_ID": "readiness",
    "OIDC_CLIENT_SECRET": "s3cret",
}


def test_it_reads_the_documented_example():
    rules = parse_group_roles(
        "billing-facilitators=billing:facilitator,billing-qa=billing:approver:QA,"
        "everyone=billing:viewer"
    )
    assert rules == (
        GroupRole("billing-facilitators", "billing", "facilitator"),
        GroupRole("billing-qa", "billing", "approver", "QA"),
        GroupRole("everyone", "billing", "viewer"),
    )


def test_it_takes_new_lines_spaces_and_a_group_in_several_teams():
    rules = parse_group_roles("\n /acme/sre = billing:member \n/acme/sre=ops:facilitator,\n")
    assert rules == (
        GroupRole("/acme/sre", "billing", "member"),
        GroupRole("/acme/sre", "ops", "facilitator"),
    )


def test_nothing_maps_to_nothing():
    assert parse_group_roles("") == ()
    assert parse_group_roles(" , ") == ()


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("billing:facilitator", "is not group=team:role"),
        ("=billing:facilitator", "is not group=team:role"),
        ("qa=billing", "needs team:role"),
        ("qa=bill ing:member", "needs team:role"),
        ("qa=billing:owner", "has the role 'owner'"),
        ("qa=billing:approver", "without an area"),
        ("qa=billing:approver:", "without an area"),
        ("qa=billing:member:QA", "area to a role other than approver"),
        ("qa=billing:member,qa=billing:viewer", "same group to the same team twice"),
    ],
)
def test_it_refuses_a_wrong_entry_and_says_which(raw, says):
    with pytest.raises(ImproperlyConfigured) as refused:
        parse_group_roles(raw)
    assert says in str(refused.value)
    assert "OIDC_GROUP_ROLES" in str(refused.value)


def test_no_variables_change_nothing():
    sign_on = sign_on_from({})
    assert sign_on == SignOn()
    assert not sign_on.enabled
    assert sign_on.password_login
    assert sign_on.allauth_providers() == {"openid_connect": {"APPS": []}}


def test_a_configured_provider_becomes_one_allauth_app():
    sign_on = sign_on_from(
        {**BASE, "OIDC_NAME": "Acme SSO", "OIDC_GROUP_ROLES": "qa=billing:approver:QA"}
    )
    assert sign_on.enabled and sign_on.password_login
    assert sign_on.groups_claim == "groups"
    assert sign_on.origin == "https://sso.example.com"
    (app,) = sign_on.allauth_providers()["openid_connect"]["APPS"]
    assert app["name"] == "Acme SSO"
    assert (app["client_id"], app["secret"]) == ("readiness", "s3cret")
    assert app["settings"]["issuer"] == "https://sso.example.com/realms/acme"
    assert app["settings"]["server_url"] == (
        "https://sso.example.com/realms/acme/.well-known/openid-configuration"
    )
    assert app["settings"]["scope"] == ["openid", "profile", "email"]


def test_an_issuer_keeps_its_trailing_slash_but_discovery_does_not_double_it():
    sign_on = sign_on_from({**BASE, "OIDC_ISSUER": "https://acme.auth0.example.com/"})
    # The issuer is compared exactly with the provider's `iss`.
    assert sign_on.issuer == "https://acme.auth0.example.com/"
    assert sign_on.discovery_url == (
        "https://acme.auth0.example.com/.well-known/openid-configuration"
    )


def test_the_name_defaults_to_the_issuer_host_and_the_claim_and_scopes_can_change():
    sign_on = sign_on_from(
        {**BASE, "OIDC_GROUPS_CLAIM": "roles", "OIDC_SCOPES": "openid email profile groups"}
    )
    assert sign_on.name == "sso.example.com"
    assert sign_on.groups_claim == "roles"
    assert sign_on.scopes == ("openid", "email", "profile", "groups")


def test_trusted_email_domains_are_read_without_case_or_at_signs():
    sign_on = sign_on_from({**BASE, "OIDC_TRUSTED_EMAIL_DOMAINS": "Acme.example.com, @acme.io"})
    assert sign_on.trusted_email_domains == ("acme.example.com", "acme.io")


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"OIDC_ISSUER": "sso.example.com"}, "is not an http(s) URL"),
        ({"OIDC_ISSUER": "https://sso.example.com/?tenant=1"}, "is not an http(s) URL"),
        ({"OIDC_CLIENT_SECRET": ""}, "OIDC_CLIENT_SECRET not"),
        ({"OIDC_CLIENT_ID": "", "OIDC_CLIENT_SECRET": ""}, "OIDC_CLIENT_ID and"),
        ({"OIDC_SCOPES": "email profile"}, "must include openid"),
        ({"PASSWORD_LOGIN": "perhaps"}, "is not a boolean"),
        ({"OIDC_TRUSTED_EMAIL_DOMAINS": "acme.example.com, localhost"}, "'localhost' is not"),
        ({"OIDC_GROUP_ROLES": "qa=billing:boss"}, "has the role 'boss'"),
    ],
)
def test_it_refuses_a_wrong_setting(env, says):
    with pytest.raises(ImproperlyConfigured) as refused:
        sign_on_from({**BASE, **env})
    assert says in str(refused.value)


def test_passwords_cannot_be_turned_off_without_a_provider():
    with pytest.raises(ImproperlyConfigured, match="PASSWORD_LOGIN=0 needs single sign-on"):
        sign_on_from({"PASSWORD_LOGIN": "0"})


def test_half_a_configuration_is_refused():
    with pytest.raises(ImproperlyConfigured, match="without OIDC_ISSUER"):
        sign_on_from({"OIDC_CLIENT_ID": "readiness"})


def test_passwords_can_be_turned_off_with_a_provider():
    assert not sign_on_from({**BASE, "PASSWORD_LOGIN": "0"}).password_login


def test_a_wrong_mapping_stops_the_site_at_startup_with_its_reason():
    result = manage("check", **PRODUCTION, **BASE, OIDC_GROUP_ROLES="qa=billing:approver")
    assert result.returncode != 0
    assert "OIDC_GROUP_ROLES" in result.stderr
    assert "without an area" in result.stderr


def test_production_with_single_sign_on_passes_the_deployment_checklist():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION,
        **BASE,
        OIDC_GROUP_ROLES="qa=billing:approver:QA",
        PASSWORD_LOGIN="0",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_timeout_out_of_range_stops_the_site():
    result = manage("check", **PRODUCTION, OIDC_TIMEOUT="0")
    assert result.returncode != 0
    assert "OIDC_TIMEOUT=0 must be 1 to 60" in result.stderr
