"""The REST API (JSON, token auth), version 1."""

from app.api import (  # noqa: F401 - attach their routes
    audit,
    crosstab,
    forms,
    permissions,
    record_changes,
    records,
)
from app.api.blueprint import blueprint

__all__ = ["blueprint"]
