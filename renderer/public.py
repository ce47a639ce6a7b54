"""The public blueprint: citizens fill a form at /f/<slug> without an account."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, TimestampSigner

from app import audit, roles, signing, surveys
from app.attachments import held
from app.events import registration
from app.events import view as event_view
from app.events.links import cancel_url
from app.events.rules import FORM_POOL
from app.forms import snapshots
from app.forms.operations import form_at_address
from app.forms.published import published_definition
from app.mail.notify import submission_step
from app.models import Form
from app.models.types import utcnow
from app.records.access import own_answer, submitted_receipt
from app.records.submission import AlreadyAnswered, submit, submit_staff_answer
from app.security_headers import allow_embedding_by, embeddable
from app.staff.blueprint import must_enrol
from builder.fields.file import human_size
from renderer import conditions, page_cache, pages, spam_guard, submit_rate
from renderer.form_class import (
    FIELD_PREFIX,
    build_form_class,
    field_name,
    formdata_from_values,
    hidden_inputs,
)
from renderer.form_page import page_extras
from renderer.prefill import prefill_formdata
from renderer.prepared import prepare
from renderer.widgets import aria

blueprint = Blueprint("public", __name__)
blueprint.add_app_template_global(aria, "aria")
blueprint.add_app_template_filter(human_size, "file_size")


@blueprint.app_template_global("spam_guard_inputs")
def _spam_guard_inputs():
    return spam_guard.guard_inputs(_("Leave this box empty"))

#: what the thank-you ticket of a staff answer holds instead of a record id
STAFF_TICKET = 0
#: how long the thank-you address keeps showing the receipt (seconds)
RECEIPT_TICKET_AGE = 24 * 3600


def _ticket_signer(form: Form) -> TimestampSigner:
    """Signs thank-you tickets for *form* only: another form's ticket fails the signature."""
    return signing.timestamp_signer(f"atsume-receipt:form-{form.id}")


def receipt_ticket(form: Form, record_id: int) -> str:
    """The ticket in the thank-you address of *record_id* on *form*."""
    return _ticket_signer(form).sign(str(record_id)).decode("ascii")


def ticket_record_id(form: Form, ticket: str) -> int | None:
    """The record a ticket of *form* names, or None if forged, expired or another form's."""
    try:
        named = _ticket_signer(form).unsign(ticket, max_age=RECEIPT_TICKET_AGE)
    except BadSignature:  # SignatureExpired is a BadSignature
        return None
    # an earlier ticket is signed alike, with its id as a JSON payload
    return int(named) if named.isdigit() else _earlier_ticket_record_id(form, ticket)


def _earlier_ticket_record_id(form: Form, ticket: str) -> int | None:
    """The record a ticket in the earlier form (a signed JSON number) names, for the
    thank-you addresses given out before tickets became plain signed ids."""
    serializer = signing.timed_serializer(f"atsume-receipt:form-{form.id}")
    try:
        record_id = serializer.loads(ticket, max_age=RECEIPT_TICKET_AGE)
    except BadSignature:
        return None
    return record_id if isinstance(record_id, int) else None


#: how long browsers may remember that a former address forwards (it can be taken back)
FORWARD_CACHE_SECONDS = 3600


def _published_form(slug: str, fresh: bool = False) -> Form:
    """The published form at *slug*; a former address forwards to the form's current one.
    It comes from this process's shared recent copy, to read only (an answer stored on
    it is checked in the insert's transaction); *fresh* reads the form as it is now, for
    a request that starts again because the form changed since the copy."""
    if fresh:
        form, former = form_at_address(slug, for_public=True, populate_existing=True)
    else:
        form, former = snapshots.form_for_public(slug)
    if form is None or not form.is_published or not roles.serves_audience(_audience(form)):
        abort(404)
    if former:
        abort(_forward(form.slug))
    allow_embedding_by(form.embed_origins)
    definition = published_definition(form)
    if surveys.is_staff_form(definition):
        _check_respondent(definition)
    return form


def _check_respondent(definition) -> None:
    """A staff form asks for a log-in, and then for membership of its departments."""
    if not current_user.is_authenticated:
        abort(redirect(url_for("auth.login", next=request.full_path.rstrip("?"))))
    # the account's own duties come first, as on every staff page
    if current_user.must_change_password:
        abort(redirect(url_for("staff.change_password")))
    if must_enrol(current_user):
        abort(redirect(url_for("staff.two_factor")))
    if not surveys.may_answer(current_user, definition):
        abort(
            403,
            description=_(
                "This survey is for staff of these departments only: %(names)s. "
                "If you should answer it, ask the department that runs it.",
                names=_(", ").join(surveys.Survey.of(definition).departments),
            ),
        )


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


