"""Settings of the whole site that staff change in the UI (the office's name and logo)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import JSONDocument


class SiteSetting(db.Model):
    __tablename__ = "site_setting"

    key: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    value: Mapped[dict] = mapped_column(JSONDocument, default=dict)

    def __repr__(self) -> str:
        return f"<SiteSetting {self.key}>"
