"""One entry in a record's history: who changed what, and when.

Every change to a record (edit, status, assignee, trash, restore, import, cancellation)
adds a row in the same transaction as the change, so the history can never miss one.
``changes`` maps a field's column name (``f_<key>``) or a system name to ``[old, new]``
in JSON-safe values (dates as ISO text, decimals as text, multiple choice as a list); the
API shows field keys.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import JSONDocument, utcnow


class RecordRevision(db.Model):
    __tablename__ = "record_revision"
    __table_args__ = (sa.Index("ix_record_revision_form_record", "form_id", "record_id", "id"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                                    primary_key=True)
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("form.id", ondelete="CASCADE"))
    record_id: Mapped[int] = mapped_column(sa.BigInteger)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: the staff member; None for the citizen (through the public form or a private link)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    #: one of app.records.history.KINDS
    kind: Mapped[str] = mapped_column(sa.String(20))
    changes: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    #: a short free text (an import's file name, a restore's revision number …)
    note: Mapped[str | None] = mapped_column(sa.String(200))

    def __repr__(self) -> str:
        return f"<RecordRevision {self.id} form {self.form_id} record {self.record_id}>"
