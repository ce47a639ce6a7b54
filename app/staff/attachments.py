"""Staff pages for attached files: one file's download, and the ZIP export with the CSV."""

from __future__ import annotations

from flask import abort, request

from app import audit, rights
from app.attachments import archive, files
from app.records import download
from app.staff.blueprint import blueprint
from app.staff.records import _view


@blueprint.route("/forms/<int:form_id>/records/<int:record_id>/files/<int:attachment_id>")
def download_attachment(form_id: int, record_id: int, attachment_id: int):
    """One attached file (view_records right, and the file's field visible to the user)."""
    access, _types, _parsed = _view(form_id, rights.VIEW_RECORDS)
    row = files.find(access, record_id, attachment_id)
    if row is None:
        abort(404)
    audit.record(
        audit.RECORD_FILE,
        form=access.form,
        record_id=record_id,
        detail={"attachment": row.id, "field": row.field_key, "filename": row.filename},
    )
    return files.download(row)


@blueprint.route("/forms/<int:form_id>/records.zip")
def export_zip(form_id: int):
    """The filtered records as CSV with their files, one folder per receipt number."""
    access, types, parsed = _view(form_id, rights.EXPORT)
    if parsed.errors:
        abort(400, description=" ".join(f"{k}: {v}" for k, v in parsed.errors.items()))
    columns = download.csv_columns(access, types)
    return archive.zip_response(
        access, columns, parsed.conditions, audit.query_summary(request.args)
    )

