"""Bulk actions on the records list: change status, assign, move to the trash, download.

They act on the selected rows or on every record matching the list's filters. A
confirmation page shows how many records the action takes (it works without JavaScript);
the action then runs in one transaction, and is written to each record's history and to
the audit log. A status change refused for some records names them and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app import audit, rights
from app.records import download, export, trash, workflow
from app.records.access import FieldNotVisible, RecordAccess
from app.staff.blueprint import blueprint, form_or_404
from app.staff.record_workflow import assignee_arg
from app.staff.trash_pages import selected_ids

#: receipts shown on the confirmation page
SHOWN = 20
#: the audit entry keeps at most this many record ids
AUDITED_IDS = 500


@dataclass
class Action:
    kind: str  # "status", "assign", "trash" or "export"
    #: the status key, or the assignee's user id (None: nobody)
    value: str | int | None = None

    @property
    def right(self) -> str:
        return {
            "status": rights.EDIT_RECORDS,
            "assign": rights.EDIT_RECORDS,
            "trash": rights.DELETE_RECORDS,
            "export": rights.EXPORT,
        }[self.kind]

    @classmethod
    def parse(cls, raw: str) -> Action | None:
        kind, _sep, value = raw.partition(":")
        if kind == "status" and value:
            return cls(kind, value)
        if kind == "assign":
            return cls(kind, assignee_arg(value))
        if kind in ("trash", "export") and not value:
            return cls(kind)
        return None


def _list_url(form, filter_query: str) -> str:
    url = url_for("staff.records", form_id=form.id)
    return f"{url}?{filter_query}" if filter_query else url


def _conditions(access: RecordAccess, scope: str, filter_query: str) -> list:
    """The records the action takes: the selected ones, or those matching the filters."""
    if scope == "filtered":
        args = MultiDict(parse_qsl(filter_query))
        try:
            parsed = access.filters(
                args, timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"], gettext=_
            )
        except FieldNotVisible as exc:
            abort(403, description=_("You may not see the field “%(name)s”.", name=exc.name))
        if parsed.errors:
            abort(400, description=" ".join(parsed.errors.values()))
        return parsed.conditions
    return access.only(selected_ids(request.form))


def _describe(form, action: Action, people: dict[int, str]) -> str:
    if action.kind == "status":
        return _(
            "Change the status to “%(status)s”",
            status=workflow.status_label(form, action.value, _),
        )
    if action.kind == "assign":
        if action.value is None:
            return _("Remove the assignee")
        return _("Assign to %(name)s", name=people.get(action.value, str(action.value)))
    if action.kind == "trash":
        return _("Move to the trash")
    return _("Download as CSV")


def _run(form, action: Action, ids: list[int]) -> int:
    if action.kind == "status":
        return workflow.change_status(form, ids, action.value, current_user)
    if action.kind == "assign":
        return workflow.assign(form, ids, action.value, current_user)
    return trash.move_to_trash(form, ids, current_user)


AUDIT_ACTIONS = {
    "status": audit.RECORD_STATUS,
    "assign": audit.RECORD_ASSIGN,
    "trash": audit.RECORD_DELETE,
}


@blueprint.route("/forms/<int:form_id>/records/bulk", methods=["POST"])
def bulk_records(form_id: int):
    """Confirm, then run, one action on many records."""
    form = form_or_404(form_id, rights.VIEW_RECORDS)
    if not form.is_published:
        abort(404)
    access = RecordAccess(current_user, form)
    filter_query = request.form.get("filter", "")
    action = Action.parse(request.form.get("action", ""))
    if action is None:
        flash(_("Choose an action."), "error")
        return redirect(_list_url(form, filter_query), 303)
    if not rights.can(current_user, action.right, form):
        abort(403)
    scope = "filtered" if request.form.get("scope") == "filtered" else "selected"
    conditions = _conditions(access, scope, filter_query)
    ids = access.ids(conditions)
    people = {u.id: u.display_name or u.username for u in workflow.assignable_users(form)}
    page = {
        "form": form,
        "action": action,
        "raw_action": request.form.get("action", ""),
        "description": _describe(form, action, people),
        "scope": scope,
        "ids": ids,
        "filter_query": filter_query,
        "shown": access.page(conditions, limit=SHOWN).records if ids else [],
        "refused": None,
    }
    if request.form.get("confirmed") != "1" or not ids:
        return render_template("records/bulk_confirm.html", **page)
    if action.kind == "export":
        encoding = request.form.get("encoding", export.UTF8)
        if encoding not in export.ENCODINGS:
            encoding = export.UTF8
        return download.csv_response(
            access,
            download.csv_columns(access, access.types(_)),
            conditions,
            encoding,
            {"bulk": scope, "records": len(ids)},
        )
    try:
        changed = _run(form, action, ids)
    except workflow.TransitionRefused as refused:
        page["refused"] = refused
        return render_template("records/bulk_confirm.html", **page), 409
    audit.record(
        AUDIT_ACTIONS[action.kind],
        form=form,
        detail={
            "bulk": scope,
            "value": action.value,
            "changed": changed,
            "records": ids[:AUDITED_IDS],
        },
    )
    flash(
        ngettext("%(num)d record was changed.", "%(num)d records were changed.", changed)
        if action.kind != "trash"
        else ngettext(
            "%(num)d record was moved to the trash.",
            "%(num)d records were moved to the trash.",
            changed,
        ),
        "success",
    )
    return redirect(_list_url(form, filter_query), 303)
