"""A record's history: every change is noted in the transaction that makes it.

``changes`` maps a field's column name or a system name (``status``, ``assignee_id``) to
``[old, new]``. Callers note a change inside their own write transaction, so a change
without its history entry cannot be committed.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Form, RecordRevision

CREATED = "created"
EDITED = "edited"
STATUS = "status"
ASSIGNED = "assigned"
DELETED = "deleted"
RESTORED = "restored"
IMPORTED = "imported"
CANCELLED = "cancelled"
PROMOTED = "promoted"
KINDS = (CREATED, EDITED, STATUS, ASSIGNED, DELETED, RESTORED, IMPORTED, CANCELLED, PROMOTED)


def note(
    form: Form,
    record_id: int,
    kind: str,
    changes: dict | None = None,
    *,
    user_id: int | None = None,
    note: str | None = None,
) -> RecordRevision:
    """Add a history entry in the caller's transaction."""
    if kind not in KINDS:
        raise ValueError(f"unknown history kind {kind!r}")
    revision = RecordRevision(
        form_id=form.id,
        record_id=record_id,
        kind=kind,
        changes=changes or {},
        user_id=user_id,
        note=note,
    )
    db.session.add(revision)
    return revision


def note_many(form: Form, entries: list[dict], *, user_id: int | None = None) -> None:
    """Add history entries for many records at once (bulk actions, imports).

    Each entry has ``record_id``, ``kind`` and optionally ``changes`` and ``note``.
    """
    if not entries:
        return
    rows = [
        {
            "form_id": form.id,
            "record_id": e["record_id"],
            "kind": e["kind"],
            "changes": e.get("changes") or {},
            "note": e.get("note"),
            "user_id": user_id,
        }
        for e in entries
    ]
    # the Core table: a plain bulk insert, without the ORM's per-row bookkeeping
    db.session.execute(sa.insert(RecordRevision.__table__), rows)


def entries(form: Form, record_id: int) -> list[RecordRevision]:
    """A record's history, oldest first."""
    return list(
        db.session.scalars(
            sa.select(RecordRevision)
            .where(RecordRevision.form_id == form.id, RecordRevision.record_id == record_id)
            .order_by(RecordRevision.id)
        )
    )
