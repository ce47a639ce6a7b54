"""Staff pages for forms: list, create from JSON, edit the draft, publish, open/close."""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import audit, json_input, rights, surveys
from app.events import view as event_view
from app.extensions import db
from app.forms import operations
from app.forms.errors import flatten
from app.models.types import utcnow
from app.records import store
from app.records.access import RecordAccess
from app.staff.blueprint import blueprint, form_or_404
from builder.definition import DefinitionError
from builder.i18n import translate
from builder.storage_plan import Plan


def _problems(error: DefinitionError, document) -> list:
    return flatten(error.errors, document, _, _("item"))


def _read_document(text: str):
    """Parse JSON typed or uploaded by staff; return (document, problems)."""
    try:
        return json_input.loads(text), []
    except json_input.JsonInputError as exc:
        where = (
            _("line %(line)d, column %(col)d", line=exc.line, col=exc.column)
            if exc.line is not None
            else ""
        )
        return None, [{"where": where, "message": exc.message}]


def _submitted_text() -> str:
    upload = request.files.get("file")
    if upload and upload.filename:
        return upload.read().decode("utf-8-sig", errors="replace")
    return request.form.get("definition", "")


@blueprint.route("/forms")
def forms():
    rows = db.session.scalars(rights.visible_forms(current_user)).all()
    counts = {
        f.id: store.count(f)
        for f in rows
        if f.is_published and rights.can(current_user, rights.VIEW_RECORDS, f)
    }
    return render_template(
        "staff/forms.html",
        forms=rows,
        counts=counts,
        can_create=rights.can_create_forms(current_user),
        waiting=surveys.waiting_for(current_user),
    )


@blueprint.route("/forms/import", methods=["GET", "POST"])
def import_form():
    """Create a draft from a definition file or pasted JSON (for moving forms between sites)."""
    if not rights.can_create_forms(current_user):
        abort(403)
    text, problems = "", []
    if request.method == "POST":
        text = _submitted_text()
        document, problems = _read_document(text)
        if document is not None:
            try:
                form = operations.create_form(document, current_user)
            except DefinitionError as exc:
                problems = _problems(exc, document)
            except operations.SlugTaken as exc:
                problems = [
                    {
                        "where": "slug",
                        "message": translate(exc.message, _),
                    }
                ]
            else:
                audit.record(
                    audit.FORM_IMPORT, form=form, detail={"title": form.title, "slug": form.slug}
                )
                flash(_("The form was created as a draft."), "success")
                return redirect(url_for("staff.form_detail", form_id=form.id))
    return render_template(
        "staff/import_form.html", text=text, problems=problems
    ), 422 if problems else 200


@blueprint.route("/forms/<int:form_id>")
def form_detail(form_id: int):
    form = form_or_404(form_id, rights.VIEW_FORM)
    can_view_records = form.is_published and rights.can(current_user, rights.VIEW_RECORDS, form)
    return render_template(
        "staff/form_detail.html",
        form=form,
        total=RecordAccess(current_user, form).count() if can_view_records else 0,
        can_view_records=can_view_records,
        can_edit=rights.can(current_user, rights.EDIT_FORM, form),
        can_publish=rights.can(current_user, rights.PUBLISH, form),
        seats=event_view.seat_summary(form) if can_view_records else ([], 0),
    )


@blueprint.route("/forms/<int:form_id>/definition", methods=["GET", "POST"])
def edit_definition(form_id: int):
    form = form_or_404(form_id, rights.EDIT_FORM)
    problems = []
    text = json.dumps(form.draft, ensure_ascii=False, indent=2)
    revision = form.draft_revision
    if request.method == "POST":
        text = _submitted_text()
        revision = request.form.get("revision", type=int) or form.draft_revision
        document, problems = _read_document(text)
        if document is not None:
            try:
                operations.save_draft(form, document, revision)
            except DefinitionError as exc:
                problems = _problems(exc, document)
            except operations.ConflictError:
                problems = [
                    {
                        "where": "",
                        "message": _(
                            "Someone else saved this draft after you opened it. Your text is kept "
                            "below; copy your changes, reload the page and apply them again."
                        ),
                    }
                ]
            except operations.SlugTaken as exc:
                problems = [
                    {
                        "where": "slug",
                        "message": translate(exc.message, _),
                    }
                ]
            else:
                flash(_("The draft was saved."), "success")
                return redirect(url_for("staff.form_detail", form_id=form.id))
    return render_template(
        "staff/edit_definition.html", form=form, text=text, revision=revision, problems=problems
    ), 422 if problems else 200


@blueprint.route("/forms/<int:form_id>/definition.json")
def download_definition(form_id: int):
    form = form_or_404(form_id, rights.VIEW_FORM)
    body = json.dumps(form.draft, ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{form.slug}.json"'},
    )


@blueprint.route("/forms/<int:form_id>/publish", methods=["GET", "POST"])
def publish(form_id: int):
    form = form_or_404(form_id, rights.PUBLISH)
    try:
        plan: Plan = operations.preview_publish(form)
    except DefinitionError as exc:
        flash(_("The draft has problems; fix them before publishing."), "error")
        return render_template(
            "staff/edit_definition.html",
            form=form,
            text=json.dumps(form.draft, ensure_ascii=False, indent=2),
            revision=form.draft_revision,
            problems=_problems(exc, form.draft),
        ), 422
    if request.method == "POST":
        version = operations.publish(form, current_user)
        audit.record(audit.FORM_PUBLISH, form=form, detail=audit.publication(version))
        flash(_("Version %(n)d is now published.", n=version.number), "success")
        return redirect(url_for("staff.form_detail", form_id=form.id))
    return render_template("staff/publish.html", form=form, plan=plan)


def _closing_needs_confirmation(form) -> bool:
    """Closing a form that takes applications and already has answers is confirmed first."""
    return form.is_published and form.accepting(utcnow()) and store.count(form) > 0


@blueprint.route("/forms/<int:form_id>/close")
def confirm_close(form_id: int):
    """What closing does to citizens, with the button that closes the form."""
    form = form_or_404(form_id, rights.EDIT_FORM)
    if not (form.is_published and form.is_open):
        return redirect(url_for("staff.form_detail", form_id=form.id))
    return render_template("staff/close.html", form=form, answers=store.count(form))


@blueprint.route("/forms/<int:form_id>/open", methods=["POST"])
def set_open(form_id: int):
    form = form_or_404(form_id, rights.EDIT_FORM)
    opening = request.form.get("open") == "1"
    if not opening and request.form.get("confirmed") != "1" and _closing_needs_confirmation(form):
        return redirect(url_for("staff.confirm_close", form_id=form.id), 303)
    was_open = form.is_open
    operations.set_acceptance(form, opening)
    if form.is_open != was_open:
        audit.record(audit.FORM_OPEN if form.is_open else audit.FORM_CLOSE, form=form)
    flash(
        _("The form is open for applications.")
        if form.is_open
        else _("The form is closed for applications."),
        "success",
    )
    return redirect(url_for("staff.form_detail", form_id=form.id))
