"""Jobs on RQ (Redis) for outbox messages, when ATSUME_REDIS_URL is set.

A job is queued when the transaction that wrote (or re-queued) the message commits, never
before: a rolled-back submission leaves neither a row nor a job. The row stays the source
of truth: a message whose job is lost (Redis restarted, queueing failed) is still
``queued``, and the sweep (``sweep``) queues a job for it again once its time has come.
A job names the message and its count of tries, so a repeated job cannot send twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import cache

import sqlalchemy as sa
from flask import current_app
from redis import Redis
from rq import Queue
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import OutboxMessage
from app.models.outbox_message import QUEUED
from app.models.types import utcnow
from app.transactions import write_transaction

log = logging.getLogger(__name__)

_PENDING = "atsume_mail_jobs"
#: the job every message is sent by
JOB = "app.mail.jobs.send_message"
#: how long a job may wait in Redis before the sweep queues another one
JOB_TIMEOUT = 300


def redis_url() -> str:
    return current_app.config["ATSUME_REDIS_URL"]


def first_try_at() -> dt.datetime:
    """When a new message is due for the polling worker or the sweep: now, or with a
    job queued at commit, once the job has had the lease time to run."""
    if not redis_url():
        return utcnow()
    return utcnow() + dt.timedelta(seconds=current_app.config["ATSUME_MAIL_LEASE_SECONDS"])


def after_commit(message_id: int, attempts: int) -> None:
    """Queue the job for *message_id* when the current transaction commits (with Redis)."""
    if not redis_url():
        return
    config = current_app.config
    target = (config["ATSUME_REDIS_URL"], config["ATSUME_RQ_QUEUE"])
    db.session().info.setdefault(_PENDING, []).append((target, message_id, attempts))


@cache
def _connection(url: str) -> Redis:
    return Redis.from_url(url)


def rq_queue(url: str, name: str) -> Queue:
    """The RQ queue *name* on the Redis at *url*."""
    return Queue(name, connection=_connection(url))


def enqueue(url: str, name: str, message_id: int, attempts: int) -> None:
    rq_queue(url, name).enqueue(
        JOB, message_id, attempts, job_timeout=JOB_TIMEOUT, result_ttl=3600, failure_ttl=86400
    )


@sa.event.listens_for(Session, "after_commit")
def _queue_jobs(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the jobs wait for the transaction itself
    for (url, name), message_id, attempts in session.info.pop(_PENDING, None) or []:
        try:
            enqueue(url, name, message_id, attempts)
        except Exception:  # noqa: BLE001 - the commit has happened; the sweep catches up
            log.exception("could not queue the job for outbox message %s", message_id)


@sa.event.listens_for(Session, "after_rollback")
def _drop_jobs(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: a job for a message it undid finds nothing to send
    session.info.pop(_PENDING, None)


@write_transaction
def _due_for_jobs(limit: int) -> list[tuple[int, int]]:
    """Messages due and without a live job; each gets the lease time for its new job."""
    now = utcnow()
    rows = db.session.execute(
        sa.select(OutboxMessage.id, OutboxMessage.attempts)
        .where(OutboxMessage.status == QUEUED, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    ).all()
    if rows:
        lease = dt.timedelta(seconds=current_app.config["ATSUME_MAIL_LEASE_SECONDS"])
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_([r.id for r in rows]), OutboxMessage.status == QUEUED)
            .values(next_attempt_at=now + lease)
            .execution_options(synchronize_session=False)
        )
    return [(r.id, r.attempts) for r in rows]


def sweep(limit: int = 500) -> int:
    """Queue jobs for due messages (retries whose wait is over, lost jobs); return how many."""
    config = current_app.config
    queued = 0
    for message_id, attempts in _due_for_jobs(limit):
        try:
            enqueue(config["ATSUME_REDIS_URL"], config["ATSUME_RQ_QUEUE"], message_id, attempts)
            queued += 1
        except Exception:  # noqa: BLE001 - tried again at the next sweep, after the lease
            log.exception("could not queue the job for outbox message %s", message_id)
    return queued
