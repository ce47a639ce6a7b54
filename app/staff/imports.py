"""Staff pages to import records from a CSV or .xlsx file: upload, map the columns, check
(dry run, nothing written), then import all rows at once."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from app import audit, rights
from app.records import import_files, importing
from app.records.access import RecordAccess
from app.staff.blueprint import blueprint, form_or_404

#: how many problems the dry-run page lists (the count says how many there are in all)
SHOWN_PROBLEMS = 500


def _access(form_id: int) -> RecordAccess:
    form = form_or_404(form_id, rights.IMPORT)
    if not form.is_published:
        abort(404)
    return RecordAccess(current_user, form, rights.IMPORT)


def _limit_mb() -> int:
    return current_app.config["ATSUME_IMPORT_MAX_MB"]


def _upload_page(access: RecordAccess, error: str | None = None, status: int = 200):
    return render_template(
        "records/import.html",
        step="upload",
        form=access.form,
        targets=importing.importable(access, current_user),
        limit_mb=_limit_mb(),
        error=error,
    ), status


@blueprint.route("/forms/<int:form_id>/import", methods=["GET", "POST"])
def import_records(form_id: int):
    """GET: the upload page, or the column mapping of an uploaded file (``?file=``).
    POST: keep the uploaded file and go on to its mapping."""
    access = _access(form_id)
    if request.method == "GET":
        token = request.args.get("file", "")
        if not token:
            return _upload_page(access)
        return _mapping_page(access, token)
    try:  # the limit is set by app.upload_limits
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        return _upload_page(
            access,
            _("The file is larger than %(n)d MB. Split it into smaller files.", n=_limit_mb()),
            413,
        )
    if upload is None or not upload.filename:
        return _upload_page(access, _("Choose a CSV or Excel (.xlsx) file."), 400)
    data = upload.read()
    try:
        importing.read_upload(data, upload.filename)
    except importing.UnreadableFile as exc:
        return _upload_page(access, str(exc), 400)
    token = import_files.save(data, upload.filename, current_user.id, access.form.id)
    return redirect(url_for("staff.import_records", form_id=form_id, file=token), 303)


def _load(access: RecordAccess, token: str):
    found = import_files.load(token, current_user.id, access.form.id)
    if found is None:
        return None
    data, name = found
    return importing.read_upload(data, name)


def _mapping_page(access: RecordAccess, token: str, mapping=None, plan=None, status=200):
    upload = _load(access, token)
    if upload is None:
        flash(_("The uploaded file is no longer available. Upload it again."), "error")
        return redirect(url_for("staff.import_records", form_id=access.form.id), 303)
    targets = importing.importable(access, current_user)
    if mapping is None:
        mapping = importing.auto_mapping(targets, upload)
    return render_template(
        "records/import.html",
        step="check" if plan is not None else "map",
        form=access.form,
        token=token,
        upload=upload,
        samples=upload.rows[:3],
        targets=targets,
        mapping=mapping,
        plan=plan,
        shown=plan.problems[:SHOWN_PROBLEMS] if plan is not None else [],
        IGNORE=importing.IGNORE,
        RECEIPT=importing.RECEIPT,
    ), status


def _posted_mapping(upload) -> list[str]:
    return [request.form.get(f"map-{n}", "") for n in range(len(upload.headings))]


@blueprint.route("/forms/<int:form_id>/import/check", methods=["POST"])
def import_check(form_id: int):
    """The dry run: every row's problems, and what an import would do. Nothing is written."""
    access = _access(form_id)
    token = request.form.get("file", "")
    upload = _load(access, token)
    if upload is None:
        abort(400, description=_("The uploaded file is no longer available. Upload it again."))
    mapping = _posted_mapping(upload)
    plan = importing.check(access, current_user, upload, mapping)
    audit.record(
        audit.RECORD_IMPORT,
        form=access.form,
        detail={
            "file": upload.name,
            "dry_run": True,
            "rows": len(upload.rows),
            "problems": len(plan.problems),
        },
    )
    return _mapping_page(access, token, mapping, plan, 422 if plan.problems else 200)


@blueprint.route("/forms/<int:form_id>/import/commit", methods=["POST"])
def import_commit(form_id: int):
    """Import every row in one transaction, or nothing when any row has a problem."""
    access = _access(form_id)
    token = request.form.get("file", "")
    upload = _load(access, token)
    if upload is None:
        abort(400, description=_("The uploaded file is no longer available. Upload it again."))
    mapping = _posted_mapping(upload)
    result = importing.commit(access, current_user, upload, mapping)
    if isinstance(result, importing.Plan):
        return _mapping_page(access, token, mapping, result, 422)
    import_files.remove(token)
    flash(importing.progress_text(result), "success")
    return redirect(url_for("staff.records", form_id=form_id), 303)
