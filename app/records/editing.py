"""Editing a record: which fields a user may change, and storing only what changed.

An edit is checked against the page it was made on: the page carries the record's
*revision token* (its last change time and latest history entry), and an edit whose token
is out of date is refused with what changed meanwhile, so nobody overwrites a colleague's
change unseen. Each stored edit notes a history entry (kind ``edited``) with
``{column: [old, new]}`` in JSON-safe values, in the same write transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from app import rights
from app.extensions import db
from app.models import Form, RecordRevision
from app.records import history, store
from app.records.access import NotAllowed, RecordAccess
from app.records.store import Record
from app.transactions import write_transaction
from builder.definition import Definition
from builder.fields.base import FieldType
from renderer.form_class import build_form_class, field_name


class RecordGone(Exception):
    """The record does not exist, or is in the trash."""


class StaleEdit(Exception):
    """The record changed after the page was loaded; nothing was stored."""

    def __init__(self, record: Record, since: list[RecordRevision]):
        super().__init__("stale edit")
        #: the record as it is now (hidden values stripped)
        self.record = record
        #: the history entries made after the page was loaded
        self.since = since


class RestoreRefused(Exception):
    """A revision's values cannot be set again; *messages* say why."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


class EditRefused(Exception):
    """An edit that the form's rules refuse (no seats left for the new choice, an answer
    another application holds); nothing was stored. ``errors``: field key -> messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors

    @property
    def messages(self) -> list[str]:
        return [message for messages in self.errors.values() for message in messages]


#: steps that run in an edit's transaction before the values are written, with
#: ``(form, the record as it is, {column: new value} of the changed columns, user)``; a
#: step refuses the edit by raising EditRefused (event registration moves seats this way)
EDIT_STEPS: list[Callable[[Form, Record, dict, object], None]] = []


@dataclass
class EditPlan:
    """What one user sees on one record's edit page."""

    record: Record
    #: the fields the user may change, in form order, ready to take the stored values
    fields: list[FieldType] = field(default_factory=list)
    #: catalogue entries the user may see but not change (shown as text)
    read_only: list[dict] = field(default_factory=list)
    #: field key -> column of the record table
    columns: dict[str, str] = field(default_factory=dict)

    def stored(self, key: str):
        """The stored value of field *key*."""
        return self.record.values.get(self.columns[key])

    def values_by_key(self) -> dict:
        return {ft.key: self.stored(ft.key) for ft in self.fields}


def editor(user, form) -> RecordAccess:
    """The user's door to *form*'s records for editing (NotAllowed without the right)."""
    return RecordAccess(user, form, rights.EDIT_RECORDS)


def live_record(access: RecordAccess, record_id: int) -> Record:
    """The record, unless it is missing or in the trash (RecordGone)."""
    record = access.get(record_id)
    if record is None or record.deleted_at is not None:
        raise RecordGone()
    return record


def plan(access: RecordAccess, definition: Definition, fields: list[FieldType], record: Record):
    """Which of the form's *fields* (bound types of *definition*) the user may change on
    *record*, and which they may only read. Hidden fields are in neither."""
    active = {e["key"]: e for e in access.form.storage or [] if not e["retired"]}
    result = EditPlan(record=record)
    for field_type in fields:
        entry = active.get(field_type.key)
        if entry is None or not access.fields.can_read(field_type.key):
            continue
        result.columns[field_type.key] = entry["column"]
        if access.fields.can_change(field_type.key) and field_type.form_field() is not None:
            # a default is for new answers: an edit shows what is stored, empty included
            spec = {k: v for k, v in field_type.spec.items() if k != "default"}
            spec["past_choices"] = entry.get("past_choices", [])
            remembering = type(field_type)(spec, field_type._, field_type.today)
            result.fields.append(remembering.keeping(record.values.get(entry["column"])))
        else:
            result.read_only.append(entry)
    return result


def touched(edit: EditPlan, formdata: MultiDict) -> list[FieldType]:
    """The editable fields whose posted input differs from the stored value. A field left
    as it was is kept as stored, even if today's rules would refuse it."""
    return [
        ft
        for ft in edit.fields
        if _inputs(formdata.getlist(field_name(ft.key)))
        != _inputs(ft.form_input(edit.stored(ft.key)))
    ]


def _inputs(texts: list[str]) -> list[str]:
    # browsers send a text area's line ends as CR LF whatever was stored
    return sorted(text.replace("\r\n", "\n") for text in texts)


def changed_values(edit: EditPlan, web_form, fields: list[FieldType]) -> dict:
    """column -> new value, for the validated *fields* whose value differs from the record."""
    values = {}
    for ft in fields:
        new = ft.value_from_form(web_form[field_name(ft.key)].data)
        if not same(edit.stored(ft.key), new):
            values[edit.columns[ft.key]] = new
    return values


def same(old, new) -> bool:
    """Whether two stored values are equal (an empty list and nothing are the same)."""
    return (old or None) == (new or None) if isinstance(old or new, list) else old == new


def latest_revision_id(form, record_id: int) -> int:
    return (
        db.session.execute(
            sa.select(sa.func.max(RecordRevision.id)).where(
                RecordRevision.form_id == form.id, RecordRevision.record_id == record_id
            )
        ).scalar()
        or 0
    )


