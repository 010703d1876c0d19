"""Load the demo release (the Billing Gateway minutes) and, in DEBUG, the demo logins."""

from django.core.management.base import BaseCommand

from readiness.demo import load_demo


class Command(BaseCommand):
    help = "Load the Billing Gateway demo release and, when DEBUG is on, demo logins."

    def handle(self, *args, **options) -> None:
        result = load_demo()
        if result.created:
            self.stdout.write(self.style.SUCCESS(f"Loaded the demo release {result.release}."))
        else:
            self.stdout.write(f"The demo release {result.release} is already there; unchanged.")
        if result.logins:
            self.stdout.write("Demo logins (DEBUG only):")
            for login in result.logins:
                self.stdout.write(
                    f"  {login.role:<12} username {login.username:<8} "
                    f"password {login.password}   ({login.person})"
                )
        else:
            self.stdout.write("No demo logins: they exist only when DEBUG is on.")
