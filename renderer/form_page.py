"""What public/form.html needs beyond the form itself: the page shown, its progress, the
answers carried from the other pages and the display conditions for the browser."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from builder import conditions as rules
from builder.definition import Definition
from builder.fields.base import FieldType
from renderer import conditions, pages
from renderer.form_class import Layout


def condition_context(definition: Definition, fields: list[FieldType]) -> dict:
    """The rules of every conditional item, and the words the browser announces."""
    return {
        "rules": conditions.browser_rules(definition, fields, _),
        "answers": {},
        "messages": {
            "shown": _("The question “%(label)s” is now shown."),
            "hidden": _("The question “%(label)s” no longer applies and is hidden."),
            "section_shown": _("The section “%(label)s” is now shown."),
            "section_hidden": _("The section “%(label)s” no longer applies and is hidden."),
        },
    }


def page_extras(
    form_id: int,
    definition: Definition,
    fields: list[FieldType],
    layout: list[Layout],
    web_form: FlaskForm,
    formdata: MultiDict | None,
    index: int,
    hidden: set[str],
    condition_rules: dict | None = None,
) -> dict:
    """Context for showing page *index* (0-based) of the form, given the answers so far.

    *condition_rules* is the form's ``condition_context`` when already made; it is not
    changed (it may be shared by other requests)."""
    page_list = pages.split(layout)
    page = page_list[index]
    extras = {
        "layout": pages.shown_items(page, hidden),
        "conditions": condition_rules or condition_context(definition, fields),
        "paging": None,
        "page_state": None,
    }
    if len(page_list) < 2:
        return extras
    position, total = pages.progress(page_list, index, hidden)
    others = [key for p in page_list if p is not page for key in p.field_keys()]
    values = conditions.answers(web_form, fields)
    visible = {k: v for k, v in values.items() if k not in hidden}
    referenced = set()
    for item in conditions.rule_items(definition):
        referenced |= rules.referenced(item["show_if"])
    extras["conditions"] = {
        **extras["conditions"],
        "answers": conditions.browser_answers(
            fields, visible, [key for key in others if key in referenced]
        ),
    }
    extras["paging"] = {
        "number": page.number,
        "position": position,
        "total": total,
        "has_previous": pages.neighbour(page_list, index, -1, hidden) is not None,
        "is_last": pages.neighbour(page_list, index, 1, hidden) is None,
    }
    extras["page_state"] = pages.dump_state(form_id, formdata or MultiDict(), others)
    return extras