def revision_token(form, record: Record) -> str:
    """What an edit page posts back to prove it shows the record's current state."""
    return f"{record.updated_at.isoformat()}~{latest_revision_id(form, record.id)}"


def _revisions_since(form, record_id: int, token: str) -> list[RecordRevision]:
    try:
        seen = int(token.rsplit("~", 1)[1])
    except (IndexError, ValueError):
        seen = 0
    return [r for r in history.entries(form, record_id) if r.id > seen]


def _touches_fields(form, revision: RecordRevision) -> bool:
    names = {e["column"] for e in form.storage or []} | {e["key"] for e in form.storage or []}
    return revision.kind not in (history.STATUS, history.ASSIGNED) or bool(
        names & set(revision.changes or {})
    )


@write_transaction
def save(
    access: RecordAccess,
    record_id: int,
    values: dict,
    *,
    expected: str | None,
    note: str | None = None,
) -> Record:
    """Store *values* (column -> value) on the record and note what changed.

    *expected* is the revision token the edit was made on (None: no check, as for the
    API). Only values that differ are written; nothing is written if none does. Raises
    RecordGone, StaleEdit, NotAllowed for a column the user may not change, or
    EditRefused when the form's rules refuse the new values.
    """
    form = access.form
    keys = {e["column"]: e["key"] for e in form.storage or [] if not e["retired"]}
    for column in values:
        if column not in keys or not access.fields.can_change(keys[column]):
            raise NotAllowed(rights.EDIT_RECORDS)
    if not store.lock(form, record_id):
        raise RecordGone()
    current = live_record(access, record_id)
    if expected is not None and revision_token(form, current) != expected:
        since = _revisions_since(form, record_id, expected)
        if not since or any(_touches_fields(form, r) for r in since):
            raise StaleEdit(current, since)
        # only a status or assignee changed meanwhile: no value of the edit is stale
    types = access.types()
    changes = {
        column: [
            types[column].history_value(current.values.get(column)),
            types[column].history_value(new),
        ]
        for column, new in values.items()
        if not same(current.values.get(column), new)
    }
    if not changes:
        return current
    for step in EDIT_STEPS:
        step(form, current, {column: values[column] for column in changes}, access.user)
    user_id = access.user.id if access.user is not None else None
    record = store.update(
        form,
        record_id,
        form.published_version.number,
        {column: values[column] for column in changes},
        user_id=user_id,
    )
    history.note(form, record_id, history.EDITED, changes, user_id=user_id, note=note)
    return access.strip(record)


RESTORABLE = (history.EDITED, history.IMPORTED)


def restore_values(
    access: RecordAccess, revision: RecordRevision, fields: list[FieldType], gettext
) -> dict:
    """column -> value: the fields *revision* changed, as they were right after it.

    Each value is checked by today's rules of the form (a choice since removed, a value
    now out of range, an item now required and empty): RestoreRefused names each problem.
    """
    _ = gettext
    if revision.kind not in RESTORABLE or not revision.changes:
        raise RestoreRefused([_("This entry has no field values to restore.")])
    by_column = {e["column"]: e for e in access.form.storage or []}
    active = {e["key"]: e for e in access.form.storage or [] if not e["retired"]}
    by_key = {ft.key: ft for ft in fields}
    types = access.types(gettext, list(by_column.values()))
    values, problems = {}, []
    for name, (_old, new) in revision.changes.items():
        # a change names a column; an older writer may have named the field's key
        entry = by_column.get(name) or active.get(name)
        if entry is None or not access.fields.can_read(entry["key"]):
            raise RestoreRefused([_("This change includes items you may not change.")])
        if entry["retired"] or entry["key"] not in by_key:
            problems.append(_("“%(label)s” is no longer on the form.", label=entry["label"]))
            continue
        if not access.fields.can_change(entry["key"]):
            raise RestoreRefused([_("This change includes items you may not change.")])
        field_type, column = by_key[entry["key"]], entry["column"]
        value, message = _checked(field_type, new)
        if message:
            problems.append(
                _(
                    "“%(label)s”: %(value)s cannot be restored: %(message)s",
                    label=field_type.title,
                    value=_shown(types[column], new),
                    message=message,
                )
            )
            continue
        values[column] = value
    if problems:
        raise RestoreRefused(problems)
    return values


def _shown(field_type: FieldType, value) -> str:
    try:
        return field_type.display(field_type.from_history(value)) or "—"
    except (TypeError, ValueError, ArithmeticError):
        return str(value)


def _checked(field_type: FieldType, value) -> tuple[object, str | None]:
    """*value* (a history value) as today's form would store it, or the first message
    today's rules give for it."""
    try:
        inputs = field_type.json_to_form_input(value)
    except TypeError as exc:
        return None, str(exc)
    formdata = MultiDict([(field_name(field_type.key), text) for text in inputs])
    web_form = build_form_class([field_type])(formdata=formdata, meta={"csrf": False})
    bound = web_form[field_name(field_type.key)]
    if not web_form.validate():
        return None, " ".join(bound.errors)
    return field_type.value_from_form(bound.data), None
