"""A form with every kind of stored value, and records on it, for the edit, history,
comment and API tests."""

from __future__ import annotations

import copy
import datetime as dt
import html
import re
from decimal import Decimal

from app.extensions import db
from app.forms import operations
from app.models import Grant
from app.records.access import RecordAccess
from app.records.submission import submit

DOCUMENT = {
    "title": "窓口申請",
    "slug": "madoguchi",
    "fields": [
        {"key": "name", "type": "text", "label": "氏名", "required": True},
        {"key": "age", "type": "number", "label": "年齢", "min": 0, "max": 130},
        {"key": "fee", "type": "number", "label": "金額", "decimals": 2},
        {"key": "ward", "type": "radio", "label": "地区", "choices": ["一関", "花泉", "千厩"]},
        {
            "key": "days",
            "type": "checkboxes",
            "label": "希望日",
            "choices": [
                {"value": "d1", "label": "6月30日"},
                {"value": "d2", "label": "7月1日"},
                {"value": "d3", "label": "7月2日"},
            ],
        },
        {"key": "day", "type": "date", "label": "来庁日"},
        {"key": "memo", "type": "text", "label": "職員メモ"},
    ],
}

VALUES = {
    "name": "山田太郎",
    "age": 41,
    "fee": Decimal("1200.50"),
    "ward": "一関",
    "days": ["d1", "d3"],
    "day": dt.date(2026, 6, 1),
    "memo": "秘密のメモ",
}


def make_world(make_form, **values):
    """The published form and one record on it."""
    form = make_form(copy.deepcopy(DOCUMENT))
    definition = operations.load_draft(form)
    record, _new = submit(form, definition, {**VALUES, **values})
    return form, record


def grant(form, user, rights: set[str], fields: dict | None = None) -> None:
    db.session.add(
        Grant(form_id=form.id, user_id=user.id, rights=sorted(rights), fields=fields or {})
    )
    db.session.commit()


def stored(form, user, record_id: int) -> dict:
    """field key -> stored value, as *user* may read them."""
    record = RecordAccess(user, form).get(record_id)
    keys = {e["column"]: e["key"] for e in form.storage if not e["retired"]}
    return {keys[c]: v for c, v in record.values.items() if c in keys}


def edit_page_fields(html: str) -> dict:
    """The edit page's posted fields as a browser would send them: text inputs, the
    checked boxes and buttons, and hidden inputs."""
    data: dict[str, list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        kind = re.search(r'type="([^"]+)"', tag)
        kind = kind.group(1) if kind else "text"
        value = re.search(r'value="([^"]*)"', tag)
        value = value.group(1) if value else ""
        if kind in ("checkbox", "radio") and "checked" not in tag:
            continue
        data.setdefault(name.group(1), []).append(_unescape(value))
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data.setdefault(name, []).append(_unescape(body.lstrip("\n")))
    return data


def _unescape(text: str) -> str:
    return html.unescape(text)
