"""The optional second factor: time-based one-time codes (TOTP, RFC 6238) from an
authenticator app, and one-time recovery codes for when the phone is lost.

The TOTP secret must be readable to check codes, so it cannot be hashed: it is stored
encrypted with a key derived from the app's secret key (a copy of the database alone
does not reveal it), and is never shown again after enrolment. Recovery codes are
random, stored as hashes and deleted when used.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io
import secrets
import unicodedata

import pyotp
import segno
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from app.extensions import db
from app.models import RecoveryCode, User
from app.transactions import write_transaction

ISSUER = "Atsume"
RECOVERY_CODE_COUNT = 10
#: letters and digits that cannot be mistaken for each other (no 0/o, 1/l/i)
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
#: how many 30-second steps a phone's clock may be off, either way
_CLOCK_DRIFT_STEPS = 1

#: what a valid code turned out to be (see :func:`verify`)
TOTP = "totp"
RECOVERY = "recovery"


def _fernet() -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"atsume second factor"
    ).derive(current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> str:
    """*secret* encrypted for storage (or for the browser's session during enrolment)."""
    return _fernet().encrypt(secret.encode()).decode()


def unseal(sealed: str | None) -> str | None:
    """The secret *sealed* holds, or None (forged, or sealed with another secret key)."""
    if not sealed:
        return None
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def new_secret() -> str:
    return pyotp.random_base32()


def is_enrolled(user: User) -> bool:
    return bool(user.totp_secret)


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(text: str) -> bytes:
    """*text* as a QR code in SVG (no script, no style), dark on white."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(
        buffer, kind="svg", scale=5, border=4, dark="#000", light="#fff", xmldecl=False
    )
    return buffer.getvalue()


def _normalised(code: str) -> str:
    """A code as typed, with full-width characters, spaces and hyphens folded away."""
    folded = unicodedata.normalize("NFKC", code or "").lower()
    return "".join(ch for ch in folded if ch.isalnum())


def _matching_step(secret: str, code: str) -> int | None:
    """The time step whose TOTP code is *code* (allowing for clock drift), or None."""
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(dt.datetime.now(dt.UTC))
    for step in range(now - _CLOCK_DRIFT_STEPS, now + _CLOCK_DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _code_hash(code: str) -> str:
    return hashlib.sha256(_normalised(code).encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_hash(c)) for c in codes)
    return codes


@write_transaction
def enrol(user: User, secret: str, code: str) -> list[str] | None:
    """Turn the second factor on for *user* if *code* is the current code of *secret*;
    return the new recovery codes (to show once), or None if the code is wrong."""
    step = _matching_step(secret, _normalised(code))
    if step is None:
        return None
    user.totp_secret = seal(secret)
    user.totp_last_step = step
    return _new_recovery_codes(user)


@write_transaction
def verify(user: User, code: str) -> str | None:
    """Check a code given at log-in: :data:`TOTP` or :data:`RECOVERY` if it is valid
    (a recovery code is then used up, and a TOTP code cannot be given again), else None."""
    typed = _normalised(code)
    secret = unseal(user.totp_secret)
    step = _matching_step(secret, typed) if secret else None
    if step is not None:
        # One statement decides, so two requests with the same code cannot both pass.
        table = User.__table__
        fresh = sa.or_(table.c.totp_last_step.is_(None), table.c.totp_last_step < step)
        taken = db.session.execute(
            table.update().where(table.c.id == user.id, fresh).values(totp_last_step=step)
        )
        return TOTP if taken.rowcount == 1 else None
    used = db.session.execute(
        sa.delete(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _code_hash(typed)
        )
    )
    return RECOVERY if typed and used.rowcount == 1 else None


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(RecoveryCode.user_id == user.id)
    )


@write_transaction
def new_recovery_codes(user: User) -> list[str]:
    """Replace the recovery codes of *user* (the old ones stop working); return them."""
    return _new_recovery_codes(user)


@write_transaction
def disable(user: User) -> None:
    """Turn the second factor off for *user*; the recovery codes are deleted."""
    user.totp_secret = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
