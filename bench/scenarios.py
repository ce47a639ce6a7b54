"""The measured scenarios. Each returns Atsume's figure and a baseline measured in the same run."""

from __future__ import annotations

import statistics
import time

import sqlalchemy as sa

from app.extensions import db
from app.records import store
from app.records import tables as record_tables
from app.records.columns import column_types
from bench import export_import
from bench.fixture import analyze, make_form
from bench.result import Result


def _median_ms(action, repeat: int = 5) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def _ms(ours: float, baseline: float, name: str) -> Result:
    ratio = (
        f"{baseline / ours:.1f}× faster" if baseline >= ours else f"{ours / baseline:.1f}× slower"
    )
    return Result(name, f"{ours:.1f} ms", f"{baseline:.1f} ms", ratio)


def filter_page(form, columns) -> Result:
    """List view: count + first page of records in one 地区 (indexed column vs no index)."""
    tables = store.tables_for(form)
    column = tables.records.c[columns["ward"]]

    def run():
        store.query(form, [column == "地区3"], "id", True, 50, 0)
        db.session.rollback()

    ours = _median_ms(run)
    index = f"ix_rec_{form.id}_{columns['ward']}"
    db.session.execute(sa.text(f"DROP INDEX {index}"))
    db.session.commit()
    baseline = _median_ms(run)
    record_tables.field_index(tables, form.id, columns["ward"]).create(db.session.connection())
    db.session.commit()
    return _ms(ours, baseline, "list page + count, filter by choice (index vs none)")


def _json_copy(form, columns) -> str:
    """The alternative design: multiple choices as JSON text in the record row."""
    tables = store.tables_for(form)
    name = f"bench_json_{form.id}"
    connection = db.session.connection()
    connection.execute(sa.text(f"CREATE TABLE {name} (id BIGINT PRIMARY KEY, days TEXT)"))
    rows = connection.execute(
        sa.select(tables.values.c.record_id, tables.values.c.value)
        .where(tables.values.c.field == columns["days"])
        .order_by(tables.values.c.record_id)
    ).all()
    grouped: dict[int, list[str]] = {}
    for record_id, value in rows:
        grouped.setdefault(record_id, []).append(value)
    payload = [{"id": k, "days": '["' + '","'.join(v) + '"]'} for k, v in grouped.items()]
    for start in range(0, len(payload), 5000):
        connection.execute(
            sa.text(f"INSERT INTO {name} (id, days) VALUES (:id, :days)"),
            payload[start : start + 5000],
        )
    db.session.commit()
    analyze(name)
    return name


def multi_choice(form, columns) -> list[Result]:
    """Multiple choice: value table with index vs JSON text in the row (LIKE)."""
    tables = store.tables_for(form)
    values = tables.values
    json_table = _json_copy(form, columns)

    def count_ours():
        db.session.execute(
            sa.select(values.c.value, sa.func.count())
            .where(values.c.field == columns["days"])
            .group_by(values.c.value)
        ).all()

    def count_json():
        for day in range(8):
            db.session.execute(
                sa.text(f"SELECT count(*) FROM {json_table} WHERE days LIKE :p"),
                {"p": f'%"d{day}"%'},
            ).all()

    types = column_types(form.storage)
    entry = next(e for e in form.storage if e["key"] == "days")

    def having(choice: str):
        condition = types[entry["column"]].filter_clause(
            store.filter_target(tables, entry), "eq", choice
        )

        def ours():
            store.query(form, [condition], "id", True, 50, 0)
            db.session.rollback()

        def baseline():
            pattern = {"p": f'%"{choice}"%'}
            db.session.execute(
                sa.text(f"SELECT count(*) FROM {json_table} WHERE days LIKE :p"), pattern
            ).all()
            db.session.execute(
                sa.text(
                    f"SELECT r.* FROM rec_{form.id} r JOIN {json_table} j ON j.id = r.id "
                    "WHERE j.days LIKE :p ORDER BY r.id DESC LIMIT 50"
                ),
                pattern,
            ).all()
            db.session.rollback()

        return _median_ms(ours), _median_ms(baseline)

    results = [
        _ms(
            _median_ms(count_ours),
            _median_ms(count_json),
            "count per choice of a multiple-choice field (value table vs JSON text)",
        ),
        _ms(
            *having("d3"),
            "list page + count, records having a common choice (~40%) (value table vs JSON text)",
        ),
        _ms(
            *having("d7"),
            "list page + count, records having a rare choice (~1%) (value table vs JSON text)",
        ),
    ]
    db.session.execute(sa.text(f"DROP TABLE {json_table}"))
    db.session.commit()
    return results


def public_submit(app, form, count: int = 300) -> Result:
    """Public form submissions (validation, idempotency, receipt) vs a bare INSERT."""
    client = app.test_client()
    keys = {e["key"]: e["column"] for e in form.storage}
    tables = store.tables_for(form)

    def submit_all():
        for i in range(count):
            client.post(
                f"/f/{form.slug}",
                data={
                    "f_name": f"申込 {i}",
                    "f_ward": "地区1",
                    "f_age": "３０",
                    "f_days": ["d1", "d2"],
                    "submission_token": f"bench{i:08d}{time.time_ns()}",
                    "action": "submit",
                },
            )

    def insert_all():
        for i in range(count):
            db.session.execute(
                tables.records.insert().values(
                    **{keys["name"]: f"raw {i}", keys["ward"]: "地区1", keys["age"]: 30},
                    status="new",
                    created_at=sa.func.now(),
                    updated_at=sa.func.now(),
                    form_version=1,
                )
            )
            db.session.commit()

    ours = _median_ms(submit_all, repeat=1) / count
    baseline = _median_ms(insert_all, repeat=1) / count
    return Result(
        f"one public form submission ({count} in a row)",
        f"{ours:.2f} ms",
        f"{baseline:.2f} ms (bare INSERT)",
        f"{ours / baseline:.1f}× the bare cost",
    )


def run_all(app, rows: int) -> list[Result]:
    form = make_form(rows)
    columns = {e["key"]: e["column"] for e in form.storage}
    app.config["WTF_CSRF_ENABLED"] = False
    results = [filter_page(form, columns)]
    results += multi_choice(form, columns)
    results.append(public_submit(app, form))
    results += export_import.run(app, form)
    return results
