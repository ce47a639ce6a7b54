"""API: list, read and submit records."""

from __future__ import annotations

from flask import abort, current_app, g, request
from flask_babel import gettext as _

from app import audit, query_args, rights
from app.api.blueprint import api_form, blueprint, json_body, problem
from app.forms.published import bound_fields, published_definition
from app.records import download, export
from app.records.access import FieldNotVisible, RecordAccess
from app.records.filters import SYSTEM_FILTERS
from app.records.store import SYSTEM_SORTS
from app.records.submission import submit
from app.records.tables import API
from builder.system_names import api_name
from renderer.form_class import FIELD_PREFIX, build_form_class, cleaned_values, formdata_from_json

PAGING = {"limit", "offset", "sort"}
MAX_LIMIT = 1000


def _record_json(record, entries, types) -> dict:
    return {
        "id": record.id,
        "receipt_no": record.receipt_no,
        "status": record.status,
        "created_at": record.created_at.isoformat() + "Z",
        "values": {
            e["key"]: types[e["column"]].to_json(record.values.get(e["column"]))
            for e in entries
            if not e["retired"]
        },
    }


def _published(form_id: int, action: str):
    form = api_form(form_id, action)
    if not form.is_published:
        abort(problem(409, _("The form has not been published yet.")))
    return form


def _access(form_id: int, action: str = rights.VIEW_RECORDS) -> tuple[RecordAccess, list[dict]]:
    """The caller's door to the form's records, and the active columns they may see."""
    access = RecordAccess(g.api_user, _published(form_id, action), action)
    return access, [e for e in access.entries if not e["retired"]]


def _hidden_field(exc: FieldNotVisible):
    return problem(
        403,
        _("You may not see the field “%(name)s”.", name=exc.name),
        [{"path": exc.name, "message": _("You may not see this field.")}],
    )


def _filters(access: RecordAccess, entries: list[dict]):
    """The request's filters on visible fields; a hidden field aborts with a 403."""
    try:
        access.refuse_hidden([request.args.get("sort", "").lstrip("-")], _api_name)
        return access.filters(
            request.args,
            entries=entries,
            name_of=_api_name,
            gettext=_,
            timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"],
        )
    except FieldNotVisible as exc:
        abort(_hidden_field(exc))


def _api_name(entry: dict) -> str:
    return api_name(entry["key"])


@blueprint.get("/forms/<int:form_id>/records")
def list_records(form_id: int):
    access, entries = _access(form_id)
    types = access.types(_, entries)
    parsed = _filters(access, entries)
    errors = []
    known = (
        PAGING
        | set(SYSTEM_FILTERS)
        | {api_name(e["key"]) for e in entries}
        | {f"{api_name(e['key'])}.{op}" for e in entries for op in types[e["column"]].filter_ops}
    )
    for name in request.args:
        if name not in known:
            errors.append({"path": name, "message": _("Unknown parameter.")})
    limit = query_args.whole_number(request.args.get("limit", "50"), 1, MAX_LIMIT)
    offset = query_args.whole_number(request.args.get("offset", "0"), 0, query_args.MAX_POSITION)
    if limit is None:
        errors.append({"path": "limit", "message": _("Use 1 to %(n)d.", n=MAX_LIMIT)})
    if offset is None:
        errors.append(
            {
                "path": "offset",
                "message": _("Use 0 to %(n)d.", n=query_args.MAX_POSITION),
            }
        )
    sort = request.args.get("sort", "id")
    descending = sort.startswith("-")
    sort_name = sort.lstrip("-")
    columns = {api_name(e["key"]): e["column"] for e in access.sortable(entries)}
    if sort_name in SYSTEM_SORTS:
        sort_column = sort_name
    elif sort_name in columns:
        sort_column = columns[sort_name]
    else:
        errors.append({"path": "sort", "message": _("Cannot sort by this.")})
        sort_column = "id"
    errors += [{"path": k, "message": v} for k, v in parsed.errors.items()]
    if errors:
        return problem(400, _("The request has problems."), errors)
    page = access.page(parsed.conditions, sort_column, descending, limit, offset)
    audit.record(
        audit.RECORD_LIST,
        form=access.form,
        detail={
            "filter": audit.query_summary(request.args),
            "shown": len(page.records),
            "total": page.total,
        },
    )
    return {"total": page.total, "items": [_record_json(r, entries, types) for r in page.records]}


