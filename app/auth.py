"""Staff log-in (user name and password, then the second factor if the user has one)
and log-out."""

from __future__ import annotations

import time
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

from app import accounts, audit, lockout, second_factor
from app.extensions import db, limiter, login_manager
from app.models import User

blueprint = Blueprint("auth", __name__)
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")

#: the session cookie's entry holding the key of its server-side log-in session
SESSION_KEY = "login_key"
#: the session cookie's entry for a log-in waiting for its second factor
PENDING_KEY = "pending_login"
#: how long the second step of a log-in may take (seconds)
PENDING_SECONDS = 300


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user of this request's log-in session, if it has not been ended or run out."""
    found = accounts.resume_session(user_id, session.get(SESSION_KEY))
    if found.ended:
        session.pop(SESSION_KEY, None)
        flash(_session_ended_message(found.ended), "info")
    return found.user


def _session_ended_message(reason: str) -> str:
    config = current_app.config
    if reason == accounts.IDLE:
        return _(
            "You were logged out after %(minutes)d minutes without activity. Log in again.",
            minutes=config["ATSUME_SESSION_IDLE_MINUTES"],
        )
    return _(
        "You were logged out: a log-in lasts at most %(hours)d hours. Log in again.",
        hours=config["ATSUME_SESSION_MAX_HOURS"],
    )


def session_key() -> str | None:
    """The key of the current request's log-in session."""
    return session.get(SESSION_KEY)


def log_in(user: User) -> None:
    """Start a new log-in session for *user* in this browser."""
    session[SESSION_KEY] = accounts.start_session(user, replaces=session.get(SESSION_KEY))
    login_user(user)
    audit.record(audit.LOGIN, user=user)


def log_out() -> None:
    """End this browser's log-in session, on the server too."""
    accounts.end_session(session.pop(SESSION_KEY, None))
    logout_user()


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[InputRequired(_l("Enter your user name."))])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password."))])


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"), validators=[InputRequired(_l("Enter the code from your authenticator app."))]
    )


def locked_message(minutes: int) -> str:
    return _(
        "Too many failed log-ins for this user name: it is locked for %(minutes)d minutes. "
        "An administrator can unlock it sooner.",
        minutes=minutes,
    )


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
    status = 200
    if form.validate_on_submit():
        attempt = accounts.authenticate(form.username.data, form.password.data)
        if attempt.user:
            return _password_accepted(attempt.user, _safe_next(request.args.get("next")))
        audit.record(
            audit.LOGIN_FAILED,
            username=form.username.data,
            detail={"reason": "locked" if attempt.locked_minutes else "password"},
        )
        if attempt.locked_minutes:
            form.password.errors.append(locked_message(attempt.locked_minutes))
            status = 429
        else:
            form.password.errors.append(_("The user name or password is not correct."))
    if form.errors and status == 200:
        status = 422
    return render_template("auth/login.html", form=form), status


def _password_accepted(user: User, next_url: str):
    """Log *user* in, or ask for their second factor first."""
    if not second_factor.is_enrolled(user):
        log_in(user)
        return redirect(next_url)
    session[PENDING_KEY] = {"user": user.id, "at": int(time.time()), "next": next_url}
    return redirect(url_for("auth.login_code"))


def _pending_user() -> User | None:
    """The user whose password was accepted moments ago, waiting for the second step."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("user"))
    return user if user is not None and user.active and second_factor.is_enrolled(user) else None


@blueprint.route("/login/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["ATSUME_LOGIN_RATE"], methods=["POST"])
def login_code():
    """The second step of a log-in: a code from the authenticator app, or a recovery code."""
    user = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash(_("The log-in took too long. Enter your user name and password again."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        locked = lockout.minutes_locked(user.username)
        used = None if locked else second_factor.verify(user, form.code.data)
        if used:
            next_url = session.pop(PENDING_KEY)["next"]
            log_in(user)
            if used == second_factor.RECOVERY:
                flash(_recovery_code_used_message(user), "info")
            return redirect(next_url)
        audit.record(
            audit.LOGIN_FAILED,
            username=user.username,
            detail={"reason": "locked" if locked else "second factor"},
        )
        locked = locked or lockout.note_failure(user.username)
        if locked:
            session.pop(PENDING_KEY, None)
            form.code.errors.append(locked_message(locked))
            status = 429
        else:
            form.code.errors.append(_("This code is not correct, or it was already used."))
            status = 422
    elif form.errors:
        status = 422
    return render_template("auth/code.html", form=form), status


def _recovery_code_used_message(user: User) -> str:
    return _(
        "You used a recovery code; %(left)d are left. Make new ones on your account page.",
        left=second_factor.recovery_codes_left(user),
    )


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
