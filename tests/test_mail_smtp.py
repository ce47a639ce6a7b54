"""A real SMTP round trip: what arrives at the server decodes to the Japanese subject,
sender name and body; the development backends write files or print."""

from __future__ import annotations

import copy
import email
import io
import uuid
from email import policy
from email.header import decode_header, make_header

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.mail import backends
from app.mail import worker as mail_worker
from app.models import OutboxMessage
from tests.mail_server import EVENT, smtp_server, smtp_settings  # noqa: F401 - fixture

VALUES = {"f_name": "髙橋 花子", "f_mail": "hanako@example.jp", "f_people": "3"}


@pytest.fixture
def overrides(smtp_server):  # noqa: F811
    return smtp_settings(smtp_server.port)


def _send(client, form):
    data = VALUES | {"submission_token": uuid.uuid4().hex, "action": "submit"}
    assert client.post(f"/f/{form.slug}", data=data).status_code == 303


def _raw(message) -> bytes:
    return message.as_bytes(policy=policy.SMTP)


def test_japanese_headers_and_body_arrive_readable(client, make_form, smtp_server):  # noqa: F811
    form = make_form(copy.deepcopy(EVENT))
    _send(client, form)
    assert mail_worker.drain() == 2
    by_recipient = {tos[0]: (sender, m) for sender, tos, m in smtp_server.recorder.received}
    sender, reply = by_recipient["hanako@example.jp"]
    assert sender == "noreply@city.example.jp"
    raw = _raw(reply)
    # on the wire: 7-bit only, headers as RFC 2047 encoded words in UTF-8
    assert all(byte < 128 for byte in raw)
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n", 1)[0].lower()
    parsed = email.message_from_bytes(raw, policy=policy.default)
    receipt = db.session.scalars(sa.select(OutboxMessage.subject)).first().split()[-1]
    assert parsed["Subject"] == f"【市民まつり参加申込】受付番号 {receipt}"
    # what an older client does with the raw header (decode the encoded words) gives it too
    legacy = email.message_from_bytes(raw)  # compat32: headers stay as sent
    assert "=?utf-8?" in legacy["Subject"].lower()
    assert str(make_header(decode_header(legacy["Subject"]))) == parsed["Subject"]
    assert "一関市 総務課" in str(make_header(decode_header(legacy["From"])))
    assert parsed["From"].addresses[0].display_name == "一関市 総務課"
    assert parsed["From"].addresses[0].addr_spec == "noreply@city.example.jp"
    assert parsed["To"] == "hanako@example.jp"
    assert parsed["Message-ID"].endswith("@city.example.jp>")
    assert parsed["Date"].datetime is not None
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed.get_content_type() == "text/plain"
    assert parsed.get_content_charset() == "utf-8"
    body = parsed.get_content().replace("\r\n", "\n")
    assert body.startswith("髙橋 花子 様\n")
    assert "■ メールアドレス: hanako@example.jp" in body
    assert "■ 参加人数: 3" in body

    _sender, notice = by_recipient["kikaku@city.example.jp"]
    assert notice["Subject"] == f"新しい申し込み {receipt}"
    assert notice["Reply-To"] == "hanako@example.jp"  # staff reply to the applicant
    assert "■ 氏名: 髙橋 花子" in notice.get_content()


def test_the_message_id_stays_the_same_across_tries(client, make_form, smtp_server):  # noqa: F811
    form = make_form(copy.deepcopy(EVENT))
    _send(client, form)
    stored = {m.to: m.message_id for m in db.session.scalars(sa.select(OutboxMessage))}
    smtp_server.recorder.reply = "451 later"
    mail_worker.drain()
    smtp_server.recorder.reply = None
    db.session.execute(
        sa.update(OutboxMessage).values(next_attempt_at=OutboxMessage.created_at)
    )
    db.session.commit()
    assert mail_worker.drain() == 2
    arrived = {tos[0]: m["Message-ID"] for _s, tos, m in smtp_server.recorder.received}
    assert arrived == stored


