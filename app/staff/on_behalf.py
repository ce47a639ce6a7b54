"""Adding a record on behalf of a citizen (an application by phone or on paper).

The published form is rendered and validated exactly as on the public page (renderer/),
limited to the fields the staff member may set; the record is stored with the source
"staff" and the staff member as its creator, and lists and pages mark it as such.
"""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import audit, rights, surveys
from app.attachments import held
from app.forms.published import bound_fields, published_definition
from app.records.submission import submit
from app.records.tables import STAFF
from app.staff.blueprint import blueprint, form_or_404
from renderer.form_class import Layout, build_form_class, cleaned_values, field_name, layout


def _page(form, definition):
    """The fields the user may set, their WTForms form and their layout."""
    access = rights.field_access(current_user, form)
    everything = bound_fields(definition, _)
    allowed = {f.key for f in everything if access.can_set_on_add(f.key)}
    fields = [f for f in everything if f.key in allowed]
    arranged = []
    for item in layout(definition, everything):
        kept = [f for f in item.fields if f.key in allowed]
        if kept:
            arranged.append(Layout(item.section, kept))
    return fields, build_form_class(fields)(), arranged


@blueprint.route("/forms/<int:form_id>/records/new", methods=["GET", "POST"])
def add_on_behalf(form_id: int):
    """Enter a citizen's phone or paper application (add_records right)."""
    form = form_or_404(form_id, rights.ADD_RECORDS)
    if not form.is_published:
        abort(404)
    definition = published_definition(form)
    if surveys.is_staff_form(definition):
        abort(404)  # staff answer their own surveys themselves
    held.allow_request_size(bound_fields(definition))
    fields, web_form, arranged = _page(form, definition)
    with_files = request.method == "POST" and held.file_fields(fields)
    if with_files:  # files attached before a correction come back from their references
        bound_to = f"staff:{request.form.get('submission_token', '')}"
        web_form = build_form_class(fields)(
            formdata=held.request_formdata(form, fields, field_name, bound_to)
        )
    context = {
        "form": form,
        "definition": definition,
        "web_form": web_form,
        "layout": arranged,
        "field_name": field_name,
        "hidden_count": len(bound_fields(definition, _)) - len(fields),
    }
    valid = request.method == "POST" and web_form.validate()
    if with_files:  # checked files are kept, whatever else needs correcting
        kept = held.valid_uploads(web_form, fields, field_name)
        held.hold(form, kept, f"staff:{web_form.submission_token.data}")
    if not valid:
        if not web_form.submission_token.data:
            web_form.submission_token.data = uuid.uuid4().hex
        status = 422 if request.method == "POST" else 200
        return render_template("records/add_on_behalf.html", **context), status
    values = cleaned_values(web_form, fields)
    try:
        record, created = submit(
            form,
            definition,
            values,
            token=f"staff:{web_form.submission_token.data}",
            user_id=current_user.id,
            source=STAFF,
            after_add=[held.attach_step(form, held.uploads_of(fields, values))],
        )
    except held.UploadGone as gone:
        bound = web_form[field_name(gone.field_key)]
        bound.errors, bound.data = [
            _("A file attached earlier could not be found. Please attach it again.")
        ], []
        return render_template("records/add_on_behalf.html", **context), 409
    if created:
        audit.record(
            audit.RECORD_CREATE,
            form=form,
            record_id=record.id,
            detail={"receipt_no": record.receipt_no, "source": STAFF},
        )
    flash(_("Added with receipt number %(receipt)s.", receipt=record.receipt_no), "success")
    if rights.can(current_user, rights.VIEW_RECORDS, form):
        return redirect(url_for("staff.record_detail", form_id=form.id, record_id=record.id), 303)
    return redirect(url_for("staff.add_on_behalf", form_id=form.id), 303)
