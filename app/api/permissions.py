"""API: a form's grants (who may do what with it and its records)."""

from __future__ import annotations

from flask_babel import gettext as _

from app import rights
from app.api.blueprint import api_form, blueprint, json_body, problem
from app.forms import grants
from builder.i18n import translate


@blueprint.get("/forms/<int:form_id>/permissions")
def get_permissions(form_id: int):
    return grants.document(api_form(form_id, rights.MANAGE))


@blueprint.put("/forms/<int:form_id>/permissions")
def replace_permissions(form_id: int):
    """Replace every grant of the form with those in the body."""
    form = api_form(form_id, rights.MANAGE)
    body = json_body()
    try:
        specs = grants.parse(body, form)
    except grants.GrantProblems as exc:
        errors = [{"path": p.path, "message": translate(p.message, _)} for p in exc.problems]
        return problem(422, "; ".join(e["message"] for e in errors), errors)
    grants.replace(form, specs)
    return grants.document(form)
