"""The applicant's private pages: view, change or cancel an application (no account)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from app import roles
from app.events import links, registration
from app.events.rules import CANCELLED, SEATLESS, Rules
from app.events.view import annotate, full_message, refusal_errors
from app.forms.operations import form_at_address
from app.forms.published import bound_fields, published_definition
from app.models import Form
from app.records import access
from app.security_headers import embeddable
from builder.definition import PUBLIC_AUDIENCE
from renderer.form_class import (
    build_form_class,
    cleaned_values,
    field_name,
    formdata_from_values,
)

blueprint = Blueprint("events", __name__)


class CancelForm(FlaskForm):
    """The confirmation step of a cancellation (CSRF-protected)."""


def _form(slug: str) -> Form:
    form, _former = form_at_address(slug)
    if form is None or not form.is_published:
        abort(404)
    definition = published_definition(form)
    if definition.settings.get("audience", PUBLIC_AUDIENCE) != PUBLIC_AUDIENCE:
        abort(404)
    if not roles.serves_audience(PUBLIC_AUDIENCE):
        abort(404)
    return form


def _link_error(form: Form, definition, expired: bool):
    status = 410 if expired else 404
    return render_template(
        "events/link_error.html", form=form, definition=definition, expired=expired
    ), status


def _opened(slug: str, token: str):
    """(form, definition, record, None) for a valid link, or a response for a bad one."""
    form = _form(slug)
    definition = published_definition(form)
    record_id = links.record_id_of(form, token)
    record = access.application(form, record_id) if record_id is not None else None
    if record is None or record.deleted_at is not None:
        return form, definition, None, _link_error(form, definition, expired=False)
    closed = links.expired(form) or not Rules.of(definition).cancel_link
    if closed and request.endpoint != "events.entry":
        return form, definition, None, _link_error(form, definition, expired=True)
    return form, definition, record, None


def _shown(form, definition, record) -> list:
    values = registration.values_by_key(form, record)
    return [(ft, ft.display(values.get(ft.key))) for ft in bound_fields(definition, _)]


@blueprint.route("/f/<slug>/entry/<token>")
@embeddable
def entry(slug: str, token: str):
    """The application as sent, its state, and what the applicant can still do."""
    form, definition, record, refused = _opened(slug, token)
    if refused:
        return refused
    rules = Rules.of(definition)
    return render_template(
        "events/entry.html",
        form=form,
        definition=definition,
        record=record,
        token=token,
        shown=_shown(form, definition, record),
        position=registration.waitlist_position(form, record),
        expired=links.expired(form) or not rules.cancel_link,
        changeable=bool(rules.changeable_fields) and record.status != CANCELLED,
        cancelled=record.status == CANCELLED,
    )


@blueprint.route("/f/<slug>/entry/<token>/change", methods=["GET", "POST"])
@embeddable
def change(slug: str, token: str):
    """Change the answers the form allows; seats are taken again atomically."""
    form, definition, record, refused = _opened(slug, token)
    if refused:
        return refused
    rules = Rules.of(definition)
    if record.status == CANCELLED or not rules.changeable_fields:
        return redirect(url_for(".entry", slug=slug, token=token), 303)
    fields = [
        ft for ft in bound_fields(definition, _) if ft.key in set(rules.changeable_fields)
    ]
    values = registration.values_by_key(form, record)
    held = rules.needs(values) if record.status not in SEATLESS else {}
    annotate(form, definition, fields, own=held)
    form_class = build_form_class(fields)
    if request.method == "GET":
        web_form = form_class(formdata=formdata_from_values(values, fields))
        return _change_page(form, definition, record, token, web_form, fields)
    web_form = form_class()
    if not web_form.validate():
        return _change_page(form, definition, record, token, web_form, fields), 422
    wanted = cleaned_values(web_form, fields)
    try:
        registration.change(form, definition, record, wanted)
    except registration.Full as exc:
        for key, messages in refusal_errors(exc, definition).items():
            bound = web_form._fields.get(field_name(key))
            if bound is not None:
                bound.errors = [*bound.errors, *messages]
        return _change_page(
            form, definition, record, token, web_form, fields, problem=full_message(exc)
        ), 409
    except registration.Refused:
        return redirect(url_for(".entry", slug=slug, token=token), 303)
    return redirect(url_for(".entry", slug=slug, token=token, changed=1), 303)


def _change_page(form, definition, record, token, web_form, fields, problem=None):
    return render_template(
        "events/change.html",
        form=form,
        definition=definition,
        record=record,
        token=token,
        web_form=web_form,
        fields=fields,
        field_name=field_name,
        problem=problem,
    )


@blueprint.route("/f/<slug>/entry/<token>/cancel", methods=["GET", "POST"])
@embeddable
def cancel(slug: str, token: str):
    """Cancel the application, after a confirmation step."""
    form, definition, record, refused = _opened(slug, token)
    if refused:
        return refused
    confirm = CancelForm()
    if record.status != CANCELLED and confirm.validate_on_submit():
        registration.release_and_promote(form, record, None, definition)
        record = access.application(form, record.id)
    if record.status == CANCELLED:
        return render_template(
            "events/cancelled.html", form=form, definition=definition, record=record
        )
    return render_template(
        "events/cancel.html",
        form=form,
        definition=definition,
        record=record,
        token=token,
        confirm=confirm,
    )
