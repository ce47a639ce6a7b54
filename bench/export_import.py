"""Export and import at scale: the app's CSV and .xlsx downloads against a raw export, and
an import of many rows. Time and memory are measured in separate runs (``tracemalloc``
slows Python down several times)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from flask import current_app
from flask_babel import gettext

from app import rights
from app.extensions import db
from app.models import User
from app.passwords import hash_password
from app.records import importing, store
from app.records.access import RecordAccess
from app.records.export import ROWS_PER_CHUNK
from app.records.workflow import label_map
from bench.result import Result

PASSWORD = "bench export password"
TOKYO = dt.timedelta(hours=9)
#: timed runs of each export (the best counts: the machine may be busy with other work)
RUNS = int(os.environ.get("ATSUME_BENCH_RUNS", 3))


def _client(app):
    """A test client logged in as an administrator."""
    user = db.session.scalar(db.select(User).where(User.username == "bench-admin"))
    if user is None:
        user = User(
            username="bench-admin",
            display_name="bench",
            password_hash=hash_password(PASSWORD),
            is_admin=True,
        )
        db.session.add(user)
        db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    response = client.post("/login", data={"username": "bench-admin", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def _download(client, url: str, target: Path) -> None:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    with target.open("wb") as out:
        for chunk in response.iter_encoded():
            out.write(chunk)
    response.close()


def raw_csv(form, target: Path) -> None:
    """The same file through the database driver and Python's csv writer alone."""
    col = {e["key"]: e["column"] for e in form.storage}
    tables = store.tables_for(form)
    kind_labels = {f"k{i}": f"区分{i}" for i in range(5)}
    day_labels = {f"d{i}": f"d{i}" for i in range(8)}
    with current_app.test_request_context():  # the workflow's labels, as the download shows them
        status_labels = label_map(form, gettext)
    connection = db.engine.raw_connection()
    postgres = db.engine.dialect.name == "postgresql"
    try:
        rows = connection.cursor(name="raw_rows") if postgres else connection.cursor()
        chosen = connection.cursor(name="raw_values") if postgres else connection.cursor()
        if postgres:  # server-side cursors: fetch in batches, not a round trip per row
            rows.itersize = chosen.itersize = 5000
        plain = ", ".join(col[k] for k in ("name", "ward", "age", "note", "visit", "kind", "fee"))
        rows.execute(
            f"SELECT id, receipt_no, created_at, status, {plain} FROM {tables.records.name} "
            "WHERE deleted_at IS NULL ORDER BY id"
        )
        chosen.execute(
            f"SELECT record_id, value FROM {tables.values.name} "
            f"WHERE field = '{col['days']}' ORDER BY record_id, id"
        )
        values = iter(chosen)
        pending = next(values, None)
        with target.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(
                ["受付番号", "受付日時", "状態", "氏名", "地区", "年齢", "希望日", "備考"]
                + ["来庁日", "区分", "手数料"]
            )
            for rid, receipt, created, status, name, ward, age, note, visit, kind, fee in rows:
                days = []
                while pending is not None and pending[0] == rid:
                    days.append(day_labels[pending[1]])
                    pending = next(values, None)
                if not postgres:
                    created = dt.datetime.fromisoformat(created)
                else:
                    visit = visit.isoformat()
                writer.writerow(
                    [
                        receipt,
                        (created + TOKYO).isoformat(" ", "seconds"),
                        status_labels.get(status, status),
                        name,
                        ward,
                        age,
                        "、".join(days),
                        note,
                        visit,
                        kind_labels.get(kind, ""),
                        fee,
                    ]
                )
    finally:
        connection.rollback()
        connection.close()


