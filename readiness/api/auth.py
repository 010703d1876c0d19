"""How the API knows who is calling: a Bearer API token for machines, the browser session
for people (with CSRF enforced on its writes), nobody otherwise (401)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import SimpleRateThrottle, UserRateThrottle
from ninja.utils import check_csrf

from readiness import services
from readiness.models import ApiToken, Release

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class WrongTokenThrottle(SimpleRateThrottle):
    """Wrong tokens from one address: API_WRONG_TOKEN_RATE of them, then 429 until the
    window has passed, even for a right one, so that tokens cannot be guessed."""

    scope = "wrong_token"

    def __init__(self) -> None:
        super().__init__(settings.API_WRONG_TOKEN_RATE)

    def get_cache_key(self, request: HttpRequest) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def locked_out(self, request: HttpRequest) -> bool:
        self.key = self.get_cache_key(request)
        self.now = self.timer()
        since = self.now - self.duration
        self.history = [t for t in self.cache.get(self.key, []) if t > since]
        return len(self.history) >= self.num_requests

    def record_failure(self, request: HttpRequest) -> None:
        if not self.locked_out(request):
            self.throttle_success()

    def seconds_left(self) -> int:
        oldest = self.history[-1] if self.history else self.now
        return max(1, int(self.duration - (self.now - oldest)) + 1)


def _too_many(throttle: WrongTokenThrottle) -> HttpError:
    return HttpError(
        429,
        _("Too many wrong API tokens from this address; try again in %(seconds)s seconds.")
        % {"seconds": throttle.seconds_left()},
    )


class TokenAuth(HttpBearer):
    """`Authorization: Bearer rdy_...`; a wrong or revoked token is a 401, never a fallback
    to the session."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        throttle = WrongTokenThrottle()
        if throttle.locked_out(request):
            raise _too_many(throttle)
        api_token = services.api_token_use(token=token.strip())
        if api_token is None:
            throttle.record_failure(request)
            raise AuthenticationError(message=_("The API token is unknown or revoked."))
        # Permission checks then see the token's user, as the web UI sees the logged-in one.
        request.user = api_token.user
        request.api_token = api_token
        return api_token


class BrowserSession(APIKeyCookie):
    """The logged-in browser; a write must carry the CSRF token, as a form would."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        # CSRF is checked below, once the caller is known to be logged in, so that an
        # anonymous write is told 401 rather than a CSRF failure.
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise HttpError(403, _("CSRF check failed: send the X-CSRFToken header."))
        request.api_token = None
        return user


def token_of(request: HttpRequest) -> ApiToken | None:
    return getattr(request, "api_token", None)


def require_scope(request: HttpRequest, *, slug: str | None = None, gate: bool = False) -> None:
    """A token restricted to one release is its pipeline's: it may read that release's
    gate, record and list its deployments and report its checklist items (`gate=True`
    marks those endpoints), and nothing else."""
    api_token = token_of(request)
    if api_token is None or api_token.release_id is None:
        return
    restricted_to: Release = api_token.release
    if not gate or slug != restricted_to.slug:
        raise HttpError(
            403,
            _("This token may only read the gate of %(slug)s and record its deployments.")
            % {"slug": restricted_to.slug},
        )


AUTH = [TokenAuth(), BrowserSession()]


class CallerThrottle(UserRateThrottle):
    """Every caller's requests (a token's user, or a logged-in person): API_RATE of them."""

    def __init__(self) -> None:
        super().__init__(settings.API_RATE)

    def allow_request(self, request: HttpRequest) -> bool:
        # The rate is read on each request, so that a changed setting takes effect at once.
        if self.rate != settings.API_RATE:
            self.rate = settings.API_RATE
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


THROTTLE = [CallerThrottle()]
