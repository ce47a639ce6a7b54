"""A real SMTP server (aiosmtpd) on a free local port, for the mail tests."""

from __future__ import annotations

import email
import socket
from dataclasses import dataclass, field
from email import policy

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Recorder:
    """Keeps what arrived; ``reply`` makes the server answer DATA with a refusal."""

    received: list = field(default_factory=list)
    #: e.g. "451 4.3.0 try again later" or "550 5.1.1 no such user"; None: accept
    reply: str | None = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.reply:
            return self.reply
        self.received.append(
            (
                envelope.mail_from,
                list(envelope.rcpt_tos),
                email.message_from_bytes(envelope.original_content, policy=policy.default),
            )
        )
        return "250 OK"


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.recorder = Recorder()
        self.controller = None

    def start(self):
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self):
        return [message for _from, _to, message in self.recorder.received]


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def smtp_settings(port: int) -> dict:
    return {
        "ATSUME_MAIL_BACKEND": "smtp",
        "ATSUME_MAIL_HOST": "127.0.0.1",
        "ATSUME_MAIL_PORT": port,
        "ATSUME_MAIL_SECURITY": "none",
        "ATSUME_MAIL_FROM": "noreply@city.example.jp",
        "ATSUME_MAIL_FROM_NAME": "一関市 総務課",
        "ATSUME_MAIL_TIMEOUT": 5,
    }


#: an event form with an e-mail item, auto-reply and staff notification turned on
EVENT = {
    "title": "市民まつり参加申込",
    "slug": "matsuri",
    "settings": {
        "confirm_page": False,
        "mail": {
            "auto_reply": {
                "enabled": True,
                "field": "mail",
                "subject": "【{{form_title}}】受付番号 {{receipt_no}}",
                "body": "{{name}} 様\n\nお申し込みありがとうございます。\n\n{{answers}}\n"
                "取り消し: {{cancel_url}}",
            },
            "staff_notice": {
                "enabled": True,
                "recipients": ["kikaku@city.example.jp"],
                "subject": "新しい申し込み {{receipt_no}}",
                "body": "{{answers}}",
            },
        },
    },
    "fields": [
        {"key": "name", "type": "text", "label": "氏名", "required": True},
        {"key": "mail", "type": "email", "label": "メールアドレス", "required": True},
        {"key": "people", "type": "number", "label": "参加人数"},
    ],
}
