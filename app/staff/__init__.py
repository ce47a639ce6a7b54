"""Staff pages: forms, drafts, publishing, records and exports."""

from app.staff import (  # noqa: F401 - attach their routes
    account,
    audit,
    forms,
    organisation,
    organisation_import,
    permissions,
    records,
    reuse,
    saved_views,
    settings,
    two_factor,
    versions,
)
from app.staff.blueprint import blueprint

__all__ = ["blueprint"]
