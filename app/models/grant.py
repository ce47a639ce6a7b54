"""Grants: the rights on one form given to a department, a user or every staff member."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.department import Department
from app.models.types import JSONDocument
from app.models.user import User


class Grant(db.Model):
    """Rights on a form for exactly one grantee: a department, a user, or everyone.

    *rights* is a list of right names (see app.rights.RIGHTS); *fields* maps a field key to
    ``hidden``, ``read`` or ``edit``; keys it does not name follow the grant's rights.
    """

    __tablename__ = "form_grant"
    __table_args__ = (
        sa.CheckConstraint(
            "(CASE WHEN department_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN user_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN everyone THEN 1 ELSE 0 END) = 1",
            name="one_grantee",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("form.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("department.id", ondelete="CASCADE")
    )
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE")
    )
    everyone: Mapped[bool] = mapped_column(default=False)
    include_children: Mapped[bool] = mapped_column(default=False)
    rights: Mapped[list] = mapped_column(JSONDocument, default=list)
    fields: Mapped[dict] = mapped_column(JSONDocument, default=dict)

    department: Mapped[Department | None] = relationship()
    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Grant form={self.form_id} {self.rights}>"
