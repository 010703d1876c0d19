"""Production settings, checked in a fresh process with the environment a deployment has."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x7Jq2-production-like-secret-key-for-tests-0123456789abcdefghijkl",
    "ALLOWED_HOSTS": "readiness.example.com",
    "DATABASE_URL": "sqlite:///:memory:",
}


def clean_environment() -> dict[str, str]:
    """The test run's environment without the knobs a deployment would set itself."""
    return {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }


def manage(*args, **env):
    base = clean_environment()
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checklist():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    env = PRODUCTION | {"SECRET_KEY": ""}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_refuses_to_start_without_allowed_hosts_when_debug_is_off():
    env = PRODUCTION | {"ALLOWED_HOSTS": ""}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("TIME_ZONE", "Mars/Olympus", "not an IANA time zone"),
        ("REPOSITORY_URL", "ftp://x", "is not an http(s) URL"),
        ("SECURE_HSTS_SECONDS", "a year", "is not a whole number"),
    ],
)
def test_it_fails_loudly_on_a_bad_value(name, value, message):
    result = manage("check", **(PRODUCTION | {name: value}))
    assert result.returncode != 0
    assert message in result.stderr


def test_it_runs_with_nothing_but_debug_on():
    result = manage("check", DEBUG="1", DATABASE_URL="sqlite:///:memory:")
    assert result.returncode == 0, result.stderr


def test_production_pages_carry_the_security_headers():
    script = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz', secure=True, HTTP_HOST='readiness.example.com');"
        "print(r.status_code); print(r.headers.get('Content-Security-Policy'));"
        "print(r.headers.get('Strict-Transport-Security'));"
        "print(r.headers.get('X-Frame-Options'))"
    )
    env = clean_environment() | PRODUCTION | {"DJANGO_SETTINGS_MODULE": "readiness.settings"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    lines = result.stdout.splitlines()
    assert lines[0] in {"200", "503"}, result.stderr
    assert "default-src 'self'" in lines[1] and "script-src 'self'" in lines[1]
    assert "max-age=31536000" in lines[2]
    assert lines[3] == "DENY"
