"""May release SLUG ship now? Exit 0 when ready, 1 when not, 2 for an unknown release."""

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from readiness import services
from readiness.gate import GateResult
from readiness.models import Decision, Release

NOT_READY = 1
UNKNOWN_RELEASE = 2


def describe(result: GateResult) -> list[str]:
    """The gate's answer as lines a person reads in a pipeline log."""
    outcome = Decision.Outcome(result.outcome).label if result.outcome else _("Undecided")
    lines = [
        f"{result.release}: " + (_("READY") if result.ready else _("NOT READY")),
        _("Decision: %(outcome)s") % {"outcome": outcome}
        + (f" ({result.decided_at.isoformat()})" if result.decided_at else ""),
    ]
    if result.window_open is None:
        lines.append(_("Deploy window: not set"))
    else:
        lines.append(
            _("Deploy window: %(start)s – %(end)s (%(state)s)")
            % {
                "start": result.deploy_window_start.isoformat()
                if result.deploy_window_start
                else "…",
                "end": result.deploy_window_end.isoformat() if result.deploy_window_end else "…",
                "state": _("open") if result.window_open else _("closed"),
            }
        )
    if result.blocking:
        lines.append(_("Blocking:"))
        for blocker in result.blocking:
            detail = ", ".join(x for x in (blocker.reference, blocker.owner) if x)
            lines.append(
                f"  - [{blocker.kind}] {blocker.text}" + (f" ({detail})" if detail else "")
            )
    if result.warnings:
        lines.append(_("Warnings:"))
        for warning in result.warnings:
            detail = ", ".join(x for x in (warning.reference, warning.owner) if x)
            lines.append(
                f"  - [{warning.kind}] {warning.text}" + (f" ({detail})" if detail else "")
            )
    lines.append(_("Checked at %(when)s") % {"when": result.checked_at.isoformat()})
    return lines


class Command(BaseCommand):
    help = "Say whether a release may ship now; exit 0 when ready, 1 when not, 2 if unknown."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the release, e.g. 2024-07-15-billing-gateway")

    def handle(self, *args, slug: str, **options) -> None:
        release = Release.objects.filter(slug=slug).first()
        if release is None:
            raise CommandError(
                _("There is no release %(slug)s.") % {"slug": slug}, returncode=UNKNOWN_RELEASE
            )
        result = services.release_gate_check(release=release)
        for line in describe(result):
            self.stdout.write(line)
        if not result.ready:
            sys.exit(NOT_READY)
