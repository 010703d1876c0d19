"""How the site talks to its database: PostgreSQL keeps the queries it runs often prepared."""

import importlib

import pytest
from django.db import connection

from readiness import settings as readiness_settings
from readiness.models import Release

POSTGRES = "postgres://postgres@127.0.0.1:5432/readiness"


def _database(monkeypatch, url: str, **env: str) -> dict:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("DATABASE_PREPARED_STATEMENTS", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        return importlib.reload(readiness_settings).DATABASES["default"]
    finally:
        monkeypatch.undo()
        importlib.reload(readiness_settings)


def test_postgresql_binds_on_the_server_and_prepares_repeated_queries(monkeypatch):
    options = _database(monkeypatch, POSTGRES)["OPTIONS"]
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5


def test_prepared_statements_can_be_turned_off_for_a_pooler(monkeypatch):
    options = _database(monkeypatch, POSTGRES, DATABASE_PREPARED_STATEMENTS="0").get("OPTIONS", {})
    assert "server_side_binding" not in options and "prepare_threshold" not in options


def test_sqlite_is_left_as_it_was(monkeypatch, tmp_path):
    options = _database(monkeypatch, f"sqlite:///{tmp_path / 'db.sqlite3'}")["OPTIONS"]
    assert "server_side_binding" not in options and "prepare_threshold" not in options


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)
def test_a_query_run_five_times_is_planned_once(db):
    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            return cursor.fetchone()[0]

    before = prepared()
    for slug in ["a", "b", "c", "d", "e", "f"]:
        list(Release.objects.filter(slug=slug, name__startswith="x"))
    assert prepared() > before
