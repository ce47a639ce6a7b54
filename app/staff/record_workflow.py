"""A record's workflow on staff pages: the status and assignee controls of the detail page,
the status column, counts and filters of the list, and the source badge."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app import audit, query_args, rights
from app.organisation import display_names
from app.records import workflow
from app.records.access import RecordAccess
from app.records.filters import requested_statuses
from app.records.store import Record
from app.staff.blueprint import blueprint, form_or_404


@dataclass(frozen=True)
class RecordRights:
    """What the current user may do to the records of one form."""

    edit: bool
    delete: bool
    manage: bool
    add: bool


def record_rights(form) -> RecordRights:
    held = rights.rights_of(current_user, form)
    return RecordRights(
        edit=rights.EDIT_RECORDS in held,
        delete=rights.DELETE_RECORDS in held,
        manage=rights.MANAGE in held,
        add=rights.ADD_RECORDS in held,
    )


def detail_context(access: RecordAccess, record: Record) -> dict:
    """What the record page's workflow panel needs."""
    form = access.form
    allowed = record_rights(form)
    editable = allowed.edit and record.deleted_at is None
    return {
        "record_rights": allowed,
        "status_targets": workflow.allowed_targets(form, record.status, current_user)
        if editable
        else [],
        "assignees": workflow.assignable_users(form) if editable else [],
        "people": display_names({record.assignee_id, record.created_by}),
    }


def _published(form_id: int, action: str):
    form = form_or_404(form_id, action)
    if not form.is_published:
        abort(404)
    return form


def _back(form, record_id: int):
    return redirect(url_for("staff.record_detail", form_id=form.id, record_id=record_id), 303)


@blueprint.route("/forms/<int:form_id>/records/<int:record_id>/status", methods=["POST"])
def set_record_status(form_id: int, record_id: int):
    """Move one record to another status (from its page)."""
    form = _published(form_id, rights.EDIT_RECORDS)
    target = request.form.get("status", "")
    try:
        changed = workflow.change_status(form, [record_id], target, current_user)
    except workflow.TransitionRefused as refused:
        flash(refused.message, "error")
        return _back(form, record_id)
    if changed:
        audit.record(
            audit.RECORD_STATUS, form=form, record_id=record_id, detail={"status": target}
        )
        flash(
            _("The status is now “%(status)s”.", status=workflow.status_label(form, target, _)),
            "success",
        )
    return _back(form, record_id)


def assignee_arg(raw: str | None) -> int | None:
    """The assignee a form sent: a user id, or None for "nobody"."""
    return query_args.whole_number(raw or "", 1, query_args.MAX_POSITION)


@blueprint.route("/forms/<int:form_id>/records/<int:record_id>/assignee", methods=["POST"])
def set_record_assignee(form_id: int, record_id: int):
    """Make a staff member (or nobody) the one in charge of one record."""
    form = _published(form_id, rights.EDIT_RECORDS)
    assignee = assignee_arg(request.form.get("assignee"))
    try:
        changed = workflow.assign(form, [record_id], assignee, current_user)
    except workflow.TransitionRefused as refused:
        flash(refused.message, "error")
        return _back(form, record_id)
    if changed:
        audit.record(
            audit.RECORD_ASSIGN, form=form, record_id=record_id, detail={"assignee": assignee}
        )
        flash(_("The assignee was changed."), "success")
    return _back(form, record_id)


@dataclass(frozen=True)
class Chip:
    key: str
    label: str
    count: int
    active: bool
    closed: bool


def list_context(access: RecordAccess, args, gettext) -> dict:
    """The list's status chips (counts under the other current filters), labels, and
    the names of assignees."""
    form = access.form
    others = MultiDict([(k, v) for k, v in args.items(multi=True) if k not in {"status", "page"}])
    parsed = access.filters(others, gettext=gettext)
    counts = access.status_counts([] if parsed.errors else parsed.conditions)
    chosen = set(requested_statuses(args))
    chips = [
        Chip(s.key, s.text(gettext), counts.get(s.key, 0), s.key in chosen, s.closed)
        for s in workflow.known_statuses(form)
        if s.key != workflow.WAITLISTED or counts.get(s.key)
    ]
    listed = {c.key for c in chips}
    chips += [
        Chip(k, k, n, k in chosen, False) for k, n in sorted(counts.items()) if k not in listed
    ]
    return {
        "status_chips": chips,
        "status_labels": workflow.label_map(form, gettext),
        "status_total": sum(counts.values()),
        "record_rights": record_rights(form),
        "assignee_filter": args.get("assignee", ""),
        "assignees": workflow.assignable_users(form),
    }
