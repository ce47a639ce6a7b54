"""Storing a submission (public form, staff or API) in the form's record table."""

from __future__ import annotations

from flask import current_app

from app.models import Form
from app.records import store
from builder.definition import Definition


def submit(
    form: Form,
    definition: Definition,
    values: dict[str, object],
    *,
    token: str | None = None,
    user_id: int | None = None,
) -> tuple[store.Record, bool]:
    """Store *values* (field key -> value) as one record; idempotent per *token*."""
    columns = {e["key"]: e["column"] for e in form.storage if not e["retired"]}
    by_column = {columns[key]: value for key, value in values.items() if key in columns}
    return store.insert(
        form,
        form.published_version.number,
        by_column,
        token=token,
        user_id=user_id,
        receipt_format=definition.settings.get("receipt_format"),
        timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"],
    )
