"""Names the product gives a meaning of its own, which field keys must not take.

A record is addressed by its system columns and by its fields' keys side by side (the
records API filters ``?receipt_no=`` and sorts ``?sort=created_at``; a record's JSON has
``id``, ``receipt_no``, ``values`` …). A field keyed with one of these names would be
ambiguous, so new fields cannot take them. A field that already has such a key keeps it
(its stored answers stay where they are); the API then calls it ``values.<key>``.
"""

from __future__ import annotations

#: the columns every record table has besides its fields' columns
SYSTEM_COLUMNS = (
    "id",
    "receipt_no",
    "status",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "form_version",
    "idempotency_token",
    "assignee_id",
    "source",
    "deleted_at",
    "deleted_by",
)

#: query parameters and record members of the records API
API_NAMES = ("values", "limit", "offset", "sort")

#: keys a new field cannot have
RESERVED_KEYS = frozenset(SYSTEM_COLUMNS + API_NAMES)

#: a field's column is this prefix + its key; no system column starts with it
FIELD_COLUMN_PREFIX = "f_"

#: how the API names a field whose key is reserved
FIELD_NAMESPACE = "values."


def api_name(key: str) -> str:
    """The name of a field in the records API's query string: its key when unambiguous."""
    return FIELD_NAMESPACE + key if key in RESERVED_KEYS else key
