"""Deleting files nobody can reach any more (``flask atsume purge-uploads``): uploads held
for a submission that never came, after a day, and the files of records deleted for good.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.attachments.held import HOLD_SECONDS
from app.attachments.storage import upload_store
from app.extensions import db
from app.models import Attachment, Form
from app.models.types import utcnow
from app.records import store
from app.transactions import write_transaction

BATCH = 500


@write_transaction
def _forget(condition) -> list[str]:
    """Delete up to BATCH attachment rows matching *condition*; return their storage keys."""
    rows = db.session.execute(
        sa.select(Attachment.id, Attachment.storage_key).where(condition).limit(BATCH)
    ).all()
    if rows:
        db.session.execute(
            sa.delete(Attachment)
            .where(Attachment.id.in_([r.id for r in rows]))
            .execution_options(synchronize_session=False)
        )
    return [r.storage_key for r in rows]


def _purge(condition) -> int:
    """Delete the rows, then (once that is committed) their files; return how many."""
    files = upload_store()
    deleted = 0
    while True:
        keys = _forget(condition)
        for key in keys:
            files.delete(key)
        deleted += len(keys)
        if len(keys) < BATCH:
            return deleted


def unattached(now: dt.datetime | None = None) -> int:
    """Delete the uploads held longer than a day without being attached to a record."""
    cutoff = (now or utcnow()) - dt.timedelta(seconds=HOLD_SECONDS)
    return _purge(sa.and_(Attachment.record_id.is_(None), Attachment.created_at < cutoff))


def orphaned() -> int:
    """Delete the files of records that no longer exist (deleted from the trash)."""
    deleted = 0
    form_ids = db.session.scalars(
        sa.select(Attachment.form_id).where(Attachment.record_id.isnot(None)).distinct()
    ).all()
    for form_id in form_ids:
        form = db.session.get(Form, form_id)
        if form is None or not form.storage:
            continue
        records = store.tables_for(form).records
        deleted += _purge(
            sa.and_(
                Attachment.form_id == form_id,
                Attachment.record_id.isnot(None),
                Attachment.record_id.notin_(sa.select(records.c.id)),
            )
        )
    return deleted
