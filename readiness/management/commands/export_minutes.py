"""Print a release's minutes as Markdown (in its language) or as JSON (the minutes schema),
or write every release's minutes into a folder: the logical backup."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from readiness.minutes.exporter import release_as_json, release_as_markdown
from readiness.models import Release


class Command(BaseCommand):
    help = (
        "Print the minutes of the release SLUG as Markdown or JSON on standard output, or "
        "with --all write every release's minutes (both formats) into the --output folder."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "slug", metavar="SLUG", nargs="?", help="such as 2024-07-15-billing-gateway"
        )
        parser.add_argument("--format", choices=["md", "json"], default="md")
        parser.add_argument("--all", action="store_true", help="every release, into --output")
        parser.add_argument("--output", metavar="FOLDER", help="where --all writes the files")

    def handle(self, *args, slug: str | None, format: str, all: bool, output: str | None, **o):
        if all:
            if slug or not output:
                raise CommandError("--all takes no SLUG and needs --output FOLDER.")
            self._export_all(Path(output))
            return
        if not slug:
            raise CommandError("Name a release (SLUG), or use --all --output FOLDER.")
        release = Release.objects.with_everything().filter(slug=slug).first()
        if release is None:
            raise CommandError(f"There is no release {slug}.")
        text = release_as_markdown(release) if format == "md" else release_as_json(release)
        self.stdout.write(text, ending="")

    def _export_all(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        count = 0
        for release in Release.objects.with_everything().order_by("slug"):
            (folder / f"{release.slug}.md").write_text(
                release_as_markdown(release), encoding="utf-8"
            )
            (folder / f"{release.slug}.json").write_text(
                release_as_json(release), encoding="utf-8"
            )
            count += 1
        self.stdout.write(f"{count} release(s) written to {folder}.")
