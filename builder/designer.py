"""The designer blueprint: staff build forms by drag and drop, preview, publish and reuse them.

The page is one HTML document driven by the modules under static/js/designer/; these views
give it the palette (from the field-type registry) and JSON endpoints that call the form
operations.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import InternalServerError

from app import audit, rights
from app.forms import operations
from app.forms.errors import flatten
from app.json_input import JsonInputError, request_json
from app.security_headers import framed_by_own_pages
from app.staff.blueprint import form_or_404, require_login, wants_json
from builder import definition as definitions
from builder.i18n import N_, translate
from builder.palette import describe
from builder.storage_plan import ACTION_LABELS, subject
from renderer.cards import MAX_CARDS, draft_items, render_cards
from renderer.public import page_context

#: words the designer's script shows, translated for the page
MESSAGES = {
    "saved": N_("All changes saved"),
    "saving": N_("Saving…"),
    "unsaved": N_("Not saved yet"),
    "not_saved": N_("Not saved: fix the problems shown"),
    "conflict": N_("Not saved: someone else changed this form"),
    "offline": N_("Not saved: the server could not be reached. Retrying…"),
    "expired": N_("Not saved: log in again or reload the page"),
    "problems": N_("The last change was not saved. Please fix:"),
    "required": N_("Required"),
    "move_up": N_("Move up"),
    "move_down": N_("Move down"),
    "duplicate": N_("Duplicate"),
    "delete": N_("Delete"),
    "undo": N_("Undo"),
    "deleted": N_("Deleted “%(label)s”."),
    "added": N_("Added “%(label)s” at the end of the form."),
    "moved": N_("Moved “%(label)s” to position %(n)d."),
    "copy_suffix": N_(" (copy)"),
    "choices_add": N_("Add a choice"),
    "choices_paste": N_("Paste a list"),
    "choices_paste_help": N_("One choice per line. Replaces the current choices."),
    "choices_apply": N_("Use these choices"),
    "choice_label": N_("Choice %(n)d"),
    "none": N_("(none)"),
    "advanced": N_("More settings"),
    "select_item": N_("Select an item to edit it."),
    "section_empty": N_("Drag items into this section."),
    "untitled": N_("(no question yet)"),
    "publish_loading": N_("Checking what will change…"),
    "publish_none": N_("Nothing changed since the last publication. Publish anyway?"),
    "publish_first": N_("The form will be published for the first time at this address:"),
    "publish_address_hint": N_("You can change the address under “Settings”."),
    "publish_unnamed": N_("These items still have the name they were added with:"),
    "list_separator": N_(", "),
    "colon": N_(": "),
    "added_at": N_("Added “%(label)s” at position %(n)d."),
    "published": N_("Published version %(n)d."),
    "published_state": N_("Published v%(n)d"),
    "reload": N_("Reload the page"),
    "open_public": N_("Open the public form"),
    "item_of_type": N_("%(type)s item"),
    "section_type": N_("Section"),
    "drag_handle": N_("Drag to move"),
    "edit": N_("Edit"),
    "choice_seats": N_("Seats of “%(label)s” (empty: no limit)"),
    "seats": N_("Seats"),
    "seats_help": N_(
        "Seats: a number limits that choice (e.g. a session of 20); when it is full, it "
        "shows 満員."
    ),
}

blueprint = Blueprint("designer", __name__, url_prefix="/staff")
blueprint.before_request(require_login)


def _problems(error: definitions.DefinitionError, document) -> list[dict]:
    return [vars(p) for p in flatten(error.errors, document, _, _("item"))]


def _state(form) -> dict:
    return {
        "id": form.id,
        "slug": form.slug,
        "title": form.title,
        "revision": form.draft_revision,
        "published_version": form.published_version.number if form.published_version else None,
        "public_url": url_for("public.fill", slug=form.slug, _external=True),
    }


def _json_error(status: int, message: str, problems: list | None = None):
    response = jsonify({"error": message, "problems": problems or []})
    response.status_code = status
    return response


def _body() -> dict:
    """The request's JSON object ({} when none); a 400 naming the problem if refused."""
    try:
        body = request_json()
    except JsonInputError as exc:
        abort(_json_error(400, exc.message))
    return body if isinstance(body, dict) else {}


def _conflict():
    return _json_error(
        409,
        _(
            "Someone else saved this form after you opened it. Reload the page to see their "
            "version; your last change was not saved."
        ),
    )


@blueprint.errorhandler(InternalServerError)
def _server_error(error: InternalServerError):
    """The designer's script reads JSON: an unexpected failure answers in JSON too."""
    if not wants_json():
        return error
    return _json_error(
        500, _("The server could not handle this change; it was not saved. Retry in a moment.")
    )


