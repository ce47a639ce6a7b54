"""List filters from request arguments, shared by the staff list, CSV export and the API.

A filter argument is ``<name>.<op>=<value>`` (``name.contains=山田``, ``age.min=18``); a
bare ``<name>=<value>`` means ``eq``. *name* is the column name in staff pages and the
field key in the API (``values.<key>`` for a key that is also a system name).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app import query_args
from app.records.store import filter_target
from app.records.tables import RecordTables
from builder.fields.base import FieldType, FilterError
from builder.fields.date import period_days


@dataclass
class ParsedFilters:
    conditions: list = field(default_factory=list)
    #: argument name -> value (a list for a list filter), for redisplaying the filter form
    values: dict[str, str | list[str]] = field(default_factory=dict)
    #: argument name -> message
    errors: dict[str, str] = field(default_factory=dict)


#: filters on system columns: the receipt number, the day a record was received, its
#: workflow status (several allowed: ``status=new&status=done`` or ``status=new,done``) and
#: its assignee (a user id, ``me`` or ``none``)
_RECEIPT_AND_DAY = (
    "receipt_no",
    "receipt_no.contains",
    "created_at.min",
    "created_at.max",
    "created_at.within",
)
SYSTEM_FILTERS = (*_RECEIPT_AND_DAY, "status", "assignee")
#: the longest status key
_STATUS_KEY_LENGTH = 40


def requested_statuses(args) -> list[str]:
    """The status keys a ``status`` argument asks for (repeated or comma-separated)."""
    getlist = getattr(args, "getlist", None)
    raw = getlist("status") if getlist else [args.get("status") or ""]
    keys = []
    for value in raw:
        for key in (value or "").split(","):
            key = key.strip()
            if key and key not in keys:
                keys.append(key)
    return keys


def _workflow(args, tables: RecordTables, parsed: ParsedFilters, user_id, gettext) -> None:
    records = tables.records
    keys = requested_statuses(args)
    if keys:
        parsed.values["status"] = ",".join(keys)
        if any(len(k) > _STATUS_KEY_LENGTH for k in keys):
            parsed.errors["status"] = gettext("There is no such status.")
        else:
            parsed.conditions.append(records.c.status.in_(keys))
    raw = (args.get("assignee") or "").strip()
    if not raw:
        return
    parsed.values["assignee"] = raw
    if raw == "none":
        parsed.conditions.append(records.c.assignee_id.is_(None))
    elif raw == "me":
        parsed.conditions.append(
            records.c.assignee_id == user_id if user_id is not None else sa.false()
        )
    elif raw.isascii() and raw.isdigit() and len(raw) < 10:
        parsed.conditions.append(records.c.assignee_id == int(raw))
    else:
        parsed.errors["assignee"] = gettext("Use a user id, “me” or “none”.")


def _utc_start(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """The first moment of *day* where the office is, as stored (naive UTC)."""
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC).replace(tzinfo=None)


def office_today(timezone: str) -> dt.date:
    """Today's date where the office is."""
    return dt.datetime.now(ZoneInfo(timezone)).date()


def _system(
    args, tables: RecordTables, parsed: ParsedFilters, timezone: str, gettext, today=None
) -> None:
    records = tables.records
    zone = ZoneInfo(timezone)
    for argument in _RECEIPT_AND_DAY:
        raw = (args.get(argument) or "").strip()
        if not raw:
            continue
        parsed.values[argument] = raw
        if argument == "receipt_no":
            parsed.conditions.append(records.c.receipt_no == raw)
        elif argument == "receipt_no.contains":
            parsed.conditions.append(records.c.receipt_no.contains(raw, autoescape=True))
        elif argument == "created_at.within":
            try:
                first, last = period_days(raw, today or office_today(timezone))
            except KeyError:
                parsed.errors[argument] = gettext("This period is not known.")
                continue
            parsed.conditions.append(
                sa.and_(
                    records.c.created_at >= _utc_start(first, zone),
                    records.c.created_at < _utc_start(last + dt.timedelta(days=1), zone),
                )
            )
        else:
            try:
                day = query_args.day(raw)
            except ValueError as exc:
                parsed.errors[argument] = str(exc)
                continue
            if argument == "created_at.max":
                day += dt.timedelta(days=1)
            start = _utc_start(day, zone)
            parsed.conditions.append(
                records.c.created_at >= start
                if argument == "created_at.min"
                else records.c.created_at < start
            )


def argument_names(entry_name: str, field_type: FieldType) -> list[tuple[str, str]]:
    """(argument, op) for every filter a field offers: ``name.op``, and ``name`` for eq."""
    wanted = [(f"{entry_name}.{op}", op) for op in field_type.all_filter_ops()]
    if "eq" in field_type.filter_ops:
        wanted.append((entry_name, "eq"))
    return wanted


def _values(args, argument: str) -> list[str]:
    found = args.getlist(argument) if hasattr(args, "getlist") else [args.get(argument)]
    cleaned = [(raw or "").replace("\x00", "").strip() for raw in found]
    return [raw for raw in cleaned if raw]


def parse(
    args,
    entries: list[dict],
    types: dict[str, FieldType],
    tables: RecordTables,
    name_of=lambda entry: entry["column"],
    timezone: str = "Asia/Tokyo",
    gettext=lambda s: s,
    user_id: int | None = None,
    today: dt.date | None = None,
) -> ParsedFilters:
    """Turn request *args* into SQL conditions for the visible column *entries*;
    *user_id* is who ``assignee=me`` means. Relative periods (今日, 今年度 …) count from
    *today* (by default today where the office is)."""
    parsed = ParsedFilters()
    _system(args, tables, parsed, timezone, gettext, today)
    _workflow(args, tables, parsed, user_id, gettext)
    for entry in entries:
        field_type = types[entry["column"]]
        target = filter_target(tables, entry)
        for argument, op in argument_names(name_of(entry), field_type):
            found = _values(args, argument)
            if not found:
                continue
            raw = found if op in field_type.list_ops else found[0]
            parsed.values[argument] = raw
            try:
                if op == "empty":
                    condition = field_type.presence_clause(target, raw)
                else:
                    condition = field_type.filter_clause(target, op, raw)
            except FilterError as exc:
                parsed.errors[argument] = str(exc)
                continue
            parsed.conditions.append(condition)
    return parsed
