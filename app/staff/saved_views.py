"""Staff pages: save the records list's current view, or the cross table shown on the
cross-table page, as a view; change a view, or delete it."""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qsl, urlencode

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app import rights
from app.models import SavedView
from app.records import crosstab, saved_views, viewspec
from app.records.access import RecordAccess
from app.records.saved_views import ViewProblem
from app.staff import crosstab_state
from app.staff.blueprint import blueprint, form_or_404
from app.staff.records import compile_request, list_url
from builder.i18n import N_

#: the page a cross table is saved from (``page=crosstab``)
CROSSTAB_PAGE = "crosstab"


def _posted() -> MultiDict:
    return MultiDict(parse_qsl(request.form.get("spec", ""), keep_blank_values=True))


def _spec(access: RecordAccess) -> viewspec.ViewSpec:
    """The view spec posted with the form (the list's arguments), checked for the user."""
    posted = MultiDict((k, v) for k, v in _posted().items(multi=True) if v)
    compiled = compile_request(access, viewspec.from_args(posted))
    return dataclasses.replace(compiled.spec, crosstab=None)


def _table_spec(access: RecordAccess) -> viewspec.ViewSpec:
    """The cross-table page's state posted with the form (its filters and table), checked
    for the user; a table that cannot be built is refused with the reason."""
    spec, _any = crosstab_state.split(_posted())
    if spec.crosstab is None:
        raise ViewProblem(N_("Choose the rows (and columns) of the cross table first."))
    compiled = compile_request(access, spec)
    setup = compiled.spec.crosstab
    try:
        crosstab_state.table_spec(access, setup)
    except crosstab.SpecError as exc:
        raise ViewProblem(f"{exc.parameter}: {exc.message}") from None
    if setup.pct and setup.pct not in crosstab.PERCENTAGES:
        raise ViewProblem(N_("Choose the percentages from the list."))
    if setup.chart and setup.chart not in crosstab_state.CHARTS:
        raise ViewProblem(N_("Choose the chart from the list."))
    return compiled.spec


def _replaced(access: RecordAccess, view: SavedView, on_crosstab: bool) -> viewspec.ViewSpec:
    """The view's new spec: from the list, its columns, filters, sort and page size (its
    cross table kept); from the cross-table page, its filters and cross table (its columns,
    sort and page size kept)."""
    old = viewspec.ViewSpec.from_json(view.spec)
    if not on_crosstab:
        return dataclasses.replace(_spec(access), crosstab=old.crosstab)
    new = _table_spec(access)
    return dataclasses.replace(
        old, filters=new.filters, match=new.match, q=new.q, crosstab=new.crosstab
    )


def _back(form_id: int, view_id: int | None = None, spec=None):
    args = list(spec.to_args()) if spec is not None else []
    if view_id:
        args.append(("view", str(view_id)))
    return redirect(list_url(form_id, args))


def _back_to_table(form_id: int, view_id: int | None = None, pairs=()):
    args = list(pairs) + ([("view", str(view_id))] if view_id else [])
    path = url_for("staff.records_crosstab", form_id=form_id)
    return redirect(f"{path}?{urlencode(args)}" if args else path)


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
    on_crosstab = request.form.get("page") == CROSSTAB_PAGE
    try:
        if action == "save":
            spec = _table_spec(access) if on_crosstab else _spec(access)
            view = saved_views.save(
                current_user,
                form,
                request.form.get("name", ""),
                spec,
                shared=shared or is_default,
                is_default=is_default,
            )
            flash(_("The view “%(name)s” was saved.", name=view.name), "success")
            if on_crosstab:
                return _back_to_table(form.id, view.id)
            return _back(form.id, view.id)
        named = request.form.get("view", "")
        view = saved_views.find(current_user, form, int(named)) if named.isdigit() else None
        if view is None:
            raise ViewProblem(N_("There is no such view."))
        if action == "update":
            saved_views.change(current_user, form, view, spec=_replaced(access, view, on_crosstab))
            flash(_("The view “%(name)s” was updated.", name=view.name), "success")
            if on_crosstab:
                return _back_to_table(form.id, view.id)
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
        if on_crosstab:
            named = request.form.get("view", "")
            return _back_to_table(
                form.id, int(named) if named.isdigit() else None, _posted().items(multi=True)
            )
        posted = MultiDict(parse_qsl(request.form.get("spec", "")))
        return redirect(list_url(form.id, posted))
