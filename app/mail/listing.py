"""What staff see of the outbox: the messages of the forms they manage (administrators:
all), and a record's messages for whoever may see the record.

The body is never listed. The recipient and subject of a message that shows a field's
value are hidden from a person who may not see that field.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app import rights
from app.extensions import db
from app.models import Form, OutboxMessage, User
from app.models.outbox_message import FAILED, STATUSES


@dataclass
class Shown:
    """One message as a person sees it."""

    message: OutboxMessage
    #: whether the recipient and subject may be shown to them
    readable: bool
    #: whether they may resend it (they manage the form, and it failed)
    can_resend: bool


def managed_forms(user: User) -> list[Form]:
    """The forms whose messages *user* sees on the outbox page."""
    forms = db.session.scalars(rights.visible_forms(user)).all()
    if user.is_admin:
        return list(forms)
    return [form for form in forms if rights.can(user, rights.MANAGE, form)]


def may_manage(user: User, message: OutboxMessage) -> bool:
    """Whether *user* may see *message* on the outbox page and resend it."""
    form = db.session.get(Form, message.form_id) if message.form_id is not None else None
    if form is None:
        return bool(user.is_admin)
    return rights.can(user, rights.MANAGE, form)


class _Readers:
    """Per form, whether the person may see the fields a message shows."""

    def __init__(self, user: User):
        self.user = user
        self._access: dict[int, rights.FieldAccess] = {}

    def readable(self, message: OutboxMessage) -> bool:
        if message.form_id is None or not message.field_keys:
            return True
        access = self._access.get(message.form_id)
        if access is None:
            form = db.session.get(Form, message.form_id)
            access = self._access[message.form_id] = rights.field_access(self.user, form)
        return all(access.can_read(key) for key in message.field_keys)


def page(
    user: User,
    forms: list[Form],
    *,
    status: str | None = None,
    form_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[Shown]]:
    """The total and one page of messages of *forms* (newest first), as *user* sees them."""
    ids = [f.id for f in forms if form_id is None or f.id == form_id]
    where = [OutboxMessage.form_id.in_(ids)]
    if user.is_admin and form_id is None:
        where = [sa.or_(OutboxMessage.form_id.in_(ids), OutboxMessage.form_id.is_(None))]
    if status in STATUSES:
        where.append(OutboxMessage.status == status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(*where))
    messages = db.session.scalars(
        sa.select(OutboxMessage)
        .where(*where)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    readers = _Readers(user)
    return total, [
        Shown(m, readers.readable(m), can_resend=m.status == FAILED) for m in messages
    ]


def of_record(user: User, form: Form, record_id: int) -> list[Shown]:
    """The messages about one record, oldest first (the caller checked the person may see
    the record)."""
    messages = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.form_id == form.id, OutboxMessage.record_id == record_id)
        .order_by(OutboxMessage.id)
    ).all()
    readers = _Readers(user)
    manages = rights.can(user, rights.MANAGE, form)
    return [
        Shown(m, readers.readable(m), can_resend=manages and m.status == FAILED)
        for m in messages
    ]


def failed_count(form: Form) -> int:
    """How many of the form's messages failed for good (shown to its managers)."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.form_id == form.id, OutboxMessage.status == FAILED)
    )
