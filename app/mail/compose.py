"""What a form's messages say: its templates filled with one record's answers.

Messages are composed where the record is stored (inside its transaction), in the office's
language, and kept whole in the outbox: sending later needs no record and no rights.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from app.forms.published import bound_fields
from app.models import Form
from app.records.store import Record
from app.records.workflow import status_label
from builder import mail_templates as templates
from builder.definition import Definition
from builder.fields import registry

log = logging.getLogger(__name__)

#: what a message is
AUTO_REPLY = "auto_reply"
STAFF_NOTICE = "staff_notice"
PROMOTION = "promotion"
KINDS = (AUTO_REPLY, STAFF_NOTICE, PROMOTION)

#: gives the private cancel/change address of a record, or None (forms without one)
CancelLink = Callable[[Form, Record], "str | None"]


@dataclass
class Draft:
    """One message ready for the outbox."""

    kind: str
    to: list[str]
    subject: str
    body: str
    headers: dict = field(default_factory=dict)
    #: the field keys the recipient and subject show (see OutboxMessage.field_keys)
    field_keys: list[str] = field(default_factory=list)


def default_templates() -> dict:
    """The templates a form starts from, in the office's language."""
    return {
        "auto_reply": {
            "subject": _("[%(title)s] We have received your application", title="{{form_title}}"),
            "body": _(
                "Thank you for applying.\n"
                "We have received your application as follows.\n\n"
                "Receipt number: {{receipt_no}}\n"
                "Status: {{status}}\n\n"
                "{{answers}}\n\n"
                "To see, change or cancel your application: {{cancel_url}}\n\n"
                "This message was sent automatically; replies to it are not read."
            ),
        },
        "staff_notice": {
            "subject": _("[%(title)s] New application %(receipt)s", title="{{form_title}}",
                         receipt="{{receipt_no}}"),
            "body": _(
                "A new application has arrived.\n\n"
                "Receipt number: {{receipt_no}}\n"
                "{{record_url}}\n\n"
                "{{answers}}"
            ),
        },
        "promotion": {
            "subject": _("[%(title)s] A place has become free for you", title="{{form_title}}"),
            "body": _(
                "A place has become free, and your application on the waiting list is now "
                "accepted.\n\n"
                "Receipt number: {{receipt_no}}\n\n"
                "{{answers}}\n\n"
                "To see, change or cancel your application: {{cancel_url}}"
            ),
        },
    }


def _office_locale() -> str:
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def values_of(form: Form, definition: Definition, record: Record) -> dict[str, object]:
    """The record's values by field key (the columns of the published fields)."""
    columns = {e["key"]: e["column"] for e in form.storage or [] if not e["retired"]}
    return {
        spec["key"]: record.values.get(columns[spec["key"]])
        for spec in definition.fields()
        if spec["key"] in columns
    }


def placeholder_values(
    form: Form,
    definition: Definition,
    values: dict[str, object],
    receipt_no: str,
    *,
    status: str = "new",
    cancel_url: str | None = None,
    record_url: str | None = None,
) -> dict[str, str]:
    """What each placeholder stands for: every field's shown value, the receipt number,
    the form's title, the summary of the answers and the links."""
    shown = {}
    lines = []
    for field_type in bound_fields(definition, _):
        text = field_type.display(values.get(field_type.key))
        shown[field_type.key] = text
        if text:
            if "\n" in text:
                text = "\n" + "\n".join("  " + line for line in text.splitlines())
            lines.append(f"■ {field_type.title}: {text}")
    return shown | {
        templates.RECEIPT_NO: receipt_no,
        templates.FORM_TITLE: definition.title,
        templates.STATUS: status_label(None, status, _),
        templates.ANSWERS: "\n".join(lines),
        templates.CANCEL_URL: cancel_url or "",
        templates.RECORD_URL: record_url or "",
    }


def address_field(definition: Definition, settings: dict) -> str | None:
    """The key of the e-mail item that receives replies: the one the settings name, else
    the form's first e-mail item; None if the form has none."""
    addresses = [
        spec["key"]
        for spec in definition.fields()
        if getattr(registry.get(spec.get("type")), "mail_address", False)
    ]
    chosen = settings["auto_reply"].get("field")
    if chosen in addresses:
        return chosen
    return None if chosen else next(iter(addresses), None)


def _recipient_of(definition: Definition, settings: dict, values: dict) -> str | None:
    """The applicant's address from the form's e-mail item, if the form has one."""
    key = address_field(definition, settings)
    address = values.get(key) if key else None
    if not isinstance(address, str):
        return None
    address = address.strip()
    return address if _plausible_address(address) else None


