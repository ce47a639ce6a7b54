"""Changing a form's workflow: checking a new workflow document and saving it.

A problem is reported against the part of the document it is about, so that the settings
page can show it next to the culprit: ``("status", i, "key" | "label" | "remove")`` for the
i-th status, ``("move", from, to)`` for a move.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from app import rights
from app.extensions import db
from app.models import Department, Form, User
from app.records import store
from app.records.access import NotAllowed
from app.records.workflow import NEW, RESERVED
from app.transactions import write_transaction

KEY_PATTERN = re.compile(r"\A[a-z][a-z0-9_]{0,39}\Z")
MAX_LABEL = 40
MAX_STATUSES = 30


@dataclass
class WorkflowProblems(Exception):
    """The document cannot be saved; ``problems`` maps a part to its message."""

    problems: dict[tuple, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return "; ".join(self.problems.values())


def used_statuses(form: Form) -> dict[str, int]:
    """status key -> how many records (the trash included) have it."""
    records = store.tables_for(form).records
    if not sa.inspect(db.session.connection()).has_table(records.name):
        return {}
    rows = db.session.execute(
        sa.select(records.c.status, sa.func.count()).group_by(records.c.status)
    )
    return dict(rows.all())


def check(form: Form, document: dict, removed: list[str] | None = None) -> dict[tuple, str]:
    """The problems of *document* as a workflow for *form*; *removed* lists the keys of
    statuses taken out (refused while records have them)."""
    problems: dict[tuple, str] = {}
    statuses = document.get("statuses") or []
    if not statuses:
        problems[("statuses",)] = _("Keep at least one status.")
    if len(statuses) > MAX_STATUSES:
        problems[("statuses",)] = _("Use at most %(n)d statuses.", n=MAX_STATUSES)
    seen: set[str] = set()
    for index, status in enumerate(statuses):
        key, label = status.get("key") or "", (status.get("label") or "").strip()
        if not KEY_PATTERN.match(key):
            problems[("status", index, "key")] = _(
                "Use a-z, digits and _ (starting with a letter), at most 40 characters."
            )
        elif key in seen:
            problems[("status", index, "key")] = _("Another status has this key.")
        seen.add(key)
        if not label and key not in RESERVED:
            problems[("status", index, "label")] = _("Give the status a label.")
        if len(label) > MAX_LABEL:
            problems[("status", index, "label")] = _(
                "Use at most %(n)d characters.", n=MAX_LABEL
            )
    if NEW not in seen and statuses:
        problems[("statuses",)] = _("Keep the status “new”: every record starts in it.")
    used = used_statuses(form) if removed else {}
    for key in removed or []:
        if used.get(key):
            problems[("removed", key)] = _(
                "%(n)d records have this status; move them to another status first.",
                n=used[key],
            )
    for move in document.get("transitions") or []:
        where = ("move", move["from"], move["to"])
        if move["from"] not in seen or move["to"] not in seen:
            problems[where] = _("This move names a status that no longer exists.")
        elif move["from"] == move["to"]:
            problems[where] = _("A move needs two different statuses.")
        unknown_users = set(move.get("users") or ()) - _ids(User)
        unknown_departments = set(move.get("departments") or ()) - _ids(Department)
        if unknown_users or unknown_departments:
            problems[where] = _("Choose existing users and departments.")
    return problems


def _ids(model) -> set[int]:
    return set(db.session.scalars(sa.select(model.id)))


@write_transaction
def save(form: Form, document: dict, user: User, removed: list[str] | None = None) -> None:
    """Make *document* the form's workflow (manage right); WorkflowProblems if it has any."""
    if not rights.can(user, rights.MANAGE, form):
        raise NotAllowed(rights.MANAGE)
    problems = check(form, document, removed)
    if problems:
        raise WorkflowProblems(problems)
    form.workflow = {
        "statuses": [
            {
                "key": s["key"],
                "label": (s.get("label") or "").strip() or None,
                "closed": bool(s.get("closed")),
            }
            for s in document["statuses"]
        ],
        "transitions": None
        if document.get("transitions") is None
        else [
            {
                "from": t["from"],
                "to": t["to"],
                "users": sorted(set(t.get("users") or ())),
                "departments": sorted(set(t.get("departments") or ())),
            }
            for t in document["transitions"]
        ],
    }
