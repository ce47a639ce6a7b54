"""The staff blueprint; every page needs a logged-in staff member."""

from flask import Blueprint, abort, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import rights
from app.extensions import db
from app.models import Form

blueprint = Blueprint("staff", __name__, url_prefix="/staff")


def wants_json() -> bool:
    """A script's request (the designer's), answered in JSON rather than with pages."""
    return request.is_json or request.accept_mimetypes.best == "application/json"


@blueprint.before_request
def require_login():
    if not current_user.is_authenticated:
        if wants_json():
            return jsonify(
                {
                    "error": _(
                        "You were logged out. Log in again (in another tab) "
                        "and retry; this page keeps your changes."
                    )
                }
            ), 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if current_user.must_change_password and request.endpoint != "staff.change_password":
        return redirect(url_for("staff.change_password"))
    return None


def form_or_404(form_id: int, action: str) -> Form:
    """The form, if it exists and the current user may do *action* on it."""
    form = db.session.get(Form, form_id)
    if form is None:
        abort(404)
    if not rights.can(current_user, action, form):
        abort(403)
    return form
