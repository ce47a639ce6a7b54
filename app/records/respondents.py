"""The respondent (回答者) of a staff form's records: the staff member who answered.

Only a staff form with names has one; a citizens' form has no respondent, and an anonymous
staff form stores none.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from app import surveys
from app.extensions import db
from app.forms.published import published_definition
from app.models import Form, User
from app.records.store import Record


def respondent_names(form: Form) -> Callable[[Record], str] | None:
    """record -> its respondent's name, for a staff form with names; None for other forms."""
    by_id = respondent_names_by_id(form)
    if by_id is None:
        return None
    return lambda record: by_id(record.created_by)


def respondent_names_by_id(form: Form) -> Callable[[int | None], str] | None:
    """user id (a record's ``created_by``) -> the respondent's name, for a staff form with
    names (each name looked up once); None for other forms."""
    definition = published_definition(form)
    if not surveys.is_staff_form(definition) or surveys.Survey.of(definition).anonymous:
        return None
    names: dict[int, str] = {}

    def name(user_id: int | None) -> str:
        if user_id is None:
            return ""
        if user_id not in names:
            row = db.session.execute(
                sa.select(User.display_name, User.username).where(User.id == user_id)
            ).first()
            names[user_id] = (row.display_name or row.username) if row else ""
        return names[user_id]

    return name
