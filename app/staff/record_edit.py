"""Staff pages that change one record: edit, history with its diffs, and restore."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import audit, rights
from app.forms.published import bound_fields, published_definition
from app.records import editing, timeline
from app.records.access import RecordAccess
from app.records.editing import EditPlan, EditRefused, RecordGone, RestoreRefused, StaleEdit
from app.staff.blueprint import blueprint, form_or_404
from renderer.form_class import build_form_class, field_name, formdata_from_values

RESTORED_NOTE = "restored from #{number}"
_RESTORED = re.compile(r"\Arestored from #(\d+)\Z")


def _published(form_id: int, action: str):
    form = form_or_404(form_id, action)
    if not form.is_published:
        abort(404)
    return form


def _record(access: RecordAccess, record_id: int):
    try:
        return editing.live_record(access, record_id)
    except RecordGone:
        abort(404)


def note_text(note: str | None) -> str | None:
    """A history entry's note as the reader's language says it."""
    if note and (match := _RESTORED.match(note)):
        return _("Restored from #%(n)s", n=match.group(1))
    return note


def _edit_page(access, edit: EditPlan, web_form, token: str, status: int = 200, **extra):
    types = access.types(_)
    return render_template(
        "records/edit.html",
        form=access.form,
        record=edit.record,
        edit=edit,
        web_form=web_form,
        field_name=field_name,
        token=token,
        types=types,
        errors=[
            (ft, web_form[field_name(ft.key)].errors)
            for ft in edit.fields
            if web_form[field_name(ft.key)].errors
        ],
        note_text=note_text,
        **extra,
    ), status


def _filled(edit: EditPlan):
    return build_form_class(edit.fields)(
        formdata=formdata_from_values(edit.values_by_key(), edit.fields)
    )


@blueprint.route("/forms/<int:form_id>/records/<int:record_id>/edit", methods=["GET", "POST"])
def edit_record(form_id: int, record_id: int):
    """The record's fields in the public form's inputs, filled with the stored values;
    only what the person changes is stored, checked by the public form's rules."""
    form = _published(form_id, rights.EDIT_RECORDS)
    access = editing.editor(current_user, form)
    definition = published_definition(form)
    fields = bound_fields(definition, _)
    record = _record(access, record_id)
    edit = editing.plan(access, definition, fields, record)
    if request.method == "GET":
        return _edit_page(access, edit, _filled(edit), editing.revision_token(form, record))

    web_form = build_form_class(edit.fields)()
    web_form.validate()
    changed = editing.touched(edit, request.form)
    for ft in edit.fields:
        if ft not in changed:  # kept as stored: today's rules do not apply to it
            web_form[field_name(ft.key)].errors = []
    token = request.form.get("revision", "")
    csrf_errors = web_form.csrf_token.errors if "csrf_token" in web_form else []
    if csrf_errors or any(web_form[field_name(ft.key)].errors for ft in changed):
        return _edit_page(access, edit, web_form, token, 422, csrf_expired=bool(csrf_errors))
    values = editing.changed_values(edit, web_form, changed)
    try:
        saved = editing.save(access, record_id, values, expected=token)
    except RecordGone:
        abort(404)
    except StaleEdit as stale:
        return _stale_page(access, definition, fields, edit, web_form, changed, stale)
    except EditRefused as refused:
        for key, messages in refused.errors.items():
            if field_name(key) in web_form:
                web_form[field_name(key)].errors = list(messages)
        return _edit_page(access, edit, web_form, token, 409)
    if values:
        keys = {column: key for key, column in edit.columns.items()}
        audit.record(
            audit.RECORD_EDIT,
            form=form,
            record_id=record_id,
            detail={"receipt_no": saved.receipt_no, "fields": sorted(keys[c] for c in values)},
        )
        flash(_("The record was saved."), "success")
    else:
        flash(_("Nothing was changed."), "success")
    return redirect(url_for("staff.record_detail", form_id=form.id, record_id=record_id))


