"""Items of a draft as the public form shows them, for the cards of the designer's canvas.

Each item goes through the same path as the public page (definition loading, field-type
binding, the WTForms form class and templates/public/_fields.html), so a card cannot show a
field differently from the form a citizen fills in.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from app.forms.published import bound_fields
from builder import definition as definitions
from renderer.form_class import build_form_class, field_name

#: the most items one request may ask for (a form's items and its sections)
MAX_CARDS = definitions.MAX_FIELDS * 2


def render_card(item: dict) -> str | None:
    """*item* (a field, or a section without its fields) as HTML; None if it is not valid."""
    if not isinstance(item, dict):
        return None
    probe = dict(item, fields=[]) if item.get("type") == definitions.SECTION else dict(item)
    # a card shows the item alone: its display condition names other items (the canvas
    # marks items with conditions; the draft's checks report problems with them)
    probe.pop("show_if", None)
    try:
        loaded = definitions.load({"title": "-", "fields": [probe]})
    except definitions.DefinitionError:
        return None
    fields = bound_fields(loaded, _)
    web_form = build_form_class(fields)(formdata=None, meta={"csrf": False})
    return render_template(
        "designer/_card.html",
        item=loaded.items[0],
        fields=fields,
        web_form=web_form,
        field_name=field_name,
    )


def render_cards(items: list) -> dict[str, str | None]:
    """Key -> HTML for each item that has a key (see ``render_card``)."""
    return {
        item["key"]: render_card(item)
        for item in items
        if isinstance(item, dict) and isinstance(item.get("key"), str)
    }


def draft_items(document: dict) -> list[dict]:
    """Every item of a stored draft, sections and their fields alike."""
    out = []
    for item in document.get("fields", []):
        out.append(item)
        if item.get("type") == definitions.SECTION:
            out.extend(item.get("fields", []))
    return out
