"""The staff member's own account: choosing a password, and where they are logged in."""

import math
import time

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from limits import parse as parse_limit
from wtforms import PasswordField
from wtforms.validators import EqualTo, InputRequired, ValidationError

from app import accounts, audit, passwords, second_factor
from app.auth import session_key
from app.extensions import limiter
from app.passwords import check_password
from app.staff.blueprint import blueprint

WEAKNESS_MESSAGES = {
    passwords.TOO_SHORT: _l("This password is too short: use at least %(min)d characters."),
    passwords.COMMON: _l("This password is among the most common ones. Choose another."),
    passwords.REPEATED: _l("A password of one or two repeated characters is easy to guess."),
    passwords.USERNAME: _l("Do not build the password from your user name."),
    passwords.FEW_KINDS: _l(
        "Mix at least %(kinds)d of these: lower-case letters, upper-case letters, digits "
        "and symbols."
    ),
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
        rules = passwords.rules(current_app.config)
        problem = passwords.weakness(field.data, current_user.username, rules)
        if problem:
            raise ValidationError(
                WEAKNESS_MESSAGES[problem] % {"min": rules.min_length, "kinds": rules.kinds}
            )


def _guess_limit():
    return parse_limit(current_app.config["ATSUME_PASSWORD_RATE"])


def _minutes_to_wait() -> int:
    """Minutes before this account may try its current password again (0: now)."""
    if not limiter.enabled:
        return 0
    identity = ("password-guess", current_user.get_id())
    if limiter.limiter.test(_guess_limit(), *identity):
        return 0
    reset = limiter.limiter.get_window_stats(_guess_limit(), *identity).reset_time
    return max(1, math.ceil((reset - time.time()) / 60))


def _count_guess() -> None:
    if limiter.enabled:
        limiter.limiter.hit(_guess_limit(), "password-guess", current_user.get_id())


def confirm_password(field) -> int:
    """Check the current password typed in *field* (guesses are limited per account);
    on failure the reason is added to the field's errors. Return 0 if it is right, else
    the HTTP status to answer with (422, or 429 while guesses are refused)."""
    wait = _minutes_to_wait()
    if wait:
        field.errors.append(
            _("Too many wrong passwords. Try again in %(minutes)d minutes.", minutes=wait)
        )
        return 429
    if not check_password(current_user.password_hash, field.data):
        _count_guess()  # only wrong current passwords count towards the limit
        field.errors.append(_("The current password is not correct."))
        return 422
    return 0


@blueprint.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = PasswordForm()
    refused = 0
    if form.validate_on_submit():
        refused = confirm_password(form.current)
        if not refused and form.new.data == form.current.data:
            form.new.errors.append(_("Choose a password different from the current one."))
        elif not refused:
            ended = accounts.change_password(current_user, form.new.data, keep=session_key())
            audit.record(audit.PASSWORD_CHANGE, detail={"other_logins_ended": ended})
            flash(
                _("Your password has been changed. Your other log-ins have ended.")
                if ended
                else _("Your password has been changed."),
                "success",
            )
            return redirect(url_for("staff.forms"))
    rules = passwords.rules(current_app.config)
    return render_template(
        "staff/password.html",
        form=form,
        min_length=rules.min_length,
        kinds=rules.kinds,
        two_factor=second_factor.is_enrolled(current_user),
        other_sessions=accounts.other_sessions(current_user, session_key()),
    ), refused or (422 if form.errors else 200)
