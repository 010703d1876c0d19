"""Web views, one module per area of the product."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request as the views see it, with django-htmx's `htmx` attribute."""

    htmx: HtmxDetails


def wants_fragment(request: HtmxHttpRequest) -> bool:
    """An HTMX swap asks for a region; a history restore asks for the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request
