"""Request-wide rules: sessions that end when idle, and answers no shared cache keeps."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django_htmx.http import HttpResponseClientRedirect

from readiness import bounds

# The session keys, as epoch seconds: when the login started and when it was last active.
SINCE, SEEN = "readiness_since", "readiness_seen"
# The interface language a login chose in its settings, kept in its session so that no
# request has to read the settings again.
LANGUAGE = "readiness_language"
# Likewise the time zone it chose ("" or absent: the site's).
TIME_ZONE = "readiness_time_zone"
# "Last active" is written at most this often, so that a busy page does not write the
# session on every request.
SEEN_PRECISION = 60
# Requests a page makes by itself (the live view's poll) are not the person being active.
PASSIVE_URL_NAMES = {"sessions:live"}


def session_start_clock(sender, request: HttpRequest, user, **kwargs) -> None:
    """At login, the session's age and its last activity both start now, and the language
    the person chose (if they ever did) becomes the session's."""
    from readiness.models import UserSettings

    now = int(time.time())
    request.session[SINCE] = now
    request.session[SEEN] = now
    chosen = UserSettings.objects.filter(user=user).values_list("language", "time_zone").first()
    if chosen:
        language, zone = chosen
        request.session[LANGUAGE] = language
        request.session[TIME_ZONE] = zone


def remember_language(request: HttpRequest, language: str) -> None:
    """The language just chosen in the settings applies from the next answer on."""
    request.session[LANGUAGE] = language
    translation.activate(language)
    request.LANGUAGE_CODE = translation.get_language()


def remember_time_zone(request: HttpRequest, zone: str) -> None:
    """The time zone just chosen in the settings applies from the next answer on."""
    request.session[TIME_ZONE] = zone
    _activate_zone(zone)


def _activate_zone(zone: str | None) -> None:
    found = bounds.zone_or_none(zone) if zone else None
    if found is None:
        timezone.deactivate()
    else:
        timezone.activate(found)


class UserTimeZoneMiddleware:
    """A logged-in person's chosen time zone is the request's current one (what "your
    time" means on a page); without one, the site's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        _activate_zone(request.session.get(TIME_ZONE) if hasattr(request, "session") else None)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class UserLanguageMiddleware:
    """A logged-in person's chosen language wins over the browser's Accept-Language; a
    person who never chose one gets their browser's, as anonymous visitors do."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.session.get(LANGUAGE) if hasattr(request, "session") else None
        if chosen and translation.check_for_language(chosen):
            translation.activate(chosen)
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if chosen:
            response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class SessionTimeoutMiddleware:
    """Log out a session idle for SESSION_IDLE_TIMEOUT, or older than SESSION_MAX_AGE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        now = int(time.time())
        session = request.session
        since = session.get(SINCE)
        seen = session.get(SEEN)
        if since is None or seen is None:
            session[SINCE] = since or now
            session[SEEN] = now
            return None
        idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
        if now - seen > idle or now - since > settings.SESSION_MAX_AGE.total_seconds():
            logout(request)
            login = f"{reverse(settings.LOGIN_URL)}?next={request.get_full_path()}"
            if getattr(request, "htmx", False):
                return HttpResponseClientRedirect(login)
            if request.path.startswith("/api/"):
                return None  # the API answers 401 itself
            return redirect(login)
        passive = request.resolver_match and request.resolver_match.view_name in (
            PASSIVE_URL_NAMES
        )
        if not passive and now - seen >= SEEN_PRECISION:
            session[SEEN] = now
        return None


class PrivateCacheMiddleware:
    """`Cache-Control: private, no-store` on every answer made for a logged-in person.

    Pages, fragments, exports and API answers hold release records: neither a shared
    cache nor the browser's history may keep them. Static files are answered by whitenoise
    before this runs and keep their far-future headers.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        authenticated = (user is not None and user.is_authenticated) or bool(
            request.headers.get("Authorization")
        )
        if authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
