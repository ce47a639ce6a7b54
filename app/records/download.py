"""The CSV download of a form's records, the same for the staff page and the API."""

from __future__ import annotations

import datetime as dt
import tempfile

from flask import Response, current_app, stream_with_context
from flask_babel import gettext as _

from app import audit
from app.records import export, sheet
from app.records.access import RecordAccess
from app.records.respondents import respondent_names_by_id
from app.records.workflow import label_map


def _status_text(access: RecordAccess):
    """status key -> label, translated once for the whole export."""
    labels = label_map(access.form, _)
    return lambda status: labels.get(status, status)


def chosen_entries(access: RecordAccess, args) -> list[dict]:
    """The visible columns named by the ``columns`` argument (column names or field keys,
    comma-separated, in the order given); every visible column without it. A hidden
    column named there raises FieldNotVisible; an unknown one is left out."""
    wanted = [name.strip() for name in (args.get("columns") or "").split(",") if name.strip()]
    if not wanted:
        return access.entries
    access.refuse_hidden(wanted)
    access.refuse_hidden(wanted, name_of=lambda e: e["key"])
    by_name = {e["column"]: e for e in access.entries} | {e["key"]: e for e in access.entries}
    chosen = [by_name[name] for name in wanted if name in by_name]
    return list({e["column"]: e for e in chosen}.values()) or access.entries


def csv_columns(access: RecordAccess, types, entries: list[dict] | None = None):
    """The columns of an export: system columns, then those the user may see (or the
    visible ones of *entries*)."""
    return export.ExportColumns(
        entries=access.entries if entries is None else entries,
        types=types,
        system_headings=(_("Receipt number"), _("Received at"), _("Status")),
        retired_label=_("retired"),
        timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"],
        status_text=_status_text(access),
        respondent=(
            (_("Respondent"), names) if (names := respondent_names_by_id(access.form)) else None
        ),
    )


def started(access: RecordAccess, conditions: list, detail: dict) -> dict:
    """Note in the audit log that an export begins and how many rows it should hold; the
    entry written when it ends (rows written, complete or not) repeats the number. An
    export cut off (a killed worker) has no ending entry."""
    detail = {**detail, "expected": access.count(conditions)}
    audit.record(audit.RECORD_EXPORT_START, form=access.form, detail=detail)
    return detail


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
        export.table(
            columns,
            audit.counting(
                access.export_rows(conditions, columns.entries),
                audit.RECORD_EXPORT,
                form=access.form,
                detail=started(
                    access,
                    conditions,
                    {"filter": filter_used, "format": "csv", "encoding": encoding},
                ),
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


def xlsx_response(
    access: RecordAccess,
    columns: export.ExportColumns,
    conditions: list,
    filter_used: dict,
) -> Response:
    """The matching records as an .xlsx attachment (typed cells, header frozen, with an
    autofilter). The workbook is written to a temporary file in constant memory, then sent
    from it; the audit log gets *filter_used* and how many records were written."""
    stamp = dt.date.today().strftime("%Y%m%d")
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response
    try:
        sheet.write(
            columns,
            audit.counting(
                access.export_rows(conditions, columns.entries),
                audit.RECORD_EXPORT,
                form=access.form,
                detail=started(access, conditions, {"filter": filter_used, "format": "xlsx"}),
            ),
            spool,
        )
    except BaseException:
        spool.close()
        raise
    size = spool.tell()
    spool.seek(0)
    response = Response(
        _chunks(spool),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f'attachment; filename="{access.form.slug}-{stamp}.xlsx"',
            "Content-Length": str(size),
        },
    )
    response.call_on_close(spool.close)
    return response


def _chunks(spool, size: int = 256 * 1024):
    while chunk := spool.read(size):
        yield chunk
