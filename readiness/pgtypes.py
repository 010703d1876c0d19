"""PostgreSQL dates and times Python cannot hold load as the nearest one it can.

PostgreSQL stores dates and times past year 9999, before year 1, and `infinity`; psycopg
refuses to load them, so one such value (written by an older version, or by hand) made
every query that reads its row fail, and every page listing it answer 500. These loaders,
registered on each new PostgreSQL connection, load it as `date.max` / `datetime.max` (or
`.min`), in UTC for a timestamptz as Django loads it: `readiness.bounds` finds that outside
the accepted range, so the pages show it as "invalid" and `check_data` lists its row. Every
other value loads exactly as Django's own loaders load it.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any


def _too_small(data: Any) -> bool:
    """`-infinity`, or a date before Christ ("... BC"), as PostgreSQL writes them."""
    text = bytes(data).strip()
    return text.startswith(b"-") or text.endswith(b"BC")


@functools.cache
def _loaders(timezone: dt.tzinfo | None) -> dict[str, type]:
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader
    from psycopg import DataError
    from psycopg.types.datetime import DateLoader, TimestampLoader

    class EdgeDateLoader(DateLoader):
        def load(self, data):
            try:
                return super().load(data)
            except DataError:
                return dt.date.min if _too_small(data) else dt.date.max

    class EdgeTimestampLoader(TimestampLoader):
        def load(self, data):
            try:
                return super().load(data)
            except DataError:
                return dt.datetime.min if _too_small(data) else dt.datetime.max

    class EdgeTzLoader(BaseTzLoader):
        # Django registers its own loader on a cursor whose connection's loader has another
        # `timezone`; with the same one, this loader is kept.
        def load(self, data):
            try:
                return super().load(data)
            except DataError:
                edge = dt.datetime.min if _too_small(data) else dt.datetime.max
                return edge.replace(tzinfo=self.timezone)

    EdgeTzLoader.timezone = timezone
    return {"date": EdgeDateLoader, "timestamp": EdgeTimestampLoader, "timestamptz": EdgeTzLoader}


def register_edge_loaders(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: the loaders above, on a PostgreSQL connection."""
    if connection.vendor != "postgresql":
        return
    adapters = connection.connection.adapters
    for name, loader in _loaders(connection.timezone).items():
        adapters.register_loader(name, loader)
