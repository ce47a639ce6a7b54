"""Staff pages for starting forms: blank, from the template gallery, copies, templates."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import rights
from app.forms import reuse
from app.staff.blueprint import blueprint, form_or_404


def _department_choice() -> int | None:
    """The department chosen on the page, if the user may create forms there."""
    allowed = {d.id for d in rights.departments_for_new_forms(current_user)}
    wanted = request.form.get("department_id", type=int) or current_user.department_id
    if wanted not in allowed:
        abort(403)
    return wanted


@blueprint.route("/forms/new", methods=["GET", "POST"])
def new_form():
    """Start a form: blank, or from a template (the samples included)."""
    if not rights.can_create_forms(current_user):
        abort(403)
    entries = reuse.gallery(current_user)
    departments = rights.departments_for_new_forms(current_user)
    problem = None
    if request.method == "POST":
        title = request.form.get("title", "").strip()
        start = request.form.get("start", "blank")
        if not title and start == "blank":
            problem = _("Enter a title for the new form.")
        elif len(title) > 200:
            problem = _("Enter a title of at most 200 characters.")
        else:
            department_id = _department_choice()
            if start == "blank":
                form = reuse.blank_form(current_user, department_id, title, _("Name"))
            else:
                try:
                    form = reuse.start_from(start, current_user, department_id, title or None)
                except LookupError:
                    abort(404)
            flash(_("The form was created as a draft."), "success")
            return redirect(url_for("designer.design", form_id=form.id))
    return render_template(
        "staff/new_form.html", entries=entries, departments=departments, problem=problem
    ), 422 if problem else 200


@blueprint.route("/forms/<int:form_id>/duplicate", methods=["GET", "POST"])
def duplicate(form_id: int):
    form = form_or_404(form_id, rights.VIEW_FORM)
    if not rights.can_create_forms(current_user):
        abort(403)
    departments = rights.departments_for_new_forms(current_user)
    title = request.form.get("title", _("Copy of %(title)s", title=form.title)).strip()
    problem = None
    if request.method == "POST":
        if not title or len(title) > 200:
            problem = _("Enter a title of at most 200 characters.")
        else:
            copy = reuse.duplicate_form(form, current_user, _department_choice(), title)
            flash(_("The copy was created as a draft."), "success")
            return redirect(url_for("designer.design", form_id=copy.id))
    return render_template(
        "staff/duplicate.html", form=form, departments=departments, title=title, problem=problem
    ), 422 if problem else 200


@blueprint.route("/forms/<int:form_id>/save-template", methods=["GET", "POST"])
def save_template(form_id: int):
    form = form_or_404(form_id, rights.EDIT_FORM)
    title = request.form.get("title", form.title).strip()
    description = request.form.get("description", form.draft.get("description", "")).strip()
    problem = None
    if request.method == "POST":
        if not title or len(title) > 200:
            problem = _("Enter a title of at most 200 characters.")
        else:
            reuse.save_template(
                form, current_user, title, description, shared=request.form.get("shared") == "1"
            )
            flash(_("The template was saved. It is offered under “New form”."), "success")
            return redirect(url_for("staff.form_detail", form_id=form.id))
    return render_template(
        "staff/save_template.html", form=form, title=title, description=description, problem=problem
    ), 422 if problem else 200
