"""App-wide pages, error pages and template helpers."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from flask import (
    Flask,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import (
    BadRequest,
    Forbidden,
    InternalServerError,
    RequestEntityTooLarge,
)

from app import identity, roles
from app.records.workflow import status_label
from app.staff.blueprint import wants_json
from builder.fields.base import FILTER_LABELS
from builder.storage_plan import ACTION_LABELS, subject


def local_time(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time shown in the office's time zone."""
    if value is None:
        return ""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return value.replace(tzinfo=dt.UTC).astimezone(zone).strftime(fmt)


def url_with_query(endpoint: str | None, query, **values) -> str:
    """The address of *endpoint* with *values* in its path and *query* as its query string.

    Query names never reach ``url_for``, so names such as ``endpoint``, ``_method`` or a
    path parameter's name in a hostile query string stay plain query arguments.
    """
    path = (
        url_for(endpoint, **values)
        if endpoint
        else request.script_root + quote(request.path, safe="/")
    )
    pairs = [(k, v) for k, v in MultiDict(query).items(multi=True) if v is not None]
    return f"{path}?{urlencode(pairs)}" if pairs else path


def _other_language_url() -> tuple[str, str]:
    other = "en" if str(get_locale()) == "ja" else "ja"
    args = MultiDict(request.args)
    args["lang"] = other
    label = "English" if other == "en" else "日本語"
    return url_with_query(request.endpoint, args, **(request.view_args or {})), label


def register(app: Flask) -> None:
    """Root page, error handlers and template helpers."""

    @app.route("/")
    def index():
        if not roles.serves_staff(app.config["ATSUME_ROLE"]):
            return render_template("public/index.html")
        if current_user.is_authenticated:
            return redirect(url_for("staff.forms"))
        return redirect(url_for("auth.login"))

    @app.route("/healthz")
    def health():
        return {"status": "ok"}

    @app.template_filter("status_label")
    def _status_label(value, form=None):
        return status_label(form, value, _)

    @app.template_filter("local_time")
    def _local_time(value, fmt="%Y-%m-%d %H:%M"):
        return local_time(value, fmt)

    @app.context_processor
    def _globals():
        return {
            "change_label": lambda action: _(ACTION_LABELS.get(action, action)),
            "change_subject": lambda change: subject(change, _),
            "filter_label": lambda op: _(FILTER_LABELS.get(op, op)),
            "current_locale": str(get_locale()),
            "other_language": _other_language_url if request else None,
            "url_with_query": url_with_query,
            "staff_enabled": roles.serves_staff(app.config["ATSUME_ROLE"]),
            "site_identity": identity.current,
            "form_contact": identity.contact_for,
        }

    @app.route("/identity/logo")
    def identity_logo():
        """The office's logo; its address changes with its content, so it is cached long."""
        path = identity.logo_path(identity.current())
        if path is None:
            abort(404)
        response = send_file(path, mimetype=identity.current().logo_type, max_age=86400 * 30)
        response.headers["Content-Disposition"] = "inline"
        return response

    def _error(status: int, title: str, message: str):
        if request.path.startswith("/api/") or wants_json():
            return {"error": title, "message": message}, status
        return render_template("error.html", status=status, title=title, message=message), status

    @app.errorhandler(404)
    def not_found(error):
        return _error(404, _("Page not found"), _("The page you asked for does not exist."))

    @app.errorhandler(BadRequest)
    def bad_request(error):
        described = error.description != BadRequest.description
        message = error.description if described else _("The request could not be understood.")
        return _error(400, _("Bad request"), message)

    @app.errorhandler(403)
    def forbidden(error):
        described = error.description != Forbidden.description
        default = _("You do not have the right to see this page.")
        return _error(403, _("Not allowed"), error.description if described else default)

    @app.errorhandler(405)
    def method_not_allowed(error):
        return _error(405, _("Not allowed"), _("This address does not accept that request."))

    @app.errorhandler(413)
    def too_large(error):
        described = error.description != RequestEntityTooLarge.description
        limit = (request.max_content_length or 0) // (1024 * 1024)
        if described:
            message = error.description
        elif g.get("upload_limit_mb"):  # an import file
            message = _(
                "The file is larger than %(n)d MB. Split it into smaller files.",
                n=g.upload_limit_mb,
            )
        else:
            message = _("What you sent is too large.")
            if limit:
                message += " " + _(
                    "Everything sent at once (attached files included) may be at most %(n)d MB. "
                    "Go back and attach smaller or fewer files.",
                    n=limit,
                )
        return _error(413, _("Too large"), message)

    @app.errorhandler(415)
    def unsupported(error):
        return _error(415, _("Bad request"), error.description)

    @app.errorhandler(429)
    def too_many(error):
        body, status = _error(
            429,
            _("Too many requests"),
            _("Too many requests came from your connection. Wait a minute and retry."),
        )
        wait = getattr(error, "retry_after", None)  # seconds, when the refusal knows them
        return body, status, {"Retry-After": str(wait)} if isinstance(wait, int) else {}

    @app.errorhandler(InternalServerError)
    def server_error(error):
        # The last resort: an unexpected failure still gets a page (or JSON for scripts) in
        # the user's language. With TESTING on, Flask raises the exception instead.
        return _error(
            500,
            _("Something went wrong"),
            _("The server failed to answer. Please retry; if it happens again, tell the office."),
        )

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        if request.is_json:
            return {
                "error": _("The page has expired. Reload it and make your last change again."),
                "expired": True,
            }, 400
        return _error(
            400,
            _("The page has expired"),
            _("Go back, reload the page and send it again. Nothing was stored."),
        )
