"""The JSON API under /api/: endpoints, and how it knows the caller (`auth`)."""

from readiness.api.endpoints import api, urls

__all__ = ["api", "urls"]
