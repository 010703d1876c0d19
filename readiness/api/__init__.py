"""The JSON API under /api/: endpoints, deployments, and how it knows the caller (`auth`)."""

from readiness.api import (  # noqa: F401 - each registers its routes on `api`
    checklists,
    deployments,
    signoffs,
)
from readiness.api.endpoints import api, urls

__all__ = ["api", "urls"]
