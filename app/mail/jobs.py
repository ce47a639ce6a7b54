"""The RQ job that sends one outbox message.

It runs under ``flask atsume worker`` (inside the app) or a plain ``rq worker`` process,
where it builds the app from the environment once per process.
"""

from __future__ import annotations

from functools import cache

from flask import Flask, has_app_context

from app import create_app
from app.mail import outbox


@cache
def _app() -> Flask:
    return create_app()


def send_message(message_id: int, attempts: int) -> str | None:
    """Take and send the message if it is still queued with *attempts* tries; its status."""
    if has_app_context():
        return outbox.deliver(message_id, attempts)
    with _app().app_context():
        return outbox.deliver(message_id, attempts)
