"""Uploads held between pages, and attached to the record in the insert's transaction.

A file that passed its field's checks is stored at once as an *unattached* upload (an
``attachment`` row with no record) and comes back with the next page as a signed
reference in a hidden input, so the citizen does not choose it again on the confirmation
page. A reference is signed for one form, names its field and the submission it belongs
to, and expires after a day (``flask atsume purge-uploads`` then deletes the upload). The
final submit attaches the uploads with a conditional update inside the insert's
transaction: an upload that is gone or already attached rolls the record back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import sqlalchemy as sa
from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.datastructures import MultiDict

from app import signing
from app.attachments.storage import upload_store
from app.extensions import db
from app.models import Attachment, Form
from app.transactions import write_transaction
from builder.fields.base import FieldType
from builder.fields.uploads import BadReference, Upload

#: how long a held upload can be brought back (seconds); older ones are purged
HOLD_SECONDS = 24 * 3600


class UploadGone(Exception):
    """A held upload could not be attached (purged meanwhile, or attached already)."""

    def __init__(self, field_key: str):
        super().__init__(field_key)
        self.field_key = field_key


def file_fields(fields: Iterable[FieldType]) -> list[FieldType]:
    """The fields whose answers are uploaded files."""
    return [f for f in fields if f.takes_files]


#: room in a request for the other answers besides the files
OTHER_ANSWERS_BYTES = 1024 * 1024


def allow_request_size(fields: Iterable[FieldType]) -> None:
    """Let this request be as large as the form's attachment items allow together (each
    item's size limit times its file count, plus the other answers), when that is more
    than ATSUME_MAX_REQUEST_MB. Call it before the request's body is read."""
    total = sum(f.max_bytes * f.max_files for f in file_fields(fields))
    if total:
        limit = current_app.config["MAX_CONTENT_LENGTH"] or 0
        request.max_content_length = max(limit, total + OTHER_ANSWERS_BYTES)


def _serializer(form: Form) -> URLSafeTimedSerializer:
    return signing.timed_serializer(f"atsume-upload:form-{form.id}")


def reference(form: Form, upload_id: int, field_key: str, bound_to: str) -> str:
    """The signed reference to a held upload of *form*'s field, for one submission."""
    return _serializer(form).dumps({"a": upload_id, "k": field_key, "s": bound_to})


def _upload_id(form: Form, text: str, field_key: str, bound_to: str) -> int | None:
    try:
        data = _serializer(form).loads(text, max_age=HOLD_SECONDS)
    except BadSignature:  # expired ones too
        return None
    if not isinstance(data, dict) or data.get("k") != field_key or data.get("s") != bound_to:
        return None
    upload_id = data.get("a")
    return upload_id if isinstance(upload_id, int) else None


def held_uploads(
    form: Form, field_key: str, references: list[str], bound_to: str
) -> list[Upload | BadReference]:
    """The held uploads the posted *references* name; a BadReference for each that is
    forged, expired, of another form, field or submission, or attached already."""
    ids = [_upload_id(form, text, field_key, bound_to) for text in references]
    wanted = {i for i in ids if i is not None}
    rows = {}
    if wanted:
        rows = {
            row.id: row
            for row in db.session.scalars(
                sa.select(Attachment).where(
                    Attachment.id.in_(wanted),
                    Attachment.form_id == form.id,
                    Attachment.field_key == field_key,
                    Attachment.record_id.is_(None),
                )
            )
        }
    out: list[Upload | BadReference] = []
    seen = set()
    for upload_id, text in zip(ids, references, strict=True):
        row = rows.get(upload_id)
        if row is None or upload_id in seen:
            out.append(BadReference())
            continue
        seen.add(upload_id)
        out.append(
            Upload(
                name=row.filename,
                size=row.size,
                content_type=row.content_type,
                sha256=row.sha256,
                id=row.id,
                token=text,
            )
        )
    return out


def request_formdata(
    form: Form, fields: list[FieldType], name_of: Callable[[str], str], bound_to: str
) -> MultiDict:
    """The posted form with each file field's references turned into held uploads and its
    new files added (what the form class of *fields* reads)."""
    data = MultiDict(request.form.items(multi=True))
    for field_type in file_fields(fields):
        name = name_of(field_type.key)
        references = [text for text in data.poplist(name) if text]
        for item in held_uploads(form, field_type.key, references, bound_to):
            data.add(name, item)
        for file in request.files.getlist(name):
            data.add(name, file)
    return data


def hold(form: Form, uploads: dict[str, list[Upload]], bound_to: str) -> None:
    """Store each new upload (field key -> uploads) as an unattached upload and give it
    its id and signed reference; held ones are left as they are."""
    if any(u.id is None and u.stream is not None for items in uploads.values() for u in items):
        _store_new(form, uploads, bound_to)


@write_transaction
def _store_new(form: Form, uploads: dict[str, list[Upload]], bound_to: str) -> None:
    store = upload_store()
    for field_key, items in uploads.items():
        for upload in items or []:
            if upload.id is not None or upload.stream is None:
                continue
            key = store.save(upload.stream)
            row = Attachment(
                form_id=form.id,
                record_id=None,
                field_key=field_key,
                filename=upload.name[:200],
                size=upload.size,
                content_type=upload.content_type,
                sha256=upload.sha256,
                storage_key=key,
            )
            db.session.add(row)
            db.session.flush()
            upload.id, upload.stream = row.id, None
            upload.token = reference(form, row.id, field_key, bound_to)


def valid_uploads(web_form, fields: list[FieldType], name_of) -> dict[str, list[Upload]]:
    """field key -> the uploads of each file field of a validated form that has no error."""
    out = {}
    for field_type in file_fields(fields):
        bound = web_form[name_of(field_type.key)]
        if not bound.errors:
            out[field_type.key] = [u for u in bound.data or [] if isinstance(u, Upload)]
    return out


def uploads_of(fields: list[FieldType], values: dict) -> dict[str, list[Upload]]:
    """field key -> the uploads in *values* (answers by field key) of the file fields."""
    return {
        f.key: [u for u in values.get(f.key) or [] if isinstance(u, Upload)]
        for f in file_fields(fields)
    }


def attach_step(form: Form, uploads: dict[str, list[Upload]]):
    """An ``after_add`` step that attaches the held uploads to the new record (or to a
    changed one: files it had in these items and no longer has become unattached, and are
    purged with the other unattached uploads)."""

    def attach(record):
        for field_key, items in uploads.items():
            ids = [u.id for u in items if u.id is not None]
            db.session.execute(
                sa.update(Attachment)
                .where(
                    Attachment.form_id == form.id,
                    Attachment.record_id == record.id,
                    Attachment.field_key == field_key,
                    Attachment.id.notin_(ids),
                )
                .values(record_id=None)
                .execution_options(synchronize_session="evaluate")
            )
            if not ids:
                continue
            result = db.session.execute(
                sa.update(Attachment)
                .where(
                    Attachment.id.in_(ids),
                    Attachment.form_id == form.id,
                    Attachment.field_key == field_key,
                    Attachment.record_id.is_(None),
                )
                .values(record_id=record.id)
                .execution_options(synchronize_session="evaluate")
            )
            if result.rowcount != len(ids):
                raise UploadGone(field_key)
        return None

    return attach
