"""List the stored records that today's input rules would refuse; exit 1 when there are any.

Dates outside 2000-2100, time zones the zone database does not know, locations that claim
to be URLs but do not parse, and text holding control characters (or line breaks where a
single line belongs) were accepted before the rules; the pages show them as "invalid".
This finds them so that someone can correct them.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from readiness import services

FOUND_PROBLEMS = 1


class Command(BaseCommand):
    help = "List the records that would fail today's input rules (exit 1 if any)."

    def handle(self, *args, **options) -> None:
        count = 0
        for problem in services.data_problems():
            if count == 0:
                self.stdout.write("\t".join((_("model"), _("id"), _("field"), _("problem"))))
            count += 1
            self.stdout.write(f"{problem.model}\t{problem.pk}\t{problem.field}\t{problem.problem}")
        if count:
            raise CommandError(
                _("%(count)s stored values fail today's rules.") % {"count": count},
                returncode=FOUND_PROBLEMS,
            )
        self.stdout.write(_("Every stored value passes today's rules."))
