"""URL routes of Readiness."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from readiness import api
from readiness.views import core, releases, webhooks
from readiness.views import settings as user_settings

release_patterns = (
    [
        path("", releases.release_list, name="list"),
        path("<slug:slug>/", releases.release_detail, name="detail"),
    ],
    "releases",
)

settings_patterns = (
    [
        path("tokens/", user_settings.token_list, name="tokens"),
        path("tokens/create/", user_settings.token_create, name="token_create"),
        path("tokens/<int:token_id>/revoke/", user_settings.token_revoke, name="token_revoke"),
    ],
    "settings",
)

webhook_patterns = (
    [
        path("", webhooks.webhook_list, name="list"),
        path("create/", webhooks.webhook_create, name="create"),
        path("<int:webhook_id>/", webhooks.webhook_detail, name="detail"),
        path("<int:webhook_id>/delete/", webhooks.webhook_delete, name="delete"),
    ],
    "webhooks",
)

urlpatterns = [
    path("", core.home, name="home"),
    path("healthz", core.healthz, name="healthz"),
    path("releases/", include(release_patterns)),
    path("settings/", include(settings_patterns)),
    path("webhooks/", include(webhook_patterns)),
    path("api/", api.urls()),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
