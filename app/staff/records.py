"""Staff pages for a form's records: list with filters and sorting, detail, CSV export."""

from __future__ import annotations

import datetime as dt
import math

from flask import (
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
)
from flask_babel import gettext as _
from flask_login import current_user

from app import audit, query_args, rights
from app.forms.published import published_definition
from app.records import export, filters, store
from app.records.columns import column_heading, column_types
from app.records.statuses import status_label
from app.staff.blueprint import blueprint, form_or_404


def _view(form, action: str):
    """Columns, field types and parsed filters the current user may use on this form."""
    if not form.is_published:
        abort(404)
    entries = rights.visible_columns(current_user, form)
    types = column_types(entries, _)
    parsed = filters.parse(
        request.args,
        entries,
        types,
        store.tables_for(form),
        timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"],
        gettext=_,
    )
    return entries, types, parsed


@blueprint.route("/forms/<int:form_id>/records")
def records(form_id: int):
    form = form_or_404(form_id, rights.VIEW_RECORDS)
    entries, types, parsed = _view(form, rights.VIEW_RECORDS)
    page_size = current_app.config["ATSUME_PAGE_SIZE"]
    page_number = query_args.number_arg(request.args, "page", 1, 1, query_args.MAX_POSITION)
    sort = request.args.get("sort", "id")
    allowed_sorts = set(store.SYSTEM_SORTS) | {e["column"] for e in store.sortable(entries)}
    if sort not in allowed_sorts:
        sort = "id"
    descending = request.args.get("dir", "desc" if sort == "id" else "asc") == "desc"
    conditions = [] if parsed.errors else parsed.conditions
    result = store.query(
        form, conditions, sort, descending, limit=page_size, offset=(page_number - 1) * page_size
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
        sortable=allowed_sorts,
    ), 422 if parsed.errors else 200


@blueprint.route("/forms/<int:form_id>/records/<int:record_id>")
def record_detail(form_id: int, record_id: int):
    form = form_or_404(form_id, rights.VIEW_RECORDS)
    entries, types, _parsed = _view(form, rights.VIEW_RECORDS)
    record = store.get(form, record_id)
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
    )


@blueprint.route("/forms/<int:form_id>/records.csv")
def export_csv(form_id: int):
    form = form_or_404(form_id, rights.EXPORT)
    entries, types, parsed = _view(form, rights.EXPORT)
    if parsed.errors:
        abort(400, description=" ".join(f"{k}: {v}" for k, v in parsed.errors.items()))
    encoding = request.args.get("encoding", export.UTF8)
    if encoding not in export.ENCODINGS:
        raise query_args.BadQueryArgument(
            "encoding", _("Use one of: %(values)s.", values=", ".join(export.ENCODINGS))
        )
    replace = request.args.get("replace") == "1"
    columns = export.ExportColumns(
        entries=entries,
        types=types,
        system_headings=(_("Receipt number"), _("Received at"), _("Status")),
        retired_label=_("retired"),
        timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"],
        status_text=lambda status: status_label(status, _),
    )
    if encoding == export.CP932 and not replace:
        problems = export.cp932_problems(columns, store.iterate(form, parsed.conditions))
        if problems:
            return render_template(
                "records/export_problems.html",
                form=form,
                problems=problems,
                args=request.args.to_dict(),
            ), 409
    stamp = dt.date.today().strftime("%Y%m%d")
    charset = "shift_jis" if encoding == export.CP932 else "utf-8"
    # After a clean check, a record sent meanwhile with such a character gets 〓 rather
    # than breaking the download halfway.
    records = audit.counting(
        store.iterate(form, parsed.conditions),
        audit.RECORD_EXPORT,
        form=form,
        detail={"filter": audit.query_summary(request.args), "format": "csv"},
    )
    body = export.stream(
        export.rows(columns, records),
        encoding,
        replace_unencodable=encoding == export.CP932,
    )
    return Response(
        stream_with_context(body),
        content_type=f"text/csv; charset={charset}",
        headers={"Content-Disposition": f'attachment; filename="{form.slug}-{stamp}.csv"'},
    )
