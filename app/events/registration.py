"""Applications to an event: seats, the waiting list, one application per value, and
cancellation with promotion from the waiting list, each in one transaction."""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from collections.abc import Callable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.events import seats
from app.events.rules import ACCEPTED, CANCELLED, FORM_POOL, SEATLESS, WAITLISTED, Rules
from app.extensions import db
from app.forms.published import published_definition
from app.models import Form, OnePerValue, Registration, User
from app.models.types import utcnow
from app.records import access, editing, history, store, trash, workflow
from app.records.store import Record, tables_for
from app.transactions import write_transaction
from builder.definition import Definition, DefinitionError
from builder.fields import registry


class Refused(Exception):
    """An application (or a change) that the event's rules refuse; nothing was stored."""


class Full(Refused):
    """No seats left in *pool* (the whole form, or one choice)."""

    def __init__(self, pool: str):
        super().__init__(pool)
        self.pool = pool

    @property
    def field_key(self) -> str | None:
        """The field whose choice is full (None: the whole form is)."""
        return None if self.pool == FORM_POOL else self.pool.split("=", 1)[0]


class Duplicate(Refused):
    """Another application has the same answer to the one-per-value field."""

    def __init__(self, field_key: str):
        super().__init__(field_key)
        self.field_key = field_key


#: steps run in the promotion's transaction for each promoted application, with the form
#: and the record (e.g. queueing the e-mail that tells the applicant)
promotion_steps: list[Callable[[Form, Record], None]] = []


def values_by_key(form: Form, record: Record) -> dict:
    """The record's values keyed by field key (current columns only)."""
    columns = {e["column"]: e["key"] for e in form.storage or [] if not e["retired"]}
    return {columns[c]: v for c, v in record.values.items() if c in columns}


def identity_digest(definition: Definition, key: str, value) -> str | None:
    """The one-per-value digest of *value* for field *key*, or None when not answered."""
    spec = next((s for s in definition.fields() if s["key"] == key), None)
    if spec is None:
        return None
    text = registry.bind(spec).applicant_identity(value)
    if text is None:
        return None
    return hashlib.sha256(f"{key}\0{text}".encode()).hexdigest()


def after_add_steps(form: Form, definition: Definition) -> list[Callable[[Record], Record]]:
    """Steps for ``store.insert(after_add=...)``: hold the one-per value, take the seats
    (or put the application on the waiting list), and make the applicant's link secret.

    Each raises ``Refused`` (rolling the insert back) when the rules refuse the application.
    """
    rules = Rules.of(definition)
    if not (rules.limited or rules.one_per or rules.cancel_link):
        return []

    def step(record: Record) -> Record:
        values = values_by_key(form, record)
        if rules.one_per:
            hold_value(form, definition, rules.one_per, values.get(rules.one_per), record.id)
        full = seats.take(form, rules.needs(values))
        if full is not None:
            if not rules.waitlist:
                raise Full(full)
            _set_status(form, record.id, WAITLISTED, None)
            record = dataclasses.replace(record, status=WAITLISTED)
        if rules.cancel_link:
            db.session.add(
                Registration(form_id=form.id, record_id=record.id, secret=secrets.token_urlsafe(24))
            )
        return record

    return [step]


def hold_value(form: Form, definition: Definition, key: str, value, record_id: int) -> None:
    """Hold *value* of the one-per field for *record_id*; Duplicate if another holds it."""
    digest = identity_digest(definition, key, value)
    if digest is None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(OnePerValue(form_id=form.id, digest=digest, record_id=record_id))
    except IntegrityError:
        raise Duplicate(key) from None


def sync_one_per(form: Form, definition: Definition) -> None:
    """Rebuild the held one-per values from the records (in the publish transaction), so a
    field chosen for "one application per value" after applications arrived counts them:
    the oldest application with a value holds it; cancelled ones hold none."""
    db.session.execute(sa.delete(OnePerValue).where(OnePerValue.form_id == form.id))
    key = Rules.of(definition).one_per
    entry = next(
        (e for e in form.storage or [] if e["key"] == key and not e["retired"]), None
    )
    if entry is None:
        return
    records = tables_for(form).records
    rows = db.session.connection().execute(
        sa.select(records.c.id, records.c[entry["column"]])
        .where(records.c.status != CANCELLED, records.c.deleted_at.is_(None))
        .order_by(records.c.id)
    )
    held: dict[str, int] = {}
    for record_id, value in rows:
        digest = identity_digest(definition, key, value)
        if digest is not None and digest not in held:
            held[digest] = record_id
    if held:
        db.session.execute(
            sa.insert(OnePerValue),
            [{"form_id": form.id, "digest": d, "record_id": r} for d, r in held.items()],
        )


def is_taken(form: Form, definition: Definition, key: str, value) -> bool:
    """Whether an application already holds *value* of the one-per field (an early check
    for the form page; the hold at submit is what decides)."""
    digest = identity_digest(definition, key, value)
    if digest is None:
        return False
    return (
        db.session.scalar(
            sa.select(OnePerValue.record_id).where(
                OnePerValue.form_id == form.id, OnePerValue.digest == digest
            )
        )
        is not None
    )


