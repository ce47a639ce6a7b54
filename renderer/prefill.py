"""Answers given in the form's address: ``/f/kenshin?course=am&ref=poster`` fills the item
keyed ``course`` and the hidden item ``ref``.

Prefilled answers are only a starting point: the citizen sees and can change them (except
hidden items), and they go through the same checks as typed answers when sent.
"""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from builder.fields.base import FieldType
from renderer.form_class import field_name

#: the longest prefilled value and the most values per item that are taken
MAX_VALUE_LENGTH = 500
MAX_VALUES = 20


def prefill_formdata(args, fields: list[FieldType]) -> MultiDict | None:
    """Request-like data for the items named in *args* by key (None: nothing to prefill)."""
    data = MultiDict()
    for field_type in fields:
        values = [v for v in args.getlist(field_type.key) if len(v) <= MAX_VALUE_LENGTH]
        for value in values[:MAX_VALUES]:
            data.add(field_name(field_type.key), value)
    return data or None
