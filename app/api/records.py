"""API: list, read and submit records."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from flask import abort, current_app, g, jsonify, request, url_for
from flask_babel import gettext as _

from app import audit, query_args, rights
from app.api.blueprint import blueprint, form_standing, json_body, problem
from app.attachments import files, held
from app.events import registration
from app.events import view as event_view
from app.events.links import cancel_url
from app.forms import snapshots
from app.forms.published import published_definition
from app.json_input import JsonInputError, loads
from app.mail.notify import submission_step
from app.models import Form
from app.records import download, export, filters, paging, viewspec
from app.records.access import FieldNotVisible, RecordAccess
from app.records.filters import SYSTEM_FILTERS
from app.records.submission import submit
from app.records.tables import API
from builder.system_names import api_name
from renderer import conditions
from renderer.form_class import FIELD_PREFIX, build_form_class, field_name, formdata_from_json
from renderer.prepared import prepare

PAGING = {"limit", "offset", "sort"}
#: view arguments besides filters: any/all conditions, and the search box
VIEW_ARGUMENTS = {"match", "q"}
MAX_LIMIT = 1000


def _record_json(record, entries, types, attached=None) -> dict:
    body = {
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
    if attached is not None:
        body["attachments"] = [
            files.as_json(
                row,
                url_for(
                    "api.download_attachment",
                    form_id=row.form_id,
                    record_id=record.id,
                    attachment_id=row.id,
                    _external=True,
                ),
            )
            for row in attached.get(record.id, [])
        ]
    return body


def _published(form_id: int, action: str):
    return _published_standing(form_id, action)[0]


def _published_standing(
    form_id: int, action: str, shared: bool = False
) -> tuple[Form, rights.Standing]:
    form, standing = form_standing(form_id, action, shared=shared)
    if not form.is_published:
        abort(problem(409, _("The form has not been published yet.")))
    return form, standing


def _access(form_id: int, action: str = rights.VIEW_RECORDS) -> tuple[RecordAccess, list[dict]]:
    """The caller's door to the form's records, and the active columns they may see."""
    form, standing = _published_standing(form_id, action)
    return _active(RecordAccess(g.api_user, form, action, standing))


def _active(access: RecordAccess) -> tuple[RecordAccess, list[dict]]:
    return access, [e for e in access.entries if not e["retired"]]


def _hidden_field(exc: FieldNotVisible):
    return problem(
        403,
        _("You may not see the field “%(name)s”.", name=exc.name),
        [{"path": exc.name, "message": _("You may not see this field.")}],
    )


def _api_name(entry: dict) -> str:
    return api_name(entry["key"])


def _known(entries: list[dict], types, extra) -> set[str]:
    """The argument names a list or export request may use."""
    return (
        set(extra)
        | set(SYSTEM_FILTERS)
        | {
            argument
            for e in entries
            for argument, _op in filters.argument_names(_api_name(e), types[e["column"]])
        }
    )


def _unknown(known: set[str]) -> list[dict]:
    errors = []
    for name in request.args:
        grouped = viewspec.GROUP.match(name)
        base = grouped.group(2) if grouped else name
        if base not in known and not (grouped and base == "match"):
            errors.append({"path": name, "message": _("Unknown parameter.")})
    return errors


def _compiled(access: RecordAccess, entries: list[dict], spec: viewspec.ViewSpec):
    """The request's view (filters, match, search, sort) over the visible fields; a hidden
    field aborts with a 403."""
    try:
        return access.view(
            spec,
            entries=entries,
            name_of=_api_name,
            gettext=_,
            timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"],
            max_page_size=MAX_LIMIT,
        )
    except FieldNotVisible as exc:
        abort(_hidden_field(exc))


@blueprint.get("/forms/<int:form_id>/records")
def list_records(form_id: int):
    """Records with the list's filters, ``match``, ``q`` (search) and ``sort=a,-b``."""
    access, entries = _access(form_id)
    types = access.types(_, entries)
    spec = viewspec.from_args(request.args)
    if not request.args.get("sort"):
        spec.sort = [("id", False)]
    compiled = _compiled(access, entries, spec)
    errors = _unknown(_known(entries, types, PAGING | VIEW_ARGUMENTS))
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
    if len(compiled.sort) != len(spec.sort):
        errors.append({"path": "sort", "message": _("Cannot sort by this.")})
    errors += [{"path": k, "message": v} for k, v in compiled.errors.items()]
    if errors:
        return problem(400, _("The request has problems."), errors)
    compiled = dataclasses.replace(compiled, page_size=limit)
    total, _exact = access.count_view(compiled)
    records, _window = access.window(compiled, offset=offset, dense=total >= paging.DENSE_AT)
    audit.record(
        audit.RECORD_LIST,
        form=access.form,
        detail={
            "filter": audit.query_summary(request.args),
            "shown": len(records),
            "total": total,
        },
    )
    attached = files.for_records(access, [r.id for r in records])
    return {
        "total": total,
        "items": [_record_json(r, entries, types, attached) for r in records],
    }


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
    attached = files.for_records(access, [record.id])
    return _record_json(record, entries, access.types(_, entries), attached)


