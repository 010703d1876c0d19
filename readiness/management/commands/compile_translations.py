"""Compile the .po translations into the .mo files Django reads, in pure Python.

Django's own `compilemessages` needs GNU gettext's `msgfmt`, which a fresh machine or the
slim image may lack; polib does the same job with nothing else installed. The .mo files
are build output: they are made by `make run`, `make test` and the image, never committed.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile every django.po under LOCALE_PATHS into its django.mo."

    def handle(self, *args, **options) -> None:
        compiled = 0
        for root in settings.LOCALE_PATHS:
            for po_path in sorted(Path(root).glob("*/LC_MESSAGES/*.po")):
                try:
                    catalogue = polib.pofile(str(po_path))
                except (OSError, ValueError) as exc:
                    raise CommandError(f"{po_path}: {exc}") from exc
                catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
                compiled += 1
                if options["verbosity"] > 1:
                    self.stdout.write(f"compiled {po_path}")
        self.stdout.write(f"{compiled} translation catalogue(s) compiled.")
