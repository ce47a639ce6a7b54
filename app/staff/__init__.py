"""Staff pages: forms, drafts, publishing, records and exports."""

from app.staff import (  # noqa: F401 - attach their routes
    account,
    audit,
    forms,
    records,
    reuse,
    settings,
    versions,
)
from app.staff.blueprint import blueprint

__all__ = ["blueprint"]
