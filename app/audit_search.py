"""Reading the audit log: the filters administrators search it by, pages and CSV rows.

Dates are days in the office's time zone (``since`` from the start of its day, ``until``
to the end of its day) or full ISO 8601 times.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from app import query_args
from app.audit import ACTION_LABELS
from app.extensions import db
from app.models import AuditEvent, Form, User
from app.url_ids import MAX_ID

#: the query-string names of the filters
FILTERS = ("user", "form", "action", "since", "until")
ACTION_PATTERN = re.compile(r"[a-z_]+(\.[a-z_]+)*")


@dataclass
class AuditFilter:
    user: str | None = None
    form_id: int | None = None
    action: str | None = None
    since: dt.datetime | None = None  # UTC, inclusive
    until: dt.datetime | None = None  # UTC, exclusive
    errors: dict[str, str] = field(default_factory=dict)


def _moment(raw: str, zone: ZoneInfo, end_of_day: bool) -> dt.datetime:
    """A UTC time from a day (its start, or the start of the next day) or an ISO time."""
    try:
        day = query_args.day(raw)
    except ValueError as exc:
        try:
            moment = dt.datetime.fromisoformat(raw.strip())
        except ValueError:
            raise exc from None
        if not query_args.FIRST_DAY <= moment.date() <= query_args.LAST_DAY:
            raise exc from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        return moment.astimezone(dt.UTC).replace(tzinfo=None)
    if end_of_day:
        day += dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    return start.astimezone(dt.UTC).replace(tzinfo=None)


def parse(args, timezone: str) -> AuditFilter:
    """The filters in *args*; problems are in ``errors``, named by their query name."""
    found = AuditFilter()
    zone = ZoneInfo(timezone)
    user = (args.get("user") or "").strip()
    if user:
        if len(user) > 80:
            found.errors["user"] = _("Enter a user name of at most 80 characters.")
        else:
            found.user = user
    form = (args.get("form") or "").strip()
    if form:
        found.form_id = query_args.whole_number(form, 1, MAX_ID)
        if found.form_id is None:
            found.form_id = db.session.scalar(sa.select(Form.id).where(Form.slug == form[:63]))
            if found.form_id is None:
                found.errors["form"] = _("No form has this id or address.")
    action = (args.get("action") or "").strip()
    if action:
        if len(action) > 40 or not ACTION_PATTERN.fullmatch(action):
            found.errors["action"] = _("Use one of: %(values)s.", values=", ".join(ACTION_LABELS))
        else:
            found.action = action
    for name in ("since", "until"):
        raw = (args.get(name) or "").strip()
        if raw:
            try:
                setattr(found, name, _moment(raw, zone, end_of_day=name == "until"))
            except ValueError as exc:
                found.errors[name] = str(exc)
    if found.since and found.until and found.until <= found.since:
        found.errors["until"] = _("The end must be after the start.")
    return found


def conditions(found: AuditFilter) -> list:
    where = []
    if found.user:
        current = sa.select(User.id).where(User.username == found.user).scalar_subquery()
        where.append(sa.or_(AuditEvent.username == found.user, AuditEvent.user_id == current))
    if found.form_id is not None:
        where.append(AuditEvent.form_id == found.form_id)
    if found.action:
        # "record" is "record" or "record.*": a range ("/" follows "." in ASCII) that, unlike
        # LIKE, uses the index on every database
        where.append(
            sa.or_(
                AuditEvent.action == found.action,
                sa.and_(
                    AuditEvent.action > found.action + ".",
                    AuditEvent.action < found.action + "/",
                ),
            )
        )
    if found.since:
        where.append(AuditEvent.at >= found.since)
    if found.until:
        where.append(AuditEvent.at < found.until)
    return where


def page(found: AuditFilter, limit: int, offset: int) -> tuple[int, list[AuditEvent]]:
    """How many entries match, and *limit* of them from *offset*, newest first."""
    where = conditions(found)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(*where))
    rows = db.session.scalars(
        sa.select(AuditEvent)
        .where(*where)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return total, list(rows)


def iterate(found: AuditFilter, chunk: int = 1000) -> Iterator[sa.Row]:
    """Every matching entry (as a row), newest first, fetched in chunks (memory stays flat)."""
    where = conditions(found)
    after = None
    while True:
        query = sa.select(AuditEvent.__table__).where(*where)
        if after is not None:
            query = query.where(sa.tuple_(AuditEvent.at, AuditEvent.id) < after)
        rows = db.session.execute(
            query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(chunk)
        ).all()
        if not rows:
            return
        after = (rows[-1].at, rows[-1].id)
        db.session.rollback()  # end the read transaction between chunks; release the snapshot
        yield from rows


def item_json(event: AuditEvent) -> dict:
    """An entry as the API gives it."""
    return {
        "at": event.at.isoformat() + "Z",
        "user": event.username,
        "action": event.action,
        "form": event.form_id,
        "record": event.record_id,
        "detail": event.detail or {},
        "ip": event.ip,
    }


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def summary(detail: dict | None) -> str:
    """The entry's detail as one line of text: ``name: value`` pairs."""
    parts = []
    for name, value in (detail or {}).items():
        if not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False)
        parts.append(f"{name}: {value}")
    return "; ".join(parts)


def csv_header() -> list[str]:
    return [
        _("Time"),
        _("User"),
        _("Action"),
        _("Action name"),
        _("Form"),
        _("Record"),
        _("Summary"),
        _("IP address"),
        _("Via"),
        _("User agent"),
    ]


def csv_row(event, zone: ZoneInfo, form_titles: dict[int, str]) -> list:
    local = event.at.replace(tzinfo=dt.UTC).astimezone(zone)
    form = ""
    if event.form_id is not None:
        title = form_titles.get(event.form_id)
        form = f"{event.form_id} {title}" if title else str(event.form_id)
    return [
        local.strftime("%Y-%m-%d %H:%M:%S"),
        event.username or "",
        action_label(event.action),
        event.action,
        form,
        "" if event.record_id is None else str(event.record_id),
        summary(event.detail),
        event.ip or "",
        event.via,
        event.user_agent or "",
    ]


def form_titles(form_ids=None) -> dict[int, str]:
    """Current titles of the forms with these ids, or of every form (a removed form has
    none)."""
    query = sa.select(Form.id, Form.title)
    if form_ids is not None:
        query = query.where(Form.id.in_({i for i in form_ids if i is not None}))
    return {row.id: row.title for row in db.session.execute(query)}
