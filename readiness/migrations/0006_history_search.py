"""GIN expression indexes for the history's full-text search, on PostgreSQL only.

Each index is built from the very expression the search filters on
(`to_tsvector('simple', COALESCE(column, ''))`, see readiness.reports.history.SEARCHED), so the
planner can use it; no column is added and nothing has to keep a search document up to
date. SQLite has no GIN indexes and searches with LIKE, so there the migration does nothing.
"""

from django.db import migrations

# (model, column, index name): the columns readiness.reports.history.SEARCHED searches.
SEARCH_INDEXES = [
    ("release", "name", "release_name_search_idx"),
    ("decision", "rationale", "decision_search_idx"),
    ("condition", "text", "condition_search_idx"),
    ("action", "description", "action_search_idx"),
    ("evidence", "title", "evidence_search_idx"),
]
CONFIG = "simple"


def _index(column, name):
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    return GinIndex(SearchVector(column, config=CONFIG), name=name)


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, column, name in SEARCH_INDEXES:
        schema_editor.add_index(apps.get_model("readiness", model_name), _index(column, name))


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, column, name in SEARCH_INDEXES:
        schema_editor.remove_index(apps.get_model("readiness", model_name), _index(column, name))


class Migration(migrations.Migration):
    dependencies = [
        ("readiness", "0005_api_tokens_webhooks"),
    ]

    operations = [
        migrations.RunPython(add_indexes, remove_indexes, elidable=False),
    ]
