"""Staff pages for a form's records: list with filters and sorting, detail, CSV export."""

from __future__ import annotations

import math

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app import audit, query_args, rights
from app.forms.published import published_definition
from app.records import download, export, printing, sheet
from app.records.access import FieldNotVisible, RecordAccess
from app.records.columns import column_heading
from app.records.respondents import respondent_names
from app.records.store import SYSTEM_SORTS
from app.staff.blueprint import blueprint, form_or_404


def _view(form_id: int, action: str):
    """The rights-checked door to the form's records, and the filters the user asked for.

    A filter or sort on a field hidden from the user is refused (403), naming it.
    """
    form = form_or_404(form_id, action)
    if not form.is_published:
        abort(404)
    access = RecordAccess(current_user, form, action)
    try:
        access.refuse_hidden([request.args.get("sort", "")])
        parsed = access.filters(
            request.args, timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"], gettext=_
        )
    except FieldNotVisible as exc:
        abort(403, description=_("You may not see the field “%(name)s”.", name=exc.name))
    return access, access.types(_), parsed


@blueprint.route("/forms/<int:form_id>/records")
def records(form_id: int):
    access, types, parsed = _view(form_id, rights.VIEW_RECORDS)
    form, entries = access.form, access.entries
    page_size = current_app.config["ATSUME_PAGE_SIZE"]
    page_number = query_args.number_arg(request.args, "page", 1, 1, query_args.MAX_POSITION)
    sort = request.args.get("sort", "id")
    allowed_sorts = set(SYSTEM_SORTS) | {e["column"] for e in access.sortable()}
    if sort not in allowed_sorts:
        sort = "id"
    descending = request.args.get("dir", "desc" if sort == "id" else "asc") == "desc"
    conditions = [] if parsed.errors else parsed.conditions
    result = access.page(
        conditions, sort, descending, limit=page_size, offset=(page_number - 1) * page_size
    )
    pages = max(math.ceil(result.total / page_size), 1)
    audit.record(
        audit.RECORD_LIST,
        form=form,
        detail={
            "filter": audit.query_summary(request.args),
            "page": page_number,
            "shown": len(result.records),
            "total": result.total,
        },
    )
    return render_template(
        "records/list.html",
        form=form,
        entries=entries,
        types=types,
        page=result,
        page_number=page_number,
        pages=pages,
        sort=sort,
        descending=descending,
        filters=parsed,
        heading=lambda e: column_heading(e, _("retired")),
        can_export=rights.can(current_user, rights.EXPORT, form),
        can_import=rights.can(current_user, rights.IMPORT, form),
        xlsx_max_rows=current_app.config["ATSUME_XLSX_MAX_ROWS"],
        sortable=allowed_sorts,
        respondent=respondent_names(form),
    ), 422 if parsed.errors else 200


@blueprint.route("/forms/<int:form_id>/records/<int:record_id>")
def record_detail(form_id: int, record_id: int):
    access, types, _parsed = _view(form_id, rights.VIEW_RECORDS)
    form, entries = access.form, access.entries
    record = access.get(record_id)
    if record is None:
        abort(404)
    audit.record(
        audit.RECORD_VIEW, form=form, record_id=record.id, detail={"receipt_no": record.receipt_no}
    )
    return render_template(
        "records/detail.html",
        form=form,
        record=record,
        entries=entries,
        types=types,
        heading=lambda e: column_heading(e, _("retired")),
        definition=published_definition(form),
        respondent=respondent_names(form),
    )


@blueprint.route("/forms/<int:form_id>/records/<int:record_id>/print")
def record_print(form_id: int, record_id: int):
    """The record laid out as its application form, for printing on A4."""
    access, types, _parsed = _view(form_id, rights.VIEW_RECORDS)
    form = access.form
    record = access.get(record_id)
    if record is None:
        abort(404)
    audit.record(
        audit.RECORD_VIEW,
        form=form,
        record_id=record.id,
        detail={"receipt_no": record.receipt_no, "print": True},
    )
    definition = printing.submitted_definition(form, record)
    respondent = respondent_names(form)
    return render_template(
        "records/print.html",
        form=form,
        record=record,
        title=definition.title if definition is not None else form.title,
        parts=printing.layout(definition, record, access.entries, types, _("retired")),
        respondent=respondent(record) if respondent else None,
    )


@blueprint.route("/forms/<int:form_id>/records.csv")
def export_csv(form_id: int):
    access, types, parsed = _view(form_id, rights.EXPORT)
    form = access.form
    if parsed.errors:
        abort(400, description=" ".join(f"{k}: {v}" for k, v in parsed.errors.items()))
    encoding = request.args.get("encoding", export.UTF8)
    if encoding not in export.ENCODINGS:
        raise query_args.BadQueryArgument(
            "encoding", _("Use one of: %(values)s.", values=", ".join(export.ENCODINGS))
        )
    replace = request.args.get("replace") == "1"
    columns = download.csv_columns(access, types, _export_entries(access))
    if encoding == export.CP932 and not replace:
        problems = export.cp932_problems(
            columns, access.export_rows(parsed.conditions, columns.entries)
        )
        if problems:
            return render_template(
                "records/export_problems.html",
                form=form,
                problems=problems,
                args=request.args.to_dict(),
            ), 409
    return download.csv_response(
        access, columns, parsed.conditions, encoding, audit.query_summary(request.args)
    )


def _export_entries(access: RecordAccess) -> list[dict]:
    try:
        return download.chosen_entries(access, request.args)
    except FieldNotVisible as exc:
        abort(403, description=_("You may not see the field “%(name)s”.", name=exc.name))


@blueprint.route("/forms/<int:form_id>/records.xlsx")
def export_xlsx(form_id: int):
    access, types, parsed = _view(form_id, rights.EXPORT)
    if parsed.errors:
        abort(400, description=" ".join(f"{k}: {v}" for k, v in parsed.errors.items()))
    columns = download.csv_columns(access, types, _export_entries(access))
    most = current_app.config["ATSUME_XLSX_MAX_ROWS"]
    if access.count(parsed.conditions) > most:
        abort(413, description=_too_many_for_a_sheet(most))
    try:
        return download.xlsx_response(
            access, columns, parsed.conditions, audit.query_summary(request.args)
        )
    except sheet.TooManyRows:
        abort(413, description=_too_many_for_a_sheet(sheet.MAX_ROWS))


def _too_many_for_a_sheet(most: int) -> str:
    return _(
        "More than %(n)s records match: an Excel sheet cannot hold them. "
        "Narrow the filter, or download CSV.",
        n=f"{most:,}",
    )
