"""The REST API (JSON, token auth), version 1."""

from app.api import audit, crosstab, forms, permissions, records  # noqa: F401 - their routes
from app.api.blueprint import blueprint

__all__ = ["blueprint"]
