"""Cross-tab and summary benchmark: a survey of 1,000,000 generated records (8 items:
choices, a multiple choice, numbers, a date, text), the cross tables through the app's
API against the same hand-written SQL GROUP BY and against the spreadsheet workflow
(pandas.read_csv + pivot_table on the exported CSV), and the summary page.

ATSUME_BENCH_CROSSTAB_ROWS sets the number of records (default 1,000,000).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.extensions import db
from app.forms import operations
from app.models import User
from app.passwords import hash_password
from app.records import store
from app.tokens import create_token
from bench.fixture import analyze
from bench.scenarios import Result

ROWS = int(os.environ.get("ATSUME_BENCH_CROSSTAB_ROWS", 1_000_000))
PASSWORD = "bench password 2026"
WARDS = [f"地区{i}" for i in range(20)]
GENDERS = ["男性", "女性", "回答しない"]
DOCUMENT = {
    "title": "市民意識調査",
    "slug": "ishiki-chosa",
    "fields": [
        {"key": "name", "type": "text", "label": "氏名"},
        {"key": "ward", "type": "select", "label": "地区", "choices": WARDS},
        {"key": "gender", "type": "radio", "label": "性別", "choices": GENDERS},
        {
            "key": "topics",
            "type": "checkboxes",
            "label": "関心のある分野",
            "choices": [f"分野{i}" for i in range(8)],
        },
        {"key": "age", "type": "number", "label": "年齢"},
        {"key": "income", "type": "number", "label": "世帯収入（万円）", "decimals": 1},
        {"key": "visit", "type": "date", "label": "来庁日"},
        {"key": "note", "type": "textarea", "label": "ご意見"},
    ],
}
START = dt.datetime(2023, 4, 1)  # receipts spread over three fiscal years (UTC)
SPAN_SECONDS = 3 * 365 * 86400


def _rows(count: int, seed: int = 11):
    rnd = random.Random(seed)
    for i in range(1, count + 1):
        created = START + dt.timedelta(seconds=rnd.randrange(SPAN_SECONDS))
        ward = WARDS[min(int(rnd.expovariate(0.25)), 19)] if rnd.random() > 0.03 else None
        yield (
            i,
            created,
            f"氏名{i}" if rnd.random() > 0.1 else None,
            ward,
            rnd.choice(GENDERS) if rnd.random() > 0.05 else None,
            rnd.randrange(18, 95) if rnd.random() > 0.05 else None,
            round(rnd.uniform(100, 1500), 1) if rnd.random() > 0.2 else None,
            (created + dt.timedelta(days=rnd.randrange(60))).date() if rnd.random() > 0.3 else None,
            "駐車場を増やしてほしい" if i % 7 == 0 else None,
            rnd.sample(range(8), rnd.randrange(0, 4)),
        )


def make_form(count: int):
    """Publish the survey and bulk-load *count* records (COPY on PostgreSQL)."""
    form = operations.create_form(dict(DOCUMENT), None)
    operations.publish(form, None)
    tables = store.tables_for(form)
    col = {e["key"]: e["column"] for e in form.storage}
    names = [
        "id",
        "receipt_no",
        "status",
        "created_at",
        "updated_at",
        "form_version",
        "source",
        *(col[k] for k in ("name", "ward", "gender", "age", "income", "visit", "note")),
    ]
    connection = db.session.connection()
    postgres = connection.dialect.name == "postgresql"
    raw = connection.connection.dbapi_connection
    cursor = raw.cursor()
    record_sql = (
        f"INSERT INTO {tables.records.name} ({', '.join(names)}) "
        f"VALUES ({', '.join('?' * len(names))})"
    )
    value_sql = f"INSERT INTO {tables.values.name} (record_id, field, value) VALUES (?, ?, ?)"
    records, chosen = [], []

    def flush():
        if postgres:
            with cursor.copy(f"COPY {tables.records.name} ({', '.join(names)}) FROM STDIN") as cp:
                for row in records:
                    cp.write_row(row)
            with cursor.copy(
                f"COPY {tables.values.name} (record_id, field, value) FROM STDIN"
            ) as cp:
                for row in chosen:
                    cp.write_row(row)
        else:
            cursor.executemany(record_sql, records)
            cursor.executemany(value_sql, chosen)
        records.clear()
        chosen.clear()

    for i, created, name, ward, gender, age, income, visit, note, topics in _rows(count):
        when = created if postgres else created.strftime("%Y-%m-%d %H:%M:%S.%f")
        records.append(
            (
                i,
                f"R{i:07d}",
                "new",
                when,
                when,
                1,
                "web",
                name,
                ward,
                gender,
                age,
                income,
                visit if postgres or visit is None else visit.isoformat(),
                note,
            )
        )
        chosen += [(i, col["topics"], f"分野{t}") for t in sorted(topics)]
        if len(records) >= 20_000:
            flush()
    flush()
    if postgres:
        for table in (tables.records.name, tables.values.name):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    db.session.commit()
    analyze(tables.records.name, tables.values.name)
    return form, col


def _median_ms(action, repeat: int = 5) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def _export_csv(form, col, path: Path, chunk: int = 50_000) -> None:
    """The records as the staff export writes them (labels, Japan time), via the driver."""
    tables = store.tables_for(form)
    zone = ZoneInfo("Asia/Tokyo")
    fields = ", ".join(
        f"r.{col[k]}" for k in ("name", "ward", "gender", "age", "income", "visit", "note")
    )
    records = sa.text(
        f"SELECT r.id, r.receipt_no, r.created_at, {fields} FROM {tables.records.name} r "
        "WHERE r.deleted_at IS NULL AND r.id > :last ORDER BY r.id LIMIT :chunk"
    )
    options = sa.text(
        f"SELECT record_id, value FROM {tables.values.name} WHERE record_id > :last "
        "AND record_id <= :upto AND field = :field ORDER BY record_id, id"
    )
    heading = ["受付番号", "受付日時", "状態", *(f["label"] for f in DOCUMENT["fields"])]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(heading)
        last = 0
        while True:
            rows = db.session.execute(records, {"last": last, "chunk": chunk}).all()
            if not rows:
                break
            chosen: dict[int, list[str]] = {}
            for record_id, value in db.session.execute(
                options, {"last": last, "upto": rows[-1][0], "field": col["topics"]}
            ):
                chosen.setdefault(record_id, []).append(value)
            for row in rows:
                created = row[2]
                if isinstance(created, str):
                    created = dt.datetime.fromisoformat(created)
                local = created.replace(tzinfo=dt.UTC).astimezone(zone)
                name, ward, gender, age, income, visit, note = row[3:]
                writer.writerow(
                    [
                        row[1],
                        local.strftime("%Y-%m-%d %H:%M:%S"),
                        "受付",
                        name or "",
                        ward or "",
                        gender or "",
                        "、".join(chosen.get(row[0], [])),
                        "" if age is None else age,
                        "" if income is None else income,
                        visit or "",
                        note or "",
                    ]
                )
            last = rows[-1][0]
    db.session.rollback()


def _pandas(path: Path, fiscal: bool):
    import pandas

    def run():
        frame = pandas.read_csv(path, encoding="utf-8-sig")
        if fiscal:
            received = pandas.to_datetime(frame["受付日時"])
            frame["年度"] = received.dt.year - (received.dt.month < 4)
            frame.pivot_table(index="年度", columns="地区", aggfunc="size", fill_value=0)
        else:
            frame.pivot_table(index="地区", columns="性別", aggfunc="size", fill_value=0)

    return run


def _line(name: str, ours: float, sql: float, spreadsheet: float) -> Result:
    return Result(
        name,
        f"{ours:.0f} ms",
        f"SQL {sql:.0f} ms; pandas {spreadsheet:.0f} ms",
        f"{ours / sql:.2f}× the SQL; {spreadsheet / ours:.0f}× faster than pandas",
    )


def run_all(app, rows: int = ROWS) -> list[Result]:
    form, col = make_form(rows)
    admin = User(username="bench-admin", password_hash=hash_password(PASSWORD), is_admin=True)
    db.session.add(admin)
    db.session.commit()
    headers = {"Authorization": f"Bearer {create_token(admin)}"}
    client = app.test_client()
    table = store.tables_for(form).records.name
    postgres = db.session.get_bind().dialect.name == "postgresql"

    def api(query: str):
        def call():
            response = client.get(f"/api/v1/forms/{form.id}/crosstab?{query}", headers=headers)
            assert response.status_code == 200, response.get_data(as_text=True)
            db.session.rollback()

        return call

    def raw(sql: str):
        def call():
            db.session.execute(sa.text(sql)).all()
            db.session.rollback()

        return call

    if postgres:
        fy = (
            "CAST(EXTRACT(year FROM CAST(timezone('Asia/Tokyo', timezone('UTC', created_at)) "
            "AS DATE) - interval '3 months') AS INTEGER)"
        )
    else:
        fy = "CAST(strftime('%Y', created_at, '+540 minutes', '-3 months') AS INTEGER)"
    choice_sql = (
        f"SELECT {col['ward']}, {col['gender']}, count(*) FROM {table} "
        f"WHERE deleted_at IS NULL GROUP BY {col['ward']}, {col['gender']}"
    )
    fy_sql = (
        f"SELECT {fy} AS fy, {col['ward']}, count(*) FROM {table} "
        f"WHERE deleted_at IS NULL GROUP BY fy, {col['ward']}"
    )
    results = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        _export_csv(form, col, path)
        size = path.stat().st_size / 1e6
        results.append(
            _line(
                f"cross-tab 地区 × 性別 (count), {rows:,} records",
                _median_ms(api("rows=ward&cols=gender")),
                _median_ms(raw(choice_sql)),
                _median_ms(_pandas(path, fiscal=False), repeat=3),
            )
        )
        results.append(
            _line(
                f"cross-tab 年度 (receipt, Japan time) × 地区 (count); CSV {size:.0f} MB",
                _median_ms(api("rows=created_at:fy&cols=ward")),
                _median_ms(raw(fy_sql)),
                _median_ms(_pandas(path, fiscal=True), repeat=3),
            )
        )
    multi = _median_ms(api("rows=topics&cols=gender"), repeat=3)
    results.append(
        Result("cross-tab 関心のある分野 (multiple choice) × 性別", f"{multi:.0f} ms", "", "")
    )
    app.config["WTF_CSRF_ENABLED"] = False
    login = client.post("/login", data={"username": admin.username, "password": PASSWORD})
    assert login.status_code == 302, login.get_data(as_text=True)

    def dashboard():
        response = client.get(f"/staff/forms/{form.id}/records/summary")
        assert response.status_code == 200, response.status_code
        db.session.rollback()

    page = _median_ms(dashboard, repeat=3)
    results.append(
        Result(
            f"summary page of the whole form ({rows:,} records, 8 items)",
            f"{page:.0f} ms",
            "target ≤ 1000 ms",
            "within" if page <= 1000 else "over",
        )
    )
    return results
