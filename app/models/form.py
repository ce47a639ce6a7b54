"""Forms, their draft definition and their published versions."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.department import Department
from app.models.types import JSONDocument, utcnow


def accepting(
    is_open: bool, opens_at: dt.datetime | None, closes_at: dt.datetime | None, now: dt.datetime
) -> bool:
    """Whether a form open or closed by *is_open*, with this period, takes applications."""
    if not is_open:
        return False
    if opens_at and now < opens_at:
        return False
    return not (closes_at and now >= closes_at)


class Form(db.Model):
    __tablename__ = "form"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(63), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"))
    #: the definition being edited; the public form serves ``published_version``
    draft: Mapped[dict] = mapped_column(JSONDocument)
    #: bumped on every draft save, for edit-conflict checks
    draft_revision: Mapped[int] = mapped_column(default=1)
    published_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("form_version.id", use_alter=True, name="fk_form_published_version")
    )
    #: catalogue of the record table's columns (see builder.storage_plan)
    storage: Mapped[list] = mapped_column(JSONDocument, default=list)
    #: the records' workflow (statuses, transitions, who may make them); None: the default.
    #: Kept outside the definition: changing it needs no new version (app.records.workflow)
    workflow: Mapped[dict | None] = mapped_column(JSONDocument)
    is_open: Mapped[bool] = mapped_column(default=True)
    #: optional acceptance period (UTC); outside it the public form says it is closed
    opens_at: Mapped[dt.datetime | None]
    closes_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    department: Mapped[Department | None] = relationship()
    published_version: Mapped[FormVersion | None] = relationship(
        foreign_keys=[published_version_id], post_update=True
    )
    versions: Mapped[list[FormVersion]] = relationship(
        back_populates="form",
        foreign_keys="FormVersion.form_id",
        order_by="FormVersion.number",
        cascade="all, delete-orphan",
    )
    former_addresses: Mapped[list[FormAddress]] = relationship(
        back_populates="form",
        order_by="FormAddress.retired_at.desc()",
        cascade="all, delete-orphan",
    )

    @property
    def is_published(self) -> bool:
        return self.published_version_id is not None

    def accepting(self, now: dt.datetime) -> bool:
        """Whether the public form takes applications at *now* (naive UTC)."""
        return accepting(self.is_open, self.opens_at, self.closes_at, now)

    def __repr__(self) -> str:
        return f"<Form {self.id} {self.slug}>"


class FormVersion(db.Model):
    __tablename__ = "form_version"
    __table_args__ = (sa.UniqueConstraint("form_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("form.id", ondelete="CASCADE"))
    number: Mapped[int]
    document: Mapped[dict] = mapped_column(JSONDocument)
    changes: Mapped[list] = mapped_column(JSONDocument, default=list)
    published_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    form: Mapped[Form] = relationship(back_populates="versions", foreign_keys=[form_id])


class FormAddress(db.Model):
    """A public address a form had before: it forwards to the form and no other form gets it.

    Printed flyers and QR codes carry the address, so it stays reserved for its form.
    """

    __tablename__ = "form_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(63), unique=True)
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("form.id", ondelete="CASCADE"), index=True)
    retired_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    form: Mapped[Form] = relationship(back_populates="former_addresses")
