"""The JSON API under /api/: endpoints, deployments, and how it knows the caller (`auth`)."""

from readiness.api import (
    deployments,  # noqa: F401 - registers its routes on `api`
    signoffs,  # noqa: F401 - registers its routes on `api`
)
from readiness.api.endpoints import api, urls

__all__ = ["api", "urls"]
