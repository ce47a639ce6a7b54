"""The API blueprint: bearer-token authentication and JSON error bodies."""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy.orm import defer

from app import rights
from app.extensions import db
from app.forms import snapshots
from app.json_input import JsonInputError, request_json
from app.models import Form
from app.tokens import user_for_token

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
#: the draft (a large document) is loaded only by the routes that show it
_WITHOUT_DRAFT = (defer(Form.draft),)


def problem(status: int, message: str, errors: list | dict | None = None):
    """A JSON error response that names each problem."""
    body = {"error": message}
    if errors is not None:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    return response


@blueprint.before_request
def authenticate():
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token else None
    if user is None:
        response = problem(401, _("A valid API token is required."))
        response.headers["WWW-Authenticate"] = 'Bearer realm="atsume"'
        return response
    g.api_user = user
    return None


def json_body():
    """The request's JSON object, or a 400 response naming the problem."""
    try:
        data = request_json()
    except JsonInputError as exc:
        abort(problem(400, exc.message))
    if not isinstance(data, dict):
        abort(problem(400, _("The request body must be a JSON object.")))
    return data


def api_form(form_id: int, action: str) -> Form:
    return form_standing(form_id, action)[0]


def form_standing(
    form_id: int, action: str, shared: bool = False
) -> tuple[Form, rights.Standing]:
    """The form the caller may do *action* on, and their standing on it (404 or 403);
    *shared* takes this process's recent read-only copy of the form (``app.forms.snapshots``)."""
    if shared:
        form = snapshots.form_by_id(form_id)
    else:
        form = db.session.get(Form, form_id, options=_WITHOUT_DRAFT)
    standing = rights.standing(g.api_user, form) if form is not None else None
    if standing is None or not standing.can(rights.VIEW_FORM):
        abort(problem(404, _("No such form.")))
    if not standing.can(action):
        abort(problem(403, _("You do not have the right to do this.")))
    return form, standing
