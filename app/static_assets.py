"""Static files: the favicon, and the only files the public role serves.

A public-role server (``ATSUME_ROLE=public``) faces the internet and serves citizens only,
so it serves the assets of public pages and nothing else (not the designer's script nor
the libraries it uses).
"""

from __future__ import annotations

from flask import Flask, abort, current_app, request

from app import roles

#: the static files public pages use (paths under static/); the public role serves only these
PUBLIC_ASSETS = frozenset(
    {
        "css/atsume.css",
        "js/public-form.js",
        "js/postal-code.js",
        "js/conditions.js",
        "js/form-memory.js",
        "js/submit-once.js",
        "favicon.svg",
        "favicon.ico",
    }
)


def _favicon():
    return current_app.send_static_file("favicon.ico")


def _only_public_assets():
    if request.endpoint == "static" and request.view_args.get("filename") not in PUBLIC_ASSETS:
        abort(404)


def register(app: Flask) -> None:
    """Serve /favicon.ico; in the public role, refuse static files public pages do not use."""
    app.add_url_rule("/favicon.ico", "favicon", _favicon)
    if app.config["ATSUME_ROLE"] == roles.PUBLIC:
        app.before_request(_only_public_assets)
