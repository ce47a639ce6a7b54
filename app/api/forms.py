"""API: create forms, replace drafts, publish."""

from __future__ import annotations

from flask import g, request
from flask_babel import gettext as _

from app import audit, rights
from app.api.blueprint import api_form, blueprint, json_body, problem
from app.extensions import db
from app.forms import operations
from app.forms.errors import flatten
from builder.definition import DefinitionError
from builder.i18n import translate


def _form_json(form) -> dict:
    return {
        "id": form.id,
        "slug": form.slug,
        "title": form.title,
        "is_open": form.is_open,
        "draft_revision": form.draft_revision,
        "published_version": form.published_version.number if form.published_version else None,
    }


def _definition_problem(exc: DefinitionError, document):
    errors = [
        {"path": p.path, "message": p.message} for p in flatten(exc.errors, document, _, _("item"))
    ]
    return problem(422, _("The definition has problems."), errors)


@blueprint.get("/forms")
def list_forms():
    forms = db.session.scalars(rights.visible_forms(g.api_user)).all()
    return {"items": [_form_json(f) for f in forms]}


@blueprint.post("/forms")
def create_form():
    if not rights.can_create_forms(g.api_user):
        return problem(403, _("You do not have the right to do this."))
    document = json_body()
    try:
        form = operations.create_form(document, g.api_user)
    except DefinitionError as exc:
        return _definition_problem(exc, document)
    except operations.SlugTaken as exc:
        return problem(
            409,
            translate(exc.message, _),
            [{"path": "slug", "message": _("Already used.")}],
        )
    audit.record(audit.FORM_CREATE, form=form, detail={"title": form.title, "slug": form.slug})
    return {"id": form.id, "slug": form.slug}, 201


@blueprint.get("/forms/<int:form_id>")
def get_form(form_id: int):
    form = api_form(form_id, rights.VIEW_FORM)
    return _form_json(form) | {"draft": form.draft}


@blueprint.put("/forms/<int:form_id>/draft")
def replace_draft(form_id: int):
    form = api_form(form_id, rights.EDIT_FORM)
    document = json_body()
    expected = request.headers.get("If-Match", "").strip('"')
    try:
        operations.save_draft(form, document, int(expected) if expected.isdigit() else None)
    except DefinitionError as exc:
        return _definition_problem(exc, document)
    except operations.ConflictError:
        return problem(409, _("The draft was changed by someone else; fetch it again."))
    except operations.SlugTaken as exc:
        return problem(
            409,
            translate(exc.message, _),
            [{"path": "slug", "message": _("Already used.")}],
        )
    return _form_json(form)


@blueprint.post("/forms/<int:form_id>/publish")
def publish(form_id: int):
    form = api_form(form_id, rights.PUBLISH)
    try:
        version = operations.publish(form, g.api_user)
    except DefinitionError as exc:
        return _definition_problem(exc, form.draft)
    audit.record(audit.FORM_PUBLISH, form=form, detail=audit.publication(version))
    return {"id": form.id, "slug": form.slug, "version": version.number, "changes": version.changes}