def page_context(
    form: Form, definition, preview: bool = False, prepared=None, with_web_form: bool = True
) -> dict:
    """What public/form.html needs to show *definition* (also used for previews);
    without *with_web_form* the caller makes ``web_form`` when it needs one."""
    prepared = prepared or prepare(definition, reuse=not preview)
    fields = prepared.fields
    seats = event_view.Availability() if preview else event_view.annotate(form, definition, fields)
    if not prepared.shared:  # the choices show the seats left now
        prepared.form_class = build_form_class(fields)
    return {
        "seats": seats,
        "form": form,
        "definition": definition,
        "web_form": prepared.form_class() if with_web_form else None,
        "fields": fields,
        "layout": prepared.layout,
        "field_name": field_name,
        "preview": preview,
        "survey": None,
        "previous": None,
        # a preview shows every page, one after the other
        "preview_pages": pages.split(prepared.layout) if preview else None,
        "conditions": prepared.conditions,
        "paging": None,
        "page_state": None,
        "prepared": prepared,
        "fresh_items": None,
        "keep_fresh_items": None,
    }


def _show_page(form: Form, definition, page: dict, formdata, index: int, hidden, status=200):
    """public/form.html showing page *index* of the form (the only one, for most forms)."""
    page.update(
        page_extras(
            form.id,
            definition,
            page["fields"],
            page["layout"],
            page["web_form"],
            formdata,
            index,
            hidden,
            page["conditions"],
        )
    )
    prepared = page["prepared"]
    fresh = prepared.shared and _is_fresh(page, formdata, index, status)
    kept_as = page_cache.key(page) if fresh else None
    if fresh:  # an empty first page looks the same to everyone: its items are rendered once
        if prepared.fresh_items is not None:
            page["fresh_items"] = prepared.fresh_items
        else:
            page["keep_fresh_items"] = prepared.keep_fresh_items
    html = render_template("public/form.html", **page)
    if kept_as is not None:
        kept = page_cache.template(
            html, page_cache.tokens(page["web_form"].submission_token.data)
        )
        if kept is not None:
            prepared.keep_page(kept_as, kept)
    return html, status


def _kept_first_page(page: dict):
    """The empty form's page from the kept copy, with this visitor's tokens, if kept."""
    prepared = page["prepared"]
    kept_as = page_cache.key(page) if prepared.shared else None
    cached = prepared.page(kept_as) if kept_as is not None else None
    if cached is None:
        return None
    return page_cache.fill(cached, page_cache.tokens(uuid.uuid4().hex)), 200


def _is_fresh(page: dict, formdata, index: int, status: int) -> bool:
    """Whether the page shows the empty form's first page, as every newcomer sees it."""
    return (
        request.method == "GET"
        and formdata is None
        and index == 0
        and status == 200
        and not page["web_form"].errors
        and not page.get("held_back")
    )


@blueprint.route("/f/<slug>", methods=["GET", "POST"])
@embeddable
def fill(slug: str):
    """The form, its confirmation page (入力内容の確認) and the final submit."""
    if request.method == "POST":
        submit_rate.count_post()
    # an answer the form changed under is taken (or refused) by the form as it is now
    return snapshots.on_copy_or_afresh(lambda on_copy: _fill(slug, fresh=not on_copy))


