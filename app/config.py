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


def _number(name: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    """The whole-number setting *name*; ValueError (stopping start-up) names a bad value."""
    text = os.environ.get(name, "").strip() or str(default)
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a whole number") from None
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise ValueError(f"{name}: {value} must be at least {minimum}{upper}")
    return value


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
        # "full" serves staff and public pages; "public" only citizens' forms, "internal"
        # only the staff side (see app.roles), for a separated-network deployment.
        "ATSUME_ROLE": env("ATSUME_ROLE", "full").strip(),
        "RATELIMIT_STORAGE_URI": env("ATSUME_RATELIMIT_STORAGE", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "ATSUME_SUBMIT_RATE": env("ATSUME_SUBMIT_RATE", "120 per minute"),
        "ATSUME_LOGIN_RATE": env("ATSUME_LOGIN_RATE", "10 per minute"),
        # wrong current passwords on the change-password page, per account
        "ATSUME_PASSWORD_RATE": env("ATSUME_PASSWORD_RATE", "5 per 15 minutes"),
        # an account is locked for LOCKOUT_MINUTES after LOCKOUT_FAILURES failed log-ins
        # within LOCKOUT_WINDOW_MINUTES
        "ATSUME_LOCKOUT_FAILURES": _number("ATSUME_LOCKOUT_FAILURES", 5, minimum=1),
        "ATSUME_LOCKOUT_WINDOW_MINUTES": _number("ATSUME_LOCKOUT_WINDOW_MINUTES", 15, minimum=1),
        "ATSUME_LOCKOUT_MINUTES": _number("ATSUME_LOCKOUT_MINUTES", 15, minimum=1),
        # a log-in ends after this long without a request, and this long after it began
        "ATSUME_SESSION_IDLE_MINUTES": _number("ATSUME_SESSION_IDLE_MINUTES", 60, minimum=5),
        "ATSUME_SESSION_MAX_HOURS": _number("ATSUME_SESSION_MAX_HOURS", 12, minimum=1),
        # chosen passwords: the least length (never below 10), and how many of the four
        # kinds of character (lower-case, upper-case, digits, symbols) they must mix
        "ATSUME_PASSWORD_MIN_LENGTH": _number("ATSUME_PASSWORD_MIN_LENGTH", 10, minimum=10),
        "ATSUME_PASSWORD_CLASSES": _number("ATSUME_PASSWORD_CLASSES", 0, maximum=4),
        # 1: every staff member must use a second factor (TOTP), enrolling at next log-in
        "ATSUME_REQUIRE_TOTP": env("ATSUME_REQUIRE_TOTP", "0").strip() == "1",
        "WTF_CSRF_TIME_LIMIT": None,  # a citizen may take hours over a long form
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env("ATSUME_SECURE_COOKIES", "0") == "1",
        # origins (space-separated) that may show public forms in a frame; none by default
        "ATSUME_FRAME_ANCESTORS": env("ATSUME_FRAME_ANCESTORS", ""),
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "ATSUME_PAGE_SIZE": 50,
        # the most records one .xlsx download may hold (more: narrow the filter, or CSV)
        "ATSUME_XLSX_MAX_ROWS": _number(
            "ATSUME_XLSX_MAX_ROWS", 100_000, minimum=1, maximum=1_048_575
        ),
        # the largest file staff may upload to import records (MB)
        "ATSUME_IMPORT_MAX_MB": _number("ATSUME_IMPORT_MAX_MB", 20, minimum=1, maximum=500),
        # how many reverse proxies set X-Forwarded-For/-Proto in front of the app (0: none)
        "ATSUME_PROXIES": int(env("ATSUME_PROXIES", "0")),
        # audit entries older than this many days are removed by `atsume prune-audit` (0: never)
        "ATSUME_AUDIT_RETENTION_DAYS": int(env("ATSUME_AUDIT_RETENTION_DAYS", "1825")),
        # the longest an audit write waits for the database before it is retried later
        "ATSUME_AUDIT_WAIT_MS": int(env("ATSUME_AUDIT_WAIT_MS", "1000")),
    } | overrides
