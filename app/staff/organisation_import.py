"""Administrators import departments and users from CSV: check first, then write."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_babel import gettext as _

from app import organisation_import
from app.organisation_import import UnreadableFile
from app.staff.blueprint import blueprint
from app.staff.organisation import admin_only, one_time_password_page


def _text(kind: str) -> tuple[str, str | None]:
    """The CSV text of *kind* ("departments" or "users"): the uploaded file if one was
    chosen, else what is in the text box; and why the file could not be read."""
    upload = request.files.get(f"{kind}_file")
    if upload is not None and upload.filename:
        try:
            return organisation_import.decode(upload.read()), None
        except UnreadableFile as error:
            return "", str(error.args[0])
    return request.form.get(f"{kind}_csv", ""), None


@blueprint.route("/organisation/import", methods=["GET", "POST"])
@admin_only
def import_organisation():
    texts = {"departments": "", "users": ""}
    unreadable: dict[str, str] = {}
    plan = None
    if request.method == "POST":
        for kind in texts:
            texts[kind], problem = _text(kind)
            if problem:
                unreadable[kind] = problem
        plan = organisation_import.check(texts["departments"], texts["users"])
        if request.form.get("action") == "import" and plan.ok and not plan.empty and not unreadable:
            created = organisation_import.apply(plan)
            flash(
                _(
                    "Imported %(departments)d departments and %(users)d users.",
                    departments=len(plan.departments.rows),
                    users=len(created),
                ),
                "success",
            )
            return one_time_password_page(created, url_for("staff.users"))
    refused = plan is not None and (not plan.ok or bool(unreadable))
    return render_template(
        "staff/import_organisation.html",
        texts=texts,
        unreadable=unreadable,
        plan=plan,
        department_columns=organisation_import.DEPARTMENT_COLUMNS,
        user_columns=organisation_import.USER_COLUMNS,
        max_rows=organisation_import.MAX_ROWS,
    ), 422 if refused else 200
