"""The e-mail settings page of a form: auto-reply, staff notification and the waiting-list
message, with a preview of each. Saved in the draft, like the other settings; they reach
the public form when it is published."""

from __future__ import annotations

import copy

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from app import audit, rights
from app.forms import operations
from app.forms.errors import flatten
from app.forms.published import published_definition
from app.mail import compose, preview
from app.staff.blueprint import blueprint, form_or_404
from builder import mail_templates as templates
from builder.definition import DefinitionError
from builder.fields import registry

#: (message, its settings key, the placeholders it may use besides the form's items)
MESSAGES = (
    (compose.AUTO_REPLY, "auto_reply", templates.SYSTEM_PLACEHOLDERS),
    (compose.STAFF_NOTICE, "staff_notice", templates.STAFF_PLACEHOLDERS),
    (compose.PROMOTION, "promotion", templates.SYSTEM_PLACEHOLDERS),
)


def _subject():
    return StringField(_l("Subject"), validators=[Optional(), Length(max=templates.MAX_SUBJECT)])


def _body():
    return TextAreaField(
        _l("Message"), validators=[Optional(), Length(max=templates.MAX_BODY)]
    )


class MailSettingsForm(FlaskForm):
    auto_reply_enabled = BooleanField(_l("Send an auto-reply to the applicant"))
    auto_reply_field = SelectField(_l("E-mail item that receives it"), choices=[])
    auto_reply_subject = _subject()
    auto_reply_body = _body()
    reply_to = StringField(
        _l("Reply-to address (optional)"), validators=[Optional(), Length(max=254)]
    )
    staff_notice_enabled = BooleanField(_l("Notify staff of each new application"))
    staff_notice_recipients = TextAreaField(
        _l("Staff addresses"), validators=[Length(max=5000)]
    )
    staff_notice_subject = _subject()
    staff_notice_body = _body()
    promotion_subject = _subject()
    promotion_body = _body()

    def validate_auto_reply_field(self, field):
        if self.auto_reply_enabled.data and not field.data:
            raise ValidationError(_("Choose the e-mail item whose address receives the reply."))

    def validate_staff_notice_recipients(self, field):
        if self.staff_notice_enabled.data and not recipients(field.data):
            raise ValidationError(_("Enter at least one address."))


def recipients(text: str | None) -> list[str]:
    """Addresses typed one per line (or separated by commas or spaces), without repeats."""
    parts = (text or "").replace(",", "\n").replace("、", "\n").split()
    return list(dict.fromkeys(part.strip() for part in parts if part.strip()))


def _address_items(definition) -> list[tuple[str, str]]:
    return [
        (spec["key"], spec.get("label") or spec["key"])
        for spec in definition.fields()
        if getattr(registry.get(spec.get("type")), "mail_address", False)
    ]


def _initial(settings: dict, defaults: dict) -> dict:
    auto, notice, promotion = (
        settings["auto_reply"],
        settings["staff_notice"],
        settings["promotion"],
    )
    return {
        "auto_reply_enabled": auto["enabled"],
        "auto_reply_field": auto["field"] or "",
        "auto_reply_subject": auto["subject"] or defaults["auto_reply"]["subject"],
        "auto_reply_body": auto["body"] or defaults["auto_reply"]["body"],
        "reply_to": settings["reply_to"],
        "staff_notice_enabled": notice["enabled"],
        "staff_notice_recipients": "\n".join(notice["recipients"]),
        "staff_notice_subject": notice["subject"] or defaults["staff_notice"]["subject"],
        "staff_notice_body": notice["body"] or defaults["staff_notice"]["body"],
        "promotion_subject": promotion["subject"] or defaults["promotion"]["subject"],
        "promotion_body": promotion["body"] or defaults["promotion"]["body"],
    }


def _entered(page: MailSettingsForm) -> dict:
    """The ``mail`` settings the page holds."""
    return {
        "auto_reply": {
            "enabled": page.auto_reply_enabled.data,
            "field": page.auto_reply_field.data or None,
            "subject": (page.auto_reply_subject.data or "").strip(),
            "body": page.auto_reply_body.data or "",
        },
        "staff_notice": {
            "enabled": page.staff_notice_enabled.data,
            "recipients": recipients(page.staff_notice_recipients.data),
            "subject": (page.staff_notice_subject.data or "").strip(),
            "body": page.staff_notice_body.data or "",
        },
        "promotion": {
            "subject": (page.promotion_subject.data or "").strip(),
            "body": page.promotion_body.data or "",
        },
        "reply_to": (page.reply_to.data or "").strip(),
    }


