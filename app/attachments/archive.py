"""The ZIP export: the CSV of the filtered records and their files, one folder per receipt
number. Written with ``zipfile`` to a temporary file record by record and file by file, so
memory stays flat however many records and files there are."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import zipfile

from flask import Response, send_file

from app import audit
from app.attachments import files
from app.attachments.storage import upload_store
from app.records import export
from app.records.access import RecordAccess
from builder.fields.file_kinds import clean_filename

BATCH = 200


def _unique(name: str, taken: set[str]) -> str:
    """*name*, or *name* with " (2)", " (3)" ... before its extension if already taken."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    candidate, number = name, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{stem} ({number}){dot}{extension}"
    taken.add(candidate.lower())
    return candidate


def write(archive: zipfile.ZipFile, access: RecordAccess, columns, conditions, csv_name: str):
    """Write the CSV and the files into *archive*; return (records, files) written."""
    rows = 0
    with archive.open(csv_name, "w", force_zip64=True) as out:
        records = access.iterate(conditions)
        for chunk in export.stream(export.rows(columns, records), export.UTF8):
            out.write(chunk)
    store = upload_store()
    written = 0
    batch: list = []

    def flush():
        nonlocal written
        attached = files.for_records(access, [r.id for r in batch])
        for record in batch:
            folder = clean_filename(record.receipt_no or str(record.id))
            taken: set[str] = set()
            for row in attached.get(record.id, []):
                name = _unique(clean_filename(row.filename), taken)
                try:
                    source = store.open(row.storage_key)
                except FileNotFoundError:
                    continue
                with source, archive.open(f"{folder}/{name}", "w", force_zip64=True) as out:
                    shutil.copyfileobj(source, out, 1024 * 1024)
                written += 1
        batch.clear()

    for record in access.iterate(conditions):
        rows += 1
        batch.append(record)
        if len(batch) >= BATCH:
            flush()
    flush()
    return rows, written


def zip_response(access: RecordAccess, columns, conditions, filter_used: dict) -> Response:
    """The ZIP as a download; the audit log gets the filter and what was written."""
    stamp = dt.date.today().strftime("%Y%m%d")
    name = f"{access.form.slug}-{stamp}"
    temporary = tempfile.TemporaryFile()
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            rows, written = write(archive, access, columns, conditions, f"{name}.csv")
    except BaseException:
        temporary.close()
        raise
    audit.record(
        audit.RECORD_EXPORT,
        form=access.form,
        detail={"filter": filter_used, "format": "zip", "rows": rows, "files": written},
    )
    temporary.seek(0)
    return send_file(
        temporary, mimetype="application/zip", as_attachment=True, download_name=f"{name}.zip"
    )