@blueprint.get("/forms/<int:form_id>/records/<int:record_id>")
def get_record(form_id: int, record_id: int):
    access, entries = _access(form_id)
    record = access.get(record_id)
    if record is None:
        return problem(404, _("No such record."))
    audit.record(
        audit.RECORD_VIEW,
        form=access.form,
        record_id=record.id,
        detail={"receipt_no": record.receipt_no},
    )
    return _record_json(record, entries, access.types(_, entries))


@blueprint.post("/forms/<int:form_id>/records")
def create_record(form_id: int):
    """Submit values as the public form would, with the same validation."""
    form = _published(form_id, rights.SUBMIT_AS_STAFF)
    payload = json_body()
    definition = published_definition(form)
    fields = bound_fields(definition, _)
    keys = {f.key for f in fields}
    access = rights.field_access(g.api_user, form)
    errors = {
        name: [_("Unknown field.") if name not in keys else _("You may not set this field.")]
        for name in payload
        if name not in keys or not access.can_set_on_add(name)
    }
    formdata, type_errors = formdata_from_json(payload, fields)
    errors.update({k: [v] for k, v in type_errors.items()})
    if errors:
        return problem(422, _("The record has problems."), errors)
    web_form = build_form_class(fields)(formdata=formdata, meta={"csrf": False})
    if not web_form.validate():
        return problem(
            422,
            _("The record has problems."),
            {
                name.removeprefix(FIELD_PREFIX): messages
                for name, messages in web_form.errors.items()
            },
        )
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 60:
        return problem(400, _("The Idempotency-Key header is too long (at most 60)."))
    token = f"api:{key}" if key else None
    record, created = submit(
        form,
        definition,
        cleaned_values(web_form, fields),
        token=token,
        user_id=g.api_user.id,
        source=API,
    )
    if created:
        audit.record(
            audit.RECORD_CREATE,
            form=form,
            record_id=record.id,
            detail={"receipt_no": record.receipt_no},
        )
    status = 201 if created else 200
    if not rights.can(g.api_user, rights.VIEW_RECORDS, form):
        return _record_json(record, [], {}), status  # the receipt, without values
    reader, entries = _access(form_id)
    return _record_json(reader.strip(record), entries, reader.types(_, entries)), status


EXPORT_ARGUMENTS = {"format", "encoding", "replace"}


@blueprint.get("/forms/<int:form_id>/records/export")
def export_records(form_id: int):
    """The records as CSV or .xlsx, the same file as the staff page's (filters as in the
    list)."""
    access, entries = _access(form_id, rights.EXPORT)
    types = access.types(_, entries)
    parsed = _filters(access, entries)
    known = (
        EXPORT_ARGUMENTS
        | set(SYSTEM_FILTERS)
        | {api_name(e["key"]) for e in entries}
        | {f"{api_name(e['key'])}.{op}" for e in entries for op in types[e["column"]].filter_ops}
    )
    errors = [
        {"path": k, "message": _("Unknown parameter.")} for k in request.args if k not in known
    ]
    export_format = request.args.get("format", "csv")
    if export_format not in ("csv", "xlsx"):
        errors.append(
            {"path": "format", "message": _("Use one of: %(values)s.", values="csv, xlsx")}
        )
    encoding = request.args.get("encoding", export.UTF8)
    if encoding not in export.ENCODINGS:
        errors.append(
            {
                "path": "encoding",
                "message": _("Use one of: %(values)s.", values=", ".join(export.ENCODINGS)),
            }
        )
    errors += [{"path": k, "message": v} for k, v in parsed.errors.items()]
    if errors:
        return problem(400, _("The request has problems."), errors)
    columns = download.csv_columns(access, access.types(_))
    if export_format == "xlsx":
        most = current_app.config["ATSUME_XLSX_MAX_ROWS"]
        if access.count(parsed.conditions) > most:
            return problem(
                413,
                _(
                    "More than %(n)s records match: an Excel sheet cannot hold them. "
                    "Narrow the filter, or download CSV.",
                    n=f"{most:,}",
                ),
                [],
            )
        return download.xlsx_response(
            access, columns, parsed.conditions, audit.query_summary(request.args)
        )
    if encoding == export.CP932 and request.args.get("replace") != "1":
        problems = export.cp932_problems(
            columns, access.export_rows(parsed.conditions, columns.entries)
        )
        if problems:
            return problem(
                409,
                _("Some characters cannot be written in Shift_JIS; add replace=1 to print 〓."),
                [
                    {"path": p.receipt_no, "message": f"{p.heading}: {p.characters}"}
                    for p in problems
                ],
            )
    return download.csv_response(
        access, columns, parsed.conditions, encoding, audit.query_summary(request.args)
    )
