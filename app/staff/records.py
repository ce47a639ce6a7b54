"""Staff pages for a form's records: list with filters and sorting, detail, CSV export."""

from __future__ import annotations

import dataclasses
import math
from urllib.parse import urlencode

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app import audit, query_args, rights
from app.attachments import files
from app.forms.published import published_definition
from app.records import download, export, paging, printing, saved_views, sheet, viewspec
from app.records.access import FieldNotVisible, RecordAccess
from app.records.columns import column_heading
from app.records.respondents import respondent_names
from app.records.store import SYSTEM_SORTS
from app.records.viewspec import ViewSpec
from app.staff import record_workflow
from app.staff.blueprint import blueprint, form_or_404
from builder.fields.date import PERIODS

#: page sizes the list offers, and the largest a view may ask for
PAGE_SIZES = (20, 50, 100, 200)
MAX_PAGE_SIZE = 500


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


def list_url(form_id: int, pairs) -> str:
    """The records list of the form with the query-string *pairs*."""
    path = url_for("staff.records", form_id=form_id)
    pairs = list(MultiDict(pairs).items(multi=True))
    return f"{path}?{urlencode(pairs)}" if pairs else path


def _chosen_view(access: RecordAccess):
    """The saved view the list shows, and the spec to use: the request's own arguments
    (a shared URL), the view named by ``view=``, or the form's default view."""
    form = access.form
    named = request.args.get("view", "")
    chosen = None
    if named.isdigit():
        chosen = saved_views.find(current_user, form, int(named))
        if chosen is None:
            abort(404)
    if viewspec.has_spec(request.args):
        return chosen, viewspec.from_args(request.args), False
    if chosen is None and named != "all":
        chosen = saved_views.default_view(form)
    if chosen is None:
        return None, ViewSpec(), False
    return chosen, ViewSpec.from_json(chosen.spec), True


def compile_request(access: RecordAccess, spec: ViewSpec, lenient: bool = False):
    """The rights-checked view of *spec*; a field hidden from the user named in a URL is
    refused (403), naming it."""
    try:
        return access.view(
            spec,
            timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"],
            gettext=_,
            default_page_size=current_app.config["ATSUME_PAGE_SIZE"],
            max_page_size=MAX_PAGE_SIZE,
            lenient=lenient,
        )
    except FieldNotVisible as exc:
        abort(403, description=_("You may not see the field “%(name)s”.", name=exc.name))


def _moved_columns():
    """The column chooser without script: move one column up or down, then show the list."""
    columns = [c for raw in request.args.getlist("columns") for c in raw.split(",") if c]
    for direction, step in (("up", -1), ("down", 1)):
        name = request.args.get(direction)
        if name in columns:
            at = columns.index(name)
            to = min(max(at + step, 0), len(columns) - 1)
            columns.insert(to, columns.pop(at))
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("up", "down", "columns")]
    return [("columns", ",".join(columns))] + args if columns else args


@blueprint.route("/forms/<int:form_id>/records")
def records(form_id: int):
    form = form_or_404(form_id, rights.VIEW_RECORDS)
    if not form.is_published:
        abort(404)
    if "up" in request.args or "down" in request.args:
        return redirect(list_url(form.id, _moved_columns()))
    access = RecordAccess(current_user, form)
    chosen, spec, lenient = _chosen_view(access)
    compiled = compile_request(access, spec, lenient)
    if compiled.errors:
        compiled = dataclasses.replace(compiled, conditions=[])
    page_number = query_args.number_arg(request.args, "page", 1, 1, query_args.MAX_POSITION)
    size = compiled.page_size
    after, before = request.args.get("after") or None, request.args.get("before") or None
    exact_wanted = request.args.get("count") == "exact"
    total, exact = access.count_view(
        compiled, None if exact_wanted else current_app.config["ATSUME_LIST_COUNT_LIMIT"]
    )
    try:
        shown, window = access.window(
            compiled,
            offset=0 if (after or before) else (page_number - 1) * size,
            after=after,
            before=before,
            dense=not exact or total >= paging.DENSE_AT,
        )
    except paging.BadPosition:
        raise query_args.BadQueryArgument(
            "after" if after else "before", _("This page position is not valid here.")
        ) from None
    pages = max(math.ceil(total / size), 1) if exact else None
    link_args = compiled.spec.to_args() + ([("view", str(chosen.id))] if chosen else [])
    keyset = paging.keyset_usable(compiled.sort, access.tables)
    has_next = window.more if before is None else True
    audit.record(
        audit.RECORD_LIST,
        form=form,
        detail={
            "filter": audit.query_summary(MultiDict(compiled.spec.to_args())),
            "view": chosen.id if chosen else None,
            "page": page_number,
            "shown": len(shown),
            "total": total if exact else f">{total}",
        },
    )
    types = access.types(_)
    return render_template(
        "records/list.html",
        form=form,
        entries=access.entries,
        columns=compiled.columns,
        view=compiled,
        types=types,
        records=shown,
        total=total,
        exact=exact,
        page_number=page_number,
        pages=pages,
        previous_args=_page_args(link_args, page_number - 1, keyset, before=window.first),
        next_args=_page_args(link_args, page_number + 1, keyset, after=window.last)
        if has_next and shown
        else None,
        link_args=link_args,
        sort_state={name: descending for name, descending in compiled.spec.sort[:1]},
        filters=compiled,
        heading=lambda e: column_heading(e, _("retired")),
        can_export=rights.can(current_user, rights.EXPORT, form),
        can_manage=rights.can(current_user, rights.MANAGE, form),
        can_import=rights.can(current_user, rights.IMPORT, form),
        xlsx_max_rows=current_app.config["ATSUME_XLSX_MAX_ROWS"],
        sortable=set(SYSTEM_SORTS) | {e["column"] for e in access.sortable()},
        respondent=respondent_names(form),
        views=saved_views.offered(current_user, form),
        chosen=chosen,
        may_change=chosen is not None and saved_views.may_change(current_user, form, chosen),
        page_sizes=PAGE_SIZES,
        periods=[(name, _(label)) for name, label in PERIODS.items()],
        sort_fields=range(1, viewspec.SORT_FIELDS + 1),
        keep_for_filters=[
            (k, v) for k, v in link_args if k in ("columns", "q", "view") or viewspec.GROUP.match(k)
        ],
        keep_for_search=[(k, v) for k, v in link_args if k != "q"],
        keep_for_columns=[(k, v) for k, v in link_args if k != "columns"],
        column_choices=_column_choices(access, compiled),
        spec_query=urlencode(compiled.spec.to_args()),
        table_of_view=_table_of_view(chosen, lenient),
        **record_workflow.list_context(access, request.args, _),
    ), 422 if compiled.errors else 200


