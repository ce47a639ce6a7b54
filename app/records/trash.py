"""The trash: deleted records wait there, restorable, until they expire.

Moving a record to the trash sets ``deleted_at``/``deleted_by``; every list, count and
export leaves it out (``store.live``). After ``ATSUME_TRASH_DAYS`` days
``empty_expired`` (``flask atsume empty-trash``) deletes it for good, with its multiple
choices and its history.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa
from flask import current_app

from app import rights
from app.extensions import db
from app.models import Form, RecordRevision, User
from app.models.types import utcnow
from app.records import history, store
from app.records.access import NotAllowed
from app.records.workflow import CHUNK
from app.transactions import write_transaction


@dataclasses.dataclass(frozen=True)
class TrashedRecord:
    """A record in the trash, as the trash page lists it (no field values)."""

    id: int
    receipt_no: str
    status: str
    created_at: dt.datetime
    deleted_at: dt.datetime
    deleted_by: int | None


class RestoreRefused(Exception):
    """Records that cannot come out of the trash (their seats are taken meanwhile...);
    nothing was restored."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


#: steps that run in the transaction that moves records into the trash (``restoring``
#: False) or out of it (True), after the move, with ``(form, record ids, restoring,
#: user)``; a step refuses a restore by raising RestoreRefused (event registration frees
#: and takes seats again through one)
TRASH_STEPS: list[Callable[[Form, list[int], bool, User], None]] = []


def _ids(record_ids) -> list[int]:
    return sorted({int(i) for i in record_ids})


def _require(user: User, form: Form, action: str) -> None:
    if not rights.can(user, action, form):
        raise NotAllowed(action)


def _select_ids(form: Form, ids: list[int], trashed: bool) -> list[int]:
    tables = store.tables_for(form)
    records = tables.records
    state = records.c.deleted_at.isnot(None) if trashed else store.live(tables)
    found = []
    for start in range(0, len(ids), CHUNK):
        found += db.session.scalars(
            sa.select(records.c.id)
            .where(records.c.id.in_(ids[start : start + CHUNK]), state)
            .with_for_update()
        ).all()
    return found


@write_transaction
def move_to_trash(form: Form, record_ids, user: User) -> int:
    """Move the records to the trash (delete_records right); return how many moved."""
    _require(user, form, rights.DELETE_RECORDS)
    ids = _select_ids(form, _ids(record_ids), trashed=False)
    records = store.tables_for(form).records
    now = utcnow()
    for start in range(0, len(ids), CHUNK):
        db.session.execute(
            records.update()
            .where(records.c.id.in_(ids[start : start + CHUNK]))
            .values(deleted_at=now, deleted_by=user.id)
        )
    for step in TRASH_STEPS:
        step(form, ids, False, user)
    history.note_many(
        form, [{"record_id": i, "kind": history.DELETED} for i in ids], user_id=user.id
    )
    return len(ids)


@write_transaction
def restore(form: Form, record_ids, user: User) -> int:
    """Take the records out of the trash (delete_records right); return how many.

    RestoreRefused (nothing restored) when a step refuses one of them."""
    _require(user, form, rights.DELETE_RECORDS)
    ids = _select_ids(form, _ids(record_ids), trashed=True)
    records = store.tables_for(form).records
    for start in range(0, len(ids), CHUNK):
        db.session.execute(
            records.update()
            .where(records.c.id.in_(ids[start : start + CHUNK]))
            .values(deleted_at=None, deleted_by=None)
        )
    for step in TRASH_STEPS:
        step(form, ids, True, user)
    history.note_many(
        form, [{"record_id": i, "kind": history.RESTORED} for i in ids], user_id=user.id
    )
    return len(ids)


def trashed(form: Form, limit: int = 50, offset: int = 0) -> tuple[int, list[TrashedRecord]]:
    """How many records are in the form's trash, and one page of them, latest first."""
    records = store.tables_for(form).records
    where = records.c.deleted_at.isnot(None)
    total = db.session.execute(sa.select(sa.func.count()).select_from(records).where(where))
    rows = db.session.execute(
        sa.select(
            records.c.id,
            records.c.receipt_no,
            records.c.status,
            records.c.created_at,
            records.c.deleted_at,
            records.c.deleted_by,
        )
        .where(where)
        .order_by(records.c.deleted_at.desc(), records.c.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return total.scalar(), [TrashedRecord(*row) for row in rows]


def _purge(form: Form, ids: list[int]) -> int:
    """Delete the trashed records among *ids* for good, with their choices and history."""
    tables = store.tables_for(form)
    records, values = tables.records, tables.values
    deleted = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        db.session.execute(values.delete().where(values.c.record_id.in_(chunk)))
        db.session.execute(
            sa.delete(RecordRevision)
            .where(RecordRevision.form_id == form.id, RecordRevision.record_id.in_(chunk))
            .execution_options(synchronize_session=False)
        )
        deleted += db.session.execute(
            records.delete().where(records.c.id.in_(chunk), records.c.deleted_at.isnot(None))
        ).rowcount
    return deleted


@write_transaction
def delete_now(form: Form, record_ids, user: User) -> int:
    """Delete trashed records for good before they expire (manage right); return how many."""
    _require(user, form, rights.MANAGE)
    return _purge(form, _select_ids(form, _ids(record_ids), trashed=True))


def _record_tables_exist(form: Form) -> bool:
    name = store.tables_for(form).records.name
    return sa.inspect(db.session.connection()).has_table(name)


def empty_expired(now: dt.datetime | None = None) -> int:
    """Delete, on every form, the records trashed more than ATSUME_TRASH_DAYS days before
    *now* (naive UTC; default: now); return how many."""
    days = current_app.config["ATSUME_TRASH_DAYS"]
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    deleted = 0
    for form_id in db.session.scalars(
        sa.select(Form.id).where(Form.published_version_id.isnot(None)).order_by(Form.id)
    ).all():
        deleted += _empty_form(form_id, cutoff)
    return deleted


@write_transaction
def _empty_form(form_id: int, cutoff: dt.datetime) -> int:
    """One form's expired records, in a transaction of its own (a large trash elsewhere
    does not hold this form's writers)."""
    form = db.session.get(Form, form_id)
    if form is None or not _record_tables_exist(form):
        return 0
    records = store.tables_for(form).records
    ids = db.session.scalars(
        sa.select(records.c.id).where(records.c.deleted_at < cutoff).order_by(records.c.id)
    ).all()
    return _purge(form, list(ids))
