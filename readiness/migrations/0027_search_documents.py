"""Stored search documents for the history's full-text search, on PostgreSQL only.

Each searched column gets a generated column, `<column>_document`, that PostgreSQL keeps
as `to_tsvector('simple', COALESCE(column, ''))`, and a GIN index on it in place of 0006's
expression index. A search matching most rows (a word every decision uses) was read
through a sequential scan that parsed every row's text again; the stored document is
parsed once, when the row is written. The indexes take each new row at once
(`fastupdate = off`) rather than in a pending list that every search would read through
until a vacuum merged it: rows arrive one edit at a time, and the history is read far
more often than it is written. Nothing in the application writes the documents, and the
models do not know them, so no other query reads them (`reports.history.StoredDocument`
does). Adding a stored column rewrites the table once. SQLite searches with LIKE, so
there the migration does nothing.
"""

from django.db import migrations

# (table, column, 0006's expression index, the new index): the columns
# readiness.reports.history.SEARCHED searches.
DOCUMENTS = [
    ("readiness_release", "name", "release_name_search_idx", "release_name_document_idx"),
    ("readiness_decision", "rationale", "decision_search_idx", "decision_document_idx"),
    ("readiness_condition", "text", "condition_search_idx", "condition_document_idx"),
    ("readiness_action", "description", "action_search_idx", "action_document_idx"),
    ("readiness_evidence", "title", "evidence_search_idx", "evidence_document_idx"),
]
CONFIG = "simple"


def _expression(column):
    return f"to_tsvector('{CONFIG}'::regconfig, COALESCE({column}, '')::text)"


def add_documents(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, old_index, index in DOCUMENTS:
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN {column}_document tsvector "
            f"GENERATED ALWAYS AS ({_expression(column)}) STORED"
        )
        schema_editor.execute(
            f"CREATE INDEX {index} ON {table} USING gin ({column}_document) "
            "WITH (fastupdate = off)"
        )
        schema_editor.execute(f"DROP INDEX IF EXISTS {old_index}")


def remove_documents(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, old_index, _index in DOCUMENTS:
        # Dropping the column drops its index.
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN {column}_document")
        schema_editor.execute(
            f"CREATE INDEX {old_index} ON {table} USING gin (({_expression(column)}))"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("readiness", "0026_walked_indexes"),
    ]

    operations = [
        migrations.RunPython(add_documents, remove_documents, elidable=False),
    ]
