"""The people directory: a default area, a folded name to compare, and pg_trgm.

pg_trgm is a trusted extension, so the database's owner may create it. On SQLite the
extension and its index are skipped: near-duplicates are found by the folded name alone.
"""

import unicodedata

from django.db import migrations, models


def _key(name):
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def fill_keys(apps, schema_editor):
    Person = apps.get_model("readiness", "Person")
    for person in Person.objects.only("pk", "name").iterator():
        Person.objects.filter(pk=person.pk).update(name_key=_key(person.name))


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


TRIGRAM = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm; "
    "CREATE INDEX IF NOT EXISTS person_name_key_trgm "
    "ON readiness_person USING gin (name_key gin_trgm_ops)"
)
UNTRIGRAM = "DROP INDEX IF EXISTS person_name_key_trgm"


class Migration(migrations.Migration):
    dependencies = [
        ("readiness", "0012_action_codes_per_release"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="default_area",
            field=models.CharField(blank=True, max_length=100, verbose_name="default area"),
        ),
        migrations.AddField(
            model_name="person",
            name="name_key",
            field=models.CharField(
                blank=True, db_index=True, max_length=200, verbose_name="name for comparison"
            ),
        ),
        migrations.AlterField(
            model_name="event",
            name="verb",
            field=models.CharField(
                choices=[
                    ("person.created", "added the person"),
                    ("person.updated", "updated the person"),
                    ("person.login_linked", "linked a login to"),
                    ("person.merged", "merged a duplicate into"),
                    ("release.created", "created the release"),
                    ("release.imported", "imported the minutes of"),
                    ("release.deleted", "deleted the release"),
                    ("release.status_changed", "changed the status of"),
                    ("session.scheduled", "scheduled"),
                    ("session.updated", "updated the session"),
                    ("session.started", "started"),
                    ("session.current_item_changed", "changed the item being discussed in"),
                    ("session.closed", "closed"),
                    ("session.minutes_sent", "sent the minutes of"),
                    (
                        "session.minutes_unsent",
                        "could not send the minutes (no participant has an address) of",
                    ),
                    ("template.saved", "saved the session template"),
                    ("addendum.added", "added the addendum"),
                    ("participant.added", "added the participant"),
                    ("participant.updated", "updated the participant"),
                    ("participant.attendance", "recorded the attendance of"),
                    ("agenda_item.added", "added the agenda item"),
                    ("agenda_item.updated", "updated the agenda item"),
                    ("agenda_item.deleted", "deleted the agenda item"),
                    ("agenda_item.moved", "moved the agenda item"),
                    ("agenda_item.discussing", "started discussing"),
                    ("agenda_item.discussed", "marked discussed"),
                    ("agenda_item.reopened", "reopened the agenda item"),
                    ("readiness_check.added", "added the readiness check"),
                    ("readiness_check.updated", "updated the readiness check"),
                    ("decision.recorded", "recorded the decision"),
                    ("decision.superseded", "superseded the decision"),
                    ("decision.review_done", "held the post-go-live review of"),
                    ("vote.recorded", "recorded the vote"),
                    ("condition.added", "added the condition"),
                    ("condition.satisfied", "marked satisfied"),
                    (
                        "condition.expiry_notified",
                        "told the facilitator about the expired condition",
                    ),
                    (
                        "condition.expiry_unsent",
                        "could not tell anyone (no address) about the expired condition",
                    ),
                    (
                        "condition.expiry_failed",
                        "could not send the e-mail about the expired condition",
                    ),
                    ("action.created", "assigned"),
                    ("action.status_changed", "changed the status of"),
                    ("action.updated", "updated the action"),
                    ("evidence.added", "linked the evidence"),
                    ("evidence.verified", "verified the evidence"),
                    ("user_settings.created", "saved their settings"),
                    ("user_settings.updated", "changed their settings"),
                    ("user_settings.feed_regenerated", "regenerated their calendar feed address"),
                    ("api_token.created", "created the API token"),
                    ("api_token.revoked", "revoked the API token"),
                    ("webhook.created", "registered the webhook"),
                    ("webhook.deleted", "removed the webhook"),
                ],
                max_length=60,
                verbose_name="what",
            ),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.RunPython(on_postgresql(TRIGRAM), on_postgresql(UNTRIGRAM)),
    ]
