"""What the tests share: a refused request leaves the database as it found it, a status
changed by whoever just read the action, and writes raced against each other from threads."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Model

from readiness import services
from readiness.models import Action


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_app_config("readiness").get_models()
    }


def _row(record: Model) -> dict:
    return type(record)._default_manager.filter(pk=record.pk).values().get()


class DatabaseState:
    """The row count of every Readiness model (so every Event) and the stored fields of the
    given records, compared again by `assert_unchanged()`."""

    def __init__(self, records: tuple[Model, ...]) -> None:
        self.records = records
        self.counts = _counts()
        self.rows = [_row(record) for record in records]

    def assert_unchanged(self) -> None:
        counts = _counts()
        changed = {k: (n, counts[k]) for k, n in self.counts.items() if counts[k] != n}
        assert not changed, f"rows added or removed (before, after): {changed}"
        for record, row in zip(self.records, self.rows, strict=True):
            now = _row(record)
            diff = {k: (v, now[k]) for k, v in row.items() if now[k] != v}
            assert not diff, f"{record!r} changed (before, after): {diff}"


def snapshot(*records: Model) -> DatabaseState:
    """Take before a request that must be refused; call `.assert_unchanged()` after it."""
    return DatabaseState(records)


@contextmanager
def refused(
    *records: Model, error: type[BaseException] = ValidationError, match: str | None = None
) -> Iterator[pytest.ExceptionInfo]:
    """The block must raise `error` and leave the database, and `records`, as they were;
    the exception is yielded for the test to read."""
    before = snapshot(*records)
    with pytest.raises(error, match=match) as info:
        yield info
    before.assert_unchanged()


def assert_sends_to_login(response) -> None:
    """An anonymous visitor is sent to log in, not shown the page."""
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def change_status(user, action: Action, status: str, **more) -> Action:
    """Change the action's status as someone who has just read it (at its current version)."""
    return services.action_change_status(
        user=user, action=action, status=status, expected_version=action.version, **more
    )


def skip_unless_postgresql() -> None:
    """Row locks (SELECT ... FOR UPDATE) are what a race checks; SQLite has none to take."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT ... FOR UPDATE) are what this checks; CI runs PostgreSQL")


def at_once(write: Callable[[int, Callable[[], object]], None], count: int) -> None:
    """Run `write(n, go)` in `count` threads; each calls `go()` where they must line up, so
    that what follows runs at the same instant in all of them. Each thread closes its own
    database connection; a thread still running after a minute fails the test."""
    barrier = threading.Barrier(count)

    def run(n: int) -> None:
        try:
            write(n, barrier.wait)
        finally:
            connection.close()  # this thread's own: connections are per thread

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
