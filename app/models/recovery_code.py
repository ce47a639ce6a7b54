"""One-time recovery codes for the second factor: only a hash is stored, the codes are
shown once when made; using one deletes it."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class RecoveryCode(db.Model):
    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 of the code (random and long enough that a fast hash suffices)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
