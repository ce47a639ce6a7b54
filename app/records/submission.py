"""Storing a submission (public form, staff or API) in the form's record table."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.forms.published import published_number
from app.models import Form, SurveyRespondent, User
from app.records import store
from app.records.tables import WEB
from app.transactions import write_transaction
from builder.definition import STAFF_AUDIENCE, Definition


class AlreadyAnswered(Exception):
    """The person has answered this anonymous one-answer form already."""


def _is_anonymous(definition: Definition) -> bool:
    settings = definition.settings
    return settings.get("audience") == STAFF_AUDIENCE and bool(settings.get("anonymous"))


def _by_column(form: Form, values: dict[str, object]) -> dict[str, object]:
    columns = {e["key"]: e["column"] for e in form.storage if not e["retired"]}
    return {columns[key]: value for key, value in values.items() if key in columns}


def submit(
    form: Form,
    definition: Definition,
    values: dict[str, object],
    *,
    token: str | None = None,
    user_id: int | None = None,
    source: str = WEB,
    after_add: Sequence[Callable[[store.Record], store.Record | None]] = (),
) -> tuple[store.Record, bool]:
    """Store *values* (field key -> value) as one record; idempotent per *token*.

    An anonymous staff form keeps no user id, whoever sends the record. *after_add* steps
    run in the insert's transaction (see ``store.insert``).
    """
    if _is_anonymous(definition):
        user_id = None
    return store.insert(
        form,
        published_number(form),
        _by_column(form, values),
        token=token,
        user_id=user_id,
        receipt_format=definition.settings.get("receipt_format"),
        timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"],
        source=source,
        after_add=after_add,
    )


def submit_staff_answer(
    form: Form,
    definition: Definition,
    values: dict[str, object],
    user: User,
    *,
    one_answer_per_person: bool,
    anonymous: bool,
    token: str | None = None,
    after_add: Sequence[Callable[[store.Record], store.Record | None]] = (),
) -> tuple[store.Record, bool]:
    """Store a staff member's answer to a staff form; return it and whether it is new.

    With one answer per person, a second answer replaces the first (AlreadyAnswered if the
    form is anonymous: the answer cannot be found again). The ``survey_respondent`` row is
    written in the same transaction as the record, and its unique key settles two first
    answers sent at once: the later one waits, fails, and is retried as a change.
    """
    by_column = _by_column(form, values)
    for attempt in range(2):
        try:
            return _store_staff_answer(
                form,
                definition,
                by_column,
                user.id,
                one_answer_per_person,
                anonymous,
                token,
                after_add,
            )
        except IntegrityError:
            db.session.rollback()
            if attempt:
                raise
    raise AssertionError("unreachable")


@write_transaction
def _store_staff_answer(
    form, definition, by_column, user_id, one_answer_per_person, anonymous, token, after_add
) -> tuple[store.Record, bool]:
    answered = db.session.get(SurveyRespondent, (form.id, user_id))
    version = published_number(form)
    repeated = store.find_by_token(form, token) if token else None
    if answered is not None and one_answer_per_person:
        if anonymous or answered.record_id is None:
            if repeated is not None:  # the first answer's page, sent twice
                return repeated, False
            raise AlreadyAnswered()
        # a change replaces the answer, whichever page (token) it comes from
        record = store.update(form, answered.record_id, version, by_column, user_id=user_id)
        if record is not None:
            for step in after_add:
                record = step(record) or record
            return record, False
    elif repeated is not None:  # the same page sent twice
        return repeated, False
    if answered is None:
        answered = SurveyRespondent(form_id=form.id, user_id=user_id)
        db.session.add(answered)
        db.session.flush()  # a concurrent first answer fails here, before the record
    record = store.add(
        form,
        version,
        by_column,
        token=token,
        user_id=None if anonymous else user_id,
        receipt_format=definition.settings.get("receipt_format"),
        timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"],
    )
    if one_answer_per_person and not anonymous:
        answered.record_id = record.id
    for step in after_add:
        record = step(record) or record
    return record, True
