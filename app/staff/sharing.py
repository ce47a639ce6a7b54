"""Sharing a public form: its address as a QR code for flyers, and an embed snippet for the
city's website (only for the sites the form allows)."""

from __future__ import annotations

import io

import segno
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app import audit, rights
from app.security_headers import not_origins
from app.staff.blueprint import blueprint, form_or_404
from app.transactions import write_transaction

#: at most this many embedding sites per form
MAX_ORIGINS = 20
QR_FORMATS = {"png": "image/png", "svg": "image/svg+xml"}


def public_address(form) -> str:
    return url_for("public.fill", slug=form.slug, _external=True)


def embed_snippet(form) -> str:
    """The HTML a website pastes to show *form* in a frame."""
    frame = Markup(
        '<iframe src="{}" title="{}" width="100%" height="900" '
        'style="border: 0; max-width: 48rem;" loading="lazy"></iframe>'
    )
    return str(frame.format(public_address(form), form.title))


@write_transaction
def set_embed_origins(form, origins: list[str]) -> None:
    """Change which sites may show *form* in a frame."""
    before = list(form.embed_origins or [])
    form.embed_origins = origins or None
    audit.record(audit.FORM_EMBEDDING, form=form, detail={"origins": [before, origins]})


def _origins(text: str) -> tuple[list[str], str | None]:
    """The origins typed one per line, and a message naming one that is not an origin."""
    origins = list(dict.fromkeys(line.strip().rstrip("/") for line in text.splitlines()))
    origins = [o for o in origins if o]
    bad = not_origins(origins)
    if bad:
        return origins, _(
            "“%(text)s” is not a site address. Write only the scheme and host, "
            "such as https://www.city.example.jp",
            text=bad[0],
        )
    if len(origins) > MAX_ORIGINS:
        return origins, _("At most %(n)d sites.", n=MAX_ORIGINS)
    return origins, None


@blueprint.route("/forms/<int:form_id>/share", methods=["GET", "POST"])
def share(form_id: int):
    form = form_or_404(form_id, rights.VIEW_FORM)
    can_edit = rights.can(current_user, rights.EDIT_FORM, form)
    error = None
    typed = None
    if request.method == "POST":
        if not can_edit:
            abort(403)
        typed = request.form.get("embed_origins", "")
        origins, error = _origins(typed)
        if error is None:
            set_embed_origins(form, origins)
            flash(_("Saved the sites that may embed the form."), "success")
            return redirect(url_for("staff.share", form_id=form.id))
    return render_template(
        "staff/share.html",
        form=form,
        address=public_address(form) if form.is_published else None,
        snippet=embed_snippet(form) if form.is_published else None,
        can_edit=can_edit,
        error=error,
        typed=typed,
    ), 422 if error else 200


@blueprint.route("/forms/<int:form_id>/qr-code")
def qr_code(form_id: int):
    """The public address as a QR code (``?format=png`` or ``svg``), to download for flyers."""
    form = form_or_404(form_id, rights.VIEW_FORM)
    kind = request.args.get("format", "png")
    if kind not in QR_FORMATS or not form.is_published:
        abort(404)
    code = segno.make(public_address(form), error="m", micro=False)
    buffer = io.BytesIO()
    if kind == "png":
        code.save(buffer, kind="png", scale=10, border=4)
    else:
        code.save(buffer, kind="svg", scale=10, border=4, xmldecl=True, svgns=True)
    buffer.seek(0)
    return send_file(
        buffer,
        mimetype=QR_FORMATS[kind],
        as_attachment=request.args.get("download") == "1",
        download_name=f"{form.slug}-qr.{kind}",
    )
