"""Comments staff write on a record, and the colleagues they mention.

``mentions`` keeps the ids of the users a comment names with ``@``; ``record_mention``
holds one row per mentioned user, so each person's list of mentions (and how many they
have not seen) is one indexed look-up.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import JSONDocument, utcnow

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class RecordComment(db.Model):
    __tablename__ = "record_comment"
    __table_args__ = (sa.Index("ix_record_comment_form_record", "form_id", "record_id", "id"),)

    id: Mapped[int] = mapped_column(_Id, primary_key=True)
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("form.id", ondelete="CASCADE"))
    record_id: Mapped[int] = mapped_column(sa.BigInteger)
    #: the author; None once their account is removed
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    body: Mapped[str] = mapped_column(sa.Text)
    #: ids of the users the comment mentions
    mentions: Mapped[list] = mapped_column(JSONDocument, default=list)

    def __repr__(self) -> str:
        return f"<RecordComment {self.id} form {self.form_id} record {self.record_id}>"


class RecordMention(db.Model):
    """One user mentioned in one comment; ``seen_at`` is set when they open their list."""

    __tablename__ = "record_mention"

    comment_id: Mapped[int] = mapped_column(
        _Id, sa.ForeignKey("record_comment.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    seen_at: Mapped[dt.datetime | None] = mapped_column()
