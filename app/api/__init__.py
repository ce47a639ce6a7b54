"""The REST API (JSON, token auth), version 1."""

from app.api import audit, forms, permissions, records  # noqa: F401 - attach their routes
from app.api.blueprint import blueprint

__all__ = ["blueprint"]