def _plausible_address(address: str) -> bool:
    return (
        "@" in address
        and not any(c in address for c in "\r\n,<>;\"")
        and len(address) <= 254
    )


def _link(cancel_link: CancelLink | None, form: Form, record: Record) -> str | None:
    """The record's private link; None without one, or outside a request with no
    SERVER_NAME to build it (the message goes without the link)."""
    if cancel_link is None:
        return None
    try:
        return cancel_link(form, record)
    except RuntimeError:
        log.warning("no address for the private link of record %s (set SERVER_NAME)", record.id)
        return None


def _headers(settings: dict) -> dict:
    return {"Reply-To": settings["reply_to"]} if settings.get("reply_to") else {}


def _subject_keys(subject: str, definition: Definition) -> list[str]:
    keys = {spec["key"] for spec in definition.fields()}
    return [name for name in templates.placeholders(subject) if name in keys]


def _record_url(form: Form, record: Record) -> str:
    try:
        return url_for(
            "staff.record_detail", form_id=form.id, record_id=record.id, _external=True
        )
    except (BuildError, RuntimeError):  # staff pages not served here, or no request
        return ""


def _message(kind, to, template, defaults, values, definition, headers, extra_keys=()):
    subject_template = template.get("subject") or defaults["subject"]
    body = templates.render(template.get("body") or defaults["body"], values)
    return Draft(
        kind=kind,
        to=to,
        subject=templates.one_line(templates.render(subject_template, values)),
        body=body,
        headers=headers,
        field_keys=[*extra_keys, *_subject_keys(subject_template, definition)],
    )


def sends_submission_mail(definition: Definition) -> bool:
    """Whether a new record of *definition* sends mail: an auto-reply or a staff notice."""
    settings = templates.mail_settings(definition.settings)
    auto, notice = settings["auto_reply"], settings["staff_notice"]
    return bool(auto["enabled"] or (notice["enabled"] and notice["recipients"]))


def submission_messages(
    form: Form, definition: Definition, record: Record, cancel_link: CancelLink | None = None
) -> list[Draft]:
    """The auto-reply and staff notification a new record sends (none if turned off)."""
    if not sends_submission_mail(definition):
        return []
    settings = templates.mail_settings(definition.settings)
    auto, notice = settings["auto_reply"], settings["staff_notice"]
    with force_locale(_office_locale()):
        defaults = default_templates()
        values = values_of(form, definition, record)
        cancel_url = _link(cancel_link, form, record)
        shown = placeholder_values(
            form,
            definition,
            values,
            record.receipt_no,
            status=record.status,
            cancel_url=cancel_url,
            record_url=_record_url(form, record),
        )
        drafts = []
        applicant = _recipient_of(definition, settings, values)
        recipient = applicant if auto["enabled"] else None
        if recipient:
            citizen = shown | {templates.RECORD_URL: ""}
            drafts.append(
                _message(
                    AUTO_REPLY, [recipient], auto, defaults["auto_reply"], citizen,
                    definition, _headers(settings) | {"Auto-Submitted": "auto-generated"},
                    [address_field(definition, settings)],
                )
            )
        if notice["enabled"] and notice["recipients"]:
            drafts.append(
                _message(
                    STAFF_NOTICE, list(notice["recipients"]), notice, defaults["staff_notice"],
                    shown, definition, _staff_headers(applicant),
                )
            )
    return drafts


def _staff_headers(applicant: str | None) -> dict:
    """Staff answer the applicant by replying to the notification."""
    headers = {"Auto-Submitted": "auto-generated"}
    if applicant:
        headers["Reply-To"] = applicant
    return headers


def promotion_message(
    form: Form, definition: Definition, record: Record, cancel_link: CancelLink | None = None
) -> Draft | None:
    """The message telling an applicant that their waitlisted application is accepted;
    None when the form has no e-mail item for replies or the record gives no address."""
    settings = templates.mail_settings(definition.settings)
    with force_locale(_office_locale()):
        values = values_of(form, definition, record)
        recipient = _recipient_of(definition, settings, values)
        if recipient is None:
            return None
        shown = placeholder_values(
            form,
            definition,
            values,
            record.receipt_no,
            status=record.status,
            cancel_url=_link(cancel_link, form, record),
        )
        return _message(
            PROMOTION, [recipient], settings["promotion"], default_templates()["promotion"],
            shown, definition, _headers(settings) | {"Auto-Submitted": "auto-generated"},
            [address_field(definition, settings)],
        )
