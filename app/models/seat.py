"""Event registration: seat counters, applicants' private links, one application per value.

A ``seat_pool`` row counts the seats taken in one pool of a form: the whole form
(``pool = "form"``) or one choice of a field (``"<field key>=<choice value>"``). Seats are
taken by one conditional UPDATE (``taken + n <= seat_limit``) in the transaction that
stores the record, so two applicants can never both get the last seat.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class SeatPool(db.Model):
    __tablename__ = "seat_pool"

    form_id: Mapped[int] = mapped_column(
        sa.ForeignKey("form.id", ondelete="CASCADE"), primary_key=True
    )
    pool: Mapped[str] = mapped_column(sa.String(250), primary_key=True)
    #: the seats; None: counted, not limited
    seat_limit: Mapped[int | None]
    taken: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<SeatPool form {self.form_id} {self.pool} {self.taken}/{self.seat_limit}>"


class Registration(db.Model):
    """The random secret in an applicant's private link (cancel or change)."""

    __tablename__ = "registration"

    form_id: Mapped[int] = mapped_column(
        sa.ForeignKey("form.id", ondelete="CASCADE"), primary_key=True
    )
    record_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    secret: Mapped[str] = mapped_column(sa.String(43))

    def __repr__(self) -> str:
        return f"<Registration form {self.form_id} record {self.record_id}>"


class OnePerValue(db.Model):
    """The answer (normalised, hashed) that an application of a form holds: its primary key
    refuses a second application with the same answer, even when two arrive at once."""

    __tablename__ = "one_per_value"

    form_id: Mapped[int] = mapped_column(
        sa.ForeignKey("form.id", ondelete="CASCADE"), primary_key=True
    )
    #: SHA-256 of the normalised answer (the answer itself stays in the record only)
    digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.BigInteger)

    def __repr__(self) -> str:
        return f"<OnePerValue form {self.form_id} record {self.record_id}>"