@blueprint.get("/forms/<int:form_id>/records/<int:record_id>/attachments/<int:attachment_id>")
def download_attachment(form_id: int, record_id: int, attachment_id: int):
    """One attached file of a record (view_records right, its field visible)."""
    access, _entries = _access(form_id)
    row = files.find(access, record_id, attachment_id)
    if row is None:
        return problem(404, _("No such file."))
    audit.record(
        audit.RECORD_FILE,
        form=access.form,
        record_id=record_id,
        detail={"attachment": row.id, "field": row.field_key, "filename": row.filename},
    )
    return files.download(row)


def _payload() -> tuple[dict, dict]:
    """The values sent (a JSON body, or the JSON "data" part of a multipart body) and the
    files sent (multipart parts named by field key)."""
    if request.mimetype != "multipart/form-data":
        return json_body(), {}
    try:
        payload = loads(request.form.get("data", "{}"))
    except JsonInputError as exc:
        abort(problem(400, exc.message))
    if not isinstance(payload, dict):
        abort(problem(400, _("The request body must be a JSON object.")))
    return payload, {name: request.files.getlist(name) for name in request.files}


def validated_values(
    payload: dict,
    fields: list,
    refused: Callable[[str], str | None],
    *,
    only_given: bool = False,
    definition=None,
    files: dict | None = None,
    form_class=None,
) -> tuple[dict, dict]:
    """(field key -> value to store, field key -> messages) for an API JSON object,
    checked as the public form checks it. *refused* gives the message for a field the
    caller may not set (None: allowed). With *only_given*, only the fields in *payload*
    are checked (a partial change), so an item left out is not "required". With the
    *definition*, a question hidden by its display condition is neither checked nor
    stored, as on the public form: a value sent for it is ignored. *files* are the uploaded
    parts of a multipart request, by field key. *form_class* is the WTForms class of all
    *fields* when one is made already."""
    files = files or {}
    keys = {f.key for f in fields}
    file_keys = {f.key for f in held.file_fields(fields)}
    errors = {}
    for name in [*payload, *files]:
        message = _("Unknown field.") if name not in keys else refused(name)
        if message:
            errors[name] = [message]
        elif name in files and name not in file_keys:
            errors[name] = [_("This field does not take files.")]
    checked = [f for f in fields if f.key in payload] if only_given else fields
    formdata, type_errors = formdata_from_json(payload, checked)
    for name in file_keys & set(files):
        for file in files[name]:
            formdata.add(field_name(name), file)
    errors.update({k: [v] for k, v in type_errors.items()})
    if errors:
        return {}, errors
    if form_class is None or checked is not fields:
        form_class = build_form_class(checked)
    web_form = form_class(formdata=formdata, meta={"csrf": False})
    hidden = conditions.hidden(definition, checked, web_form) if definition else set()
    if not conditions.validate_keys(web_form, [f.key for f in checked if f.key not in hidden]):
        return {}, {
            name.removeprefix(FIELD_PREFIX): messages
            for name, messages in web_form.errors.items()
        }
    return conditions.visible_values(web_form, checked, hidden), {}


