"""Records list queries at a million records: the query layer against the same SQL run raw.

    python -m bench.list_queries [--rows N]

A form of 8 fields (choices, multiple choice, numbers, dates, text) is published (which
creates its indexes) and filled with generated records by bulk inserts (``COPY`` on
PostgreSQL). Each scenario runs through ``RecordAccess`` (view spec -> SQL -> records,
as the list page does) and then as the very statements it sent, replayed through the
database driver (the "raw" column). The "before" column is the SQL the list used to send
(``ORDER BY col IS NULL, col``, ``OFFSET``, an exact ``count(*)`` of the filtered rows).

ATSUME_BENCH_LIST_ROWS (default 1,000,000) or ``--rows`` sets the size;
ATSUME_BENCH_DATABASE_URL runs it on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.forms import operations
from app.models import User
from app.models.types import utcnow
from app.records import paging, viewspec
from app.records.access import RecordAccess
from app.records.store import tables_for
from bench.fixture import SURNAMES, analyze, bench_app

WARDS = [f"地区{i}" for i in range(20)]
KINDS = ["新規", "継続", "変更", "廃止", "その他"]
DAYS = [f"d{i}" for i in range(8)]
DOCUMENT = {
    "title": "一覧ベンチマーク",
    "slug": "list-bench",
    "fields": [
        {"key": "name", "type": "text", "label": "氏名"},
        {"key": "ward", "type": "select", "label": "地区", "choices": WARDS},
        {"key": "kind", "type": "radio", "label": "種別", "choices": KINDS},
        {"key": "age", "type": "number", "label": "年齢"},
        {"key": "amount", "type": "number", "label": "金額"},
        {"key": "visit", "type": "date", "label": "来庁日"},
        {"key": "days", "type": "checkboxes", "label": "希望日", "choices": DAYS},
        {"key": "note", "type": "textarea", "label": "備考"},
    ],
}
#: the count cap of the list page (ATSUME_LIST_COUNT_LIMIT's default)
COUNT_CAP = 10_000
CHUNK = 50_000


@dataclass
class Row:
    name: str
    ours: float
    raw: float
    before: float | None


def _generate(rows: int, seed: int = 11):
    """Chunks of (record tuples, value tuples) for *rows* records."""
    rnd = random.Random(seed)
    now = utcnow()
    start = dt.date(2020, 4, 1)
    records, values = [], []
    for n in range(1, rows + 1):
        records.append(
            (
                n,
                f"L-{n:07d}",
                "new",
                now - dt.timedelta(minutes=rows - n),
                now,
                1,
                "web",
                f"{rnd.choice(SURNAMES)} {n}",
                rnd.choice(WARDS),
                rnd.choice(KINDS),
                rnd.randrange(18, 90) if rnd.random() > 0.1 else None,
                rnd.randrange(0, 1_000_000),
                start + dt.timedelta(days=rnd.randrange(0, 2200)) if rnd.random() > 0.05 else None,
                "特になし" if n % 3 else "駐車場を利用します",
            )
        )
        for day in rnd.sample(DAYS[:7], rnd.randrange(0, 4)):
            values.append((n, day))
        if len(records) >= CHUNK:
            yield records, values
            records, values = [], []
    if records:
        yield records, values


def make_form(rows: int):
    """Publish the bench form and load *rows* generated records."""
    form = operations.create_form(dict(DOCUMENT), None)
    operations.publish(form, None)
    tables = tables_for(form)
    col = {e["key"]: e["column"] for e in form.storage}
    names = [
        "id",
        "receipt_no",
        "status",
        "created_at",
        "updated_at",
        "form_version",
        "source",
        *(col[k] for k in ("name", "ward", "kind", "age", "amount", "visit", "note")),
    ]
    connection = db.session.connection()
    driver = connection.connection.driver_connection
    cursor = driver.cursor()
    postgres = connection.dialect.name == "postgresql"
    for records, values in _generate(rows):
        chosen = [(record_id, col["days"], value) for record_id, value in values]
        if postgres:
            with cursor.copy(f"COPY {tables.records.name} ({', '.join(names)}) FROM STDIN") as c:
                for record in records:
                    c.write_row(record)
            with cursor.copy(
                f"COPY {tables.values.name} (record_id, field, value) FROM STDIN"
            ) as c:
                for value in chosen:
                    c.write_row(value)
        else:
            marks = ", ".join("?" * len(names))
            cursor.executemany(
                f"INSERT INTO {tables.records.name} ({', '.join(names)}) VALUES ({marks})",
                records,
            )
            cursor.executemany(
                f"INSERT INTO {tables.values.name} (record_id, field, value) VALUES (?, ?, ?)",
                chosen,
            )
    if postgres:
        for table in (tables.records.name, tables.values.name):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    db.session.commit()
    analyze(tables.records.name, tables.values.name)
    return form


class Recorder:
    """Collects the statements the query layer sends, to replay them raw."""

    def __init__(self):
        self.statements: list[tuple[str, object]] = []
        self.on = False

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if self.on and statement.lstrip().upper().startswith("SELECT"):
            self.statements.append((statement, parameters))


def _median_ms(action, repeat: int) -> float:
    action()  # warm the caches
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def _raw(statements):
    def run():
        cursor = db.session.connection().connection.driver_connection.cursor()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            cursor.fetchall()
        db.session.rollback()

    return run


def run(url: str, rows: int, repeat: int = 7) -> tuple[str, list[Row]]:
    """Load the form on *url* and measure every scenario; (engine name, rows of the table)."""
    results: list[Row] = []
    with bench_app(url) as app:
        app.config["ATSUME_LIST_COUNT_LIMIT"] = COUNT_CAP
        started = time.perf_counter()
        form = make_form(rows)
        load_seconds = time.perf_counter() - started
        user = User(username="bench", display_name="bench", password_hash="x", is_admin=True)
        db.session.add(user)
        db.session.commit()
        access = RecordAccess(user, form)
        tables = access.tables
        col = {e["key"]: e["column"] for e in form.storage}
        recorder = Recorder()
        sa.event.listen(db.engine, "before_cursor_execute", recorder)
        records = tables.records.name

        def ours(args, *, offset=0, after=None, cap=COUNT_CAP):
            compiled = access.view(viewspec.from_args(MultiDict(args)), default_page_size=50)

            def go():
                total, exact = access.count_view(compiled, cap)
                dense = not exact or total >= paging.DENSE_AT
                access.window(compiled, offset=offset, after=after, dense=dense)
                db.session.rollback()

            return go

        def measure(name, args, before_sql=None, **options):
            action = ours(args, **options)
            recorder.statements.clear()
            recorder.on = True
            action()
            recorder.on = False
            statements = list(recorder.statements)
            before = (
                _median_ms(_raw([(sql, ()) for sql in before_sql]), repeat) if before_sql else None
            )
            results.append(
                Row(name, _median_ms(action, repeat), _median_ms(_raw(statements), repeat), before)
            )

        age, ward = col["age"], col["ward"]
        live = "deleted_at IS NULL"
        measure(
            "first page (newest first) + count",
            [],
            [
                f"SELECT * FROM {records} WHERE {live} ORDER BY id DESC LIMIT 50",
                f"SELECT count(*) FROM {records} WHERE {live}",
            ],
        )
        measure(
            "filter by a choice + count",
            [(ward, "地区3")],
            [
                f"SELECT * FROM {records} WHERE {live} AND {ward} = '地区3' "
                "ORDER BY id DESC LIMIT 50",
                f"SELECT count(*) FROM {records} WHERE {live} AND {ward} = '地区3'",
            ],
        )
        measure(
            "filter by a choice, sort by a number + count",
            [(ward, "地区3"), ("sort", age)],
            [
                f"SELECT * FROM {records} WHERE {live} AND {ward} = '地区3' "
                f"ORDER BY {age} IS NULL, {age}, id LIMIT 50",
                f"SELECT count(*) FROM {records} WHERE {live} AND {ward} = '地区3'",
            ],
        )
        old_sort = f"SELECT * FROM {records} WHERE {live} ORDER BY {age} IS NULL, {age}, id"
        measure(
            "sort by a number (blanks last) + count",
            [("sort", age)],
            [f"{old_sort} LIMIT 50", f"SELECT count(*) FROM {records} WHERE {live}"],
        )
        measure(
            "sort by a number, descending + count",
            [("sort", f"-{age}")],
            [
                f"SELECT * FROM {records} WHERE {live} "
                f"ORDER BY {age} IS NULL, {age} DESC, id DESC LIMIT 50",
                f"SELECT count(*) FROM {records} WHERE {live}",
            ],
        )
        deep = rows // 2
        measure(
            f"newest first, offset {deep:,} + count",
            [],
            [
                f"SELECT * FROM {records} WHERE {live} ORDER BY id DESC LIMIT 50 OFFSET {deep}",
                f"SELECT count(*) FROM {records} WHERE {live}",
            ],
            offset=deep,
        )
        measure(
            f"sort by a number, offset {deep:,} + count",
            [("sort", age)],
            [f"{old_sort} LIMIT 50 OFFSET {deep}", f"SELECT count(*) FROM {records} WHERE {live}"],
            offset=deep,
        )
        # the position of the row just before the deep page, as a "next" link carries it
        compiled = access.view(viewspec.from_args(MultiDict([("sort", age)])))
        segments = paging.plan(tables, compiled.sort)
        present = db.session.execute(
            sa.text(f"SELECT count(*) FROM {records} WHERE {live} AND {age} IS NOT NULL")
        ).scalar()
        if deep <= present:
            value, record_id = db.session.execute(
                sa.text(
                    f"SELECT {age}, id FROM {records} WHERE {live} AND {age} IS NOT NULL "
                    f"ORDER BY {age}, id LIMIT 1 OFFSET {deep - 1}"
                )
            ).one()
            token = paging._encode(0, value, record_id)
        else:
            record_id = db.session.execute(
                sa.text(
                    f"SELECT id FROM {records} WHERE {live} AND {age} IS NULL "
                    f"ORDER BY id LIMIT 1 OFFSET {deep - present - 1}"
                )
            ).scalar()
            token = paging._encode(len(segments) - 1, None, record_id)
        db.session.rollback()
        measure(
            f"sort by a number, keyset page at {deep:,} + count",
            [("sort", age)],
            [f"{old_sort} LIMIT 50 OFFSET {deep}", f"SELECT count(*) FROM {records} WHERE {live}"],
            after=token,
        )
        measure(
            "first page + exact count (asked for)",
            [],
            [
                f"SELECT * FROM {records} WHERE {live} ORDER BY id DESC LIMIT 50",
                f"SELECT count(*) FROM {records} WHERE {live}",
            ],
            cap=None,
        )
        measure("search box: one word in the text fields + count", [("q", "高橋 12")])
        sa.event.remove(db.engine, "before_cursor_execute", recorder)
        engine = db.engine.dialect.name
    header = f"{rows:,} records on {engine}, loaded in {load_seconds:.0f} s"
    return header, results


def table(header: str, results: list[Row]) -> str:
    lines = [
        header + ".",
        "",
        "| list query (50 rows) | query layer | same SQL raw | layer / raw | before |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in results:
        before = f"{r.before:.1f} ms" if r.before is not None else "–"
        lines.append(
            f"| {r.name} | {r.ours:.1f} ms | {r.raw:.1f} ms | {r.ours / r.raw:.2f}× | {before} |"
        )
    return "\n".join(lines)


def main(rows: int | None = None) -> str:
    """Run on SQLite, and on PostgreSQL when ATSUME_BENCH_DATABASE_URL is set."""
    rows = rows or int(os.environ.get("ATSUME_BENCH_LIST_ROWS", 1_000_000))
    texts = []
    with tempfile.TemporaryDirectory() as tmp:
        texts.append(table(*run(f"sqlite:///{Path(tmp) / 'list.db'}", rows)))
    url = os.environ.get("ATSUME_BENCH_DATABASE_URL")
    if url and url.startswith("postgresql"):
        texts.append(table(*run(url, rows)))
    text = f"Python {platform.python_version()}.\n\n" + "\n\n".join(texts)
    print(text)
    return text


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int)
    main(parser.parse_args().rows)
