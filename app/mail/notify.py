"""What the rest of the product calls to send a form's mail: each function writes outbox
rows in the caller's transaction and never sends."""

from __future__ import annotations

import logging
from collections.abc import Callable

from app.events import registration
from app.events.links import cancel_url
from app.extensions import db
from app.forms.published import published_definition
from app.mail import compose, outbox
from app.models import Form
from app.records.store import Record
from builder.definition import Definition

log = logging.getLogger(__name__)


def _without_failing(what: str, record: Record, queue: Callable[[], bool | None]) -> bool:
    """Run *queue* in a savepoint: a problem with the mail is logged and undone, and never
    fails (so never rolls back) the record's transaction; whether it queued."""
    try:
        with db.session.begin_nested():
            return queue() is not False
    except Exception:  # noqa: BLE001 - the application must be stored whatever the mail does
        log.exception("could not queue the %s of record %s", what, record.id)
        return False


def submission_step(
    form: Form, definition: Definition, cancel_link: compose.CancelLink | None = None
) -> Callable[[Record], None]:
    """An ``after_add`` step for ``submit``: queues the auto-reply and the staff
    notification of the new record in its insert transaction.

    *cancel_link* gives the record's private cancel/change address for ``{{cancel_url}}``.
    """

    def queue_mail(record: Record) -> None:
        if not compose.sends_submission_mail(definition):
            return  # no savepoint for nothing
        def queue() -> None:
            drafts = compose.submission_messages(form, definition, record, cancel_link)
            outbox.queue(drafts, form, record.id)

        _without_failing("mail", record, queue)

    return queue_mail


def queue_promotion_mail(
    form: Form, record: Record, cancel_link: compose.CancelLink | None = None
) -> bool:
    """Queue the "your place is confirmed" message to a record promoted from the waiting
    list, in the caller's transaction; whether there was an address to send it to."""
    def queue() -> bool:
        definition = published_definition(form)
        draft = compose.promotion_message(form, definition, record, cancel_link)
        if draft is None:
            return False
        outbox.queue([draft], form, record.id)
        return True

    return _without_failing("promotion mail", record, queue)


def _promotion_mail(form: Form, record: Record) -> None:
    queue_promotion_mail(form, record, cancel_url)


def send_promotion_mail() -> None:
    """Have every promotion from a waiting list queue its e-mail (in the promotion's
    transaction); called once by ``create_app``, harmless when repeated."""
    if _promotion_mail not in registration.promotion_steps:
        registration.promotion_steps.append(_promotion_mail)
