"""A record's history as one user may read it: its creation, every revision with its
changes as readable old → new pairs, and the comments, in time order.

A change to a field hidden from the user is left out; a revision whose every change is
hidden is left out altogether. History entries name a field by column (``f_<key>``) or,
from older writers, by key; system names (``status``, ``assignee_id``) are shown as such.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.extensions import db
from app.models import RecordComment, RecordRevision, User
from app.records import comments as record_comments
from app.records import history
from app.records.access import RecordAccess
from app.records.store import Record
from app.records.tables import API, IMPORT, STAFF, WEB
from app.records.workflow import status_label
from builder.i18n import N_

CREATION = "creation"
COMMENT = "comment"

KIND_LABELS = {
    CREATION: N_("Received"),
    COMMENT: N_("Comment"),
    history.CREATED: N_("Received"),
    history.EDITED: N_("Edited"),
    history.STATUS: N_("Status changed"),
    history.ASSIGNED: N_("Assignee changed"),
    history.DELETED: N_("Put in the trash"),
    history.RESTORED: N_("Restored from the trash"),
    history.IMPORTED: N_("Imported"),
    history.CANCELLED: N_("Cancelled"),
    history.PROMOTED: N_("Moved up from the waiting list"),
}
SOURCE_LABELS = {
    WEB: N_("through the public form"),
    API: N_("through the API"),
    STAFF: N_("entered by staff for the applicant"),
    IMPORT: N_("by an import"),
}
SYSTEM_LABELS = {"status": N_("Status"), "assignee_id": N_("Assignee")}


#: texts at least this long show which part changed, not only the whole before and after
INLINE_DIFF_LENGTH = 30


@dataclass
class Change:
    label: str
    old: str
    new: str
    #: for long texts: (changed, text) parts of the old and the new text
    old_parts: list[tuple[bool, str]] = field(default_factory=list)
    new_parts: list[tuple[bool, str]] = field(default_factory=list)

    def __post_init__(self):
        if min(len(self.old), len(self.new)) >= INLINE_DIFF_LENGTH:
            self.old_parts, self.new_parts = text_diff(self.old, self.new)


def text_diff(old: str, new: str) -> tuple[list[tuple[bool, str]], list[tuple[bool, str]]]:
    """The parts of *old* and *new*, each marked whether it changed (character diff)."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    old_parts, new_parts = [], []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if a2 > a1:
            old_parts.append((op != "equal", old[a1:a2]))
        if b2 > b1:
            new_parts.append((op != "equal", new[b1:b2]))
    return _joined(old_parts), _joined(new_parts)


def _joined(parts: list[tuple[bool, str]], shortest: int = 3) -> list[tuple[bool, str]]:
    """Parts with a short unchanged piece between two changes taken into the change, so
    that 後日郵送 → 本日持参 reads as one change, not three."""
    joined: list[tuple[bool, str]] = []
    for index, (changed, text) in enumerate(parts):
        between = 0 < index < len(parts) - 1 and parts[index + 1][0]
        if not changed and between and len(text) < shortest and joined and joined[-1][0]:
            changed = True
        if joined and joined[-1][0] and changed:
            joined[-1] = (True, joined[-1][1] + text)
        else:
            joined.append((changed, text))
    return joined


@dataclass
class Entry:
    kind: str
    kind_label: str
    at: dt.datetime
    user: str | None
    #: the revision's number within the record (1, 2, …); None for creation and comments
    number: int | None = None
    revision: RecordRevision | None = None
    changes: list[Change] = field(default_factory=list)
    note: str | None = None
    comment: RecordComment | None = None
    restorable: bool = False


def user_names(ids) -> dict[int, str]:
    """user id -> display name (or login name)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    users = db.session.scalars(sa.select(User).where(User.id.in_(ids)))
    return {u.id: u.display_name or u.username for u in users}


def login_names(ids) -> dict[int, str]:
    """user id -> login name."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(sa.select(User.id, User.username).where(User.id.in_(ids)))
    return dict(rows.all())


class ChangeNames:
    """How the history's change names map to the form's columns, for one reader."""

    def __init__(self, access: RecordAccess):
        catalogue = access.form.storage or []
        self.access = access
        self.by_column = {e["column"]: e for e in catalogue}
        self.by_key = {e["key"]: e for e in catalogue if not e["retired"]}
        self.visible = {e["column"] for e in access.entries}

    def entry(self, name: str) -> dict | None:
        """The catalogue entry a change name stands for; None for a system name."""
        return self.by_column.get(name) or self.by_key.get(name)

    def restorable(self, revision: RecordRevision, visible: dict) -> bool:
        """Whether the reader could restore *revision*: an edit or import whose every
        change is to a field they see and may change (the form decides the rest)."""
        entries = [self.entry(name) for name in revision.changes or {}]
        return (
            revision.kind in (history.EDITED, history.IMPORTED)
            and bool(entries)
            and len(visible) == len(entries)
            and all(e is not None and self.access.fields.can_change(e["key"]) for e in entries)
        )

    def readable(self, name: str) -> bool:
        entry = self.entry(name)
        return entry is None or entry["column"] in self.visible


