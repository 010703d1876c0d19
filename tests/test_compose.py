"""The docker-compose deployment: its services, health checks, volumes and variables."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SETTINGS = (ROOT / "readiness" / "settings.py").read_text()
# The variables settings.py reads: env_str("NAME"), env_bool("NAME", ...), os.environ["NAME"].
READ = set(re.findall(r"env_\w+\(\s*\"([A-Z0-9_]+)\"", SETTINGS))
SERVICES = COMPOSE["services"]
APP_SERVICES = ["migrate", "web", "worker", "scheduler"]


def test_it_has_the_database_the_migration_the_web_the_worker_and_the_scheduler():
    assert set(SERVICES) == {"db", *APP_SERVICES}


def test_the_app_services_run_what_they_are_for():
    assert SERVICES["migrate"]["command"][:2] == ["sh", "-c"]
    assert SERVICES["migrate"]["command"][2] == (
        "python manage.py migrate --no-input && python manage.py createcachetable"
    )
    assert SERVICES["worker"]["command"][:3] == ["python", "manage.py", "db_worker"]
    assert SERVICES["scheduler"]["command"] == ["python", "manage.py", "run_scheduler"]
    assert "command" not in SERVICES["web"]  # the image's gunicorn
    assert "readiness.gunicorn" in (ROOT / "Dockerfile").read_text()


def test_the_long_running_services_have_health_checks_and_restart():
    for name in ("db", "web", "worker"):
        assert SERVICES[name]["healthcheck"]["test"], name
    for name in ("db", "web", "worker", "scheduler"):
        assert SERVICES[name]["restart"] == "unless-stopped", name


def test_the_app_waits_for_the_database_and_the_migration():
    assert SERVICES["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("web", "worker", "scheduler"):
        condition = SERVICES[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name


def test_the_database_keeps_its_data_in_a_named_volume():
    (mount,) = SERVICES["db"]["volumes"]
    volume, path = mount.split(":")
    assert volume in COMPOSE["volumes"] and path == "/var/lib/postgresql/data"


def test_the_tasks_and_the_throttle_counts_live_in_the_database_in_production():
    for name in APP_SERVICES:
        assert SERVICES[name]["environment"]["TASKS_BACKEND"] == "database", name
        assert SERVICES[name]["environment"]["CACHE_BACKEND"] == "database", name


def test_every_variable_the_app_is_given_is_one_the_settings_read():
    named = set()
    for name in APP_SERVICES:
        named |= set(SERVICES[name]["environment"])
    example = (ROOT / ".env.example").read_text()
    named |= set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    named -= {"POSTGRES_PASSWORD"}  # the database image's, interpolated into DATABASE_URL
    assert named, "no variables found"
    assert named <= READ | {"DATABASE_URL"}, sorted(named - READ)
    assert "dj_database_url.config(" in SETTINGS  # which reads DATABASE_URL
