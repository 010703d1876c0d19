"""Send the webhook attempts that are due: retries, and first attempts whose task was lost.

Run it every minute from cron or the platform's scheduler.
"""

from django.core.management.base import BaseCommand

from readiness import webhooks


class Command(BaseCommand):
    help = "Send the webhook deliveries whose time has come (run every minute)."

    def handle(self, *args, **options) -> None:
        sent = webhooks.deliver_due()
        delivered = sum(1 for d in sent if d.succeeded)
        self.stdout.write(
            f"{len(sent)} attempt(s): {delivered} delivered, {len(sent) - delivered} failed."
        )
