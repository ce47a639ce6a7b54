"""Settings, all from environment variables (documented in the README)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _instance_secret(instance_path: str) -> str:
    """Read the secret key from instance/, creating it on first run (never committed)."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Settings for an app whose instance folder is *instance_path*, then *overrides*."""
    env = os.environ.get
    overrides = overrides or {}
    database = env("ATSUME_DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'atsume.db'}"
    return {
        "SECRET_KEY": overrides.get("SECRET_KEY")
        or env("ATSUME_SECRET_KEY")
        or _instance_secret(instance_path),
        "SQLALCHEMY_DATABASE_URI": database,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BABEL_DEFAULT_LOCALE": "ja",
        "BABEL_DEFAULT_TIMEZONE": env("ATSUME_TIMEZONE", "Asia/Tokyo"),
        "ATSUME_LANGUAGES": ["ja", "en"],
        # "full" serves staff and public pages; "public" serves only /f/ pages (for a
        # separated-network deployment where staff pages must not be reachable).
        "ATSUME_ROLE": env("ATSUME_ROLE", "full"),
        "RATELIMIT_STORAGE_URI": env("ATSUME_RATELIMIT_STORAGE", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "ATSUME_SUBMIT_RATE": env("ATSUME_SUBMIT_RATE", "120 per minute"),
        "ATSUME_LOGIN_RATE": env("ATSUME_LOGIN_RATE", "10 per minute"),
        # wrong current passwords on the change-password page, per account
        "ATSUME_PASSWORD_RATE": env("ATSUME_PASSWORD_RATE", "5 per 15 minutes"),
        "WTF_CSRF_TIME_LIMIT": None,  # a citizen may take hours over a long form
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env("ATSUME_SECURE_COOKIES", "0") == "1",
        # origins (space-separated) that may show public forms in a frame; none by default
        "ATSUME_FRAME_ANCESTORS": env("ATSUME_FRAME_ANCESTORS", ""),
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "ATSUME_PAGE_SIZE": 50,
        # how many reverse proxies set X-Forwarded-For/-Proto in front of the app (0: none)
        "ATSUME_PROXIES": int(env("ATSUME_PROXIES", "0")),
        # audit entries older than this many days are removed by `atsume prune-audit` (0: never)
        "ATSUME_AUDIT_RETENTION_DAYS": int(env("ATSUME_AUDIT_RETENTION_DAYS", "1825")),
        # the longest an audit write waits for the database before it is retried later
        "ATSUME_AUDIT_WAIT_MS": int(env("ATSUME_AUDIT_WAIT_MS", "1000")),
    } | overrides