@blueprint.route("/forms/<int:form_id>/designer")
def design(form_id: int):
    form = form_or_404(form_id, rights.EDIT_FORM)
    bootstrap = {
        "form": _state(form),
        "document": form.draft,
        "palette": describe(_=_),
        "cards": render_cards(draft_items(form.draft)),
        "can_publish": rights.can(current_user, rights.PUBLISH, form),
        "messages": {name: _(text) for name, text in MESSAGES.items()},
        "urls": {
            "save": url_for(".save_draft", form_id=form.id),
            "order": url_for(".reorder", form_id=form.id),
            "changes": url_for(".changes", form_id=form.id),
            "publish": url_for(".publish", form_id=form.id),
            "preview": url_for(".preview", form_id=form.id),
            "cards": url_for(".cards", form_id=form.id),
        },
    }
    return render_template("designer/designer.html", form=form, bootstrap=bootstrap)


@blueprint.put("/forms/<int:form_id>/designer/draft")
def save_draft(form_id: int):
    """Save the whole draft; 422 names each problem, 409 on an edit conflict."""
    form = form_or_404(form_id, rights.EDIT_FORM)
    body = _body()
    document, revision = body.get("document"), body.get("revision")
    if not isinstance(document, dict) or not isinstance(revision, int):
        return _json_error(400, _("Send the document and the revision it was based on."))
    try:
        operations.save_draft(form, document, revision)
    except definitions.DefinitionError as exc:
        return _json_error(422, _("The draft was not saved."), _problems(exc, document))
    except operations.ConflictError:
        return _conflict()
    except operations.SlugTaken as exc:
        return _json_error(
            422,
            _("The draft was not saved."),
            [
                {
                    "path": "slug",
                    "where": "",
                    "message": translate(exc.message, _),
                }
            ],
        )
    return jsonify({"form": _state(form), "document": form.draft})


@blueprint.post("/forms/<int:form_id>/designer/order")
def reorder(form_id: int):
    """Items in their new order per container, as SortableJS leaves them."""
    form = form_or_404(form_id, rights.EDIT_FORM)
    body = _body()
    layout, revision = body.get("layout"), body.get("revision")
    if (
        not isinstance(layout, dict)
        or not isinstance(revision, int)
        or not all(isinstance(v, list) for v in layout.values())
    ):
        return _json_error(400, _("Send the layout and the revision it was based on."))
    try:
        operations.reorder_draft(form, layout, revision)
    except operations.LayoutError:
        return _json_error(400, _("The new order does not match the form. Reload the page."))
    except definitions.DefinitionError as exc:
        return _json_error(422, _("The draft was not saved."), _problems(exc, form.draft))
    except operations.ConflictError:
        return _conflict()
    return jsonify({"form": _state(form), "document": form.draft})


@blueprint.post("/forms/<int:form_id>/designer/cards")
def cards(form_id: int):
    """The posted items as the public form shows them (null for an item with problems)."""
    form_or_404(form_id, rights.EDIT_FORM)
    items = _body().get("items")
    if not isinstance(items, list) or len(items) > MAX_CARDS:
        return _json_error(400, _("Send the items to show."))
    return jsonify({"cards": render_cards(items)})


@blueprint.get("/forms/<int:form_id>/designer/changes")
def changes(form_id: int):
    """What publishing the saved draft would change."""
    form = form_or_404(form_id, rights.PUBLISH)
    try:
        plan = operations.preview_publish(form)
    except definitions.DefinitionError as exc:
        return _json_error(
            422, _("Fix these problems before publishing."), _problems(exc, form.draft)
        )
    return jsonify(
        {
            "changes": [
                vars(c)
                | {"title": _(ACTION_LABELS.get(c.action, c.action)), "label": subject(c, _)}
                for c in plan.changes
            ],
            "first_publication": not form.is_published,
        }
    )


@blueprint.post("/forms/<int:form_id>/designer/publish")
def publish(form_id: int):
    form = form_or_404(form_id, rights.PUBLISH)
    body = _body()
    if body.get("revision") != form.draft_revision:
        return _conflict()
    try:
        version = operations.publish(form, current_user)
    except definitions.DefinitionError as exc:
        return _json_error(
            422, _("Fix these problems before publishing."), _problems(exc, form.draft)
        )
    audit.record(audit.FORM_PUBLISH, form=form, detail=audit.publication(version))
    return jsonify({"form": _state(form), "version": version.number})


@blueprint.get("/forms/<int:form_id>/preview")
@framed_by_own_pages
def preview(form_id: int):
    """The saved draft rendered by the public renderer (nothing can be sent)."""
    form = form_or_404(form_id, rights.VIEW_FORM)
    try:
        loaded = operations.load_draft(form)
    except definitions.DefinitionError:
        abort(409)
    return render_template("public/form.html", **page_context(form, loaded, preview=True))


@blueprint.get("/forms/<int:form_id>/versions/<int:number>/preview")
@framed_by_own_pages
def version_preview(form_id: int, number: int):
    form = form_or_404(form_id, rights.VIEW_FORM)
    version = next((v for v in form.versions if v.number == number), None)
    if version is None:
        abort(404)
    loaded = definitions.load(version.document, lenient=True)
    return render_template("public/form.html", **page_context(form, loaded, preview=True))
