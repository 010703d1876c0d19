"""The Readiness application."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReadinessConfig(AppConfig):
    name = "readiness"
    verbose_name = _("Readiness")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from readiness.middleware import session_start_clock

        user_logged_in.connect(session_start_clock, dispatch_uid="readiness_session_clock")
