"""Staff pages: forms, drafts, publishing, records and exports."""

from app.staff import (  # noqa: F401 - attach their routes
    account,
    analysis,
    attachments,
    audit,
    bulk,
    forms,
    identity,
    imports,
    mail_settings,
    on_behalf,
    organisation,
    organisation_import,
    outbox,
    permissions,
    record_comments,
    record_edit,
    record_workflow,
    records,
    reuse,
    saved_views,
    settings,
    sharing,
    trash_pages,
    two_factor,
    versions,
    workflow_settings,
)
from app.staff.blueprint import blueprint

__all__ = ["blueprint"]
