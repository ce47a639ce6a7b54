"""The public blueprint: citizens fill a form at /f/<slug> without an account."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app import roles
from app.extensions import limiter
from app.forms.operations import form_at_address
from app.forms.published import bound_fields, published_definition
from app.models import Form
from app.models.types import utcnow
from app.records.access import submitted_receipt
from app.records.submission import submit
from app.security_headers import embeddable
from renderer.form_class import (
    build_form_class,
    cleaned_values,
    field_name,
    hidden_inputs,
    layout,
)
from renderer.widgets import aria

blueprint = Blueprint("public", __name__)
blueprint.add_app_template_global(aria, "aria")

#: how long the thank-you address keeps showing the receipt (seconds)
RECEIPT_TICKET_AGE = 24 * 3600


def _ticket_serializer(form: Form) -> URLSafeTimedSerializer:
    """Signs thank-you tickets for *form* only: another form's ticket fails the signature."""
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=f"atsume-receipt:form-{form.id}"
    )


def receipt_ticket(form: Form, record_id: int) -> str:
    """The ticket in the thank-you address of *record_id* on *form*."""
    return _ticket_serializer(form).dumps(record_id)


def ticket_record_id(form: Form, ticket: str) -> int | None:
    """The record a ticket of *form* names, or None if forged, expired or another form's."""
    try:
        record_id = _ticket_serializer(form).loads(ticket, max_age=RECEIPT_TICKET_AGE)
    except BadSignature:  # SignatureExpired is a BadSignature
        return None
    return record_id if isinstance(record_id, int) else None


#: how long browsers may remember that a former address forwards (it can be taken back)
FORWARD_CACHE_SECONDS = 3600


def _published_form(slug: str) -> Form:
    """The published form at *slug*; a former address forwards to the form's current one."""
    form, former = form_at_address(slug)
    if form is None or not form.is_published or not roles.serves_audience(_audience(form)):
        abort(404)
    if former:
        abort(_forward(form.slug))
    return form


def _audience(form: Form) -> str:
    """Who *form* is for: citizens (the default) or logged-in staff."""
    return published_definition(form).settings.get("audience", roles.PUBLIC_AUDIENCE)


def _forward(slug: str):
    """A redirect to the same page (path and query) at the form's current address."""
    target = url_for(request.endpoint, **{**(request.view_args or {}), "slug": slug})
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    # 308 keeps a POST's method and body, so an answer sent from an old page still arrives.
    code = 301 if request.method in ("GET", "HEAD") else 308
    response = redirect(target, code)
    response.cache_control.max_age = FORWARD_CACHE_SECONDS
    return response


def page_context(form: Form, definition, preview: bool = False) -> dict:
    """What public/form.html needs to show *definition* (also used for previews)."""
    fields = bound_fields(definition, _)
    return {
        "form": form,
        "definition": definition,
        "web_form": build_form_class(fields)(),
        "fields": fields,
        "layout": layout(definition, fields),
        "field_name": field_name,
        "preview": preview,
    }


def _submit_rate() -> str:
    return current_app.config["ATSUME_SUBMIT_RATE"]


@blueprint.route("/f/<slug>", methods=["GET", "POST"])
@embeddable
@limiter.limit(_submit_rate, methods=["POST"])
def fill(slug: str):
    """The form, its confirmation page (入力内容の確認) and the final submit."""
    form = _published_form(slug)
    definition = published_definition(form)
    if not form.accepting(utcnow()):
        return render_template("public/closed.html", form=form, definition=definition), 410
    page = page_context(form, definition)
    web_form, fields = page["web_form"], page["fields"]

    if request.method == "GET":
        web_form.submission_token.data = uuid.uuid4().hex
        return render_template("public/form.html", **page)

    action = request.form.get("action", "confirm")
    if not web_form.submission_token.data:
        web_form.submission_token.data = uuid.uuid4().hex
    if action == "back":
        return render_template("public/form.html", **page)
    if not web_form.validate():
        return render_template("public/form.html", **page), 422

    values = cleaned_values(web_form, fields)
    if action == "confirm" and definition.settings.get("confirm_page", True):
        shown = [(ft, ft.display(values.get(ft.key))) for ft in fields]
        return render_template(
            "public/confirm.html", **page, shown=shown, hidden=hidden_inputs(values, fields)
        )
    record, _created = submit(form, definition, values, token=web_form.submission_token.data)
    ticket = receipt_ticket(form, record.id)
    return redirect(url_for(".thanks", slug=slug, ticket=ticket), 303)


@blueprint.route("/f/<slug>/thanks/<ticket>")
@embeddable
def thanks(slug: str, ticket: str):
    """The thank-you page with the receipt number (受付番号)."""
    form = _published_form(slug)
    record_id = ticket_record_id(form, ticket)
    record = submitted_receipt(form, record_id) if record_id is not None else None
    if record is None:
        abort(404)
    return render_template(
        "public/thanks.html", form=form, definition=published_definition(form), record=record
    )
