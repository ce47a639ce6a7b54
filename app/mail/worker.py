"""The mail worker behind ``flask atsume worker``: polls the outbox, or serves RQ jobs
when ATSUME_REDIS_URL is set. Several may run at once (each message is taken once)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import Flask, current_app
from rq import SimpleWorker

from app.extensions import db
from app.mail import enqueue, outbox

log = logging.getLogger(__name__)


def drain(backend=None, limit: int = 50) -> int:
    """Send every message due now (taking back stuck ones first); return how many sent."""
    outbox.take_back_stuck()
    sent = 0
    while True:
        due = outbox.due(limit)
        if not due:
            return sent
        for message_id, attempts in due:
            if outbox.deliver(message_id, attempts, backend) == outbox.SENT:
                sent += 1
        if len(due) < limit:
            return sent


def poll(interval: float, keep_going: Callable[[], bool] = lambda: True) -> None:
    """Send due messages every *interval* seconds until *keep_going* says stop."""
    while keep_going():
        try:
            drain()
        except Exception:  # noqa: BLE001 - a database hiccup must not end the worker
            log.exception("the mail worker's pass failed; trying again")
        time.sleep(interval)


def rq_worker() -> SimpleWorker:
    """An RQ worker on the mail queue that runs jobs in this process (inside the app)."""
    config = current_app.config
    queue = enqueue.rq_queue(config["ATSUME_REDIS_URL"], config["ATSUME_RQ_QUEUE"])
    return SimpleWorker([queue], connection=queue.connection)


def sweep() -> int:
    """Take back stuck messages and queue jobs for due ones (retries, lost jobs)."""
    outbox.take_back_stuck()
    return enqueue.sweep()


def _sweep_every(app: Flask, interval: float, stop: threading.Event) -> None:
    with app.app_context():
        while not stop.wait(interval):
            try:
                sweep()
            except Exception:  # noqa: BLE001 - tried again at the next sweep
                log.exception("the outbox sweep failed; trying again")
            finally:
                db.session.remove()


def serve_rq(interval: float, once: bool = False) -> None:
    """Serve RQ jobs in this process until stopped (Ctrl+C, SIGTERM: RQ's warm shut-down),
    sweeping the outbox every *interval* seconds in a side thread; *once*: sweep, run the
    jobs queued and return."""
    sweep()
    if once:
        rq_worker().work(burst=True)
        return
    stop = threading.Event()
    app = current_app._get_current_object()
    sweeper = threading.Thread(
        target=_sweep_every, args=(app, interval, stop), name="outbox-sweep", daemon=True
    )
    sweeper.start()
    try:
        rq_worker().work()
    finally:
        stop.set()
