"""The outbox page: what mail was sent, is waiting or failed, and resending failed mail."""

from __future__ import annotations

import math

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import audit, query_args, rights
from app.extensions import db
from app.mail import compose, listing, outbox
from app.models import OutboxMessage
from app.models.outbox_message import STATUSES
from app.staff.blueprint import blueprint

KIND_LABELS = {
    compose.AUTO_REPLY: _l("Auto-reply"),
    compose.STAFF_NOTICE: _l("Staff notification"),
    compose.PROMOTION: _l("Waiting list: place confirmed"),
}
STATUS_LABELS = {
    "queued": _l("Waiting to be sent"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
}


@blueprint.app_template_filter("mail_kind")
def mail_kind(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@blueprint.app_template_filter("mail_status")
def mail_status(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


@blueprint.route("/outbox")
def outbox_page():
    forms = listing.managed_forms(current_user)
    page_size = current_app.config["ATSUME_PAGE_SIZE"]
    page_number = query_args.number_arg(request.args, "page", 1, 1, query_args.MAX_POSITION)
    status = request.args.get("status", "")
    form_id = request.args.get("form", type=int)
    if form_id is not None and form_id not in {f.id for f in forms}:
        form_id = None
    total, shown = listing.page(
        current_user,
        forms,
        status=status or None,
        form_id=form_id,
        limit=page_size,
        offset=(page_number - 1) * page_size,
    )
    return render_template(
        "staff/outbox.html",
        shown=shown,
        total=total,
        forms=forms,
        titles={f.id: f.title for f in forms},
        statuses=STATUSES,
        status=status,
        form_id=form_id,
        page_number=page_number,
        pages=max(math.ceil(total / page_size), 1),
        can_view=lambda form_id: _can_view_records(form_id, forms),
    )


def _can_view_records(form_id, forms) -> bool:
    form = next((f for f in forms if f.id == form_id), None)
    return form is not None and rights.can(current_user, rights.VIEW_RECORDS, form)


@blueprint.post("/outbox/<int:message_id>/resend")
def resend_mail(message_id: int):
    message = db.session.get(OutboxMessage, message_id)
    if message is None or not listing.may_manage(current_user, message):
        abort(404)
    if not outbox.resend(message):
        abort(409, description=_("Only a message that failed can be sent again."))
    audit.record(
        audit.MAIL_RESEND,
        form=message.form_id,
        record_id=message.record_id,
        detail={"message": message.id, "kind": message.kind},
    )
    flash(_("The message was queued to be sent again."), "success")
    target = request.form.get("next", "")
    if not target.startswith("/staff/") or target.startswith("//"):
        target = url_for("staff.outbox_page")
    return redirect(target, 303)


@blueprint.app_template_global("record_messages")
def record_messages(form, record):
    """The mail about *record* for its detail page (the page checked the person's rights)."""
    return listing.of_record(current_user, form, record.id)


@blueprint.app_template_global("failed_mail")
def failed_mail(form) -> int:
    """How many of *form*'s messages failed, for its managers (0 for anyone else)."""
    if not rights.can(current_user, rights.MANAGE, form):
        return 0
    return listing.failed_count(form)