def visible_changes(names: ChangeNames, changes: dict) -> dict:
    """The changes of a revision the reader may see."""
    return {name: pair for name, pair in (changes or {}).items() if names.readable(name)}


def numbered(access: RecordAccess, record_id: int) -> list[tuple[int, RecordRevision]]:
    """(number, revision) for the record's revisions, oldest first, numbered from 1."""
    return list(enumerate(history.entries(access.form, record_id), start=1))


def revision_by_number(access: RecordAccess, record_id: int, number: int):
    for n, revision in numbered(access, record_id):
        if n == number:
            return revision
    return None


def build(
    access: RecordAccess, record: Record, gettext, *, with_comments: bool = True
) -> list[Entry]:
    """The record's timeline for the reader behind *access*, oldest first."""
    _ = gettext
    names = ChangeNames(access)
    types = access.types(gettext, list(names.by_column.values()))
    revisions = numbered(access, record.id)
    notes = record_comments.of_record(access.form, record.id) if with_comments else []
    user_ids = {record.created_by} | {r.user_id for _n, r in revisions}
    user_ids |= {c.user_id for c in notes}
    for _n, revision in revisions:
        if "assignee_id" in (revision.changes or {}):
            user_ids |= {v for v in revision.changes["assignee_id"] if isinstance(v, int)}
    people = user_names(user_ids)

    def shown(name: str, value) -> str:
        if value is None or value == []:
            return "—"
        entry = names.entry(name)
        if entry is not None:
            field_type = types[entry["column"]]
            try:
                return field_type.display(field_type.from_history(value)) or "—"
            except (TypeError, ValueError, ArithmeticError):
                return str(value)
        if name == "status":
            return status_label(access.form, value, gettext)
        if name == "assignee_id":
            return people.get(value, str(value))
        return str(value)

    def label(name: str) -> str:
        entry = names.entry(name)
        if entry is not None:
            return entry["label"]
        return _(SYSTEM_LABELS[name]) if name in SYSTEM_LABELS else name

    source = SOURCE_LABELS.get(record.source)
    timeline = [
        Entry(
            kind=CREATION,
            kind_label=_(KIND_LABELS[CREATION]),
            at=record.created_at,
            user=people.get(record.created_by),
            note=_(source) if source else None,
        )
    ]
    for number, revision in revisions:
        changes = visible_changes(names, revision.changes)
        if revision.changes and not changes:
            continue  # every change is to a field the reader may not see
        timeline.append(
            Entry(
                kind=revision.kind,
                kind_label=_(KIND_LABELS[revision.kind])
                if revision.kind in KIND_LABELS
                else revision.kind,
                at=revision.at,
                user=people.get(revision.user_id),
                number=number,
                revision=revision,
                changes=[
                    Change(label(name), shown(name, pair[0]), shown(name, pair[1]))
                    for name, pair in changes.items()
                    if isinstance(pair, list | tuple) and len(pair) == 2
                ],
                note=revision.note,
                restorable=names.restorable(revision, changes),
            )
        )
    for comment in notes:
        timeline.append(
            Entry(
                kind=COMMENT,
                kind_label=_(KIND_LABELS[COMMENT]),
                at=comment.at,
                user=people.get(comment.user_id),
                comment=comment,
            )
        )
    timeline[1:] = sorted(timeline[1:], key=lambda e: e.at)
    return timeline


def api_items(access: RecordAccess, record_id: int) -> list[dict]:
    """The record's revisions for the API: field keys (not columns), JSON values, the
    user's login name; changes to hidden fields left out."""
    names = ChangeNames(access)
    revisions = numbered(access, record_id)
    logins = login_names(r.user_id for _n, r in revisions)
    items = []
    for number, revision in revisions:
        changes = visible_changes(names, revision.changes)
        if revision.changes and not changes:
            continue
        items.append(
            {
                "number": number,
                "at": revision.at.isoformat() + "Z",
                "user": logins.get(revision.user_id),
                "kind": revision.kind,
                "note": revision.note,
                "changes": {
                    (names.entry(name) or {}).get("key", name): pair
                    for name, pair in changes.items()
                },
            }
        )
    return items