def _table_of_view(chosen, lenient: bool) -> list[tuple[str, str]] | None:
    """The cross-table page's arguments for the view shown as saved: the view opens there
    with its own filters and cross table (None: the list's filters are passed instead)."""
    return [("view", str(chosen.id))] if chosen is not None and lenient else None


def _column_choices(access: RecordAccess, compiled) -> list[tuple[str, str, bool]]:
    """(name, heading, shown) for the column chooser: the shown columns in their order,
    then the others."""
    every = [("created_at", _("Received at"))] + [
        (e["column"], column_heading(e, _("retired"))) for e in access.entries
    ]
    shown = compiled.spec.columns or [name for name, _label in every]
    labels = dict(every)
    first = [(name, labels[name], True) for name in shown if name in labels]
    return first + [(name, label, False) for name, label in every if name not in shown]


def _page_args(link_args, number: int, keyset: bool, after=None, before=None):
    """The arguments of a link to page *number*: by position when the sort allows it."""
    if number < 1:
        return None
    args = list(link_args)
    args.append(("page", str(number)))
    if number > 1:
        if keyset and after:
            args.append(("after", after))
        elif keyset and before:
            args.append(("before", before))
    return args


@blueprint.route("/forms/<int:form_id>/records/<int:record_id>")
def record_detail(form_id: int, record_id: int):
    access, types, _parsed = _view(form_id, rights.VIEW_RECORDS)
    form, entries = access.form, access.entries
    record = access.get(record_id, trashed=True)
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
        attachments=files.for_records(access, [record.id])[record.id],
        **record_workflow.detail_context(access, record),
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
        attachments=files.for_records(access, [record.id])[record.id],
    )


@blueprint.route("/forms/<int:form_id>/records.csv")
def export_csv(form_id: int):
    access, types, _parsed = _view(form_id, rights.EXPORT)
    form = access.form
    compiled = compile_request(access, viewspec.from_args(request.args))
    if compiled.errors:
        abort(400, description=" ".join(f"{k}: {v}" for k, v in compiled.errors.items()))
    encoding = request.args.get("encoding", export.UTF8)
    if encoding not in export.ENCODINGS:
        raise query_args.BadQueryArgument(
            "encoding", _("Use one of: %(values)s.", values=", ".join(export.ENCODINGS))
        )
    replace = request.args.get("replace") == "1"
    columns = download.csv_columns(access, types, _export_entries(access))
    if encoding == export.CP932 and not replace:
        problems = export.cp932_problems(
            columns, access.export_rows(compiled.conditions, columns.entries)
        )
        if problems:
            return render_template(
                "records/export_problems.html",
                form=form,
                problems=problems,
                args=request.args.to_dict(),
            ), 409
    return download.csv_response(
        access, columns, compiled.conditions, encoding, audit.query_summary(request.args)
    )


def _export_entries(access: RecordAccess) -> list[dict]:
    try:
        return download.chosen_entries(access, request.args)
    except FieldNotVisible as exc:
        abort(403, description=_("You may not see the field “%(name)s”.", name=exc.name))


@blueprint.route("/forms/<int:form_id>/records.xlsx")
def export_xlsx(form_id: int):
    access, types, _parsed = _view(form_id, rights.EXPORT)
    compiled = compile_request(access, viewspec.from_args(request.args))
    if compiled.errors:
        abort(400, description=" ".join(f"{k}: {v}" for k, v in compiled.errors.items()))
    columns = download.csv_columns(access, types, _export_entries(access))
    most = current_app.config["ATSUME_XLSX_MAX_ROWS"]
    if access.count(compiled.conditions) > most:
        abort(413, description=_too_many_for_a_sheet(most))
    try:
        return download.xlsx_response(
            access, columns, compiled.conditions, audit.query_summary(request.args)
        )
    except sheet.TooManyRows:
        abort(413, description=_too_many_for_a_sheet(sheet.MAX_ROWS))


def _too_many_for_a_sheet(most: int) -> str:
    return _(
        "More than %(n)s records match: an Excel sheet cannot hold them. "
        "Narrow the filter, or download CSV.",
        n=f"{most:,}",
    )
