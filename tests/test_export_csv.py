"""CSV exports for Excel: encodings, formula safety, filters and streaming."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tracemalloc
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.forms.published import published_definition
from app.models import AuditEvent
from app.records import export, store
from app.records.columns import column_types
from app.records.store import Record
from app.records.submission import submit

DOCUMENT = {
    "title": "書き出し確認",
    "slug": "export-check",
    "fields": [
        {"key": "name", "type": "text", "label": "氏名"},
        {"key": "note", "type": "textarea", "label": "備考"},
        {"key": "score", "type": "number", "label": "点数"},
        {"key": "ward", "type": "radio", "label": "地区", "choices": ["一関", "花泉"]},
        {
            "key": "days",
            "type": "checkboxes",
            "label": "希望日",
            "choices": [{"value": "d1", "label": "6月30日"}, {"value": "d2", "label": "7月1日"}],
        },
    ],
}


@pytest.fixture
def form(make_form):
    return make_form(DOCUMENT)


@pytest.fixture
def add(api, form):
    """Submit a record through the API; return its receipt number."""

    def do(**values):
        response = api.post(f"/api/v1/forms/{form.id}/records", json=values)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["receipt_no"]

    return do


def _token(html: str) -> str:
    return re.search(r'name="submission_token"[^>]*value="([0-9a-f]+)"', html).group(1)


def _download(client, form, query=""):
    response = client.get(f"/staff/forms/{form.id}/records.csv{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response


def _table(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _by_receipt(rows: list[list[str]]) -> dict[str, list[str]]:
    return {row[0]: row for row in rows[1:]}


def test_utf8_with_bom_crlf_and_multiline_cells_round_trip(staff_client, form, add):
    # A citizen types several lines in the public form (browsers send CRLF).
    page = staff_client.get(f"/f/{form.slug}")
    note = '一行目\r\n二行目, "引用"\r\n三行目'
    done = staff_client.post(
        f"/f/{form.slug}",
        data={
            "f_name": "一関 太郎",
            "f_note": note,
            "f_score": "３０",
            "f_ward": "花泉",
            "f_days": ["d1", "d2"],
            "submission_token": _token(page.get_data(as_text=True)),
            "action": "submit",
        },
    )
    assert done.status_code == 303
    second = add(name="花泉 花子", score=7)

    response = _download(staff_client, form)
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.mimetype_params["charset"] == "utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    header_line, _rest = text.split("\r\n", 1)
    assert header_line.split(",")[:3] == ["受付番号", "受付日時", "状態"]
    assert header_line.split(",")[3:] == ["氏名", "備考", "点数", "地区", "希望日"]
    # Records end with CRLF; a newline outside a quoted cell is never bare.
    assert text.endswith("\r\n")
    outside_quotes = re.sub(r'"(?:[^"]|"")*"', "", text)
    assert "\n" not in outside_quotes.replace("\r\n", "")

    rows = _table(text)
    assert len(rows) == 3
    first = store.query(form, [], "id").records[0]
    row = _by_receipt(rows)[first.receipt_no]
    assert row[3] == "一関 太郎"
    assert row[4] == note  # the quoted multi-line cell comes back exactly
    assert row[5] == "30"  # full-width digits were normalised on entry
    assert row[6] == "花泉"
    assert row[7] == "6月30日、7月1日"
    assert _by_receipt(rows)[second][3:6] == ["花泉 花子", "", "7"]


def test_cp932_export_is_shift_jis_with_the_same_text(staff_client, form, add):
    add(name="髙橋 一郎", note="①ｶﾅ　全角スペース", score=12, ward="一関", days=["d2"])
    add(name="渡邉 ～ 様", score=3)
    utf8 = _download(staff_client, form).get_data().decode("utf-8-sig")
    response = _download(staff_client, form, "?encoding=cp932")
    assert response.mimetype_params["charset"] == "shift_jis"
    body = response.get_data()
    assert not body.startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")  # really Shift_JIS bytes, not UTF-8
    assert "受付番号".encode("cp932") in body
    assert body.decode("cp932") == utf8


def test_characters_cp932_cannot_hold_are_reported_not_corrupted(staff_client, form, add):
    bad = add(name="𠮷田 太郎", note="楽しみです😀")
    good = add(name="山田 花子")

    response = staff_client.get(f"/staff/forms/{form.id}/records.csv?encoding=cp932")
    assert response.status_code == 409
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "Shift_JISで表せない文字があります" in html
    problem_rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", html)
    assert sorted(problem_rows) == sorted([(bad, "氏名", "𠮷"), (bad, "備考", "😀")])
    assert good not in html
    # The page offers both ways out.
    assert "encoding=utf-8" in html and "replace=1" in html

    # UTF-8 keeps the characters exactly.
    utf8 = _table(_download(staff_client, form).get_data().decode("utf-8-sig"))
    assert _by_receipt(utf8)[bad][3:5] == ["𠮷田 太郎", "楽しみです😀"]

    # Only the explicit replace download substitutes 〓, one per character.
    replaced = _download(staff_client, form, "?encoding=cp932&replace=1").get_data()
    rows = _by_receipt(_table(replaced.decode("cp932")))
    assert rows[bad][3:5] == ["〓田 太郎", "楽しみです〓"]
    assert rows[good][3] == "山田 花子"


def test_wave_dash_is_exported_as_the_cp932_tilde(staff_client, form, add):
    receipt = add(name="9時〜17時")
    response = _download(staff_client, form, "?encoding=cp932")  # 200: not reported
    body = response.get_data()
    assert "9時".encode("cp932") + b"\x81\x60" + "17時".encode("cp932") in body
    assert "〓".encode("cp932") not in body
    assert _by_receipt(_table(body.decode("cp932")))[receipt][3] == "9時～17時"


FORMULAS = ["=1+2", "+81 3 1234", "-2+3", "@SUM(A1)", "＝1＋2", "＋α", "－マイナス", "＠住所"]


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_text_cells_that_look_like_formulas_are_neutralised(staff_client, form, add, encoding):
    receipts = {}
    for text in FORMULAS:
        receipts[text] = add(name=text, note=text, score=-5)
    safe = add(name="普通の名前", note="a=b", score=-12)

    body = _download(staff_client, form, f"?encoding={encoding}").get_data()
    rows = _by_receipt(_table(body.decode("utf-8-sig" if encoding == "utf-8" else "cp932")))
    for text, receipt in receipts.items():
        assert rows[receipt][3] == "'" + text, text
        assert rows[receipt][4] == "'" + text, text
        assert rows[receipt][5] == "-5"  # a negative number stays a number
    assert rows[safe][3:6] == ["普通の名前", "a=b", "-12"]


def test_tab_and_carriage_return_starts_are_neutralised(staff_client, form):
    # The web form and the API trim such white space; values stored by other paths
    # (imports, older versions) must still be safe in the export.
    record, _created = submit(
        form, published_definition(form), {"name": "\t=cmd", "note": "\r=cmd", "score": -1}
    )
    rows = _by_receipt(_table(_download(staff_client, form).get_data().decode("utf-8-sig")))
    assert rows[record.receipt_no][3:6] == ["'\t=cmd", "'\r=cmd", "-1"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠"])
def test_neutralise_prefixes_every_formula_start(start):
    assert export.neutralise(start + "x") == "'" + start + "x"
    assert export.neutralise("x" + start) == "x" + start
    assert export.neutralise(-5) == -5


def test_headers_that_look_like_formulas_are_neutralised(staff_client, make_form, api):
    form = make_form(
        {
            "title": "t",
            "slug": "formula-labels",
            "fields": [
                {"key": "a", "type": "text", "label": '=HYPERLINK("x")'},
                {"key": "b", "type": "number", "label": "-差額"},
            ],
        }
    )
    api.post(f"/api/v1/forms/{form.id}/records", json={"a": "x", "b": 1})
    header = _table(_download(staff_client, form).get_data().decode("utf-8-sig"))[0]
    assert header[3:] == ['\'=HYPERLINK("x")', "'-差額"]


def test_filters_apply_to_the_export(staff_client, form, add):
    young = add(name="山田 一郎", score=5, ward="一関", days=["d1"])
    old = add(name="山田 二郎", score=50, ward="花泉", days=["d2"])
    other = add(name="佐藤 三郎", score=70, ward="花泉", days=["d1", "d2"])

    def receipts(query):
        body = _download(staff_client, form, query).get_data()
        body = body.decode("cp932" if "cp932" in query else "utf-8-sig")
        return {row[0] for row in _table(body)[1:]}

    assert receipts("") == {young, old, other}
    assert receipts("?f_score.min=10") == {old, other}
    assert receipts("?f_name.contains=山田&f_score.min=10") == {old}
    assert receipts("?f_ward=一関") == {young}
    assert receipts("?f_days=d2") == {old, other}
    assert receipts("?encoding=cp932&f_score.max=60") == {young, old}


def test_bad_filter_or_encoding_is_refused(staff_client, form, add):
    add(name="a")
    url = f"/staff/forms/{form.id}/records.csv"
    assert staff_client.get(url + "?f_score.min=abc").status_code == 400
    assert staff_client.get(url + "?encoding=latin-1").status_code == 400


def test_unpublished_form_has_no_export(staff_client, make_form):
    draft = make_form(DOCUMENT, publish=False)
    assert staff_client.get(f"/staff/forms/{draft.id}/records.csv").status_code == 404


# -- streaming ---------------------------------------------------------------------------

ENTRIES = [
    {
        "key": "name",
        "column": "f_name",
        "kind": "text",
        "type": "text",
        "label": "氏名",
        "retired": False,
        "spec": {"key": "name", "type": "text", "label": "氏名"},
    },
    {
        "key": "note",
        "column": "f_note",
        "kind": "longtext",
        "type": "textarea",
        "label": "備考",
        "retired": False,
        "spec": {"key": "note", "type": "textarea", "label": "備考"},
    },
    {
        "key": "score",
        "column": "f_score",
        "kind": "integer",
        "type": "number",
        "label": "点数",
        "retired": False,
        "spec": {"key": "score", "type": "number", "label": "点数"},
    },
]


def _columns() -> export.ExportColumns:
    return export.ExportColumns(
        entries=ENTRIES,
        types=column_types(ENTRIES),
        system_headings=("受付番号", "受付日時", "状態"),
        retired_label="廃止",
        timezone="Asia/Tokyo",
    )


def _synthetic(n: int):
    created = dt.datetime(2026, 4, 1, 0, 0, 0)
    for i in range(n):
        yield Record(
            id=i,
            receipt_no=f"20260401-{i:06d}",
            status="new",
            created_at=created,
            updated_at=created,
            form_version=1,
            values={"f_name": f"一関 太郎{i}", "f_note": "=連絡事項〜あり", "f_score": -i},
        )


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_stream_memory_does_not_grow_with_the_records(encoding):
    n = 60_000
    bound = 1024 * 1024
    size = chunks = 0
    first = last = b""
    tracemalloc.start()
    try:
        for chunk in export.stream(export.rows(_columns(), _synthetic(n)), encoding):
            size += len(chunk)
            chunks += 1
            first = first or chunk
            last = chunk or last
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    decode = "utf-8" if encoding == "utf-8" else "cp932"
    assert size > 4 * bound  # holding the rows or the output would exceed the bound
    assert peak < bound, f"peak {peak} bytes for {size} bytes of CSV"
    assert chunks > n // export.ROWS_PER_CHUNK
    tilde = "〜" if encoding == "utf-8" else "～"  # cp932 holds the wave dash as its tilde
    assert f"'=連絡事項{tilde}あり" in last.decode(decode)
    assert f"20260401-{n - 1:06d}" in last.decode(decode)
    assert last.decode(decode).endswith(f",-{n - 1}\r\n")


def test_rows_is_lazy():
    consumed = []

    def records():
        for record in _synthetic(10):
            consumed.append(record.id)
            yield record

    produced = export.rows(_columns(), records())
    assert next(produced)[:3] == ["受付番号", "受付日時", "状態"]
    assert consumed == []
    assert next(produced)[0] == "20260401-000000"
    assert consumed == [0]


def test_iterate_fetches_in_chunks(form):
    tables = store.tables_for(form)
    now = dt.datetime(2026, 4, 1)
    db.session.execute(
        tables.records.insert(),
        [
            {
                "receipt_no": f"R{i:05d}",
                "created_at": now,
                "updated_at": now,
                "form_version": 1,
                "f_name": f"name {i}",
                "f_score": i,
            }
            for i in range(2500)
        ],
    )
    db.session.commit()

    statements = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        ids = [record.id for record in store.iterate(form, [], chunk=1000)]
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    assert len(ids) == 2500
    assert ids == sorted(ids) and len(set(ids)) == 2500
    main_table = re.compile(rf"\bFROM rec_{form.id}\b(?!_values)")
    record_selects = [
        s for s in statements if s.lstrip().upper().startswith("SELECT") and main_table.search(s)
    ]
    assert 3 <= len(record_selects) <= 4, record_selects
    assert all("LIMIT" in s.upper() for s in record_selects)


def test_iterate_applies_conditions(form, add):
    add(name="a", score=1)
    keep = add(name="b", score=20)
    tables = store.tables_for(form)
    got = [r.receipt_no for r in store.iterate(form, [tables.records.c.f_score >= 10], chunk=1)]
    assert got == [keep]


# -- the lean export path ------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "Europe/Berlin", "America/New_York", "UTC"])
def test_local_times_match_a_full_conversion(zone):
    """The offset cached per UTC day gives the same text as converting every value,
    across daylight-saving changes too."""
    times = export.LocalTimes(ZoneInfo(zone))
    start = dt.datetime(2025, 3, 1)
    for minutes in range(0, 60 * 24 * 400, 47):  # every 47 minutes for 400 days
        value = start + dt.timedelta(minutes=minutes, seconds=minutes % 60)
        expected = (
            value.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S")
        )
        assert times.text(value) == expected, value


def test_status_is_translated_once_per_status():
    calls = []

    def label(status):
        calls.append(status)
        return {"new": "新規", "odd": "=奇妙"}.get(status, status)

    texts = export.StatusTexts(label)
    assert [texts[s] for s in ["new", "new", "odd", "new", "odd"]] == ["新規"] * 2 + [
        "'=奇妙",
        "新規",
        "'=奇妙",
    ]
    assert calls == ["new", "odd"]


def test_export_rows_give_the_same_cells_as_records(staff_client, form, add):
    add(name="一関 太郎", note="=式", score=-3, ward="花泉", days=["d2", "d1"])
    add(name="花泉 花子", days=["d1"])
    add(name="空")
    tables = store.tables_for(form)
    columns = _columns_for(form)
    for conditions in ([], [tables.records.c.f_score < 0]):
        by_records = list(export.rows(columns, store.iterate(form, conditions)))
        lean = list(export.table(columns, store.export_rows(form, conditions, columns.columns)))
        assert lean == by_records
        assert len(lean) == (4 if not conditions else 2)


def test_export_rows_read_chosen_values_in_one_query(form, add):
    """Multiple-choice values come from one streamed query per field, merged in id order,
    with the records' filter applied to it too."""
    receipts = [add(name=f"人 {n}", days=["d1", "d2"] if n % 2 else ["d2"]) for n in range(7)]
    tables = store.tables_for(form)
    statements = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        rows = list(store.export_rows(form, [], ["f_name", "f_days"], chunk=3))
        # every other record: the ids of a chunk are far apart
        sparse = list(
            store.export_rows(form, [tables.records.c.id % 3 == 0], ["f_days", "f_name"], chunk=2)
        )
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    assert [row[1] for row in rows] == receipts
    assert [list(row[6]) for row in rows] == [["d2"], ["d1", "d2"]] * 3 + [["d2"]]
    assert [(row[0] % 3, row[6]) for row in sparse] == [(0, "人 2"), (0, "人 5")]
    value_reads = [s for s in statements if f"FROM rec_{form.id}_values" in s]
    assert len(value_reads) == 2  # one per export
    assert "%" in value_reads[1]  # the filter narrows the values read


