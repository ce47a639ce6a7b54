"""Form templates: definitions saved for reuse, by one department or by everyone."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.department import Department
from app.models.types import JSONDocument, utcnow


class Template(db.Model):
    __tablename__ = "form_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    document: Mapped[dict] = mapped_column(JSONDocument)
    #: None: offered to every department
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    department: Mapped[Department | None] = relationship()
