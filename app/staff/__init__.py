"""Staff pages: forms, drafts, publishing, records and exports."""

from app.staff import (  # noqa: F401 - attach their routes
    account,
    audit,
    forms,
    imports,
    organisation,
    organisation_import,
    permissions,
    records,
    reuse,
    settings,
    two_factor,
    versions,
)
from app.staff.blueprint import blueprint

__all__ = ["blueprint"]
