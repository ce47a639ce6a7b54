"""Flask-Limiter as Atsume uses it: limits on the views that need them, none app-wide."""

from __future__ import annotations

from flask import Flask

from app.extensions import limiter

#: settings that give Flask-Limiter limits of its own to check before every request
_APP_WIDE = ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION", "RATELIMIT_META")


def register(app: Flask) -> None:
    """Set up the limiter on *app*. Its check before every request looks for app-wide
    limits only (a limited view checks its own in its decorator); with none configured,
    that check is left out, as it would find nothing on every request."""
    limiter.init_app(app)
    if any(app.config.get(name) for name in _APP_WIDE):
        return
    checks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in checks:
        checks.remove(limiter._check_request_limit)
