"""An app on a throw-away database with one published form filled with synthetic records."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import uuid

import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.forms import operations
from app.models.types import utcnow
from app.records import store

DOCUMENT = {
    "title": "ベンチマーク",
    "slug": "bench",
    "fields": [
        {"key": "name", "type": "text", "label": "氏名"},
        {
            "key": "ward",
            "type": "select",
            "label": "地区",
            "choices": [f"地区{i}" for i in range(20)],
        },
        {"key": "age", "type": "number", "label": "年齢"},
        {
            "key": "days",
            "type": "checkboxes",
            "label": "希望日",
            "choices": [f"d{i}" for i in range(8)],
        },
        {"key": "note", "type": "textarea", "label": "備考"},
        {"key": "visit", "type": "date", "label": "来庁日"},
        {
            "key": "kind",
            "type": "radio",
            "label": "区分",
            "choices": [{"value": f"k{i}", "label": f"区分{i}"} for i in range(5)],
        },
        {"key": "fee", "type": "number", "label": "手数料"},
    ],
}
FIRST_DAY = dt.date(2025, 4, 1)
SURNAMES = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"]


@contextlib.contextmanager
def bench_app(url: str):
    schema = None
    options = {}
    if url.startswith("postgresql"):
        schema = "bench_" + uuid.uuid4().hex[:8]
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        options = {"connect_args": {"options": f"-csearch_path={schema}"}}
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": options,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
        }
    )
    try:
        with app.app_context():
            db.create_all()
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        if schema:
            with admin.connect() as c:
                c.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


def make_form(rows: int, seed: int = 7):
    """Publish the bench form and bulk-load *rows* synthetic records."""
    form = operations.create_form(dict(DOCUMENT), None)
    operations.publish(form, None)
    tables = store.tables_for(form)
    col = {e["key"]: e["column"] for e in form.storage}
    rnd = random.Random(seed)
    now = utcnow()
    batch, values = [], []
    next_id = 1
    connection = db.session.connection()
    for i in range(rows):
        received = now - dt.timedelta(seconds=30 * (rows - i))  # about one every 30 s
        batch.append(
            {
                "id": next_id,
                "receipt_no": f"B-{next_id:07d}",
                "status": "new",
                "created_at": received,
                "updated_at": received,
                "form_version": 1,
                col["name"]: f"{rnd.choice(SURNAMES)} {i}",
                col["ward"]: f"地区{rnd.randrange(20)}",
                col["age"]: rnd.randrange(18, 90),
                col["note"]: "特になし" if i % 3 else "駐車場を利用します",
                col["visit"]: FIRST_DAY + dt.timedelta(days=rnd.randrange(730)),
                col["kind"]: f"k{rnd.randrange(5)}" if i % 10 else None,
                col["fee"]: rnd.randrange(0, 5000, 100),
            }
        )
        days = set(rnd.sample(range(7), rnd.randrange(1, 4)))
        if rnd.random() < 0.01:  # one rarely chosen option, to show selective filters
            days.add(7)
        for day in sorted(days):
            values.append({"record_id": next_id, "field": col["days"], "value": f"d{day}"})
        next_id += 1
        if len(batch) >= 5000:
            connection.execute(tables.records.insert(), batch)
            connection.execute(tables.values.insert(), values)
            batch, values = [], []
    if batch:
        connection.execute(tables.records.insert(), batch)
        connection.execute(tables.values.insert(), values)
    if connection.dialect.name == "postgresql":  # explicit ids do not advance the sequence
        for table in (tables.records.name, tables.values.name):
            connection.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
    db.session.commit()
    analyze(tables.records.name, tables.values.name)
    return form


def analyze(*tables: str) -> None:
    """Refresh planner statistics (and PostgreSQL's visibility map), as autovacuum would
    after a load of this size."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        command = "VACUUM ANALYZE" if connection.dialect.name == "postgresql" else "ANALYZE"
        for table in tables:
            connection.execute(sa.text(f"{command} {table}"))
