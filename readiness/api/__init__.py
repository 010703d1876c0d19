"""The JSON API under /api/: endpoints, deployments, and how it knows the caller (`auth`)."""

from readiness.api import checklists, deployments  # noqa: F401 - registers their routes
from readiness.api.endpoints import api, urls

__all__ = ["api", "urls"]
