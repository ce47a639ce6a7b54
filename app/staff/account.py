"""The staff member's own account: choosing a password, and where they are logged in."""

from flask import current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import EqualTo, InputRequired, ValidationError

from app import accounts, passwords
from app.auth import session_key
from app.extensions import limiter
from app.passwords import check_password
from app.staff.blueprint import blueprint

WEAKNESS_MESSAGES = {
    passwords.TOO_SHORT: _l("This password is too short: use at least %(min)d characters."),
    passwords.COMMON: _l("This password is among the most common ones. Choose another."),
    passwords.REPEATED: _l("A password of one or two repeated characters is easy to guess."),
    passwords.USERNAME: _l("Do not build the password from your user name."),
}


class PasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"), validators=[InputRequired(_l("Enter your current password."))]
    )
    new = PasswordField(
        _l("New password"), validators=[InputRequired(_l("Enter a new password."))]
    )
    repeat = PasswordField(
        _l("New password again"),
        validators=[EqualTo("new", message=_l("The two new passwords differ."))],
    )

    def validate_new(self, field):
        problem = passwords.weakness(field.data, current_user.username)
        if problem:
            raise ValidationError(WEAKNESS_MESSAGES[problem] % {"min": passwords.MIN_LENGTH})


def _password_rate() -> str:
    return current_app.config["ATSUME_PASSWORD_RATE"]


def _per_user() -> str:
    return f"user:{current_user.get_id()}"


@blueprint.route("/account/password", methods=["GET", "POST"])
@limiter.limit(
    _password_rate,
    key_func=_per_user,
    methods=["POST"],
    deduct_when=lambda response: g.get("wrong_current_password", False),
)
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        if not check_password(current_user.password_hash, form.current.data):
            g.wrong_current_password = True  # only guesses count towards the rate limit
            form.current.errors.append(_("The current password is not correct."))
        elif form.new.data == form.current.data:
            form.new.errors.append(_("Choose a password different from the current one."))
        else:
            ended = accounts.change_password(current_user, form.new.data, keep=session_key())
            flash(
                _("Your password has been changed. Your other log-ins have ended.")
                if ended
                else _("Your password has been changed."),
                "success",
            )
            return redirect(url_for("staff.forms"))
    return render_template(
        "staff/password.html",
        form=form,
        min_length=passwords.MIN_LENGTH,
        other_sessions=accounts.other_sessions(current_user, session_key()),
    ), 422 if form.errors else 200
