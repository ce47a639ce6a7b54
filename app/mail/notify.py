"""What the rest of the product calls to send a form's mail: each function writes outbox
rows in the caller's transaction and never sends."""

from __future__ import annotations

from collections.abc import Callable

from app.forms.published import published_definition
from app.mail import compose, outbox
from app.models import Form
from app.records.store import Record
from builder.definition import Definition


def submission_step(
    form: Form, definition: Definition, cancel_link: compose.CancelLink | None = None
) -> Callable[[Record], None]:
    """An ``after_add`` step for ``submit``: queues the auto-reply and the staff
    notification of the new record in its insert transaction.

    *cancel_link* gives the record's private cancel/change address for ``{{cancel_url}}``.
    """

    def queue_mail(record: Record) -> None:
        drafts = compose.submission_messages(form, definition, record, cancel_link)
        outbox.queue(drafts, form, record.id)

    return queue_mail


def queue_promotion_mail(
    form: Form, record: Record, cancel_link: compose.CancelLink | None = None
) -> bool:
    """Queue the "your place is confirmed" message to a record promoted from the waiting
    list, in the caller's transaction; whether there was an address to send it to."""
    definition = published_definition(form)
    draft = compose.promotion_message(form, definition, record, cancel_link) if definition else None
    if draft is None:
        return False
    outbox.queue([draft], form, record.id)
    return True
