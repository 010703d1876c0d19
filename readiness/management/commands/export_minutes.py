"""Print a release's minutes as Markdown (in its language) or as JSON (the minutes schema)."""

from django.core.management.base import BaseCommand, CommandError

from readiness.minutes.exporter import release_as_json, release_as_markdown
from readiness.models import Release


class Command(BaseCommand):
    help = "Print the minutes of the release SLUG as Markdown or JSON on standard output."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", metavar="SLUG", help="such as 2024-07-15-billing-gateway")
        parser.add_argument("--format", choices=["md", "json"], default="md")

    def handle(self, *args, slug: str, format: str, **options) -> None:
        release = Release.objects.with_everything().filter(slug=slug).first()
        if release is None:
            raise CommandError(f"There is no release {slug}.")
        text = release_as_markdown(release) if format == "md" else release_as_json(release)
        self.stdout.write(text, ending="")
