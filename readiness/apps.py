"""The Readiness application."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReadinessConfig(AppConfig):
    name = "readiness"
    verbose_name = _("Readiness")

    def ready(self) -> None:
        from allauth.socialaccount.providers.openid_connect.provider import (
            OpenIDConnectProvider,
        )
        from django.contrib.auth.signals import user_logged_in
        from django.db.backends.signals import connection_created

        from readiness.middleware import session_start_clock
        from readiness.pgtypes import register_edge_loaders
        from readiness.sso import CheckedOpenIDConnectAdapter

        user_logged_in.connect(session_start_clock, dispatch_uid="readiness_session_clock")
        connection_created.connect(register_edge_loaders, dispatch_uid="readiness_edge_loaders")
        # allauth's sign-in start builds its redirect with the provider's adapter class:
        # the checked one holds that step to the configured issuer too.
        OpenIDConnectProvider.oauth2_adapter_class = CheckedOpenIDConnectAdapter
