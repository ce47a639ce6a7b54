"""Staff pages for the trash: move a record there, list a form's trash, restore, delete now."""

from __future__ import annotations

import math

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app import audit, query_args, rights
from app.organisation import display_names
from app.records import trash
from app.staff.blueprint import blueprint, form_or_404


def _published(form_id: int, action: str):
    form = form_or_404(form_id, action)
    if not form.is_published:
        abort(404)
    return form


def selected_ids(values) -> list[int]:
    """The record ids a form sent as ``record`` (repeated); others are ignored."""
    ids = []
    for raw in values.getlist("record"):
        number = query_args.whole_number(raw, 1, query_args.MAX_POSITION)
        if number is not None and number not in ids:
            ids.append(number)
    return ids


@blueprint.route("/forms/<int:form_id>/records/<int:record_id>/trash", methods=["POST"])
def trash_record(form_id: int, record_id: int):
    """Move one record to the trash (it can be restored from there)."""
    form = _published(form_id, rights.DELETE_RECORDS)
    moved = trash.move_to_trash(form, [record_id], current_user)
    if moved:
        audit.record(audit.RECORD_DELETE, form=form, record_id=record_id)
        flash(_("The record was moved to the trash."), "success")
    return redirect(url_for("staff.record_detail", form_id=form.id, record_id=record_id), 303)


@blueprint.route("/forms/<int:form_id>/trash")
def trash_list(form_id: int):
    """The records in the form's trash, latest first, with restore (and delete now)."""
    form = _published(form_id, rights.DELETE_RECORDS)
    page_size = current_app.config["ATSUME_PAGE_SIZE"]
    page_number = query_args.number_arg(request.args, "page", 1, 1, query_args.MAX_POSITION)
    total, records = trash.trashed(form, page_size, (page_number - 1) * page_size)
    return render_template(
        "records/trash.html",
        form=form,
        records=records,
        total=total,
        page_number=page_number,
        pages=max(math.ceil(total / page_size), 1),
        days=current_app.config["ATSUME_TRASH_DAYS"],
        names=display_names({r.deleted_by for r in records}),
        can_delete_now=rights.can(current_user, rights.MANAGE, form),
    )


@blueprint.route("/forms/<int:form_id>/trash/restore", methods=["POST"])
def restore_records(form_id: int):
    """Take the chosen records out of the trash."""
    form = _published(form_id, rights.DELETE_RECORDS)
    ids = selected_ids(request.form)
    try:
        restored = trash.restore(form, ids, current_user) if ids else 0
    except trash.RestoreRefused as refused:
        restored = 0
        flash(_("Nothing was restored: %(reason)s", reason=refused.message), "error")
    if restored:
        audit.record(audit.RECORD_RESTORE, form=form, detail={"records": ids, "count": restored})
        flash(
            ngettext("%(num)d record was restored.", "%(num)d records were restored.", restored),
            "success",
        )
    if len(ids) == 1 and request.form.get("back") == "record":
        return redirect(url_for("staff.record_detail", form_id=form.id, record_id=ids[0]), 303)
    return redirect(url_for("staff.trash_list", form_id=form.id), 303)


@blueprint.route("/forms/<int:form_id>/trash/delete", methods=["GET", "POST"])
def delete_now(form_id: int):
    """Delete chosen records from the trash for good, after a confirmation page."""
    form = _published(form_id, rights.MANAGE)
    source = request.form if request.method == "POST" else request.args
    ids = selected_ids(source)
    if request.method == "GET" or request.form.get("confirmed") != "1":
        return render_template("records/trash_delete.html", form=form, ids=ids)
    deleted = trash.delete_now(form, ids, current_user) if ids else 0
    if deleted:
        audit.record(audit.RECORD_PURGE, form=form, detail={"records": ids, "deleted": deleted})
        flash(
            ngettext(
                "%(num)d record was deleted for good.", "%(num)d records were deleted for good.",
                deleted,
            ),
            "success",
        )
    return redirect(url_for("staff.trash_list", form_id=form.id), 303)
