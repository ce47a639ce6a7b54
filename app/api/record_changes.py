"""API: change a record, and read its history."""

from __future__ import annotations

from flask import g
from flask_babel import gettext as _

from app import audit, rights
from app.api.blueprint import blueprint, json_body, problem
from app.api.records import _published, _record_json, validated_values
from app.attachments import files
from app.forms.published import bound_fields, published_definition
from app.records import editing, timeline, trash, workflow
from app.records.access import RecordAccess
from app.records.editing import RecordGone
from app.transactions import write_transaction

PATCH_MEMBERS = {"values", "status"}


def _live(access: RecordAccess, record_id: int):
    try:
        return editing.live_record(access, record_id)
    except RecordGone:
        return None


def _answer(form, record_id: int):
    """The record as GET of one record shows it to the caller (its receipt and status,
    without values, to one who may change records but not see them)."""
    reader = RecordAccess(g.api_user, form, rights.EDIT_RECORDS)
    entries = [e for e in reader.entries if not e["retired"]]
    attached = files.for_records(reader, [record_id])
    return _record_json(reader.get(record_id), entries, reader.types(_, entries), attached)


@blueprint.patch("/forms/<int:form_id>/records/<int:record_id>")
def update_record(form_id: int, record_id: int):
    """Change some values, checked as the public form checks them; only the values
    given are changed, and only those that differ are noted in the history."""
    form = _published(form_id, rights.EDIT_RECORDS)
    payload = json_body()
    errors = {name: [_("Unknown member.")] for name in payload if name not in PATCH_MEMBERS}
    values = payload.get("values", {})
    if not isinstance(values, dict):
        errors["values"] = [_("Expected an object of field values.")]
    status = payload.get("status")
    if status is not None and not isinstance(status, str):
        errors["status"] = [_("Expected a status key.")]
    if errors:
        return problem(422, _("The change has problems."), errors)
    access = editing.editor(g.api_user, form)
    if _live(access, record_id) is None:
        return problem(404, _("No such record."))
    fields = bound_fields(published_definition(form), _)
    checked, errors = validated_values(
        values,
        fields,
        lambda key: None if access.fields.can_change(key) else _("You may not change this field."),
        only_given=True,
    )
    if errors:
        return problem(422, _("The record has problems."), errors)
    columns = {e["key"]: e["column"] for e in form.storage if not e["retired"]}
    by_column = {columns[key]: value for key, value in checked.items()}
    try:
        record, edited, moved = _apply(access, record_id, by_column, status)
    except RecordGone:
        return problem(404, _("No such record."))
    except workflow.TransitionRefused as refused:
        return problem(409, refused.message, {"status": [refused.message]})
    except editing.EditRefused as refused:
        return problem(409, _("The record has problems."), refused.errors)
    if edited:
        audit.record(
            audit.RECORD_EDIT,
            form=form,
            record_id=record_id,
            detail={"receipt_no": record.receipt_no, "fields": sorted(checked)},
        )
    if moved:
        audit.record(
            audit.RECORD_STATUS,
            form=form,
            record_id=record_id,
            detail={"receipt_no": record.receipt_no, "status": status},
        )
    return _answer(form, record_id)


@write_transaction
def _apply(access: RecordAccess, record_id: int, by_column: dict, status: str | None):
    """Store the values and the status in one write transaction (a refused status
    change rolls the values back); return the record, whether values changed and
    whether the status did."""
    before = editing.latest_revision_id(access.form, record_id)
    record = editing.save(access, record_id, by_column, expected=None)
    edited = editing.latest_revision_id(access.form, record_id) != before
    moved = False
    if status is not None:
        moved = workflow.change_status(access.form, [record_id], status, access.user) > 0
    return record, edited, moved


@blueprint.delete("/forms/<int:form_id>/records/<int:record_id>")
def delete_record(form_id: int, record_id: int):
    """Move the record to the trash (it can be restored there); 204."""
    form = _published(form_id, rights.DELETE_RECORDS)
    access = RecordAccess(g.api_user, form, rights.DELETE_RECORDS)
    record = _live(access, record_id)
    if record is None or not trash.move_to_trash(form, [record_id], g.api_user):
        return problem(404, _("No such record."))
    audit.record(
        audit.RECORD_DELETE,
        form=form,
        record_id=record_id,
        detail={"receipt_no": record.receipt_no, "trash": True},
    )
    return "", 204


@blueprint.get("/forms/<int:form_id>/records/<int:record_id>/history")
def record_history(form_id: int, record_id: int):
    """Every revision of the record, oldest first: who (login name), when, and each
    changed field's old and new value, by field key."""
    form = _published(form_id, rights.VIEW_RECORDS)
    access = RecordAccess(g.api_user, form)
    record = _live(access, record_id)
    if record is None:
        return problem(404, _("No such record."))
    audit.record(
        audit.RECORD_VIEW,
        form=form,
        record_id=record.id,
        detail={"receipt_no": record.receipt_no, "history": True},
    )
    return {"items": timeline.api_items(access, record.id)}
