"""A file attached to an answer: its metadata; the content lives in an ``AttachmentStore``.

A row with no ``record_id`` is an upload held between the confirmation page and the
final submit; ``flask atsume purge-uploads`` deletes those left for more than a day.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import utcnow


class Attachment(db.Model):
    __tablename__ = "attachment"
    __table_args__ = (
        sa.Index("ix_attachment_form_record", "form_id", "record_id"),
        sa.Index("ix_attachment_unattached", "record_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
    )
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("form.id", ondelete="CASCADE"))
    #: the record it belongs to; None while it is held for a submission to come
    record_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    field_key: Mapped[str] = mapped_column(sa.String(40))
    #: the citizen's file name, cleaned; for display and downloads only, never for storage
    filename: Mapped[str] = mapped_column(sa.String(200))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    #: the kind recognised from the content (never the browser's Content-Type)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    #: the random name the store keeps the content under
    storage_key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Attachment {self.id} form {self.form_id} record {self.record_id}>"
