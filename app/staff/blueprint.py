"""The staff blueprint; every page needs a logged-in staff member."""

from flask import Blueprint, abort, current_app, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import rights, second_factor
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
    if must_enrol(current_user) and request.endpoint not in ENROLMENT_PAGES:
        return redirect(url_for("staff.two_factor"))
    return None


#: the only pages open to a user who must set up the second factor first
ENROLMENT_PAGES = frozenset({"staff.two_factor", "staff.two_factor_qr"})


def must_enrol(user) -> bool:
    """Whether *user* must set up the second factor before anything else (the office
    requires it, ATSUME_REQUIRE_TOTP=1, and they have none)."""
    return current_app.config["ATSUME_REQUIRE_TOTP"] and not second_factor.is_enrolled(user)


def form_or_404(form_id: int, action: str) -> Form:
    """The form, if it exists and the current user may do *action* on it."""
    form = db.session.get(Form, form_id)
    if form is None:
        abort(404)
    if not rights.can(current_user, action, form):
        abort(403)
    return form