def _fill(slug: str, fresh: bool):
    form = _published_form(slug, fresh=fresh)
    definition = published_definition(form)
    prepared = prepare(definition)
    # the request's size limit follows the form's file items: known before its body is read
    held.allow_request_size(prepared.fields)
    if not form.accepting(utcnow()):
        return render_template("public/closed.html", form=form, definition=definition), 410
    # a GET makes its WTForms form only when the kept page cannot serve it
    page = page_context(
        form, definition, prepared=prepared, with_web_form=request.method != "GET"
    )
    web_form, fields = page["web_form"], page["fields"]
    with_files = request.method == "POST" and held.file_fields(fields)
    if with_files:  # references to files attached earlier become the files again
        web_form = page["web_form"] = page["prepared"].form_class(
            formdata=held.request_formdata(
                form, fields, field_name, request.form.get("submission_token", "")
            )
        )
    staff_form = surveys.is_staff_form(definition)
    staff_answer = _staff_answer(form, definition, page) if staff_form else None
    if staff_answer is not None and staff_answer.closed_to_me:
        status = 200 if request.method == "GET" else 409
        return render_template("public/answered.html", **page), status
    if page["seats"].closed_by_capacity and request.method == "GET":
        return render_template("public/full.html", form=form, definition=definition)

    if request.method == "GET":
        formdata = None
        if staff_answer is not None and staff_answer.previous is not None:
            formdata = formdata_from_values(staff_answer.previous, fields)
        elif request.args:
            formdata = prefill_formdata(request.args, fields)
        if formdata is None:
            kept = _kept_first_page(page)
            if kept is not None:
                return kept
        web_form = page["web_form"] = prepared.form_class(formdata=formdata)
        web_form.submission_token.data = uuid.uuid4().hex
        hidden = conditions.hidden(definition, fields, web_form)
        return _show_page(form, definition, page, formdata, 0, hidden)

    page_list = pages.split(page["layout"])
    formdata, posted_page = pages.merged_formdata(form.id, request.form, page_list, fields)
    if posted_page is not None:
        web_form = page["web_form"] = page["prepared"].form_class(formdata=formdata)
    index = page_list.index(posted_page) if posted_page is not None else len(page_list) - 1
    action = request.form.get("action", "confirm")
    if not web_form.submission_token.data:
        web_form.submission_token.data = uuid.uuid4().hex
    hidden = conditions.hidden(definition, fields, web_form)

    def show_wrong(keys: set[str], status: int = 422):
        """The first page holding one of the items *keys*, with their messages."""
        first = next((i for i, p in enumerate(page_list) if keys & set(p.field_keys())), index)
        return _show_page(form, definition, page, formdata, first, hidden, status)

    if action == "back":  # from the confirmation page: its last page; else the same page
        if posted_page is None:
            index = pages.neighbour(page_list, len(page_list), -1, hidden) or 0
        return _show_page(form, definition, page, formdata, index, hidden)
    if action == "previous":
        step = pages.neighbour(page_list, index, -1, hidden)
        return _show_page(form, definition, page, formdata, index if step is None else step, hidden)
    if spam_guard.suspicious():
        current_app.logger.info("Public form %s: an answer was held back as automated", slug)
        page["held_back"] = True
        return _show_page(form, definition, page, formdata, index, hidden, 422)
    if action == "submit" and not page["prepared"].shared:
        # the atomic step at submit decides on seats: a race lost since the confirmation
        # page comes back there, with the answers
        event_view.defer_seats(fields)
    on_page = [k for k in page_list[index].field_keys() if k not in hidden]
    if action == "next" and posted_page is not None:
        if not conditions.validate_keys(web_form, on_page):
            return _show_page(form, definition, page, formdata, index, hidden, 422)
        step = pages.neighbour(page_list, index, 1, hidden)
        if step is not None:
            return _show_page(form, definition, page, formdata, step, hidden)
        action = "confirm"
    visible = [ft.key for ft in fields if ft.key not in hidden]
    valid = conditions.validate_keys(web_form, visible)
    if with_files:  # checked files are kept, whatever else needs correcting
        kept = held.valid_uploads(web_form, fields, field_name)
        held.hold(form, kept, web_form.submission_token.data)
    if not valid:
        wrong = {name.removeprefix(FIELD_PREFIX) for name in web_form.errors}
        first = next((i for i, p in enumerate(page_list) if wrong & set(p.field_keys())), index)
        # the page shown lists its own items' messages only
        first_keys = [k for k in page_list[first].field_keys() if k in visible]
        conditions.validate_keys(web_form, first_keys)
        return show_wrong(wrong)

    values = conditions.visible_values(web_form, fields, hidden)
    problems = event_view.check_answers(form, definition, values)
    if problems:
        _add_errors(web_form, problems)
        return show_wrong(set(problems))
    if page["seats"].closed_by_capacity:
        return _refused(page, values, hidden, registration.Full(FORM_POOL), show_wrong)
    if action == "confirm" and definition.settings.get("confirm_page", True):
        shown = [
            (ft, ft.display(values.get(ft.key)))
            for ft in fields
            if ft.citizen_sees and ft.key not in hidden
        ]
        context = {**page, "shown": shown, "hidden": hidden_inputs(values, fields)}
        kept_as = page_cache.key(page) if page["prepared"].shared else None
        return page_cache.render_kept(
            "public/confirm.html", page["prepared"], kept_as, context,
            parts=("review_rows", "carried_answers"),
        )
    token = web_form.submission_token.data
    # a copy of the form is checked against the database in the insert's transaction
    checked = [] if fresh else [snapshots.unchanged_step(form)]
    attach = [held.attach_step(form, held.uploads_of(fields, values))]
    try:
        if staff_answer is None:
            record, _created = submit(
                form,
                definition,
                values,
                token=token,
                after_add=[
                    *checked,
                    *registration.after_add_steps(form, definition),
                    *attach,
                    submission_step(form, definition, cancel_url),
                ],
            )
        else:
            record = _store_staff_answer(
                form, definition, values, staff_answer.survey, token, [*checked, *attach]
            )
    except registration.Refused as exc:
        return _refused(page, values, hidden, exc, show_wrong)
    except AlreadyAnswered:
        return render_template("public/answered.html", **page), 409
    except held.UploadGone as gone:
        web_form[field_name(gone.field_key)].errors = [
            _("A file attached earlier could not be found. Please attach it again.")
        ]
        web_form[field_name(gone.field_key)].data = []
        return show_wrong({gone.field_key}, 409)
    # A staff answer's thank-you address names no record: addresses end up in proxy logs
    # next to the person's address, which would undo an anonymous survey.
    ticket = receipt_ticket(form, record.id if staff_answer is None else STAFF_TICKET)
    return redirect(url_for(".thanks", slug=slug, ticket=ticket), 303)


