"""Field types bound to the columns of a form's record table."""

from __future__ import annotations

from builder.definition import load_field_document
from builder.fields import registry
from builder.fields.base import FieldType


def column_types(entries: list[dict], gettext=None, today=None) -> dict[str, FieldType]:
    """column name -> field type bound to the spec that column was last published with
    (relative date filters count from *today*)."""
    return {e["column"]: registry.bind(_spec(e), gettext, today) for e in entries}


def _spec(entry: dict) -> dict:
    spec = load_field_document(entry.get("spec") or entry)
    if entry.get("past_choices"):
        spec = {**spec, "past_choices": entry["past_choices"]}
    return spec


def column_heading(entry: dict, retired_label: str) -> str:
    """The heading of a column in lists and exports; retired columns say so."""
    return f"{entry['label']} ({retired_label})" if entry["retired"] else entry["label"]