@blueprint.post("/forms/<int:form_id>/records")
def create_record(form_id: int):
    """Submit values as the public form would, with the same validation; files of file
    fields come as multipart parts named by the field key."""
    # A JSON record is taken on this process's recent copy of the form, checked in the
    # insert's transaction: if the form changed since, nothing is stored and the record
    # is taken again on the form as it is. Files are read once, so a multipart request
    # reads the form as it is from the start.
    if request.mimetype == "multipart/form-data":
        return _create_record(form_id, shared=False)
    return snapshots.on_copy_or_afresh(lambda shared: _create_record(form_id, shared))


def _create_record(form_id: int, shared: bool):
    form, standing = _published_standing(form_id, rights.SUBMIT_AS_STAFF, shared=shared)
    definition = published_definition(form)
    prepared = prepare(definition)
    fields = prepared.fields
    held.allow_request_size(fields)
    payload, sent_files = _payload()
    access = standing.fields
    values, errors = validated_values(
        payload,
        fields,
        lambda key: None if access.can_set_on_add(key) else _("You may not set this field."),
        definition=definition,
        files=sent_files,
        form_class=prepared.form_class,
    )
    if errors:
        return problem(422, _("The record has problems."), errors)
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 60:
        return problem(400, _("The Idempotency-Key header is too long (at most 60)."))
    token = f"api:{key}" if key else None
    event_problems = event_view.check_answers(form, definition, values)
    if event_problems:
        return problem(422, _("The record has problems."), event_problems)
    uploads = held.uploads_of(fields, values)
    held.hold(form, uploads, bound_to=token or "api")
    try:
        record, created = submit(
            form,
            definition,
            values,
            token=token,
            user_id=g.api_user.id,
            source=API,
            after_add=[
                *([snapshots.unchanged_step(form)] if shared else []),
                *registration.after_add_steps(form, definition),
                held.attach_step(form, uploads),
                submission_step(form, definition, cancel_url),
                _noted(form),
            ],
        )
    except registration.Full as exc:
        return _refused("full", _("The event is full: nothing was stored."), exc, definition)
    except registration.Duplicate as exc:
        return _refused(
            "duplicate", _("An application with this answer exists: nothing was stored."),
            exc, definition,
        )
    status = 201 if created else 200
    if not standing.can(rights.VIEW_RECORDS):
        return _record_json(record, [], {}), status  # the receipt, without values
    reader, entries = _active(RecordAccess(g.api_user, form, standing=standing))
    attached = files.for_records(reader, [record.id])
    return _record_json(reader.strip(record), entries, reader.types(_, entries), attached), status


def _noted(form):
    """An ``after_add`` step that notes the new record in the audit log, in the record's
    own transaction."""

    def note(record):
        audit.record(
            audit.RECORD_CREATE,
            form=form,
            record_id=record.id,
            detail={"receipt_no": record.receipt_no},
            with_action=True,
        )

    return note


def _refused(error: str, message: str, exc: registration.Refused, definition):
    """409 for an application the event rules refused (``{"error": "full", ...}``)."""
    body = {"error": error, "message": message}
    if isinstance(exc, registration.Full):
        body["pool"] = exc.pool
    errors = event_view.refusal_errors(exc, definition)
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = 409
    return response


EXPORT_ARGUMENTS = {"format", "encoding", "replace"}


@blueprint.get("/forms/<int:form_id>/records/export")
def export_records(form_id: int):
    """The records as CSV or .xlsx, the same file as the staff page's (filters as in the
    list)."""
    access, entries = _access(form_id, rights.EXPORT)
    types = access.types(_, entries)
    parsed = _compiled(access, entries, viewspec.from_args(request.args))
    errors = _unknown(_known(entries, types, EXPORT_ARGUMENTS | VIEW_ARGUMENTS))
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
