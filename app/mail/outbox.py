"""The outbox: queueing messages in the caller's transaction, and taking, sending and
settling them safely when several workers run.

A worker takes a row with one conditional ``UPDATE … WHERE status = 'queued' AND
attempts = n``: of two workers, only one changes it. A failed try puts the row back with
the next try after an exponential wait (``RETRY_SECONDS × 2^(tries-1)``, at most a day);
after ``MAX_ATTEMPTS`` tries, or a permanent refusal, it is ``failed`` and shown to staff,
who may resend it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.mail import backends, enqueue
from app.mail.compose import Draft
from app.mail.message import build, new_message_id
from app.models import Form, OutboxMessage
from app.models.outbox_message import FAILED, QUEUED, SENDING, SENT
from app.models.types import utcnow
from app.transactions import write_transaction

log = logging.getLogger(__name__)

#: the longest wait between two tries
MAX_BACKOFF = dt.timedelta(days=1)
#: how much of an error message is kept
MAX_ERROR = 2000


def queue(drafts: Iterable[Draft], form: Form | None, record_id: int | None) -> list[int]:
    """Add *drafts* to the outbox in the caller's transaction; return their ids.

    Nothing is sent now: a worker sends them once the transaction has committed (with
    Redis, a job is queued at commit).
    """
    config = current_app.config
    ids = []
    for draft in drafts:
        row = OutboxMessage(
            kind=draft.kind,
            form_id=form.id if form is not None else None,
            record_id=record_id,
            to=", ".join(draft.to),
            subject=draft.subject,
            body=draft.body,
            headers=dict(draft.headers),
            field_keys=[k for k in draft.field_keys if k],
            message_id=new_message_id(config["ATSUME_MAIL_FROM"]),
            status=QUEUED,
            attempts=0,
            next_attempt_at=enqueue.first_try_at(),
            created_at=utcnow(),
        )
        db.session.add(row)
        db.session.flush()
        enqueue.after_commit(row.id, 0)
        ids.append(row.id)
    return ids


def backoff(attempts: int, base_seconds: int) -> dt.timedelta:
    """How long to wait after the *attempts*-th failed try."""
    exponent = min(max(attempts - 1, 0), 30)
    return min(dt.timedelta(seconds=base_seconds * 2**exponent), MAX_BACKOFF)


@write_transaction
def claim(message_id: int, attempts: int) -> bool:
    """Take the queued message *message_id* whose tries so far are *attempts*; whether
    this worker got it (another worker, or an earlier job, may have)."""
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == QUEUED,
            OutboxMessage.attempts == attempts,
        )
        .values(status=SENDING, attempts=attempts + 1, claimed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def due(limit: int = 50) -> list[tuple[int, int]]:
    """(id, attempts) of queued messages whose time has come, oldest first."""
    query = (
        sa.select(OutboxMessage.id, OutboxMessage.attempts)
        .where(OutboxMessage.status == QUEUED, OutboxMessage.next_attempt_at <= utcnow())
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    rows = [(row.id, row.attempts) for row in db.session.execute(query)]
    db.session.commit()  # end the read; each row is then taken by a conditional UPDATE
    return rows


def deliver(message_id: int, attempts: int, backend=None) -> str | None:
    """Take and send one message; return its new status, or None if it was not taken."""
    if not claim(message_id, attempts):
        return None
    config = current_app.config
    row = db.session.get(OutboxMessage, message_id)
    backend = backend or backends.from_config(config)
    try:
        backend.send(build(row, config["ATSUME_MAIL_FROM"], config["ATSUME_MAIL_FROM_NAME"]))
    except backends.DeliveryError as error:
        return _settle_failure(row, error)
    except Exception as error:  # noqa: BLE001 - a broken message must not stop the worker
        log.exception("could not send outbox message %s", message_id)
        return _settle_failure(row, backends.TemporaryFailure(f"{type(error).__name__}: {error}"))
    return _settle(row.id, status=SENT, sent_at=utcnow(), last_error=None)


def _settle_failure(row: OutboxMessage, error: backends.DeliveryError) -> str:
    config = current_app.config
    text = str(error)[:MAX_ERROR] or type(error).__name__
    permanent = isinstance(error, backends.PermanentFailure)
    if permanent or row.attempts >= config["ATSUME_MAIL_MAX_ATTEMPTS"]:
        log.warning("outbox message %s failed for good: %s", row.id, text)
        return _settle(row.id, status=FAILED, last_error=text)
    wait = backoff(row.attempts, config["ATSUME_MAIL_RETRY_SECONDS"])
    log.info("outbox message %s not sent (%s); next try in %s", row.id, text, wait)
    # the polling worker, or the RQ sweep, takes it again when the time comes
    return _settle(row.id, status=QUEUED, last_error=text, next_attempt_at=utcnow() + wait)


@write_transaction
def _settle(message_id: int, *, status: str, **values) -> str:
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == SENDING)
        .values(status=status, claimed_at=None, **values)
        .execution_options(synchronize_session=False)
    )
    return status


@write_transaction
def take_back_stuck() -> int:
    """Put back messages a worker took and never finished (it stopped mid-way)."""
    lease = dt.timedelta(seconds=current_app.config["ATSUME_MAIL_LEASE_SECONDS"])
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.status == SENDING, OutboxMessage.claimed_at < utcnow() - lease)
        .values(status=QUEUED, claimed_at=None, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


@write_transaction
def resend(message: OutboxMessage) -> bool:
    """Queue a failed message again, with a fresh count of tries; whether it was failed."""
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status == FAILED)
        .values(status=QUEUED, attempts=0, next_attempt_at=enqueue.first_try_at())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    enqueue.after_commit(message.id, 0)
    return True
