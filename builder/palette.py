"""What the designer needs to know about every field type, derived from the registry.

The properties panel is generated from each type's settings schema: adding a type to the
registry adds it to the palette and the panel with no designer change.
"""

from __future__ import annotations

from collections.abc import Callable

from marshmallow import fields, validate

from builder.conditions import OP_LABELS
from builder.definition import SECTION, _field_schema
from builder.fields import Registry, registry
from builder.i18n import N_

#: settings that the designer does not show as inputs
HIDDEN = {"type", "key"}
#: settings shown first, whatever the type
FIRST = ("label", "help", "required")
#: settings shown last, whatever the type
LAST = ("show_if",)

SECTION_SETTINGS = [
    {"name": "label", "label": N_("Section title"), "widget": "text", "required": False},
    {"name": "help", "label": N_("Explanation"), "widget": "textarea", "required": False},
    {
        "name": "page",
        "label": N_("Show this section as a page of its own"),
        "widget": "checkbox",
        "required": False,
    },
    {"name": "show_if", "label": N_("Show only if"), "widget": "conditions", "required": False},
]

_WIDGETS = (
    (fields.Boolean, "checkbox"),
    (fields.Integer, "integer"),
    (fields.Float, "number"),
    (fields.Date, "date"),
    (fields.List, "list"),
    (fields.String, "text"),
)


def _widget(field: fields.Field) -> str:
    if field.metadata.get("widget"):
        return field.metadata["widget"]
    if field.metadata.get("options"):
        return "select"
    for field_class, widget in _WIDGETS:
        if isinstance(field, field_class):
            return widget
    return "text"


def describe_setting(name: str, field: fields.Field, _: Callable[[str], str]) -> dict:
    """One input of the properties panel."""
    setting = {
        "name": name,
        "label": _(field.metadata.get("label", name)),
        "widget": _widget(field),
        "required": bool(field.required),
        "advanced": bool(field.metadata.get("advanced")),
    }
    if field.metadata.get("options"):
        setting["options"] = [[value, _(label)] for value, label in field.metadata["options"]]
    if field.metadata.get("seats"):
        setting["seats"] = True  # each choice may have its own seats (event registration)
    default = field.load_default() if callable(field.load_default) else field.load_default
    if isinstance(default, list):
        setting["default_list"] = default  # ticked when the item does not set its own
    if isinstance(default, (int, float, str)) and not isinstance(default, bool) and default != "":
        setting["default"] = default  # shown in the empty box: what applies if left empty
    for rule in field.validators:
        if isinstance(rule, validate.Range):
            setting["min"], setting["max"] = rule.min, rule.max
    return setting


def describe(types: Registry = registry, _: Callable[[str], str] = lambda s: s) -> list[dict]:
    """Palette entries with their settings, in registry order, the section last."""
    palette = []
    for field_type in types.types():
        schema = _field_schema(field_type)
        names = (
            [n for n in FIRST if n in schema.fields]
            + [n for n in schema.fields if n not in FIRST + LAST and n not in HIDDEN]
            + [n for n in LAST if n in schema.fields]
        )
        settings = [describe_setting(name, schema.fields[name], _) for name in names]
        palette.append(
            {
                "name": field_type.name,
                "label": _(field_type.label),
                "group": field_type.group,
                "icon": field_type.icon,
                "settings": settings,
                "starter": field_type.starter(_),
                "condition_ops": [[op, _(OP_LABELS[op])] for op in field_type.condition_ops],
                "condition_kind": field_type.condition_kind,
            }
        )
    palette.append(
        {
            "name": SECTION,
            "label": _(N_("Section")),
            "group": "layout",
            "icon": "section",
            "settings": [dict(s, label=_(s["label"])) for s in SECTION_SETTINGS],
            "starter": {"fields": []},
            "condition_ops": [],
        }
    )
    return palette