def _braced(names) -> list[str]:
    return ["{{" + name + "}}" for name in names]


def _refuse_unknown_placeholders(page: MailSettingsForm, definition) -> bool:
    """Mark each template that names a placeholder the form does not have; whether any."""
    keys = [spec["key"] for spec in definition.fields()]
    found = False
    for _kind, prefix, system in MESSAGES:
        for part in ("subject", "body"):
            field = getattr(page, f"{prefix}_{part}")
            unknown = templates.unknown_placeholders(field.data or "", [*keys, *system])
            if unknown:
                found = True
                field.errors = [
                    *field.errors,
                    _(
                        "Unknown placeholders: %(names)s. Use an item ID of this form or one "
                        "of: %(system)s.",
                        names=_(", ").join(_braced(unknown)),
                        system=_(", ").join(_braced(system)),
                    ),
                ]
    return found


# Where the page shows a definition problem found at these paths.
_FIELD_OF_PATH = {
    "settings.mail.reply_to": "reply_to",
    "settings.mail.staff_notice.recipients": "staff_notice_recipients",
}


def _show_problems(page: MailSettingsForm, error: DefinitionError, document: dict) -> None:
    for problem in flatten(error.errors, document, _, _("item")):
        path = problem.path
        name = _FIELD_OF_PATH.get(path) or _FIELD_OF_PATH.get(path.rsplit(".", 1)[0])
        if name is None:
            parts = path.split(".")
            name = "_".join(parts[2:4]) if len(parts) >= 4 else "auto_reply_subject"
        target = getattr(page, name, None) or page.auto_reply_subject
        target.errors = [*target.errors, problem.message]


@blueprint.route("/forms/<int:form_id>/mail", methods=["GET", "POST"])
def mail_settings(form_id: int):
    form = form_or_404(form_id, rights.EDIT_FORM)
    draft = operations.load_draft(form)
    settings = templates.mail_settings(draft.settings)
    defaults = compose.default_templates()
    page = MailSettingsForm(data=_initial(settings, defaults) if request.method == "GET" else None)
    items = _address_items(draft)
    page.auto_reply_field.choices = [("", _("(choose)")), *items]
    revision = request.form.get("revision", type=int) or form.draft_revision
    previews, receipt = None, None
    status = 200
    if request.method == "POST":
        valid = page.validate()
        valid = not _refuse_unknown_placeholders(page, draft) and valid
        if request.form.get("action") == "preview":
            values, receipt = preview.sample_values(form, draft, current_user)
            previews = [
                preview.render(
                    kind,
                    getattr(page, f"{prefix}_subject").data or "",
                    getattr(page, f"{prefix}_body").data or "",
                    values,
                )
                for kind, prefix, _system in MESSAGES
            ]
            status = 200 if valid else 422
        elif valid and _save(form, page, revision):
            flash(
                _(
                    "The e-mail settings were saved. They apply to new applications once "
                    "you publish the form."
                ),
                "success",
            )
            return redirect(url_for("staff.mail_settings", form_id=form.id), 303)
        else:
            status = 422
    published = published_definition(form)
    return render_template(
        "staff/mail_settings.html",
        form=form,
        page=page,
        revision=revision,
        has_address_item=bool(items),
        previews=previews,
        preview_receipt=receipt,
        keys=[(spec["key"], spec.get("label") or spec["key"]) for spec in draft.fields()],
        system_placeholders=templates.STAFF_PLACEHOLDERS,
        unpublished=published is not None
        and templates.mail_settings(published.settings) != templates.mail_settings(
            form.draft.get("settings")
        ),
    ), status


def _save(form, page: MailSettingsForm, revision: int) -> bool:
    before = (form.draft.get("settings") or {}).get("mail")
    document = copy.deepcopy(form.draft)
    document["settings"] = dict(document.get("settings") or {}, mail=_entered(page))
    try:
        operations.save_draft(form, document, revision)
    except DefinitionError as error:
        _show_problems(page, error, document)
        return False
    except operations.ConflictError:
        flash(
            _("Someone else saved this form meanwhile. Check the values and save again."),
            "error",
        )
        return False
    after = form.draft["settings"].get("mail")
    if before != after:
        audit.record(audit.FORM_SETTINGS, form=form, detail={"changed": {"mail": [before, after]}})
    return True
