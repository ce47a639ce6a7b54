"""Administrators' pages for the organisation: the department tree and the users."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app import organisation, rights
from app.extensions import db
from app.models import Department, User, department_member
from app.organisation import OrganisationError
from app.query_args import whole_number
from app.staff.blueprint import blueprint
from app.url_ids import MAX_ID


def admin_only(view):
    """Pages for system administrators only; other staff get a 403."""

    @functools.wraps(view)
    def guarded(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return guarded


def _get_or_404(model, object_id: int):
    found = db.session.get(model, object_id)
    if found is None:
        abort(404)
    return found


def _department(raw: str | None) -> Department | None:
    """The department whose id is *raw*, or None (empty, not an id, or no such one)."""
    department_id = whole_number(raw, 1, MAX_ID)
    return db.session.get(Department, department_id) if department_id else None


def _department_choice(name: str) -> Department | None:
    """The department chosen in form field *name* (empty: none, the top level)."""
    raw = request.form.get(name, "")
    department = _department(raw)
    if raw.strip() and department is None:
        raise OrganisationError(name, _("That department no longer exists. Choose another."))
    return department


def _departments_chosen() -> list[Department]:
    ids = [whole_number(raw, 1, MAX_ID) for raw in request.form.getlist("departments")]
    ids = [i for i in ids if i is not None]
    if not ids:
        return []
    found = {
        d.id: d for d in db.session.scalars(sa.select(Department).where(Department.id.in_(ids)))
    }
    return [found[i] for i in ids if i in found]


def one_time_password_page(users: list[tuple[User, str]], back: str):
    """The page that shows new one-time passwords, once; never kept in a cache."""
    response = make_response(
        render_template("staff/one_time_passwords.html", users=users, back=back)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# Departments ------------------------------------------------------------------------


@blueprint.route("/departments", methods=["GET", "POST"])
@admin_only
def departments():
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            department = organisation.create_department(
                request.form.get("name", ""), _department_choice("parent")
            )
        except OrganisationError as error:
            errors[error.field] = str(error.message)
        else:
            flash(_("Created department %(name)s.", name=department.name), "success")
            return redirect(url_for("staff.departments"))
    tree = organisation.department_tree()
    counts = _member_counts()
    return render_template(
        "staff/departments.html",
        tree=tree,
        counts=counts,
        errors=errors,
        values=request.form,
    ), 422 if errors else 200


def _member_counts() -> dict[int, int]:
    """Active members per department."""
    rows = db.session.execute(
        sa.select(department_member.c.department_id, sa.func.count())
        .join(User, User.id == department_member.c.user_id)
        .where(User.active)
        .group_by(department_member.c.department_id)
    )
    return dict(rows.all())


@blueprint.route("/departments/<int:department_id>", methods=["GET", "POST"])
@admin_only
def edit_department(department_id: int):
    department = _get_or_404(Department, department_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            if request.form.get("part") == "contact":
                organisation.set_department_contact(
                    department,
                    request.form.get("contact_phone", ""),
                    request.form.get("contact_email", ""),
                    request.form.get("contact_hours", ""),
                )
            else:
                organisation.update_department(
                    department, request.form.get("name", ""), _department_choice("parent")
                )
        except OrganisationError as error:
            errors[error.field] = str(error.message)
        else:
            flash(_("Saved department %(name)s.", name=department.name), "success")
            return redirect(url_for("staff.departments"))
    below = rights.with_sub_departments({department.id})
    parents = [(d, depth) for d, depth in organisation.department_tree() if d.id not in below]
    return render_template(
        "staff/department.html",
        department=department,
        parents=parents,
        members=organisation.members(department),
        errors=errors,
        values=request.form if request.method == "POST" else None,
    ), 422 if errors else 200


# Users ------------------------------------------------------------------------------

ACTIVE_FILTERS = ("active", "inactive", "all")


@blueprint.route("/users")
@admin_only
def users():
    query = sa.select(User).options(selectinload(User.departments)).order_by(User.username)
    department = _department(request.args.get("department"))
    below = request.args.get("below") == "1"
    if department is not None:
        ids = rights.with_sub_departments({department.id}) if below else {department.id}
        query = query.where(User.departments.any(Department.id.in_(ids)))
    state = request.args.get("state", "active")
    if state not in ACTIVE_FILTERS:
        state = "active"
    if state != "all":
        query = query.where(User.active.is_(state == "active"))
    return render_template(
        "staff/users.html",
        users=list(db.session.scalars(query)),
        tree=organisation.department_tree(),
        department=department,
        below=below,
        state=state,
    )


def _user_form_values(user: User | None) -> dict:
    if request.method == "POST":
        return {
            "username": request.form.get("username", ""),
            "display_name": request.form.get("display_name", ""),
            "departments": {d.id for d in _departments_chosen()},
            "is_admin": request.form.get("is_admin") == "1",
        }
    if user is None:
        return {"username": "", "display_name": "", "departments": set(), "is_admin": False}
    return {
        "username": user.username,
        "display_name": user.display_name,
        "departments": {d.id for d in user.departments},
        "is_admin": user.is_admin,
    }


@blueprint.route("/users/new", methods=["GET", "POST"])
@admin_only
def new_user():
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            user, password = organisation.create_user(
                request.form.get("username", ""),
                _departments_chosen(),
                display_name=request.form.get("display_name", ""),
                admin=request.form.get("is_admin") == "1",
            )
        except OrganisationError as error:
            errors[error.field] = str(error.message)
        else:
            return one_time_password_page([(user, password)], url_for("staff.users"))
    return render_template(
        "staff/user.html",
        user=None,
        values=_user_form_values(None),
        tree=organisation.department_tree(),
        errors=errors,
    ), 422 if errors else 200


@blueprint.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_only
def edit_user(user_id: int):
    user = _get_or_404(User, user_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            organisation.update_user(
                user,
                display_name=request.form.get("display_name", ""),
                departments=_departments_chosen(),
                admin=request.form.get("is_admin") == "1",
                by=current_user,
            )
        except OrganisationError as error:
            errors[error.field] = str(error.message)
        else:
            flash(_("Saved %(name)s.", name=user.username), "success")
            return redirect(url_for("staff.users"))
    return render_template(
        "staff/user.html",
        user=user,
        values=_user_form_values(user),
        tree=organisation.department_tree(),
        errors=errors,
    ), 422 if errors else 200


@blueprint.route("/users/<int:user_id>/deactivate", methods=["POST"])
@admin_only
def deactivate_user(user_id: int):
    user = _get_or_404(User, user_id)
    try:
        organisation.deactivate_user(user, by=current_user)
    except OrganisationError as error:
        flash(str(error.message), "error")
    else:
        flash(
            _(
                "Deactivated %(name)s: they cannot log in and their API tokens stopped "
                "working. Their forms and records stay.",
                name=user.username,
            ),
            "success",
        )
    return redirect(url_for("staff.edit_user", user_id=user.id))


@blueprint.route("/users/<int:user_id>/reactivate", methods=["POST"])
@admin_only
def reactivate_user(user_id: int):
    user = _get_or_404(User, user_id)
    organisation.reactivate_user(user)
    flash(_("Reactivated %(name)s: they can log in again.", name=user.username), "success")
    return redirect(url_for("staff.edit_user", user_id=user.id))


@blueprint.route("/users/<int:user_id>/reset-password", methods=["POST"])
@admin_only
def reset_user_password(user_id: int):
    user = _get_or_404(User, user_id)
    password = organisation.reset_password(user)
    return one_time_password_page([(user, password)], url_for("staff.edit_user", user_id=user.id))
