"""The README's backups, done: a logical one (every release's minutes) and pg_dump, each
restored into an empty database and exported again, identical."""

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from readiness import services
from readiness.models import Action, Person, Release
from tests.test_minutes_export import DOCUMENTS, load

ROOT = Path(__file__).resolve().parent.parent


def _records() -> None:
    """Releases as a site holds them: imported, then worked on in the app."""
    for text in DOCUMENTS.values():
        load(text)
    action = Action.objects.filter(status=Action.Status.OPEN).first()
    services.action_status_import(
        user=None, action=action, status=Action.Status.BLOCKED, reason="Waiting on the bank"
    )


def _export(folder: Path) -> dict[str, str]:
    call_command("export_minutes", "--all", "--output", str(folder), stdout=io.StringIO())
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())}


def test_the_logical_backup_restores_to_the_same_minutes(db, tmp_path):
    _records()
    releases = Release.objects.count()
    first = _export(tmp_path / "backup")
    assert len(first) == 2 * releases >= 6

    # An empty database: nothing of the domain left (the event log stays: it is permanent).
    for release in Release.objects.all():
        services.release_delete(user=None, release=release, record={})
    Person.objects.all().delete()
    assert not Release.objects.exists()

    call_command(
        "import_minutes",
        *sorted(str(p) for p in (tmp_path / "backup").glob("*.md")),
        stdout=io.StringIO(),
    )
    again = _export(tmp_path / "again")
    assert again.keys() == first.keys()
    for name in first:
        assert again[name] == first[name], name


@pytest.mark.skipif(
    shutil.which("pg_dump") is None, reason="pg_dump and pg_restore come with PostgreSQL"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pg_dump_restores_into_an_empty_database_with_the_same_minutes(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump backs up PostgreSQL, the production database")
    _records()
    first = _export(tmp_path / "before")
    db = connection.settings_dict
    target = f"{db['NAME']}_restored"
    common = ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"]]
    dump = tmp_path / "readiness.dump"
    subprocess.run(
        ["pg_dump", *common, "--format=custom", "--file", str(dump), db["NAME"]], check=True
    )
    subprocess.run(["dropdb", *common, "--if-exists", target], check=True)
    subprocess.run(["createdb", *common, target], check=True)
    try:
        subprocess.run(
            ["pg_restore", *common, "--no-owner", "--dbname", target, str(dump)], check=True
        )
        url = f"postgres://{db['USER']}@{common[1]}:{common[3]}/{target}"
        env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1"}
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "export_minutes",
                "--all",
                "--output",
                str(tmp_path / "after"),
            ],
            check=True,
            env=env,
            capture_output=True,
        )
    finally:
        subprocess.run(["dropdb", *common, "--if-exists", "--force", target], check=True)
    after = {p.name: p.read_text(encoding="utf-8") for p in sorted((tmp_path / "after").iterdir())}
    assert after == first
