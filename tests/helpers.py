"""Assertions shared by the tests: a refused request leaves the database as it found it."""

from django.apps import apps
from django.db.models import Model


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