def _stale_page(access, definition, fields, edit, web_form, changed, stale: StaleEdit):
    """The edit page again, filled with the record as it is now, saying who changed what
    meanwhile and which of the person's values were not saved."""
    current = editing.plan(access, definition, fields, stale.record)
    since = {r.id for r in stale.since}
    theirs = [
        e
        for e in timeline.build(access, stale.record, _, with_comments=False)
        if e.revision is not None and e.revision.id in since
    ]
    unsaved = []
    for ft in changed:
        bound = web_form[field_name(ft.key)]
        unsaved.append((ft.title, ft.display(ft.value_from_form(bound.data)) or "—"))
    return _edit_page(
        access,
        current,
        _filled(current),
        editing.revision_token(access.form, stale.record),
        409,
        theirs=theirs,
        unsaved=unsaved,
    )


@blueprint.route("/forms/<int:form_id>/records/<int:record_id>/history")
def record_history(form_id: int, record_id: int):
    """Every change to the record (who, when, old → new), its creation and comments."""
    form = _published(form_id, rights.VIEW_RECORDS)
    access = RecordAccess(current_user, form)
    record = access.get(record_id, trashed=True)  # the trash keeps its history readable
    if record is None:
        abort(404)
    entries = timeline.build(access, record, _)
    audit.record(
        audit.RECORD_VIEW,
        form=form,
        record_id=record.id,
        detail={"receipt_no": record.receipt_no, "history": True},
    )
    return render_template(
        "records/history.html",
        form=form,
        record=record,
        entries=entries,
        can_edit=record.deleted_at is None and rights.can(current_user, rights.EDIT_RECORDS, form),
        token=editing.revision_token(form, record),
        note_text=note_text,
    )


@blueprint.route("/forms/<int:form_id>/records/<int:record_id>/restore", methods=["POST"])
def restore_revision(form_id: int, record_id: int):
    """Set the fields the posted revision ``number`` changed back to the values they had
    right after it; this is itself an edit, noted as "restored from #number"."""
    form = _published(form_id, rights.EDIT_RECORDS)
    access = editing.editor(current_user, form)
    record = _record(access, record_id)
    number = request.form.get("number", "")
    if not number.isdigit():
        abort(400, description=_("Say which change to restore."))
    number = int(number)
    back = redirect(url_for("staff.record_history", form_id=form.id, record_id=record_id))
    revision = timeline.revision_by_number(access, record_id, number)
    if revision is None or not timeline.visible_changes(
        timeline.ChangeNames(access), revision.changes
    ):
        abort(404)
    fields = bound_fields(published_definition(form), _)
    try:
        values = editing.restore_values(access, revision, fields, _)
        if all(editing.same(record.values.get(c), v) for c, v in values.items()):
            flash(_("The record already has the values after #%(n)d.", n=number), "success")
            return back
        saved = editing.save(
            access,
            record_id,
            values,
            expected=request.form.get("revision", ""),
            note=RESTORED_NOTE.format(number=number),
        )
    except (RestoreRefused, EditRefused) as refused:
        flash(_("#%(n)d cannot be restored.", n=number), "error")
        for message in refused.messages:
            flash(message, "error")
        return back
    except StaleEdit:
        flash(
            _("The record changed while this page was open. Look at the history again."),
            "error",
        )
        return back
    except RecordGone:
        abort(404)
    audit.record(
        audit.RECORD_EDIT,
        form=form,
        record_id=record_id,
        detail={"receipt_no": saved.receipt_no, "restored_from": number},
    )
    flash(_("The values after #%(n)d were restored.", n=number), "success")
    return back


@blueprint.app_template_global()
def record_edit_allowed(form) -> bool:
    """Whether the logged-in person may edit the records of *form*."""
    return rights.can(current_user, rights.EDIT_RECORDS, form)
