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
        "RATELIMIT_STORAGE_URI": env("ATSUME_RATELIMIT_STORAGE", "atsume-memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "ATSUME_SUBMIT_RATE": env("ATSUME_SUBMIT_RATE", "120 per minute"),
        # answers sent sooner than this after the form was opened are held back as automated
        "ATSUME_MIN_FILL_SECONDS": float(env("ATSUME_MIN_FILL_SECONDS", "3")),
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
        # the largest request (all attached files together); larger ones get a 413 page
        "MAX_CONTENT_LENGTH": _number("ATSUME_MAX_REQUEST_MB", 30, minimum=1) * 1024 * 1024,
        # attached files are stored here, outside the web root, under random names
        "ATSUME_UPLOAD_DIR": env("ATSUME_UPLOAD_DIR")
        or str(Path(instance_path) / "uploads"),
        # the public address of the site, for links made outside a request (e-mail)
        "ATSUME_PUBLIC_URL": env("ATSUME_PUBLIC_URL", "http://localhost:5000").rstrip("/"),
        "ATSUME_PAGE_SIZE": 50,
        # the records list counts at most this many matches exactly ("more than N" beyond;
        # the exact number on request)
        "ATSUME_LIST_COUNT_LIMIT": _number("ATSUME_LIST_COUNT_LIMIT", 10000, minimum=100),
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
        # records stay this many days in the trash, then `atsume empty-trash` deletes them
        "ATSUME_TRASH_DAYS": _number("ATSUME_TRASH_DAYS", 30, minimum=1),
        # the longest the records list spends counting records per status (0: no limit);
        # past it the status chips show without counts
        "ATSUME_COUNT_TIME_LIMIT_MS": _number("ATSUME_COUNT_TIME_LIMIT_MS", 200),
        **_mail_settings(instance_path),
    } | overrides


#: the port each kind of connection to the mail server uses when none is set
MAIL_PORTS = {"none": 25, "starttls": 587, "tls": 465}


def _mail_settings(instance_path: str) -> dict:
    """E-mail: SMTP when ATSUME_MAIL_HOST is set, else .eml files under instance/mail/."""
    env = os.environ.get
    host = env("ATSUME_MAIL_HOST", "").strip()
    security = env("ATSUME_MAIL_SECURITY", "starttls").strip().lower()
    if security not in MAIL_PORTS:
        raise ValueError(f"ATSUME_MAIL_SECURITY: {security!r} is not one of none, starttls, tls")
    backend = env("ATSUME_MAIL_BACKEND", "").strip().lower() or ("smtp" if host else "file")
    if backend not in ("smtp", "file", "console"):
        raise ValueError(f"ATSUME_MAIL_BACKEND: {backend!r} is not one of smtp, file, console")
    return {
        "ATSUME_MAIL_BACKEND": backend,
        "ATSUME_MAIL_HOST": host,
        "ATSUME_MAIL_PORT": _number(
            "ATSUME_MAIL_PORT", MAIL_PORTS[security], minimum=1, maximum=65535
        ),
        "ATSUME_MAIL_SECURITY": security,
        "ATSUME_MAIL_USER": env("ATSUME_MAIL_USER", ""),
        "ATSUME_MAIL_PASSWORD": env("ATSUME_MAIL_PASSWORD", ""),
        "ATSUME_MAIL_TIMEOUT": _number("ATSUME_MAIL_TIMEOUT", 30, minimum=1),
        # a CA certificate file to check the server's certificate (an office's own CA)
        "ATSUME_MAIL_CA_FILE": env("ATSUME_MAIL_CA_FILE", "").strip(),
        "ATSUME_MAIL_FROM": env("ATSUME_MAIL_FROM", "noreply@localhost").strip(),
        "ATSUME_MAIL_FROM_NAME": env("ATSUME_MAIL_FROM_NAME", "").strip(),
        "ATSUME_MAIL_DIR": env("ATSUME_MAIL_DIR", "") or str(Path(instance_path) / "mail"),
        # a message is tried this many times, waiting RETRY_SECONDS, then twice, four
        # times as long … (at most a day) between tries, then shown as failed
        "ATSUME_MAIL_MAX_ATTEMPTS": _number("ATSUME_MAIL_MAX_ATTEMPTS", 8, minimum=1),
        "ATSUME_MAIL_RETRY_SECONDS": _number("ATSUME_MAIL_RETRY_SECONDS", 60, minimum=1),
        # a message a worker took and did not finish in this long is tried again
        "ATSUME_MAIL_LEASE_SECONDS": _number("ATSUME_MAIL_LEASE_SECONDS", 600, minimum=10),
        # jobs on RQ (Redis) instead of the polling worker; the queue's name
        "ATSUME_REDIS_URL": env("ATSUME_REDIS_URL", "").strip(),
        "ATSUME_RQ_QUEUE": env("ATSUME_RQ_QUEUE", "atsume-mail").strip(),
    }
