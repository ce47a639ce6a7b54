"""A form's record workflow: its statuses, the moves between them, and who may make them.

The workflow is kept on the form (``Form.workflow``), not in the published definition, so
changing it needs no new version. Its document::

    {"statuses": [{"key": "new", "label": null, "closed": false}, ...],
     "transitions": null | [{"from": "new", "to": "in_review",
                             "users": [3], "departments": [2]}, ...]}

A status whose ``label`` is null shows the translated default label of its reserved key.
``transitions`` null lets a record move from any status to any other; a list allows only
the moves it names, each by anyone with the edit_records right unless it names users or
departments (members of the departments below count too).

``waitlisted`` (event registration's キャンセル待ち) is always a valid status: while the
form does not list it, moves into and out of it are free like those of a free workflow.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

import sqlalchemy as sa
from flask_babel import gettext as _

from app import rights
from app.extensions import db
from app.models import Form, User
from app.models.types import utcnow
from app.records import history, store
from app.records.access import NotAllowed
from app.transactions import write_transaction
from builder.i18n import N_

NEW = "new"
IN_REVIEW = "in_review"
DONE = "done"
CANCELLED = "cancelled"
WAITLISTED = "waitlisted"
RESERVED = (NEW, IN_REVIEW, DONE, CANCELLED, WAITLISTED)

#: the labels of the reserved keys (English msgids, translated when shown)
DEFAULT_LABELS = {
    NEW: N_("Received"),
    IN_REVIEW: N_("In review"),
    DONE: N_("Done"),
    CANCELLED: N_("Cancelled"),
    WAITLISTED: N_("Waitlisted"),
}

#: how many ids go into one ``IN (...)`` list
CHUNK = 500


@dataclasses.dataclass(frozen=True)
class Status:
    key: str
    #: the office's own label; None shows the default label of a reserved key
    label: str | None = None
    #: a closed status ends the case (完了, 取消): open-case counts leave it out
    closed: bool = False

    def text(self, gettext: Callable[[str], str]) -> str:
        """The label to show."""
        if self.label:
            return self.label
        return gettext(DEFAULT_LABELS[self.key]) if self.key in DEFAULT_LABELS else self.key

    def as_json(self) -> dict:
        return {"key": self.key, "label": self.label, "closed": self.closed}


@dataclasses.dataclass(frozen=True)
class Transition:
    source: str
    target: str
    #: who may make it besides the edit_records right; both empty: anyone with that right
    users: tuple[int, ...] = ()
    departments: tuple[int, ...] = ()

    @property
    def restricted(self) -> bool:
        return bool(self.users or self.departments)

    def as_json(self) -> dict:
        return {
            "from": self.source,
            "to": self.target,
            "users": list(self.users),
            "departments": list(self.departments),
        }


DEFAULT_STATUSES = (
    Status(NEW),
    Status(IN_REVIEW),
    Status(DONE, closed=True),
    Status(CANCELLED, closed=True),
)
_WAITLISTED = Status(WAITLISTED)


class TransitionRefused(Exception):
    """A status change (or assignment) that cannot be made; nothing was changed.

    ``refused`` lists ``(receipt number, current status key)`` of the records that cannot
    move.
    """

    def __init__(self, message: str, refused: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.message = message
        self.refused = refused or []


class AssignmentRefused(TransitionRefused):
    """The chosen assignee may not see the form's records (or does not exist)."""


def default_document() -> dict:
    """The workflow document of a form that has not set its own."""
    return {"statuses": [s.as_json() for s in DEFAULT_STATUSES], "transitions": None}


def document(form: Form) -> dict:
    """The form's workflow document (the default if it has none)."""
    return form.workflow or default_document()


def statuses(form: Form) -> list[Status]:
    """The form's statuses in their order."""
    return [
        Status(s["key"], s.get("label") or None, bool(s.get("closed")))
        for s in document(form)["statuses"]
    ]


def known_statuses(form: Form) -> list[Status]:
    """The form's statuses, and ``waitlisted`` after them when the form does not list it."""
    listed = statuses(form)
    if any(s.key == WAITLISTED for s in listed):
        return listed
    return [*listed, _WAITLISTED]


def transitions(form: Form) -> list[Transition] | None:
    """The allowed moves; None when any move is allowed."""
    moves = document(form).get("transitions")
    if moves is None:
        return None
    return [
        Transition(
            t["from"],
            t["to"],
            tuple(t.get("users") or ()),
            tuple(t.get("departments") or ()),
        )
        for t in moves
    ]


def label_map(form: Form, gettext: Callable[[str], str]) -> dict[str, str]:
    """status key -> label, built once (for exports and lists: no per-row translation)."""
    return {s.key: s.text(gettext) for s in known_statuses(form)}


def status_label(form: Form | None, key: str, gettext: Callable[[str], str]) -> str:
    """The label of status *key* on *form* (an unknown key shows as itself)."""
    if form is None:
        return gettext(DEFAULT_LABELS[key]) if key in DEFAULT_LABELS else key
    for status in known_statuses(form):
        if status.key == key:
            return status.text(gettext)
    return key


def _who_may(transition: Transition, user: User, members: set[int]) -> bool:
    if not transition.restricted or user.is_admin:
        return True
    if user.id in transition.users:
        return True
    return bool(rights.with_sub_departments(set(transition.departments)) & members)


