"""URL routes of Readiness."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from readiness.views import core, minutes, releases

release_patterns = (
    [
        path("", releases.release_list, name="list"),
        path("<slug:slug>/", releases.release_detail, name="detail"),
        path("<slug:slug>/minutes.md", minutes.release_minutes_md, name="minutes_md"),
        path("<slug:slug>/minutes.json", minutes.release_minutes_json, name="minutes_json"),
    ],
    "releases",
)

minutes_patterns = (
    [
        path("", minutes.minutes_import, name="import"),
        path("confirm/", minutes.minutes_import_confirm, name="import_confirm"),
    ],
    "minutes",
)

urlpatterns = [
    path("", core.home, name="home"),
    path("healthz", core.healthz, name="healthz"),
    path("releases/", include(release_patterns)),
    path("import/", include(minutes_patterns)),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