def _set_status(form: Form, record_id: int, status: str, user_id: int | None, *, only_from=None):
    """Set a record's status; with *only_from*, only if it has one of those (rowcount)."""
    records = tables_for(form).records
    statement = records.update().where(records.c.id == record_id)
    if only_from is not None:
        statement = statement.where(records.c.status.in_(only_from))
    result = db.session.connection().execute(
        statement.values(status=status, updated_at=utcnow(), updated_by=user_id)
    )
    return result.rowcount == 1


@write_transaction
def release_and_promote(
    form: Form, record: Record, user: User | None, definition: Definition | None = None
) -> list[Record]:
    """Cancel *record*: status "cancelled", its seats and one-per value freed, and the
    first waitlisted applications in order that now fit promoted, in one transaction.

    *user* is the staff member (None: the applicant, through the private link). Returns
    the promoted records (to e-mail them); an application cancelled already changes
    nothing and returns [].
    """
    definition = definition or published_definition(form)
    current = access.application(form, record.id)
    user_id = user.id if user is not None else None
    if current is None or current.status == CANCELLED:
        return []
    if not _set_status(form, current.id, CANCELLED, user_id, only_from=[current.status]):
        return []  # changed meanwhile (another cancellation won)
    history.note(
        form, current.id, history.CANCELLED, {"status": [current.status, CANCELLED]},
        user_id=user_id,
    )
    return status_changed(form, current, CANCELLED, user, definition)


@write_transaction
def status_changed(
    form: Form,
    record: Record,
    new_status: str,
    user: User | None = None,
    definition: Definition | None = None,
) -> list[Record]:
    """Keep seats and one-per values right when *record* (as it was before) gets
    *new_status*; call it in the transaction that writes the status.

    Leaving the seat-holding statuses (to "waitlisted" or "cancelled") frees the seats and
    promotes waiting applications; a cancelled application also frees its one-per value.
    Coming back (from "waitlisted" or "cancelled" to any other status) takes the seats
    again, or raises ``Full`` (``Duplicate`` when its one-per value is taken meanwhile), so
    that a staff member cannot overfill the event either. Returns the promoted records.
    """
    definition = definition or published_definition(form)
    rules = Rules.of(definition)
    user_id = user.id if user is not None else None
    values = values_by_key(form, record)
    held, holds = record.status not in SEATLESS, new_status not in SEATLESS
    if record.status == CANCELLED and new_status != CANCELLED and rules.one_per:
        hold_value(form, definition, rules.one_per, values.get(rules.one_per), record.id)
    if new_status == CANCELLED and record.status != CANCELLED:
        db.session.execute(
            sa.delete(OnePerValue).where(
                OnePerValue.form_id == form.id, OnePerValue.record_id == record.id
            )
        )
    if held and not holds:
        seats.release(form, rules.needs(values))
        return promote(form, rules, user_id)
    if holds and not held:
        full = seats.take(form, rules.needs(values))
        if full is not None:
            raise Full(full)
    return []


def promote(form: Form, rules: Rules, user_id: int | None = None) -> list[Record]:
    """Promote waitlisted applications, oldest first, that fit in the seats left (in the
    caller's write transaction); return them."""
    if not rules.waitlist or not rules.limited:
        return []
    records = tables_for(form).records
    waiting = db.session.connection().execute(
        sa.select(records.c.id)
        .where(records.c.status == WAITLISTED, records.c.deleted_at.is_(None))
        .order_by(records.c.id)
    ).scalars().all()
    promoted = []
    for record_id in waiting:
        left = seats.left(form)
        if left.get(FORM_POOL, 1) <= 0:
            break
        record = access.application(form, record_id)
        if seats.take(form, rules.needs(values_by_key(form, record))) is not None:
            continue  # does not fit (more people, or a choice still full): the next may
        if not _set_status(form, record_id, ACCEPTED, user_id, only_from=[WAITLISTED]):
            seats.release(form, rules.needs(values_by_key(form, record)))
            continue
        history.note(
            form, record_id, history.PROMOTED, {"status": [WAITLISTED, ACCEPTED]},
            user_id=user_id,
        )
        record = dataclasses.replace(record, status=ACCEPTED)
        for step in promotion_steps:
            step(form, record)
        promoted.append(record)
    return promoted