def test_a_refused_recipient_is_a_permanent_failure(smtp_server):  # noqa: F811
    class RefuseRecipient:
        async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
            return "550 5.1.1 unknown user"

    smtp_server.stop()
    smtp_server.recorder = RefuseRecipient()
    smtp_server.start()
    backend = backends.SMTPBackend("127.0.0.1", smtp_server.port, "none", timeout=5)
    message = email.message.EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.jp", "b@example.jp", "x"
    message.set_content("x")
    with pytest.raises(backends.PermanentFailure, match="550"):
        backend.send(message)


def test_a_server_that_is_down_is_a_temporary_failure():
    from tests.mail_server import free_port

    backend = backends.SMTPBackend("127.0.0.1", free_port(), "none", timeout=2)
    message = email.message.EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.jp", "b@example.jp", "x"
    message.set_content("x")
    with pytest.raises(backends.TemporaryFailure):
        backend.send(message)


@pytest.mark.parametrize("overrides", [{"ATSUME_MAIL_BACKEND": "file"}])
def test_without_a_mail_host_messages_are_written_as_eml_files(app, client, make_form, tmp_path):
    app.config["ATSUME_MAIL_DIR"] = str(tmp_path / "mail")
    form = make_form(copy.deepcopy(EVENT))
    _send(client, form)
    assert mail_worker.drain() == 2
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2
    parsed = [email.message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    assert {p["To"] for p in parsed} == {"hanako@example.jp", "kikaku@city.example.jp"}


def test_the_console_backend_prints_the_message():
    stream = io.StringIO()
    message = email.message.EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.jp", "b@example.jp", "件名"
    message.set_content("本文です", charset="utf-8", cte="base64")
    backends.ConsoleBackend(stream).send(message)
    assert "本文です" in stream.getvalue() and "件名" in stream.getvalue()


def test_mail_settings_come_from_the_environment(monkeypatch, tmp_path):
    from app.config import load_config

    monkeypatch.setenv("ATSUME_MAIL_HOST", "smtp.city.example.jp")
    monkeypatch.setenv("ATSUME_MAIL_SECURITY", "tls")
    monkeypatch.setenv("ATSUME_MAIL_USER", "atsume")
    config = load_config(str(tmp_path), {"SECRET_KEY": "x"})
    assert config["ATSUME_MAIL_BACKEND"] == "smtp"
    assert config["ATSUME_MAIL_PORT"] == 465
    assert config["ATSUME_MAIL_USER"] == "atsume"
    monkeypatch.setenv("ATSUME_MAIL_SECURITY", "ssl3")
    with pytest.raises(ValueError, match="ATSUME_MAIL_SECURITY"):
        load_config(str(tmp_path), {"SECRET_KEY": "x"})
    monkeypatch.delenv("ATSUME_MAIL_HOST")
    monkeypatch.delenv("ATSUME_MAIL_SECURITY")
    config = load_config(str(tmp_path), {"SECRET_KEY": "x"})
    assert config["ATSUME_MAIL_BACKEND"] == "file"
    assert config["ATSUME_MAIL_DIR"] == str(tmp_path / "mail")


def _certificate(tmp_path):
    """A self-signed certificate for "localhost" (key and certificate files)."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def _server_context(cert_file, key_file):
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


def _message():
    message = email.message.EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.jp", "b@example.jp", "暗号化"
    message.set_content("本文", charset="utf-8", cte="base64")
    return message


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_encrypted_connections_check_the_certificate(tmp_path, security):
    from aiosmtpd.controller import Controller

    from tests.mail_server import Recorder, free_port

    cert_file, key_file = _certificate(tmp_path)
    context = _server_context(cert_file, key_file)
    recorder, port = Recorder(), free_port()
    if security == "tls":
        controller = Controller(recorder, hostname="127.0.0.1", port=port, ssl_context=context)
    else:
        controller = Controller(
            recorder, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True
        )
    controller.start()
    try:
        trusted = backends.SMTPBackend(
            "localhost", port, security, timeout=5, ca_file=str(cert_file)
        )
        trusted.send(_message())
        assert [m["Subject"] for _f, _t, m in recorder.received] == ["暗号化"]
        # without the office's CA the certificate is not trusted: nothing is sent
        untrusted = backends.SMTPBackend("localhost", port, security, timeout=5)
        with pytest.raises(backends.TemporaryFailure, match="CERTIFICATE_VERIFY_FAILED|SSL"):
            untrusted.send(_message())
        assert len(recorder.received) == 1
    finally:
        controller.stop()
