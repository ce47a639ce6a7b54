"""Staff pages: forms, drafts, publishing, records and exports."""

from app.staff import (  # noqa: F401 - attach their routes
    account,
    audit,
    forms,
    organisation,
    organisation_import,
    permissions,
    record_comments,
    record_edit,
    record_workflow,
    records,
    reuse,
    settings,
    trash_pages,
    two_factor,
    versions,
)
from app.staff.blueprint import blueprint

__all__ = ["blueprint"]
