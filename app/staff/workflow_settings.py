"""The workflow settings page of a form: statuses, their order, closed flags, and the
allowed moves with who may make them. Works without JavaScript; with it, rows are dragged
(SortableJS) or moved with the up/down buttons without a round trip."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import audit, rights
from app.extensions import db
from app.models import Department
from app.records import workflow, workflow_config
from app.staff.blueprint import blueprint, form_or_404


@dataclass
class Row:
    """One status as the page shows it."""

    key: str
    label: str
    closed: bool
    #: saved before (its key cannot change) or being added
    saved: bool
    removed: bool = False

    def default_label(self) -> str:
        if self.key in workflow.DEFAULT_LABELS:
            return _(workflow.DEFAULT_LABELS[self.key])
        return ""


def _saved_rows(form) -> list[Row]:
    return [Row(s.key, s.label or "", s.closed, True) for s in workflow.statuses(form)]


def _posted(form) -> tuple[list[Row], dict | None, Row]:
    """The rows in their posted order (a move button applied), the moves, the new row."""
    saved = {r.key: r for r in _saved_rows(form)}
    data = request.form
    rows = []
    for key in data.getlist("row"):
        if key in saved and all(r.key != key for r in rows):
            rows.append(
                Row(
                    key,
                    data.get(f"label-{key}", "").strip(),
                    f"closed-{key}" in data,
                    True,
                    removed=f"remove-{key}" in data,
                )
            )
    rows += [r for key, r in saved.items() if all(x.key != key for x in rows)]
    move = data.get("move", "")
    key, _sep, direction = move.partition(":")
    index = next((i for i, r in enumerate(rows) if r.key == key), None)
    if index is not None:
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(rows):
            rows[index], rows[other] = rows[other], rows[index]
    new = Row(
        data.get("add-key", "").strip().lower(),
        data.get("add-label", "").strip(),
        "add-closed" in data,
        False,
    )
    moves = None
    if "restrict" in data:
        moves = []
        for value in data.getlist("allow"):
            source, _sep, target = value.partition(">")
            moves.append(
                {
                    "from": source,
                    "to": target,
                    "users": _numbers(data.getlist(f"users:{value}")),
                    "departments": _numbers(data.getlist(f"departments:{value}")),
                }
            )
    return rows, moves, new


def _numbers(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 10]


def _document(rows: list[Row], moves: list[dict] | None, new: Row) -> dict:
    kept = [r for r in rows if not r.removed]
    if new.key or new.label:
        kept.append(new)
    keys = {r.key for r in kept}
    return {
        "statuses": [{"key": r.key, "label": r.label, "closed": r.closed} for r in kept],
        "transitions": None
        if moves is None
        else [m for m in moves if m["from"] in keys and m["to"] in keys],
    }


def _field_errors(problems: dict[tuple, str], rows: list[Row], new: Row) -> dict[str, str]:
    """Problems by the name of the input they belong to."""
    kept = [r for r in rows if not r.removed] + ([new] if new.key or new.label else [])
    errors = {}
    for where, message in problems.items():
        if where[0] == "status":
            row = kept[where[1]]
            name = f"{where[2]}-{row.key}" if row.saved else f"add-{where[2]}"
            errors[name] = message
        elif where[0] == "removed":
            errors[f"remove-{where[1]}"] = message
        elif where[0] == "move":
            errors[f"allow-{where[1]}>{where[2]}"] = message
        else:
            errors["statuses"] = message
    return errors


@blueprint.route("/forms/<int:form_id>/workflow", methods=["GET", "POST"])
def workflow_settings(form_id: int):
    """Show and change the form's workflow (manage right)."""
    form = form_or_404(form_id, rights.MANAGE)
    errors: dict[str, str] = {}
    if request.method == "POST":
        rows, moves, new = _posted(form)
        document = _document(rows, moves, new)
        removed = [r.key for r in rows if r.removed]
        try:
            workflow_config.save(form, document, current_user, removed)
        except workflow_config.WorkflowProblems as refused:
            errors = _field_errors(refused.problems, rows, new)
        else:
            audit.record(audit.WORKFLOW_CHANGE, form=form, detail=form.workflow)
            flash(_("The workflow was saved."), "success")
            moved = request.form.get("move", "").partition(":")[0]
            anchor = f"#row-{moved}" if moved else ""
            return redirect(url_for("staff.workflow_settings", form_id=form.id) + anchor, 303)
        status = 422
    else:
        rows, new = _saved_rows(form), Row("", "", False, False)
        saved_moves = workflow.transitions(form)
        moves = None if saved_moves is None else [m.as_json() for m in saved_moves]
        status = 200
    live = [r for r in rows if not r.removed]
    allowed = {(m["from"], m["to"]): m for m in moves or []}
    return render_template(
        "records/workflow_settings.html",
        form=form,
        rows=rows,
        live=live,
        new=new,
        restricted=moves is not None,
        allowed=allowed,
        errors=errors,
        used=workflow_config.used_statuses(form),
        users=rights.holders(form, rights.EDIT_RECORDS),
        departments=db.session.scalars(sa.select(Department).order_by(Department.name)).all(),
    ), status
