"""URL routes of Readiness."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from readiness.views import core, history, releases

release_patterns = (
    [
        path("", history.release_list, name="list"),
        path("export.csv", history.release_export_csv, name="export_csv"),
        path("<slug:slug>/", releases.release_detail, name="detail"),
        path("<slug:slug>/dossier/", history.release_dossier, name="dossier"),
    ],
    "releases",
)
insight_patterns = ([path("", history.insights_index, name="index")], "insights")
action_patterns = ([path("export.csv", history.action_export_csv, name="export_csv")], "actions")

urlpatterns = [
    path("", core.home, name="home"),
    path("healthz", core.healthz, name="healthz"),
    path("releases/", include(release_patterns)),
    path("insights/", include(insight_patterns)),
    path("actions/", include(action_patterns)),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
