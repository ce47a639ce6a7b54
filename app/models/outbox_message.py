"""One e-mail waiting to be sent, being sent, sent or given up on (the outbox).

A row is written in the same transaction as the record it is about, so a submission and
its mail are stored together or not at all. A worker sends it later (``app.mail.worker``);
the row stays the source of truth whatever queue (RQ) carries the work.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import JSONDocument, utcnow

QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
STATUSES = (QUEUED, SENDING, SENT, FAILED)


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"
    __table_args__ = (
        sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),
        sa.Index("ix_outbox_message_form_record", "form_id", "record_id"),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
    )
    #: what the message is: app.mail.kinds (auto_reply, staff_notice, promotion, …)
    kind: Mapped[str] = mapped_column(sa.String(30))
    form_id: Mapped[int | None] = mapped_column(sa.ForeignKey("form.id", ondelete="CASCADE"))
    record_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: recipients, comma-separated addresses
    to: Mapped[str] = mapped_column(sa.Text)
    subject: Mapped[str] = mapped_column(sa.Text)
    body: Mapped[str] = mapped_column(sa.Text)
    #: further headers (Reply-To …), name -> value
    headers: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    #: field keys whose values the recipient and subject show: a staff member from whom
    #: one of them is hidden sees neither
    field_keys: Mapped[list] = mapped_column(JSONDocument, default=list)
    #: the Message-ID header, fixed when queued so that a repeated delivery is recognisable
    message_id: Mapped[str] = mapped_column(sa.String(250))
    status: Mapped[str] = mapped_column(sa.String(10), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: when a worker took it (a row left "sending" too long is taken back)
    claimed_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"
