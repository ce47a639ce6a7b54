"""The event registration part of the form settings page: capacity, waiting list, seats
left, one application per value, and the applicant's private link."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from builder import definition as definitions
from builder.event_settings import LOCAL_FORMAT, parse_local
from builder.fields import registry


class _CheckList(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class EventSettingsFields:
    """Fields mixed into the settings page's form."""

    capacity_limit = IntegerField(
        _l("Capacity of the whole form (empty: no limit)"),
        validators=[Optional(), NumberRange(min=1, message=_l("Enter 1 or more."))],
    )
    count_field = SelectField(_l("Seats each application takes"), validate_choice=False)
    waitlist = BooleanField(_l("When full, accept applications on a waiting list"))
    show_remaining = BooleanField(_l("Show the seats left (「残り3席」)"))
    one_per = SelectField(_l("One application per"), validate_choice=False)
    cancel_link = BooleanField(
        _l("Give applicants a private link to check, change or cancel their application")
    )
    cancel_until = DateTimeLocalField(
        _l("Changes and cancellations until (the event date)"),
        format=LOCAL_FORMAT,
        validators=[Optional()],
    )
    changeable_fields = _CheckList(
        _l("Answers the applicant may change through the link"), validate_choice=False
    )


#: where the page shows a definition problem of an event setting
FIELD_OF_PATH = {
    "settings.capacity.limit": "capacity_limit",
    "settings.capacity.count_field": "count_field",
    "settings.capacity.waitlist": "waitlist",
    "settings.one_per": "one_per",
    "settings.show_remaining": "show_remaining",
    "settings.cancel_link": "cancel_link",
    "settings.cancel_until": "cancel_until",
    "settings.changeable_fields": "changeable_fields",
}


def initial(settings: dict) -> dict:
    """The page's values from a draft's settings."""
    capacity = settings.get("capacity") or {}
    until = settings.get("cancel_until")
    return {
        "capacity_limit": capacity.get("limit"),
        "count_field": capacity.get("count_field") or "",
        "waitlist": bool(capacity.get("waitlist")),
        "show_remaining": bool(settings.get("show_remaining")),
        "one_per": settings.get("one_per") or "",
        "cancel_link": bool(settings.get("cancel_link")),
        "cancel_until": parse_local(until) if until else None,
        "changeable_fields": list(settings.get("changeable_fields") or []),
    }


def offer_fields(page, draft: dict, gettext) -> None:
    """Fill the page's lists with the draft's items that suit each setting."""
    specs = [definitions.load_field_document(d) for d in definitions.leaf_documents(draft)]
    typed = [(s, registry.get(s.get("type"))) for s in specs if registry.get(s.get("type"))]
    none = SelectChoice("", gettext("1 seat each (not counted by an item)"))
    page.count_field.choices = [none] + [
        SelectChoice(s["key"], s.get("label") or s["key"])
        for s, t in typed
        if t.counts_seats(s)
    ]
    page.one_per.choices = [SelectChoice("", gettext("No limit"))] + [
        SelectChoice(s["key"], s.get("label") or s["key"])
        for s, t in typed
        if t.identifies_applicant
    ]
    page.changeable_fields.choices = [
        SelectChoice(s["key"], s.get("label") or s["key"]) for s, _t in typed
    ]


def settings_from(page, before: dict) -> dict:
    """The event settings as the definition stores them, from the page; a setting left
    at its default is not added to a form that did not have it (*before*)."""
    chosen = _chosen(page)
    return {
        name: value
        for name, value in chosen.items()
        if name in before or value != _DEFAULTS[name]
    }


_DEFAULTS = {
    "capacity": {"limit": None, "count_field": None, "waitlist": False},
    "show_remaining": False,
    "one_per": None,
    "cancel_link": False,
    "cancel_until": None,
    "changeable_fields": [],
}


def _chosen(page) -> dict:
    return {
        "capacity": {
            "limit": page.capacity_limit.data,
            "count_field": page.count_field.data or None,
            "waitlist": bool(page.waitlist.data),
        },
        "show_remaining": bool(page.show_remaining.data),
        "one_per": page.one_per.data or None,
        "cancel_link": bool(page.cancel_link.data),
        "cancel_until": page.cancel_until.data.strftime(LOCAL_FORMAT)
        if page.cancel_until.data
        else None,
        "changeable_fields": list(page.changeable_fields.data or []),
    }


def audited(settings: dict) -> dict:
    """The event settings as the audit log compares them."""
    return {
        "capacity": settings.get("capacity"),
        "one_per": settings.get("one_per"),
        "show_remaining": settings.get("show_remaining", False),
        "cancel_link": settings.get("cancel_link", False),
        "cancel_until": settings.get("cancel_until"),
        "changeable_fields": list(settings.get("changeable_fields") or []),
    }
