"""Routes that fail on purpose, to test the error pages."""

from django.core.exceptions import PermissionDenied
from django.urls import include, path


def boom(request):
    raise RuntimeError("secret internals that must not leak")


def forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("boom/", boom),
    path("forbidden/", forbidden),
    path("", include("readiness.urls")),
]
