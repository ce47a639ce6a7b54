"""The staff member's own account: choosing a password."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import EqualTo, InputRequired, Length

from app.extensions import db
from app.passwords import check_password, hash_password
from app.staff.blueprint import blueprint

MIN_PASSWORD = 10


class PasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"), validators=[InputRequired(_l("Enter your current password."))]
    )
    new = PasswordField(
        _l("New password"),
        validators=[
            InputRequired(_l("Enter a new password.")),
            Length(min=MIN_PASSWORD, message=_l("Use at least %(min)d characters.")),
        ],
    )
    repeat = PasswordField(
        _l("New password again"),
        validators=[EqualTo("new", message=_l("The two new passwords differ."))],
    )


@blueprint.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        if not check_password(current_user.password_hash, form.current.data):
            form.current.errors.append(_("The current password is not correct."))
        elif form.new.data == form.current.data:
            form.new.errors.append(_("Choose a password different from the current one."))
        else:
            current_user.password_hash = hash_password(form.new.data)
            current_user.must_change_password = False
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("staff.forms"))
    return render_template(
        "staff/password.html", form=form, min_length=MIN_PASSWORD
    ), 422 if form.errors else 200
