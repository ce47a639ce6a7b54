"""The staff member's second factor: enrolling an authenticator app (QR code, then a
code to confirm), recovery codes, and turning it off."""

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired

from app import accounts, second_factor
from app.auth import session_key
from app.staff.account import confirm_password
from app.staff.blueprint import blueprint

#: the session cookie's entry holding the secret being enrolled (encrypted)
ENROLMENT_KEY = "totp_enrolment"


class EnrolForm(FlaskForm):
    code = StringField(
        _l("Code from the app"),
        validators=[InputRequired(_l("Enter the code your authenticator app shows."))],
    )


class ConfirmPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Current password"), validators=[InputRequired(_l("Enter your current password."))]
    )


def _enrolment_secret(create: bool = False) -> str | None:
    """The secret being enrolled in this browser (a new one if *create* and none yet)."""
    secret = second_factor.unseal(session.get(ENROLMENT_KEY))
    if secret is None and create:
        secret = second_factor.new_secret()
        session[ENROLMENT_KEY] = second_factor.seal(secret)
    return secret


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@blueprint.route("/account/two-factor", methods=["GET", "POST"])
def two_factor():
    if second_factor.is_enrolled(current_user):
        return render_template(
            "staff/two_factor.html",
            enrolled=True,
            codes_left=second_factor.recovery_codes_left(current_user),
            password_form=ConfirmPasswordForm(),
        )
    form = EnrolForm()
    secret = _enrolment_secret(create=True)
    if form.validate_on_submit():
        codes = second_factor.enrol(current_user, secret, form.code.data)
        if codes is not None:
            session.pop(ENROLMENT_KEY, None)
            ended = accounts.end_sessions(current_user, keep=session_key())
            return render_template("staff/recovery_codes.html", codes=codes, ended=ended)
        form.code.errors.append(
            _(
                "This code is not correct. Enter the code the app shows now "
                "(it changes every 30 seconds)."
            )
        )
    return render_template(
        "staff/two_factor.html",
        enrolled=False,
        form=form,
        secret=_grouped(secret),
        required=current_app.config["ATSUME_REQUIRE_TOTP"],
    ), 422 if form.errors else 200


@blueprint.route("/account/two-factor/qr.svg")
def two_factor_qr():
    """The QR code of the secret being enrolled, for the authenticator app to read."""
    secret = _enrolment_secret()
    if secret is None or second_factor.is_enrolled(current_user):
        abort(404)
    svg = second_factor.qr_svg(second_factor.provisioning_uri(current_user, secret))
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


def _confirmed_page(name: str, action):
    """Run *action* if the current password typed is right; else show the page again."""
    if not second_factor.is_enrolled(current_user):
        return redirect(url_for("staff.two_factor"))
    form = ConfirmPasswordForm()
    refused = 422
    if form.validate_on_submit():
        refused = confirm_password(form.password)
        if not refused:
            return action()
    return render_template(
        "staff/two_factor.html",
        enrolled=True,
        codes_left=second_factor.recovery_codes_left(current_user),
        password_form=form,
        failed=name,
    ), refused


@blueprint.route("/account/two-factor/recovery-codes", methods=["POST"])
def two_factor_new_codes():
    """New recovery codes (the old ones stop working), after the password."""

    def renew():
        codes = second_factor.new_recovery_codes(current_user)
        return render_template("staff/recovery_codes.html", codes=codes, ended=0)

    return _confirmed_page("codes", renew)


@blueprint.route("/account/two-factor/disable", methods=["POST"])
def two_factor_disable():
    """Turn the second factor off, after the password (not when the office requires it)."""
    if current_app.config["ATSUME_REQUIRE_TOTP"]:
        abort(403)

    def disable():
        second_factor.disable(current_user)
        flash(_("Two-step verification is off."), "success")
        return redirect(url_for("staff.change_password"))

    return _confirmed_page("disable", disable)
