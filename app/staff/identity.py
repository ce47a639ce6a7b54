"""Administrators set the office's name and logo, shown on every public page."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import identity
from app.staff.blueprint import blueprint
from app.staff.organisation import admin_only

LOGO_PROBLEMS = {
    "empty": lambda: _("The file is empty."),
    "too_large": lambda: _(
        "The logo is larger than %(n)d KB. Use a smaller image.", n=identity.LOGO_MAX_BYTES // 1024
    ),
    "type": lambda: _("Use a PNG, JPEG or WebP image. The file's content is not one of these."),
}


@blueprint.route("/identity", methods=["GET", "POST"])
@admin_only
def site_identity():
    errors: dict[str, str] = {}
    if request.method == "POST":
        name = request.form.get("name", "")
        upload = request.files.get("logo")
        data = upload.read(identity.LOGO_MAX_BYTES + 1) if upload and upload.filename else None
        if len(name.strip()) > identity.NAME_MAX:
            errors["name"] = _("At most %(n)d characters.", n=identity.NAME_MAX)
        else:
            try:
                identity.change(name, data, remove=request.form.get("remove_logo") == "1")
            except identity.LogoRefused as refused:
                errors["logo"] = LOGO_PROBLEMS[str(refused)]()
            else:
                flash(_("The office's name and logo were saved."), "success")
                return redirect(url_for("staff.site_identity"))
    return render_template(
        "staff/identity.html",
        current=identity.current(),
        errors=errors,
        values=request.form if request.method == "POST" else None,
    ), 422 if errors else 200
