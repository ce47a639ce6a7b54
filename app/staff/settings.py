"""The form settings page: title, description, address, acceptance, thank-you, receipt number.

Changing a published form's address or closing a form that has answers is shown first as
what will happen, and done when the person confirms it.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app import audit, rights, surveys
from app.events import settings_form as event_settings
from app.forms import operations
from app.forms.errors import flatten
from app.forms.published import published_definition
from app.models.form import accepting
from app.models.types import utcnow
from app.records import store
from app.staff.blueprint import blueprint, form_or_404
from builder import definition as definitions
from builder.definition import PUBLIC_AUDIENCE, STAFF_AUDIENCE, DefinitionError
from builder.i18n import translate

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class SettingsForm(event_settings.EventSettingsFields, FlaskForm):
    title = StringField(
        _l("Title"), validators=[InputRequired(_l("Enter a title.")), Length(max=200)]
    )
    description = TextAreaField(_l("Description shown above the form"), validators=[Optional()])
    slug = StringField(
        _l("Address (the part after /f/)"), validators=[InputRequired(_l("Enter an address."))]
    )
    is_open = BooleanField(_l("Accepting applications"))
    opens_at = DateTimeLocalField(_l("Accept from"), format=LOCAL_FORMAT, validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Accept until"), format=LOCAL_FORMAT, validators=[Optional()])
    confirm_page = BooleanField(_l("Show a confirmation page before sending"))
    thank_you = TextAreaField(_l("Message on the thank-you page"), validators=[Optional()])
    receipt_format = StringField(
        _l("Receipt number format"), validators=[InputRequired(_l("Enter a format."))]
    )
    audience = RadioField(
        _l("Who answers this form"),
        choices=[
            SelectChoice(PUBLIC_AUDIENCE, _l("Citizens (public form, no log-in)")),
            SelectChoice(STAFF_AUDIENCE, _l("Staff only (internal survey, staff log-in required)")),
        ],
        default=PUBLIC_AUDIENCE,
    )
    respondents = TextAreaField(_l("Departments that answer"), validators=[Optional()])
    one_answer_per_person = BooleanField(_l("One answer per person (changeable until it closes)"))
    anonymous = BooleanField(_l("Anonymous (answers are stored without names)"))

    def validate_respondents(self, field):
        unknown = surveys.unknown_departments(department_names(field.data))
        if unknown:
            raise ValidationError(
                _("There is no department named %(names)s.", names=_(", ").join(unknown))
            )

    def validate_closes_at(self, field):
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_("The end must be after the start."))


def department_names(text: str | None) -> list[str]:
    """The department names typed one per line (or separated by commas), without repeats."""
    names = (part.strip() for line in (text or "").splitlines() for part in line.split(","))
    return list(dict.fromkeys(name for name in names if name))


def _to_utc(local: dt.datetime | None) -> dt.datetime | None:
    if local is None:
        return None
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return local.replace(tzinfo=zone).astimezone(dt.UTC).replace(tzinfo=None)


def _to_local(utc: dt.datetime | None) -> dt.datetime | None:
    if utc is None:
        return None
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return utc.replace(tzinfo=dt.UTC).astimezone(zone).replace(tzinfo=None)


# Where the settings page shows a definition problem found at these paths.
_FIELD_OF_PATH = {
    "title": "title",
    "slug": "slug",
    "settings.receipt_format": "receipt_format",
    "settings.thank_you": "thank_you",
    "description": "description",
    "settings.audience": "audience",
    "settings.respondents": "respondents",
    "settings.one_answer_per_person": "one_answer_per_person",
    "settings.anonymous": "anonymous",
    **event_settings.FIELD_OF_PATH,
}


@dataclass(frozen=True)
class Acceptance:
    """When a form takes applications, as the settings page would set it."""

    is_open: bool
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None

    def at(self, now: dt.datetime) -> bool:
        return accepting(self.is_open, self.opens_at, self.closes_at, now)

    def token(self) -> str:
        return f"{int(self.is_open)}|{self.opens_at}|{self.closes_at}"


def _consequences(form, slug: str, acceptance: Acceptance) -> dict:
    """What saving would do that citizens notice, for the confirmation step (empty: nothing)."""
    found = {}
    if form.is_published and slug != form.slug:
        found["address"] = {"old": form.slug, "new": slug}
    now = utcnow()
    if form.is_published and form.accepting(now) and not acceptance.at(now):
        answers = store.count(form)
        if answers:
            found["closing"] = {"answers": answers}
    return found


def _confirmation_token(slug: str, acceptance: Acceptance) -> str:
    # Names what was confirmed, so a confirmation does not cover values typed later.
    return f"{slug}|{acceptance.token()}"


def _audited_settings(form) -> dict:
    """The values of the settings page, as the audit log compares them."""
    settings = form.draft.get("settings", {})
    return {
        "title": form.draft.get("title"),
        "description": form.draft.get("description", ""),
        "slug": form.slug,
        "is_open": form.is_open,
        "opens_at": form.opens_at.isoformat() if form.opens_at else None,
        "closes_at": form.closes_at.isoformat() if form.closes_at else None,
        "confirm_page": settings.get("confirm_page", True),
        "thank_you": settings.get("thank_you", ""),
        "receipt_format": settings.get("receipt_format", ""),
        "audience": settings.get("audience", PUBLIC_AUDIENCE),
        "respondents": list(settings.get("respondents") or []),
        "one_answer_per_person": settings.get("one_answer_per_person", False),
        "anonymous": settings.get("anonymous", False),
        **event_settings.audited(settings),
    }


def _anonymity_change_refused(form, anonymous: bool) -> str | None:
    """Why the anonymity of *form* cannot become *anonymous*, or None.

    Answers already received were stored with or without names; changing the setting
    would make the form claim what its answers do not keep.
    """
    published = published_definition(form)
    if published is None or bool(published.settings.get("anonymous")) == anonymous:
        return None
    if not store.count(form):
        return None
    return _(
        "The form already has answers, stored %(how)s; this cannot be changed now. "
        "Copy the form to start a new survey with the other setting.",
        how=_("without names") if not anonymous else _("with names"),
    )


def _record_settings_change(form, before: dict) -> None:
    changed = audit.changes(before, _audited_settings(form))
    if not changed:
        return
    audit.record(audit.FORM_SETTINGS, form=form, detail={"changed": changed})
    if "slug" in changed:
        old, new = changed["slug"]
        audit.record(audit.FORM_ADDRESS, form=form, detail={"from": old, "to": new})
    if "is_open" in changed:
        audit.record(audit.FORM_OPEN if form.is_open else audit.FORM_CLOSE, form=form)


@blueprint.route("/forms/<int:form_id>/settings", methods=["GET", "POST"])
def form_settings(form_id: int):
    form = form_or_404(form_id, rights.EDIT_FORM)
    settings = form.draft.get("settings", {})
    before = _audited_settings(form)
    page = SettingsForm(
        data={
            "title": form.draft["title"],
            "description": form.draft.get("description", ""),
            "slug": form.slug,
            "is_open": form.is_open,
            "opens_at": _to_local(form.opens_at),
            "closes_at": _to_local(form.closes_at),
            "confirm_page": settings.get("confirm_page", True),
            "thank_you": settings.get("thank_you", ""),
            "receipt_format": settings.get("receipt_format", ""),
            "audience": settings.get("audience", PUBLIC_AUDIENCE),
            "respondents": "\n".join(settings.get("respondents") or []),
            "one_answer_per_person": settings.get("one_answer_per_person", False),
            "anonymous": settings.get("anonymous", False),
            **event_settings.initial(settings),
        }
        if request.method == "GET"
        else None
    )
    event_settings.offer_fields(page, form.draft, _)
    consequences = {}
    # the revision the person started from, kept through re-shown pages for conflict checks
    revision = request.form.get("revision", type=int) or form.draft_revision
    if page.validate_on_submit():
        document = copy.deepcopy(form.draft)
        document.update(
            title=page.title.data.strip(),
            description=page.description.data or "",
            slug=page.slug.data.strip().lower(),
        )
        document["settings"] = dict(
            settings,
            confirm_page=page.confirm_page.data,
            thank_you=page.thank_you.data or "",
            receipt_format=page.receipt_format.data.strip(),
            audience=page.audience.data,
            respondents=department_names(page.respondents.data),
            one_answer_per_person=page.one_answer_per_person.data,
            anonymous=page.anonymous.data,
            **event_settings.settings_from(page, settings),
        )
        slug = document["slug"]
        acceptance = Acceptance(
            page.is_open.data, _to_utc(page.opens_at.data), _to_utc(page.closes_at.data)
        )
        confirmed = request.form.get("confirmed") == _confirmation_token(slug, acceptance)
        try:
            definitions.load(document)
            refused = _anonymity_change_refused(form, page.anonymous.data)
            if refused:
                raise DefinitionError({"settings": {"anonymous": [refused]}})
            operations.free_slug(slug, form.id)
            consequences = {} if confirmed else _consequences(form, slug, acceptance)
            if not consequences:
                operations.save_draft(form, document, revision)
        except DefinitionError as exc:
            for problem in flatten(exc.errors, document, _, _("item")):
                target = getattr(page, _FIELD_OF_PATH.get(problem.path, ""), None) or page.title
                target.errors = [*target.errors, problem.message]
        except operations.SlugTaken as exc:
            page.slug.errors = [translate(exc.message, _)]
        except operations.ConflictError:
            revision = form.draft_revision  # the page now shows the person's values over it
            flash(
                _("Someone else saved this form meanwhile. Check the values and save again."),
                "error",
            )
        else:
            if consequences:
                return render_template(
                    "staff/settings.html",
                    form=form,
                    page=page,
                    consequences=consequences,
                    confirmation=_confirmation_token(slug, acceptance),
                    revision=revision,
                )
            operations.set_acceptance(
                form,
                acceptance.is_open,
                opens_at=acceptance.opens_at,
                closes_at=acceptance.closes_at,
            )
            _record_settings_change(form, before)
            flash(
                _(
                    "The settings were saved. Title, description and messages reach the public "
                    "form when you publish; the address and acceptance apply now."
                ),
                "success",
            )
            return redirect(url_for("staff.form_detail", form_id=form.id))
    return render_template(
        "staff/settings.html", form=form, page=page, consequences={}, revision=revision
    ), 422 if page.errors else 200
