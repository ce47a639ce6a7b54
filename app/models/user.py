"""Staff accounts."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.department import Department, department_member
from app.models.types import utcnow


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: set for generated passwords: the user must choose their own at first log-in
    must_change_password: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    #: the primary department (the first of ``departments``): new forms belong to it
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: the TOTP second factor's secret, encrypted (see app.second_factor); None: not enrolled
    totp_secret: Mapped[str | None] = mapped_column(sa.String(255))
    #: the time step of the last code accepted, so that a code cannot be used twice
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    department: Mapped[Department | None] = relationship()
    #: every department the user belongs to, the primary one included
    departments: Mapped[list[Department]] = relationship(
        secondary=department_member, order_by=Department.name
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive accounts cannot log in
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.username}>"
