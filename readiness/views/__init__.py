"""Web views, one module per area of the product."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request as the views see it, with django-htmx's `htmx` attribute."""

    htmx: HtmxDetails


def wants_fragment(request: HtmxHttpRequest) -> bool:
    """An HTMX swap asks for a region; a history restore asks for the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


class _Blank(dict):
    """Every key answers an empty string, as a template's missing lookup would."""

    def __missing__(self, key: str) -> str:
        return ""


class _Closed:
    """What a page reads where no row is open and no form was refused (`editing`,
    `status_for`, a row's `form`): false, and every name a row template looks up on it
    answers empty. A lookup on None fails instead, and the template engine pays an
    exception and a dir() for it, on every one of hundreds of rows."""

    kind = pk = row = None
    data = errors = _Blank()
    non_field_errors = ()

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return ""


CLOSED = _Closed()
