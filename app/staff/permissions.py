"""The form's 権限 page: its grants, and what any chosen user may do and why."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import organisation, rights
from app.extensions import db
from app.forms import grants
from app.models import Department, User
from app.staff.blueprint import blueprint, form_or_404
from builder import definition as definitions
from builder.i18n import translate

#: the field level a grant takes when it does not name the field
FOLLOW_RIGHTS = ""

RIGHT_LABELS = {
    rights.VIEW_RECORDS: _l("View records"),
    rights.ADD_RECORDS: _l("Add records"),
    rights.EDIT_RECORDS: _l("Edit records"),
    rights.DELETE_RECORDS: _l("Delete records"),
    rights.EXPORT: _l("Export records"),
    rights.IMPORT: _l("Import records"),
    rights.MANAGE: _l("Manage (design, settings, publishing and permissions)"),
}
LEVEL_LABELS = {
    rights.HIDDEN: _l("Hidden (never shown)"),
    rights.READ: _l("Read only"),
    rights.EDIT: _l("Editable"),
}


def _field_choices(form) -> list[tuple[str, str]]:
    """(key, label) of every field a grant may name: the draft's, then removed ones."""
    seen, choices = set(), []
    for document in definitions.leaf_documents(form.draft or {}):
        if document.get("key") and document["key"] not in seen:
            seen.add(document["key"])
            choices.append((document["key"], document.get("label") or document["key"]))
    for entry in form.storage or []:
        if entry["key"] not in seen:
            seen.add(entry["key"])
            choices.append((entry["key"], entry.get("label") or entry["key"]))
    return choices


def _posted_grant(grant: dict, fields: list[tuple[str, str]]) -> dict:
    """*grant* with the rights, sub-departments and field levels the page posted."""
    updated = {**grant, "rights": request.form.getlist("rights")}
    if "department" in grant:
        updated["include_children"] = request.form.get("include_children") == "1"
    updated["fields"] = {
        key: request.form.get(f"field.{key}")
        for key, _label in fields
        if request.form.get(f"field.{key}", FOLLOW_RIGHTS) != FOLLOW_RIGHTS
    }
    return updated


def _new_grant() -> dict:
    kind = request.form.get("grantee")
    if kind == "department":
        return {
            "department": request.form.get("department", ""),
            "include_children": request.form.get("include_children") == "1",
        }
    if kind == "user":
        return {"user": request.form.get("user", "").strip()}
    return {"everyone": True}


def _page(form, problems=None, status=200):
    chosen = request.args.get("explain", "").strip()
    explained = None
    if chosen:
        user = organisation.user_named(chosen)
        if user is None:
            problems = (problems or []) + [_("Unknown user “%(name)s”.", name=chosen)]
        else:
            labels = dict(_field_choices(form))
            explained = {
                "user": user,
                "reasons": [
                    {
                        "right": r.right,
                        "granted": r.granted,
                        "by_admin": r.by_admin,
                        "by": [grants.grant_json(g) for g in r.by],
                    }
                    for r in rights.explain(user, form)
                ],
                "can_export": rights.can(user, rights.EXPORT, form),
                "fields": [
                    (key, labels[key], level, [grants.grant_json(g) for g in by])
                    for key, level, by in rights.explain_fields(user, form, list(labels))
                ],
            }
    return render_template(
        "staff/permissions.html",
        form=form,
        grants=grants.document(form)["grants"],
        right_labels=RIGHT_LABELS,
        level_labels=LEVEL_LABELS,
        fields=_field_choices(form),
        departments=db.session.scalars(sa.select(Department).order_by(Department.name)).all(),
        usernames=db.session.scalars(sa.select(User.username).order_by(User.username)).all(),
        explained=explained,
        chosen=chosen,
        problems=problems or [],
    ), status


@blueprint.get("/forms/<int:form_id>/permissions")
def permissions(form_id: int):
    return _page(form_or_404(form_id, rights.MANAGE))


@blueprint.post("/forms/<int:form_id>/permissions")
def change_permissions(form_id: int):
    """Add, change or remove one grant; the others stay as they are."""
    form = form_or_404(form_id, rights.MANAGE)
    current = grants.document(form)["grants"]
    fields = _field_choices(form)
    action = request.form.get("action")
    index = request.form.get("grant", "")
    position = int(index) if index.isdigit() and int(index) < len(current) else None
    if action == "add":
        current.append(_posted_grant(_new_grant(), fields))
    elif action == "save" and position is not None:
        current[position] = _posted_grant(current[position], fields)
    elif action == "remove" and position is not None:
        del current[position]
    else:
        return _page(form, [_("The grant you changed no longer exists; reload the page.")], 409)
    try:
        specs = grants.parse({"grants": current}, form)
    except grants.GrantProblems as exc:
        return _page(form, [translate(p.message, _) for p in exc.problems], 422)
    grants.replace(form, specs)
    if not rights.can(current_user, rights.MANAGE, form):
        flash(_("You no longer manage this form."), "success")
        return redirect(url_for("staff.forms"))
    flash(_("The permissions were saved."), "success")
    return redirect(url_for("staff.permissions", form_id=form.id), 303)
