"""Attached files as readers see them: listed per record and downloaded, only through a
``RecordAccess`` (the right to view the records) and only for fields the reader may see."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask import Response, send_file
from werkzeug.exceptions import NotFound

from app.attachments.storage import upload_store
from app.extensions import db
from app.models import Attachment
from app.records.access import RecordAccess
from builder.fields.file import FileType

_FILES = FileType.storage_kind


def readable_keys(access: RecordAccess) -> set[str]:
    """The field keys whose files the reader may see (hidden fields' are left out)."""
    return {e["key"] for e in access.entries}


def _file_keys(access: RecordAccess) -> set[str]:
    """The field keys that have (or had) a file column: only their answers are files.
    A column is never dropped, so a form that never had a file field has no files."""
    return {e["key"] for e in access.form.storage or [] if e["kind"] == _FILES}


def for_records(access: RecordAccess, record_ids: Iterable[int]) -> dict[int, list[Attachment]]:
    """record id -> its attached files the reader may see, in upload order."""
    ids = sorted({int(i) for i in record_ids})
    keys = readable_keys(access) & _file_keys(access)
    found: dict[int, list[Attachment]] = {i: [] for i in ids}
    if not ids or not keys:
        return found
    for start in range(0, len(ids), 500):
        rows = db.session.scalars(
            sa.select(Attachment)
            .where(
                Attachment.form_id == access.form.id,
                Attachment.record_id.in_(ids[start : start + 500]),
                Attachment.field_key.in_(keys),
            )
            .order_by(Attachment.record_id, Attachment.id)
        )
        for row in rows:
            found[row.record_id].append(row)
    return found


def find(access: RecordAccess, record_id: int, attachment_id: int) -> Attachment | None:
    """One attached file of a record the reader may see, of a field they may see; None
    otherwise (another form's or record's file, a hidden field's, an unattached upload)."""
    if access.get(record_id, trashed=True) is None:
        return None
    row = db.session.get(Attachment, attachment_id)
    if (
        row is None
        or row.form_id != access.form.id
        or row.record_id != record_id
        or row.field_key not in readable_keys(access)
    ):
        return None
    return row


def download(row: Attachment) -> Response:
    """The file as a download: never shown inline, its type not guessed again by the
    browser, its Japanese name kept (RFC 5987 ``filename*``)."""
    try:
        content = upload_store().open(row.storage_key)
    except FileNotFoundError:
        raise NotFound() from None
    response = send_file(
        content,
        mimetype=row.content_type,
        as_attachment=True,
        download_name=row.filename,
        max_age=0,
        conditional=False,
        etag=False,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; sandbox; frame-ancestors 'none'"
    )
    return response


def as_json(row: Attachment, url: str) -> dict:
    """What the API says of an attached file."""
    return {
        "id": row.id,
        "field": row.field_key,
        "filename": row.filename,
        "size": row.size,
        "content_type": row.content_type,
        "sha256": row.sha256,
        "url": url,
    }
