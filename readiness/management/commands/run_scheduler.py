"""The scheduler's loop: webhook retries every minute, reminders and freeze notices hourly,
pruning daily.

One long-running process instead of cron, so a container needs nothing more. Every job is
safe to run late or twice: `deliver_webhooks` claims each attempt once, `send_reminders`
sends a person at most one reminder a day, `notify_freezes` tells a release about a freeze
window once, and pruning only removes old task results.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

logger = logging.getLogger(__name__)


def _prune_task_results() -> None:
    # Only the database backend keeps results; finished ones go after two weeks.
    if settings.TASKS["default"]["BACKEND"] == settings.TASKS_BACKENDS["database"]:
        call_command("prune_db_task_results", "--min-age-days", "14")


# (name, every so many seconds, what to run)
JOBS: list[tuple[str, int, Callable[[], None]]] = [
    ("deliver_webhooks", 60, lambda: call_command("deliver_webhooks")),
    ("send_reminders", 3600, lambda: call_command("send_reminders")),
    ("notify_freezes", 3600, lambda: call_command("notify_freezes")),
    ("prune_db_task_results", 24 * 3600, _prune_task_results),
]


class Command(BaseCommand):
    help = "Run the periodic jobs forever (webhook retries, reminders, task pruning)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--rounds", type=int, default=0, help="Stop after this many rounds (0: never)."
        )
        parser.add_argument("--tick", type=float, default=5.0, help="Seconds between rounds.")

    def handle(self, *args, rounds: int, tick: float, **options) -> None:
        last_run: dict[str, float] = {}
        done = 0
        while not rounds or done < rounds:
            now = time.monotonic()
            for name, every, job in JOBS:
                if name in last_run and now - last_run[name] < every:
                    continue
                last_run[name] = now
                close_old_connections()
                try:
                    job()
                except Exception:
                    # One failing job (a database restarting, say) must not stop the others.
                    logger.exception("scheduled job %s failed", name)
            done += 1
            if not rounds or done < rounds:
                time.sleep(tick)
