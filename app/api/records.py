"""API: list, read and submit records."""

from __future__ import annotations

from flask import abort, current_app, g, request
from flask_babel import gettext as _

from app import audit, query_args, rights
from app.api.blueprint import api_form, blueprint, json_body, problem
from app.forms.published import bound_fields, published_definition
from app.records import filters, store
from app.records.columns import column_types
from app.records.submission import submit
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


@blueprint.get("/forms/<int:form_id>/records")
def list_records(form_id: int):
    form = _published(form_id, rights.VIEW_RECORDS)
    entries = [e for e in rights.visible_columns(g.api_user, form) if not e["retired"]]
    types = column_types(entries, _)
    errors = []
    known = (
        PAGING
        | set(filters.SYSTEM_FILTERS)
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
    columns = {api_name(e["key"]): e["column"] for e in store.sortable(entries)}
    if sort_name in store.SYSTEM_SORTS:
        sort_column = sort_name
    elif sort_name in columns:
        sort_column = columns[sort_name]
    else:
        errors.append({"path": "sort", "message": _("Cannot sort by this.")})
        sort_column = "id"
    parsed = filters.parse(
        request.args,
        entries,
        types,
        store.tables_for(form),
        name_of=lambda e: api_name(e["key"]),
        gettext=_,
        timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"],
    )
    errors += [{"path": k, "message": v} for k, v in parsed.errors.items()]
    if errors:
        return problem(400, _("The request has problems."), errors)
    page = store.query(form, parsed.conditions, sort_column, descending, limit, offset)
    audit.record(
        audit.RECORD_LIST,
        form=form,
        detail={
            "filter": audit.query_summary(request.args),
            "shown": len(page.records),
            "total": page.total,
        },
    )
    return {"total": page.total, "items": [_record_json(r, entries, types) for r in page.records]}


@blueprint.get("/forms/<int:form_id>/records/<int:record_id>")
def get_record(form_id: int, record_id: int):
    form = _published(form_id, rights.VIEW_RECORDS)
    entries = [e for e in rights.visible_columns(g.api_user, form) if not e["retired"]]
    record = store.get(form, record_id)
    if record is None:
        return problem(404, _("No such record."))
    audit.record(
        audit.RECORD_VIEW, form=form, record_id=record.id, detail={"receipt_no": record.receipt_no}
    )
    return _record_json(record, entries, column_types(entries, _))


@blueprint.post("/forms/<int:form_id>/records")
def create_record(form_id: int):
    """Submit values as the public form would, with the same validation."""
    form = _published(form_id, rights.SUBMIT_AS_STAFF)
    payload = json_body()
    definition = published_definition(form)
    fields = bound_fields(definition, _)
    keys = {f.key for f in fields}
    errors = {name: [_("Unknown field.")] for name in payload if name not in keys}
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
        form, definition, cleaned_values(web_form, fields), token=token, user_id=g.api_user.id
    )
    if created:
        audit.record(
            audit.RECORD_CREATE,
            form=form,
            record_id=record.id,
            detail={"receipt_no": record.receipt_no},
        )
    entries = [e for e in rights.visible_columns(g.api_user, form) if not e["retired"]]
    return _record_json(record, entries, column_types(entries, _)), 201 if created else 200
