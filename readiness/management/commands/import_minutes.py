"""Import Markdown minutes files: each becomes a release with its sessions."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from readiness.minutes.importer import ImportReport, import_minutes
from readiness.minutes.parser import (
    MAX_BYTES,
    MinutesDoc,
    MinutesError,
    decode_minutes,
    parse_minutes,
)
from readiness.models import Team


class Command(BaseCommand):
    help = (
        "Import go/no-go minutes (Markdown, or the JSON export). All files are read first; "
        "if any cannot be "
        "imported nothing is written and the command exits with an error naming the line."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "paths", nargs="+", metavar="PATH", help="Markdown or JSON minutes files"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would be created, write nothing"
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="replace a release imported before, unless it was changed in the app since",
        )
        parser.add_argument(
            "--team",
            metavar="SLUG",
            help="the team the new releases belong to (default: the default team; a "
            "replaced release keeps its own)",
        )

    def handle(
        self, *args, paths: list[str], dry_run: bool, replace: bool, team=None, **options
    ) -> None:
        found = None
        if team:
            found = Team.objects.filter(slug=team).first()
            if found is None:
                raise CommandError(f"there is no team {team!r}; nothing was imported")
        docs: list[tuple[str, MinutesDoc]] = []
        errors = []
        for path in paths:
            try:
                docs.append((path, _read(Path(path))))
            except MinutesError as exc:
                errors.append(_where(path, exc))
        if errors:
            raise CommandError("nothing was imported:\n" + "\n".join(errors))
        reports = []
        with transaction.atomic():
            for path, doc in docs:
                try:
                    report = import_minutes(
                        doc,
                        user=None,
                        source=Path(path).name,
                        dry_run=dry_run,
                        replace=replace,
                        team=found,
                    )
                except MinutesError as exc:
                    raise CommandError("nothing was imported:\n" + _where(path, exc)) from None
                reports.append((path, report))
        for path, report in reports:
            self._say(path, report)

    def _say(self, path: str, report: ImportReport) -> None:
        for warning in report.warnings:
            self.stderr.write(f"{path}:{warning.line or 1}: warning: {warning.message}")
        if report.exists and not report.replaced:
            self.stdout.write(f"{path}: the release {report.slug} already exists; unchanged.")
            return
        verb = "would create" if report.dry_run else "created"
        if report.replaced:
            verb = "would replace" if report.dry_run else "replaced"
        self.stdout.write(
            self.style.SUCCESS(f"{path}: {verb} the release {report.slug}")
            + f" ({report.sessions} sessions, {report.participants} participants, "
            f"{report.agenda_items} agenda items, {report.actions} actions, "
            f"{report.evidence} evidence)."
        )
        if report.people_created:
            self.stdout.write("  new people: " + ", ".join(report.people_created))
        if report.people_existing:
            self.stdout.write("  existing people: " + ", ".join(report.people_existing))


def _read(path: Path) -> MinutesDoc:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise MinutesError("The file is larger than 1 MB; split it or trim it.")
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise MinutesError(f"Cannot read the file: {exc.strerror}.") from None
    return parse_minutes(decode_minutes(data), default_zone=settings.TIME_ZONE)


def _where(path: str, exc: MinutesError) -> str:
    return f"{path}:{exc.line or 1}: {exc.message}"