def _seconds(action: Callable[[], None]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _peak_mb(action: Callable[[], None]) -> float:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def csv_export(app, form) -> list[Result]:
    """The staff CSV download against the raw export: time, the same bytes, memory."""
    client = _client(app)
    url = f"/staff/forms/{form.id}/records.csv"
    with tempfile.TemporaryDirectory() as tmp:
        ours, raw = Path(tmp) / "ours.csv", Path(tmp) / "raw.csv"
        timings: dict[str, list[float]] = {"ours": [], "raw": []}
        for _run in range(RUNS):  # alternated, so that a busy moment hits both
            timings["ours"].append(_seconds(lambda: _download(client, url, ours)))
            timings["raw"].append(_seconds(lambda: raw_csv(form, raw)))
        ours_s, raw_s = min(timings["ours"]), min(timings["raw"])
        same = _digest(ours) == _digest(raw)
        size = ours.stat().st_size
        ours_mb = _peak_mb(lambda: _download(client, url, ours))
        raw_mb = _peak_mb(lambda: raw_csv(form, raw))
    return [
        Result(
            f"CSV export of every record ({size / 1e6:.0f} MB), best of {RUNS} runs "
            f"({'byte-identical files' if same else 'FILES DIFFER'})",
            f"{ours_s:.1f} s",
            f"{raw_s:.1f} s (driver + csv writer)",
            f"{ours_s / raw_s:.2f}× the raw time",
        ),
        Result(
            "CSV export of every record, peak Python memory (separate run)",
            f"{ours_mb:.1f} MB",
            f"{raw_mb:.1f} MB (driver + csv writer)",
            f"chunks of {ROWS_PER_CHUNK} rows",
        ),
    ]


def xlsx_export(app, form) -> Result:
    """The .xlsx download of one 地区 (a twentieth of the records): time, and peak memory
    in a separate run."""
    client = _client(app)
    url = f"/staff/forms/{form.id}/records.xlsx?f_ward=地区3"
    col = {e["key"]: e["column"] for e in form.storage}
    url = url.replace("f_ward", col["ward"])
    with app.test_request_context():
        user = db.session.scalar(db.select(User).where(User.username == "bench-admin"))
        access = RecordAccess(user, form, rights.EXPORT)
        tables = store.tables_for(form)
        rows = access.count([tables.records.c[col["ward"]] == "地区3"])
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "ours.xlsx"
        seconds = _seconds(lambda: _download(client, url, target))
        size = target.stat().st_size
        peak = _peak_mb(lambda: _download(client, url, target))
    return Result(
        f".xlsx export of {rows:,} records ({size / 1e6:.0f} MB): peak Python memory, time",
        f"{peak:.1f} MB, {seconds:.1f} s",
        "",
        "constant memory (rows flushed to disk)",
    )


def import_csv(app, form, rows: int) -> Result:
    """Import of *rows* new records from a CSV file (validation included), and the dry
    run alone."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(["氏名", "地区", "年齢", "希望日", "備考", "来庁日", "区分", "手数料"])
    for i in range(rows):
        writer.writerow(
            [
                f"取込 {i}",
                f"地区{i % 20}",
                str(20 + i % 60),
                "d1、d3" if i % 2 else "d2",
                "一括登録",
                f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
                f"区分{i % 5}",
                str(i % 50 * 100),
            ]
        )
    data = text.getvalue().encode("utf-8-sig")
    with app.test_request_context():
        user = db.session.scalar(db.select(User).where(User.username == "bench-admin"))
        access = RecordAccess(user, form, rights.IMPORT)
        upload = importing.read_upload(data, "bench.csv")
        mapping = importing.auto_mapping(importing.importable(access, user), upload)
        before = access.count()
        checked_s = _seconds(lambda: importing.check(access, user, upload, mapping))
        outcome = []
        committed_s = _seconds(
            lambda: outcome.append(importing.commit(access, user, upload, mapping))
        )
        assert isinstance(outcome[0], importing.Outcome), outcome[0].problems[:5]
        assert access.count() == before + rows
    return Result(
        f"import of {rows:,} new records from CSV (validation included): dry run; import",
        f"{checked_s:.1f} s; {committed_s:.1f} s",
        "≤ 30 s (issue 9)",
        f"{rows / committed_s:,.0f} records/s",
    )


def run(app, form, import_rows: int | None = None) -> list[Result]:
    """Every export and import scenario on the bench form."""
    results = csv_export(app, form)
    results.append(xlsx_export(app, form))
    count = import_rows or int(os.environ.get("ATSUME_BENCH_IMPORT_ROWS", 100_000))
    results.append(import_csv(app, form, count))
    return results
