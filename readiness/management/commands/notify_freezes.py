"""Tell the releases whose deploy window a freeze starting within a day falls over."""

from django.core.management.base import BaseCommand

from readiness import freeze_notices


class Command(BaseCommand):
    help = "E-mail facilitators and call webhooks (freeze.starting) about freezes starting soon."

    def handle(self, *args, **options) -> None:
        notices = freeze_notices.freeze_notices_send()
        self.stdout.write(f"{len(notices)} freeze notice(s) sent.")
