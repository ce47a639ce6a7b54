"""Saved list views: a named view spec of one form's records list.

A view belongs to its owner; a shared view is offered to every user of the form (each
sees only the fields they may see). One shared view may be the form's default, opened
when the list is opened without a view of its own.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import JSONDocument, utcnow
from app.models.user import User

#: the longest view name
NAME_LENGTH = 100


class SavedView(db.Model):
    __tablename__ = "saved_view"
    __table_args__ = (sa.Index("ix_saved_view_form_owner", "form_id", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("form.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(sa.String(NAME_LENGTH))
    #: offered to every user of the form (not only its owner)
    shared: Mapped[bool] = mapped_column(default=False)
    #: the form's default view (a shared view; at most one per form)
    is_default: Mapped[bool] = mapped_column(default=False)
    #: app.records.viewspec.ViewSpec.to_json()
    spec: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<SavedView {self.id} {self.name!r} of form {self.form_id}>"