def _add_errors(web_form, problems: dict[str, list[str]]) -> None:
    for key, messages in problems.items():
        bound = web_form._fields.get(field_name(key))
        if bound is not None:
            bound.errors = [*bound.errors, *messages]


def _refused(page: dict, values: dict, hidden: set[str], exc: registration.Refused, show_wrong):
    """The application the event rules refused at submit: the answers stay, with why (on
    the confirmation page when the event is full, else on the page of the items refused)."""
    errors = event_view.refusal_errors(exc, page["definition"])
    _add_errors(page["web_form"], errors)
    if isinstance(exc, registration.Full):
        shown = [
            (ft, ft.display(values.get(ft.key)))
            for ft in page["fields"]
            if ft.citizen_sees and ft.key not in hidden
        ]
        return render_template(
            "public/confirm.html",
            **page,
            shown=shown,
            hidden=hidden_inputs(values, page["fields"]),
            problem=event_view.full_message(exc),
        ), 409
    return show_wrong(set(errors), 409)


@blueprint.route("/f/<slug>/thanks/<ticket>")
@embeddable
def thanks(slug: str, ticket: str):
    """The thank-you page with the receipt number (受付番号)."""
    form = _published_form(slug)
    definition = published_definition(form)
    record_id = ticket_record_id(form, ticket)
    if surveys.is_staff_form(definition):
        if record_id != STAFF_TICKET:
            abort(404)
        return render_template(
            "public/thanks.html",
            form=form,
            definition=definition,
            record=None,
            survey=surveys.Survey.of(definition),
        )
    record = submitted_receipt(form, record_id) if record_id is not None else None
    if record is None:
        abort(404)
    return render_template(
        "public/thanks.html",
        form=form,
        definition=definition,
        record=record,
        survey=None,
        event=event_view.after_submit(form, record),
    )


@dataclass
class _StaffAnswer:
    """What the logged-in person has to do with a staff form."""

    survey: surveys.Survey
    #: their earlier answer (field key -> value), to change it
    previous: dict | None
    #: answered already, anonymously: nothing more can be done
    closed_to_me: bool


def _staff_answer(form: Form, definition, page: dict) -> _StaffAnswer:
    survey = surveys.Survey.of(definition)
    page["survey"] = survey
    answered = (
        surveys.respondent(form, current_user) if survey.one_answer_per_person else None
    )
    previous = None
    if answered is not None and answered.record_id is not None and not survey.anonymous:
        record = own_answer(form, answered.record_id)
        if record is not None:
            keys = {e["column"]: e["key"] for e in form.storage or [] if not e["retired"]}
            previous = {keys[c]: v for c, v in record.values.items() if c in keys}
    page["previous"] = previous
    return _StaffAnswer(survey, previous, closed_to_me=answered is not None and survey.anonymous)


def _store_staff_answer(form: Form, definition, values: dict, survey, token: str, after_add=()):
    """Store the person's answer; the audit log notes it, except for an anonymous survey:
    an entry names the person and its time matches the record's, which would undo the
    anonymity (``survey_respondent`` says who answered, without when or what)."""
    record, created = submit_staff_answer(
        form,
        definition,
        values,
        current_user,
        one_answer_per_person=survey.one_answer_per_person,
        anonymous=survey.anonymous,
        token=token,
        after_add=after_add,
    )
    if survey.anonymous:
        return record
    audit.record(
        audit.RECORD_CREATE if created else audit.RECORD_EDIT,
        form=form,
        record_id=record.id,
        detail={"receipt_no": record.receipt_no, "survey_answer": True},
    )
    return record
