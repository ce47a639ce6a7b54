"""A survey form and generated answers shared by the cross-tab and summary tests."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import sqlalchemy as sa

from app.extensions import db
from app.forms import operations
from app.records.submission import submit
from app.records.tables import record_table_name

SURVEY = {
    "title": "職員アンケート",
    "slug": "shokuin-anketo",
    "fields": [
        {"key": "name", "type": "text", "label": "氏名"},
        {
            "key": "dept",
            "type": "select",
            "label": "所属",
            "choices": [
                {"value": "soumu", "label": "総務課"},
                {"value": "fukushi", "label": "福祉課"},
                {"value": "kyoiku", "label": "教育課"},
            ],
        },
        {"key": "answer", "type": "radio", "label": "満足度", "choices": ["高い", "普通", "低い"]},
        {
            "key": "topics",
            "type": "checkboxes",
            "label": "関心",
            "choices": [
                {"value": "t1", "label": "研修"},
                {"value": "t2", "label": "休暇"},
                {"value": "t3", "label": "給与"},
            ],
        },
        {"key": "hours", "type": "number", "label": "残業時間"},
        {"key": "score", "type": "number", "label": "評価", "decimals": 1},
        {"key": "visit", "type": "date", "label": "来庁日"},
        {"key": "note", "type": "textarea", "label": "意見"},
    ],
}
JST = dt.timezone(dt.timedelta(hours=9))


def make_survey(make_form, user=None):
    return make_form(SURVEY, user=user)


def generate(count: int, seed: int = 3) -> list[dict]:
    """*count* answers with every kind of empty value, around fiscal-year boundaries."""
    rnd = random.Random(seed)
    rows = []
    for i in range(count):
        rows.append(
            {
                "name": rnd.choice(["佐藤", "鈴木", "", None]),
                "dept": rnd.choice(["soumu", "fukushi", "kyoiku", None]),
                "answer": rnd.choice(["高い", "普通", "低い", None]),
                "topics": sorted(rnd.sample(["t1", "t2", "t3"], rnd.randrange(0, 4))),
                "hours": rnd.choice([None, *range(0, 40, 3)]),
                "score": rnd.choice([None, Decimal("1.5"), Decimal("3"), Decimal("4.5")]),
                "visit": rnd.choice(
                    [None, dt.date(2026, 3, 31), dt.date(2026, 4, 1), dt.date(2025, 12, 1)]
                ),
                "note": rnd.choice([None, f"意見{i}"]),
                # local (Japan) time of receipt
                "received": rnd.choice(
                    [
                        dt.datetime(2026, 3, 31, 23, 59, tzinfo=JST),
                        dt.datetime(2026, 4, 1, 0, 0, 30, tzinfo=JST),
                        dt.datetime(2026, 4, 1, 8, 59, tzinfo=JST),
                        dt.datetime(2025, 4, 1, 9, 0, tzinfo=JST),
                    ]
                ),
            }
        )
    return rows


def store_rows(form, rows: list[dict]) -> None:
    """Submit each row, then set its receipt time (stored in UTC, like every record)."""
    definition = operations.load_draft(form)
    table = sa.table(
        record_table_name(form.id), sa.column("id"), sa.column("created_at", sa.DateTime)
    )
    for row in rows:
        values = {k: v for k, v in row.items() if k != "received" and v not in (None, "", [])}
        record, _new = submit(form, definition, values)
        utc = row["received"].astimezone(dt.UTC).replace(tzinfo=None)
        db.session.execute(table.update().where(table.c.id == record.id).values(created_at=utc))
        row["id"] = record.id
    db.session.commit()


def fiscal_year(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1