def _columns_for(form) -> export.ExportColumns:
    entries = form.storage
    return export.ExportColumns(
        entries, column_types(entries), ("受付番号", "受付日時", "状態"), "廃止", "Asia/Tokyo"
    )


def test_a_cut_off_download_is_detectable_in_the_audit_log(
    staff_client, form, add, monkeypatch
):
    """The audit log notes the rows to expect when an export begins, and the rows written
    when it ends: a download stopped halfway says complete: false, and one whose process
    was killed has no ending entry at all."""

    def exports():
        db.session.rollback()
        return db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action.like("record.export%"))
            .order_by(AuditEvent.id)
        ).all()

    for n in range(5):
        add(name=f"人 {n}")
    monkeypatch.setattr(export, "ROWS_PER_CHUNK", 2)
    response = staff_client.get(f"/staff/forms/{form.id}/records.csv")
    chunks = response.iter_encoded()
    next(chunks)  # the BOM
    started = exports()
    assert [e.action for e in started] == ["record.export.start"]  # no end yet
    assert started[0].detail["expected"] == 5
    next(chunks)  # the header and the first rows; then the reader goes away
    response.close()
    entries = exports()
    assert [e.action for e in entries] == ["record.export.start", "record.export"]
    assert entries[1].detail["expected"] == 5
    assert entries[1].detail["rows"] < 5 and entries[1].detail["complete"] is False
