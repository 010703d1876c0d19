"""URL routes of Readiness."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from readiness import api
from readiness.views import core, releases

release_patterns = (
    [
        path("", releases.release_list, name="list"),
        path("<slug:slug>/", releases.release_detail, name="detail"),
    ],
    "releases",
)

urlpatterns = [
    path("", core.home, name="home"),
    path("healthz", core.healthz, name="healthz"),
    path("releases/", include(release_patterns)),
    path("api/", api.urls()),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
