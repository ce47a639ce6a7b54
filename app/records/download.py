"""The CSV download of a form's records, the same for the staff page and the API."""

from __future__ import annotations

import datetime as dt

from flask import Response, current_app, stream_with_context
from flask_babel import gettext as _

from app import audit
from app.records import export
from app.records.access import RecordAccess
from app.records.respondents import respondent_names
from app.records.workflow import label_map


def _status_text(access: RecordAccess):
    """status key -> label, translated once for the whole export."""
    labels = label_map(access.form, _)
    return lambda status: labels.get(status, status)


def csv_columns(access: RecordAccess, types) -> export.ExportColumns:
    """The columns of the CSV: system columns, then those the user may see."""
    return export.ExportColumns(
        entries=access.entries,
        types=types,
        system_headings=(_("Receipt number"), _("Received at"), _("Status")),
        retired_label=_("retired"),
        timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"],
        status_text=_status_text(access),
        respondent=(_("Respondent"), names) if (names := respondent_names(access.form)) else None,
    )


def csv_response(
    access: RecordAccess,
    columns: export.ExportColumns,
    conditions: list,
    encoding: str,
    filter_used: dict,
) -> Response:
    """Stream the matching records as an Excel-ready CSV attachment; the audit log gets
    *filter_used* and how many records were written."""
    stamp = dt.date.today().strftime("%Y%m%d")
    charset = "shift_jis" if encoding == export.CP932 else "utf-8"
    # After a clean check, a record sent meanwhile with such a character gets 〓 rather
    # than breaking the download halfway.
    body = export.stream(
        export.rows(
            columns,
            audit.counting(
                access.iterate(conditions),
                audit.RECORD_EXPORT,
                form=access.form,
                detail={"filter": filter_used, "format": "csv", "encoding": encoding},
            ),
        ),
        encoding,
        replace_unencodable=encoding == export.CP932,
    )
    return Response(
        stream_with_context(body),
        content_type=f"text/csv; charset={charset}",
        headers={"Content-Disposition": f'attachment; filename="{access.form.slug}-{stamp}.csv"'},
    )