def allowed_targets(form: Form, current: str, user: User | None) -> list[Status]:
    """The statuses *user* may move a record in status *current* to (in the form's order).

    ``waitlisted`` is offered only where the form lists it: event registration puts
    records there itself.
    """
    if not rights.can(user, rights.EDIT_RECORDS, form):
        return []
    moves = transitions(form)
    return [
        s
        for s in statuses(form)
        if s.key != current and _may_move(form, current, s.key, user, moves, None)
    ]


def _may_move(
    form: Form,
    current: str,
    target: str,
    user: User,
    moves: list[Transition] | None,
    members: set[int] | None,
) -> bool:
    if moves is None:
        return True
    listed = {s.key for s in statuses(form)}
    if WAITLISTED not in listed and WAITLISTED in (current, target):
        return True
    for move in moves:
        if move.source == current and move.target == target:
            if members is None:
                members = rights.member_department_ids(user)
            return _who_may(move, user, members)
    return False


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _current(form: Form, record_ids: Iterable[int]) -> list[sa.Row]:
    """(id, receipt_no, status, assignee_id) of the live records among *record_ids*,
    locked for the change (PostgreSQL; SQLite's write transaction holds the file)."""
    tables = store.tables_for(form)
    records = tables.records
    ids = sorted({int(i) for i in record_ids})
    rows = []
    for chunk in _chunks(ids):
        rows += db.session.execute(
            sa.select(records.c.id, records.c.receipt_no, records.c.status, records.c.assignee_id)
            .where(records.c.id.in_(chunk), store.live(tables))
            .order_by(records.c.id)
            .with_for_update()
        ).all()
    return rows


def _update(form: Form, record_ids: list[int], user: User, **values) -> None:
    tables = store.tables_for(form)
    records = tables.records
    for chunk in _chunks(record_ids):
        db.session.execute(
            records.update()
            .where(records.c.id.in_(chunk), store.live(tables))
            .values(**values, updated_at=utcnow(), updated_by=user.id)
        )


def _refused_message(refused: list[tuple[str, str]], target: str, form: Form) -> str:
    shown = ", ".join(
        _("%(receipt)s (%(status)s)", receipt=r, status=status_label(form, s, _))
        for r, s in refused[:10]
    )
    more = len(refused) - 10
    if more > 0:
        shown += " " + _("and %(n)d more", n=more)
    return _(
        "%(n)d records cannot be moved to “%(status)s”: %(records)s. Nothing was changed.",
        n=len(refused),
        status=status_label(form, target, _),
        records=shown,
    )


#: steps that run in a status change's transaction, before the records move, with
#: ``(form, [(record id, its status now), ...], new status, user)``; a step refuses the
#: change by raising TransitionRefused (event registration keeps seats right through one)
STATUS_CHANGE_STEPS: list[Callable[[Form, list[tuple[int, str]], str, User], None]] = []


@write_transaction
def change_status(form: Form, record_ids: list[int], new_status: str, user: User) -> int:
    """Move the records to *new_status*; return how many changed.

    The user needs the edit_records right, and each move must be allowed from the
    record's current status and open to the user; otherwise TransitionRefused names the
    records that cannot move, and nothing changes. Records already in *new_status*, and
    those in the trash, are left as they are.
    """
    if not rights.can(user, rights.EDIT_RECORDS, form):
        raise NotAllowed(rights.EDIT_RECORDS)
    if new_status not in {s.key for s in known_statuses(form)}:
        raise TransitionRefused(_("There is no status “%(key)s”.", key=new_status))
    moves = transitions(form)
    members = rights.member_department_ids(user) if moves else None
    rows = [r for r in _current(form, record_ids) if r.status != new_status]
    movable = {
        current: _may_move(form, current, new_status, user, moves, members)
        for current in {r.status for r in rows}
    }
    refused = [(r.receipt_no, r.status) for r in rows if not movable[r.status]]
    if refused:
        raise TransitionRefused(_refused_message(refused, new_status, form), refused)
    for step in STATUS_CHANGE_STEPS:
        step(form, [(r.id, r.status) for r in rows], new_status, user)
    ids = [r.id for r in rows]
    _update(form, ids, user, status=new_status)
    history.note_many(
        form,
        [
            {
                "record_id": r.id,
                "kind": history.STATUS,
                "changes": {"status": [r.status, new_status]},
            }
            for r in rows
        ],
        user_id=user.id,
    )
    return len(rows)


def assignable_users(form: Form) -> list[User]:
    """The active staff who may see the form's records, by name: who may be assigned."""
    return rights.holders(form, rights.VIEW_RECORDS)


@write_transaction
def assign(form: Form, record_ids: list[int], assignee_id: int | None, user: User) -> int:
    """Make *assignee_id* (None: nobody) the staff member in charge of the records; return
    how many changed. The assignee must be an active user who may see the form's records.
    """
    if not rights.can(user, rights.EDIT_RECORDS, form):
        raise NotAllowed(rights.EDIT_RECORDS)
    if assignee_id is not None:
        assignee = db.session.get(User, assignee_id)
        if assignee is None or not rights.can(assignee, rights.VIEW_RECORDS, form):
            raise AssignmentRefused(
                _("This person cannot be assigned: they may not see this form's records.")
            )
    rows = [r for r in _current(form, record_ids) if r.assignee_id != assignee_id]
    ids = [r.id for r in rows]
    _update(form, ids, user, assignee_id=assignee_id)
    history.note_many(
        form,
        [
            {
                "record_id": r.id,
                "kind": history.ASSIGNED,
                "changes": {"assignee_id": [r.assignee_id, assignee_id]},
            }
            for r in rows
        ],
        user_id=user.id,
    )
    return len(rows)
