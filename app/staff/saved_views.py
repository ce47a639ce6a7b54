"""Staff pages: save the records list's current view, change it, or delete it."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import abort, flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app import rights
from app.records import saved_views, viewspec
from app.records.access import RecordAccess
from app.records.saved_views import ViewProblem
from app.staff.blueprint import blueprint, form_or_404
from app.staff.records import compile_request, list_url
from builder.i18n import N_


def _spec(access: RecordAccess) -> viewspec.ViewSpec:
    """The view spec posted with the form (the list's arguments), checked for the user."""
    posted = MultiDict(parse_qsl(request.form.get("spec", ""), keep_blank_values=False))
    compiled = compile_request(access, viewspec.from_args(posted))
    return compiled.spec


def _back(form_id: int, view_id: int | None = None, spec=None):
    args = list(spec.to_args()) if spec is not None else []
    if view_id:
        args.append(("view", str(view_id)))
    return redirect(list_url(form_id, args))


@blueprint.route("/forms/<int:form_id>/views", methods=["POST"])
def saved_view(form_id: int):
    """Save the current view as a new one (``action=save``), or, for the view named by
    ``view``, replace its spec with the current one (``update``), rename it, share it,
    make it the default (``settings``) or delete it (``delete``)."""
    form = form_or_404(form_id, rights.VIEW_RECORDS)
    if not form.is_published:
        abort(404)
    access = RecordAccess(current_user, form)
    action = request.form.get("action", "save")
    shared = request.form.get("shared") == "1"
    is_default = request.form.get("is_default") == "1"
    try:
        if action == "save":
            spec = _spec(access)
            view = saved_views.save(
                current_user,
                form,
                request.form.get("name", ""),
                spec,
                shared=shared or is_default,
                is_default=is_default,
            )
            flash(_("The view “%(name)s” was saved.", name=view.name), "success")
            return _back(form.id, view.id)
        named = request.form.get("view", "")
        view = saved_views.find(current_user, form, int(named)) if named.isdigit() else None
        if view is None:
            raise ViewProblem(N_("There is no such view."))
        if action == "update":
            saved_views.change(current_user, form, view, spec=_spec(access))
            flash(_("The view “%(name)s” was updated.", name=view.name), "success")
        elif action == "settings":
            saved_views.change(
                current_user,
                form,
                view,
                name=request.form.get("name", view.name),
                shared=shared or is_default,
                is_default=is_default,
            )
            flash(_("The view “%(name)s” was updated.", name=view.name), "success")
        elif action == "delete":
            name = view.name
            saved_views.delete(current_user, form, view)
            flash(_("The view “%(name)s” was deleted.", name=name), "success")
            return _back(form.id, None, viewspec.ViewSpec())
        else:
            raise ViewProblem(N_("Unknown action."))
        return _back(form.id, view.id)
    except ViewProblem as exc:
        flash(_(str(exc)), "error")
        posted = MultiDict(parse_qsl(request.form.get("spec", "")))
        return redirect(list_url(form.id, posted))
