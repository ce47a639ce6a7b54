"""Where messages go: an SMTP server, or (in development) .eml files or the console.

``send`` raises ``TemporaryFailure`` when trying again later may help (server down,
4xx replies, time-outs) and ``PermanentFailure`` when it cannot (5xx replies: the address
or the message is refused).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import sys
from email.message import EmailMessage
from pathlib import Path

from app.models.types import utcnow

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The message was not delivered."""


class TemporaryFailure(DeliveryError):
    """Not delivered now; another try later may succeed."""


class PermanentFailure(DeliveryError):
    """Refused for good (5xx): trying again would fail the same way."""


def _refusal(code: int, text) -> DeliveryError:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    message = f"{code} {text}".strip()
    return PermanentFailure(message) if 500 <= code < 600 else TemporaryFailure(message)


class SMTPBackend:
    """Sends through an SMTP server: plain, STARTTLS or TLS from the start, with a log-in
    when a user is set."""

    def __init__(
        self, host, port, security="starttls", user="", password="", timeout=30, ca_file=""
    ):
        self.host, self.port, self.security = host, port, security
        self.user, self.password, self.timeout = user, password, timeout
        #: certificates to trust besides the system's (an office's own CA)
        self.ca_file = ca_file

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context(cafile=self.ca_file or None)
        if self.security == "tls":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            connection.ehlo()
            connection.starttls(context=context)
            connection.ehlo()
        return connection

    def send(self, message: EmailMessage) -> None:
        try:
            with self._connect() as connection:
                if self.user:
                    connection.login(self.user, self.password)
                refused = connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            raise _refusal(code, text) from error
        except smtplib.SMTPAuthenticationError as error:
            # the settings are wrong: keep the message until someone puts them right
            raise TemporaryFailure(
                f"log-in refused: {error.smtp_code} {error.smtp_error!r}"
            ) from error
        except smtplib.SMTPResponseException as error:
            raise _refusal(error.smtp_code, error.smtp_error) from error
        except (OSError, smtplib.SMTPException) as error:
            raise TemporaryFailure(f"{type(error).__name__}: {error}") from error
        if refused:
            code, text = next(iter(refused.values()))
            raise _refusal(code, text)


class FileBackend:
    """Writes each message as an .eml file (open it with a mail client) for development."""

    def __init__(self, directory: str):
        self.directory = Path(directory)

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        token = message["Message-ID"].strip("<>").split("@")[0]
        name = f"{utcnow():%Y%m%d-%H%M%S}-{token}.eml"
        (self.directory / name).write_bytes(message.as_bytes())


class ConsoleBackend:
    """Prints each message (headers encoded as sent, body decoded) to standard output."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, message: EmailMessage) -> None:
        for name, value in message.items():
            self.stream.write(f"{name}: {value}\n")
        self.stream.write("\n" + message.get_content() + "\n" + "-" * 72 + "\n")
        self.stream.flush()


def from_config(config) -> SMTPBackend | FileBackend | ConsoleBackend:
    """The backend the app's settings choose."""
    kind = config["ATSUME_MAIL_BACKEND"]
    if kind == "smtp":
        return SMTPBackend(
            config["ATSUME_MAIL_HOST"],
            config["ATSUME_MAIL_PORT"],
            config["ATSUME_MAIL_SECURITY"],
            config["ATSUME_MAIL_USER"],
            config["ATSUME_MAIL_PASSWORD"],
            config["ATSUME_MAIL_TIMEOUT"],
            config["ATSUME_MAIL_CA_FILE"],
        )
    if kind == "console":
        return ConsoleBackend()
    return FileBackend(config["ATSUME_MAIL_DIR"])
