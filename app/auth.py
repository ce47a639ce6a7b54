"""Staff log-in and log-out."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired

from app.extensions import db, limiter, login_manager
from app.models import User
from app.passwords import check_password, hash_password, needs_rehash

blueprint = Blueprint("auth", __name__)
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[InputRequired(_l("Enter your user name."))])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password."))])


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    if user is None or not user.active or not check_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


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
        user = authenticate(form.username.data, form.password.data)
        if user:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("The user name or password is not correct."))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 422


@blueprint.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))
