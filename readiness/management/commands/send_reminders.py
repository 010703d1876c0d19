"""E-mail each owner, once a day, what they have overdue or due within two days."""

from django.core.management.base import BaseCommand

from readiness.notifications import reminders_send


class Command(BaseCommand):
    help = (
        "Send the daily reminders. Run it once a day (or more often: a person gets at most "
        "one reminder per day)."
    )

    def handle(self, *args, **options) -> None:
        sent = reminders_send()
        self.stdout.write(f"{len(sent)} reminder(s) queued.")