@write_transaction
def change(
    form: Form, definition: Definition, record: Record, values: dict, user: User | None = None
) -> Record:
    """Change *values* (field key -> value) of an application, re-taking its seats in the
    same transaction: Full (nothing changed) when the new choice has no seats left."""
    rules = Rules.of(definition)
    current = access.application(form, record.id)
    if current is None or current.status == CANCELLED:
        raise Refused("cancelled")
    before = values_by_key(form, current)
    after = {**before, **values}
    if current.status not in SEATLESS:
        seats.release(form, rules.needs(before))
        full = seats.take(form, rules.needs(after))
        if full is not None:
            raise Full(full)
    columns = {e["key"]: e["column"] for e in form.storage if not e["retired"]}
    changed = {
        columns[key]: value for key, value in values.items()
        if key in columns and before.get(key) != value
    }
    if not changed:
        return current
    user_id = user.id if user is not None else None
    updated = store.update(
        form, current.id, form.published_version.number, changed, user_id=user_id
    )
    history.note(
        form,
        current.id,
        history.EDITED,
        {column: [_plain(current.values.get(column)), _plain(v)] for column, v in changed.items()},
        user_id=user_id,
    )
    return updated


def _plain(value):
    """A value as JSON keeps it in the history."""
    if value is None or isinstance(value, (str, int, float, bool, list)):
        return value
    return str(value)


def waitlist_position(form: Form, record: Record) -> int | None:
    """The application's place on the waiting list (1: next), or None if not waiting."""
    if record.status != WAITLISTED:
        return None
    records = tables_for(form).records
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(records)
        .where(
            records.c.status == WAITLISTED,
            records.c.deleted_at.is_(None),
            records.c.id <= record.id,
        )
    )


def _keep_seats_on_status_change(
    form: Form, moves: list[tuple[int, str]], new_status: str, user: User
) -> None:
    """A staff status change (one record or many) frees, takes and promotes seats as the
    applicant's own cancellation would; a move the seats cannot take is refused."""
    _keep_seats(
        form,
        [(access.application(form, record_id), new_status) for record_id, _status in moves],
        user,
        workflow.TransitionRefused,
    )


def _keep_seats_on_trash(form: Form, record_ids: list[int], restoring: bool, user: User) -> None:
    """A record moved to the trash gives back its seats and its one-per answer, as a
    cancellation would (promoting the waiting list); one restored takes them again, and
    the restore is refused when the event is full or the answer is taken meanwhile."""
    changes = []
    for record_id in record_ids:
        record = access.application(form, record_id)
        if record is None:
            continue
        if restoring:  # it comes back to its own status from where a cancelled one stands
            changes.append((dataclasses.replace(record, status=CANCELLED), record.status))
        else:
            changes.append((record, CANCELLED))
    _keep_seats(form, changes, user, trash.RestoreRefused)


def _keep_seats(form: Form, changes: list, user: User, refused: type[Exception]) -> None:
    """Apply ``status_changed`` to each (record as it was, new status); a move the seats or
    the one-per answers cannot take raises *refused* naming the record."""
    try:
        definition = published_definition(form)
    except DefinitionError:  # a version stored before its rules existed: no seats to keep
        return
    rules = Rules.of(definition)
    if not (rules.limited or rules.one_per):
        return
    for before, new_status in changes:
        if before is None:
            continue
        try:
            status_changed(form, before, new_status, user, definition)
        except Full:
            raise refused(
                _l("%(receipt)s cannot take a seat: the event is full.", receipt=before.receipt_no)
            ) from None
        except Duplicate:
            raise refused(
                _l(
                    "%(receipt)s cannot come back: another application has the same answer.",
                    receipt=before.receipt_no,
                )
            ) from None


def _keep_seats_on_edit(form: Form, current: Record, changed: dict, user: User | None) -> None:
    """A staff edit of an application's answers moves its seats and its one-per answer as
    the applicant's own change would; an edit the seats or answers cannot take is refused
    with the reason next to the item."""
    try:
        definition = published_definition(form)
    except DefinitionError:
        return
    rules = Rules.of(definition)
    if not (rules.limited or rules.one_per) or current.status == CANCELLED:
        return
    keys = {e["column"]: e["key"] for e in form.storage if not e["retired"]}
    before = values_by_key(form, current)
    after = {**before, **{keys[c]: value for c, value in changed.items() if c in keys}}
    try:
        if current.status not in SEATLESS and rules.needs(before) != rules.needs(after):
            seats.release(form, rules.needs(before))
            full = seats.take(form, rules.needs(after))
            if full is not None:
                raise Full(full)
        if rules.one_per and before.get(rules.one_per) != after.get(rules.one_per):
            db.session.execute(
                sa.delete(OnePerValue).where(
                    OnePerValue.form_id == form.id, OnePerValue.record_id == current.id
                )
            )
            hold_value(form, definition, rules.one_per, after.get(rules.one_per), current.id)
    except Refused as refused:
        from app.events import view  # the page wording; view builds on this module

        errors = view.refusal_errors(refused, definition)
        if not errors:  # the whole event is full: the item that counts the people says so
            message = str(_l("The event has not enough seats left for this change."))
            errors = {rules.count_field or next(iter(after), ""): [message]}
        raise editing.EditRefused(errors) from None


workflow.STATUS_CHANGE_STEPS.append(_keep_seats_on_status_change)
editing.EDIT_STEPS.append(_keep_seats_on_edit)
trash.TRASH_STEPS.append(_keep_seats_on_trash)
