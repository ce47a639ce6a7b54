"""List filters from request arguments, shared by the staff list, CSV export and the API.

A filter argument is ``<name>.<op>=<value>`` (``name.contains=山田``, ``age.min=18``); a
bare ``<name>=<value>`` means ``eq``. *name* is the column name in staff pages and the
field key in the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.records.store import filter_target
from app.records.tables import RecordTables
from builder.fields.base import FieldType, FilterError


@dataclass
class ParsedFilters:
    conditions: list = field(default_factory=list)
    #: argument name -> value, for redisplaying the filter form
    values: dict[str, str] = field(default_factory=dict)
    #: argument name -> message
    errors: dict[str, str] = field(default_factory=dict)


def parse(args, entries: list[dict], types: dict[str, FieldType], tables: RecordTables,
          name_of=lambda entry: entry["column"]) -> ParsedFilters:
    """Turn request *args* into SQL conditions for the visible column *entries*."""
    parsed = ParsedFilters()
    for entry in entries:
        field_type = types[entry["column"]]
        name = name_of(entry)
        wanted = [(f"{name}.{op}", op) for op in field_type.filter_ops]
        if "eq" in field_type.filter_ops:
            wanted.append((name, "eq"))
        for argument, op in wanted:
            raw = (args.get(argument) or "").replace("\x00", "").strip()
            if not raw:
                continue
            parsed.values[argument] = raw
            try:
                parsed.conditions.append(
                    field_type.filter_clause(filter_target(tables, entry), op, raw)
                )
            except FilterError as exc:
                parsed.errors[argument] = str(exc)
    return parsed
