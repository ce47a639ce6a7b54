"""Field types bound to the columns of a form's record table."""

from __future__ import annotations

import functools
import json

from builder.definition import load_field_document
from builder.fields import registry
from builder.fields.base import FieldType

#: loaded specs kept per process (a catalogue entry's spec changes only on publish)
_SPECS_KEPT = 4096


def column_types(entries: list[dict], gettext=None, today=None) -> dict[str, FieldType]:
    """column name -> field type bound to the spec that column was last published with
    (relative date filters count from *today*)."""
    return {e["column"]: registry.bind(_spec(e), gettext, today) for e in entries}


def _spec(entry: dict) -> dict:
    """The loaded spec of a catalogue entry, shared by every caller (never changed)."""
    document, past = entry.get("spec") or entry, entry.get("past_choices")
    try:
        text = json.dumps([document, past], ensure_ascii=False)
    except (TypeError, ValueError):  # not a stored entry: nothing to share
        return _loaded(document, past)
    return _loaded_text(text)


@functools.lru_cache(maxsize=_SPECS_KEPT)
def _loaded_text(text: str) -> dict:
    """Loading (schema validation) costs far more than the JSON text that names it."""
    return _loaded(*json.loads(text))


def _loaded(document: dict, past: list | None) -> dict:
    spec = load_field_document(document)
    if past:
        spec = {**spec, "past_choices": past}
    return spec


def column_heading(entry: dict, retired_label: str) -> str:
    """The heading of a column in lists and exports; retired columns say so."""
    return f"{entry['label']} ({retired_label})" if entry["retired"] else entry["label"]
