"""Who has answered a staff form: one row per person and form.

The unique key is what keeps a person to one answer, even when two submissions race. For
an anonymous form the row holds no record id and no time, so it cannot lead to the answer.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class SurveyRespondent(db.Model):
    __tablename__ = "survey_respondent"

    form_id: Mapped[int] = mapped_column(
        sa.ForeignKey("form.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: the person's answer (a form with names); None for an anonymous form
    record_id: Mapped[int | None] = mapped_column(sa.BigInteger)

    def __repr__(self) -> str:
        return f"<SurveyRespondent form {self.form_id} user {self.user_id}>"
