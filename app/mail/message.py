"""Turning an outbox row into an Internet message that Japanese mail clients show right.

Headers and body are UTF-8: the subject and the sender's display name are encoded as
RFC 2047 encoded words (``=?utf-8?b?...?=``), the body is ``text/plain; charset=utf-8``
in base64, so no line is too long and no server needs 8BITMIME. Every current Japanese
mail client (Outlook, Thunderbird, Becky!, Gmail, iOS/Android mail, carrier mail) shows
UTF-8; ISO-2022-JP is not used.
"""

from __future__ import annotations

import datetime as dt
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from app.models import OutboxMessage

#: headers a form's settings may add; anything else is left out
ALLOWED_HEADERS = ("Reply-To", "Auto-Submitted")


def new_message_id(sender: str) -> str:
    """A fresh Message-ID in the sender's domain."""
    domain = sender.rpartition("@")[2] or "localhost"
    return make_msgid(domain=domain)


def sender(address: str, display_name: str = "") -> Address:
    """The From address, with an optional (Japanese) display name."""
    username, _at, domain = address.partition("@")
    return Address(display_name=display_name, username=username, domain=domain)


def build(row: OutboxMessage, from_address: str, from_name: str = "") -> EmailMessage:
    """The message for *row*, dated now."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender(from_address, from_name)
    message["To"] = ", ".join(a.strip() for a in row.to.split(",") if a.strip())
    message["Subject"] = row.subject
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    message["Message-ID"] = row.message_id
    for name in ALLOWED_HEADERS:
        value = (row.headers or {}).get(name)
        if value:
            message[name] = value
    message.set_content(row.body, charset="utf-8", cte="base64")
    return message
