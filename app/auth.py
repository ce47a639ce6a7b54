"""Staff log-in and log-out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired

from app import accounts, audit
from app.extensions import limiter, login_manager
from app.models import User

blueprint = Blueprint("auth", __name__)
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")

#: the session cookie's entry holding the key of its server-side log-in session
SESSION_KEY = "login_key"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user of this request's log-in session, if it has not been ended."""
    return accounts.session_user(user_id, session.get(SESSION_KEY))


def session_key() -> str | None:
    """The key of the current request's log-in session."""
    return session.get(SESSION_KEY)


def log_in(user: User) -> None:
    """Start a new log-in session for *user* in this browser."""
    session[SESSION_KEY] = accounts.start_session(user, replaces=session.get(SESSION_KEY))
    login_user(user)


def log_out() -> None:
    """End this browser's log-in session, on the server too."""
    accounts.end_session(session.pop(SESSION_KEY, None))
    logout_user()


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[InputRequired(_l("Enter your user name."))])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password."))])


def _safe_next(target: str | None) -> str:
    # Browsers read "\\" as "/" and drop control characters: "/\\evil.example" leaves the site.
    if (
        target
        and target.startswith("/")
        and not urlsplit(target).netloc
        and "\\" not in target
        and target.isprintable()
    ):
        return target
    return url_for("staff.forms")


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["ATSUME_LOGIN_RATE"], methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.username.data, form.password.data)
        if user:
            log_in(user)
            audit.record(audit.LOGIN, user=user)
            return redirect(_safe_next(request.args.get("next")))
        audit.record(audit.LOGIN_FAILED, username=form.username.data)
        form.password.errors.append(_("The user name or password is not correct."))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 422


@blueprint.route("/logout", methods=["POST"])
@login_required
def logout():
    audit.record(audit.LOGOUT)
    log_out()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@blueprint.route("/logout/everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    """End every log-in session of this user, on every device, this one included."""
    audit.record(audit.LOGOUT_EVERYWHERE)
    accounts.end_sessions(current_user)
    log_out()
    flash(_("You have logged out on every device."), "info")
    return redirect(url_for("auth.login"))
