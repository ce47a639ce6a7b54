"""Atsume: forms and records for public offices."""

from __future__ import annotations

import functools
import os

from flask import Flask, current_app, has_request_context, request, session
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header
from werkzeug.middleware.proxy_fix import ProxyFix

from app import (
    json_input,
    rate_limits,
    roles,
    security_headers,
    static_assets,
    upload_limits,
    url_ids,
)
from app.config import load_config
from app.extensions import babel, csrf, db, login_manager, migrate
from app.records.tables import system_tables_only

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def select_locale() -> str:
    """?lang= (remembered in the session), else the browser's preference, else Japanese
    (also outside a request: commands and background work)."""
    if not has_request_context():
        return "ja"
    languages = current_app.config["ATSUME_LANGUAGES"]
    wanted = request.args.get("lang")
    if wanted in languages:
        session["lang"] = wanted
    if session.get("lang") in languages:
        return session["lang"]
    return _preferred(request.headers.get("Accept-Language", ""), tuple(languages))


@functools.lru_cache(maxsize=256)
def _preferred(accept_language: str, languages: tuple[str, ...]) -> str:
    """The best of *languages* for an Accept-Language header (browsers send a few
    distinct ones, so each is parsed once)."""
    return parse_accept_header(accept_language, LanguageAccept).best_match(languages) or "ja"


def create_app(config: dict | None = None) -> Flask:
    """Build the application; *config* overrides settings (tests)."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    url_ids.register(app)  # before any route is added
    app.config.from_mapping(load_config(app.instance_path, config))
    roles.check(app.config["ATSUME_ROLE"])

    if app.config["ATSUME_PROXIES"]:
        # Client addresses (rate limits) and https links come from the proxy's headers.
        proxies = app.config["ATSUME_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    # Order matters: the database first (everything else may use it), then migrations,
    # sessions/login, translations, CSRF protection and finally rate limits.
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(ROOT, "migrations"),
        include_object=system_tables_only,
        render_as_batch=True,
    )
    # Flask-Login's own context processor loads the user for every page rendered; the
    # proxy loads it only for the templates that ask (staff pages, not citizens' ones)
    login_manager.init_app(app, add_context_processor=False)
    app.context_processor(lambda: {"current_user": current_user})
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=os.path.join(ROOT, "app", "translations"),
    )
    upload_limits.register(app)  # before CSRF protection reads the body
    csrf.init_app(app)
    rate_limits.register(app)
    json_input.register(app)
    security_headers.register(app)

    from app import auth, cli, views
    from app.api import blueprint as api_blueprint
    from app.events.public import blueprint as events_blueprint
    from app.mail import notify
    from app.staff import blueprint as staff_blueprint
    from builder.designer import blueprint as designer_blueprint
    from renderer.postal_codes import blueprint as postal_codes_blueprint
    from renderer.public import blueprint as public_blueprint

    # Every role has /f/ addresses (staff-only forms are served there too); which forms
    # each role serves is decided in renderer.public.
    app.register_blueprint(public_blueprint)
    app.register_blueprint(postal_codes_blueprint)
    app.register_blueprint(events_blueprint)
    if roles.serves_staff(app.config["ATSUME_ROLE"]):
        app.register_blueprint(auth.blueprint)
        app.register_blueprint(staff_blueprint)
        app.register_blueprint(designer_blueprint)
        app.register_blueprint(api_blueprint)
        csrf.exempt(api_blueprint)
    views.register(app)
    static_assets.register(app)
    cli.register(app)
    notify.send_promotion_mail()
    return app
