"""Signed values (tickets, tokens, links): one serializer per secret key and purpose.

Making an itsdangerous serializer checks its JSON encoder with a trial run; the public
pages sign and check several values per request, so each serializer is made once.
"""

from __future__ import annotations

from functools import lru_cache

from flask import current_app
from itsdangerous import TimestampSigner, URLSafeSerializer, URLSafeTimedSerializer


def timed_serializer(salt: str) -> URLSafeTimedSerializer:
    """Signs with the app's secret key for the purpose *salt*, with the time signed."""
    return _made(URLSafeTimedSerializer, _secret(), salt)


def serializer(salt: str) -> URLSafeSerializer:
    """Signs with the app's secret key for the purpose *salt*."""
    return _made(URLSafeSerializer, _secret(), salt)


class _KeyKeepingSigner(TimestampSigner):
    """A timestamp signer that derives each key once (itsdangerous derives it anew for
    every signature)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._derived: dict[bytes | str | None, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        found = self._derived.get(secret_key)
        if found is None:
            found = self._derived[secret_key] = super().derive_key(secret_key)
        return found


def timestamp_signer(salt: str) -> TimestampSigner:
    """Signs a short text and the time with the app's secret key for the purpose *salt*
    (no JSON payload: for values checked on every request)."""
    return _made(_KeyKeepingSigner, _secret(), salt)


def _secret():
    secret = current_app.config["SECRET_KEY"]
    # a list of keys (the newest last) rotates them; kept hashable for the cache
    return tuple(secret) if isinstance(secret, list) else secret


@lru_cache(maxsize=1024)
def _made(kind, secret, salt: str):
    return kind(list(secret) if isinstance(secret, tuple) else secret, salt=salt)
