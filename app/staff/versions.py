"""Staff pages for a form's published versions: list, view, restore as the draft."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import rights
from app.forms import operations
from app.staff.blueprint import blueprint, form_or_404
from builder.definition import DefinitionError


@blueprint.route("/forms/<int:form_id>/versions")
def versions(form_id: int):
    form = form_or_404(form_id, rights.VIEW_FORM)
    return render_template("staff/versions.html", form=form)


@blueprint.route("/forms/<int:form_id>/versions/<int:number>/restore", methods=["POST"])
def restore_version(form_id: int, number: int):
    form = form_or_404(form_id, rights.EDIT_FORM)
    try:
        operations.restore_version(form, number, request.form.get("revision", type=int))
    except LookupError:
        abort(404)
    except DefinitionError:
        flash(
            _(
                "This version uses items that are no longer available, so it cannot be "
                "restored. Look at it and rebuild those items in the designer."
            ),
            "error",
        )
        return redirect(url_for("staff.versions", form_id=form.id))
    except operations.ConflictError:
        flash(_("Someone else saved the draft meanwhile. Look at it before restoring."), "error")
        return redirect(url_for("staff.versions", form_id=form.id))
    flash(_("Version %(n)d is now the draft. Publish it to serve it again.", n=number), "success")
    return redirect(url_for("designer.design", form_id=form.id))
