"""API: change a record, and read its history."""

from __future__ import annotations

from flask import g
from flask_babel import gettext as _

from app import audit, rights
from app.api.blueprint import blueprint, json_body, problem
from app.api.records import _published, _record_json, validated_values
from app.forms.published import bound_fields, published_definition
from app.records import editing, timeline
from app.records.access import RecordAccess
from app.records.editing import RecordGone
from app.transactions import write_transaction

PATCH_MEMBERS = {"values"}


def _live(access: RecordAccess, record_id: int):
    try:
        return editing.live_record(access, record_id)
    except RecordGone:
        return None


def _answer(form, record_id: int):
    """The record as GET of one record shows it to the caller."""
    reader = RecordAccess(g.api_user, form)
    entries = [e for e in reader.entries if not e["retired"]]
    return _record_json(reader.get(record_id), entries, reader.types(_, entries))


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
        record, changed = _apply(access, record_id, by_column)
    except RecordGone:
        return problem(404, _("No such record."))
    if changed:
        audit.record(
            audit.RECORD_EDIT,
            form=form,
            record_id=record_id,
            detail={"receipt_no": record.receipt_no, "fields": sorted(checked)},
        )
    return _answer(form, record_id)


@write_transaction
def _apply(access: RecordAccess, record_id: int, by_column: dict):
    """Store the values in one write transaction; return the record and whether
    anything changed."""
    before = editing.latest_revision_id(access.form, record_id)
    record = editing.save(access, record_id, by_column, expected=None)
    return record, editing.latest_revision_id(access.form, record_id) != before


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
