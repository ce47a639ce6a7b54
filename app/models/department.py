"""Departments (部署) nest: 部 → 課 → 係. Staff belong to one or more of them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

#: who belongs to which departments (many to many)
department_member = sa.Table(
    "department_member",
    db.metadata,
    sa.Column(
        "user_id", sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "department_id",
        sa.ForeignKey("department.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Department(db.Model):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    #: the department this one is part of (None: a top-level department)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"), index=True)
    #: how citizens reach the department, shown on its public forms
    contact_phone: Mapped[str | None] = mapped_column(sa.String(40))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    contact_hours: Mapped[str | None] = mapped_column(sa.String(200))

    parent: Mapped[Department | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Department]] = relationship(
        back_populates="parent", order_by="Department.name"
    )

    def __repr__(self) -> str:
        return f"<Department {self.name}>"
