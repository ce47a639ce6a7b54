"""The .xlsx export read back with openpyxl: typed cells, dates, formula safety, the frozen
header with its filter, filters and columns, hidden fields, and the audit entry."""

from __future__ import annotations

import datetime as dt
import io
import tracemalloc

import openpyxl
import pytest
import sqlalchemy as sa

from app import rights
from app.extensions import db
from app.models import AuditEvent, Grant
from app.records import export, sheet
from app.records.columns import column_types
from tests.conftest import log_in

DOCUMENT = {
    "title": "表計算確認",
    "slug": "xlsx-check",
    "fields": [
        {"key": "name", "type": "text", "label": "氏名"},
        {"key": "score", "type": "number", "label": "点数"},
        {"key": "amount", "type": "number", "label": "金額", "decimals": 2},
        {"key": "birthday", "type": "date", "label": "生年月日"},
        {"key": "ward", "type": "radio", "label": "地区", "choices": ["一関", "花泉"]},
        {
            "key": "days",
            "type": "checkboxes",
            "label": "希望日",
            "choices": [{"value": "d1", "label": "6月30日"}, {"value": "d2", "label": "7月1日"}],
        },
        {"key": "ok", "type": "consent", "label": "同意"},
    ],
}
HEADER = [
    "受付番号",
    "受付日時",
    "状態",
    "氏名",
    "点数",
    "金額",
    "生年月日",
    "地区",
    "希望日",
    "同意",
]


@pytest.fixture
def form(make_form):
    return make_form(DOCUMENT)


@pytest.fixture
def add(api, form):
    def do(**values):
        response = api.post(f"/api/v1/forms/{form.id}/records", json=values)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return do


def _sheet(client, form, query=""):
    response = client.get(f"/staff/forms/{form.id}/records.xlsx{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert ".xlsx" in response.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    return workbook.worksheets[0]


def _rows(worksheet):
    return [list(row) for row in worksheet.iter_rows(values_only=True)]


def test_cells_are_typed(staff_client, form, add):
    made = add(
        name="一関 太郎",
        score=-5,
        amount="1234.50",
        birthday="2001-04-01",
        ward="花泉",
        days=["d1", "d2"],
        ok=True,
    )
    add(name="花泉 花子")
    worksheet = _sheet(staff_client, form)
    rows = _rows(worksheet)
    assert rows[0] == HEADER
    assert worksheet.freeze_panes == "A2"
    assert worksheet.auto_filter.ref == "A1:J3"
    first = next(row for row in rows[1:] if row[0] == made["receipt_no"])
    assert first[3] == "一関 太郎"
    assert first[4] == -5 and isinstance(first[4], int)
    assert first[5] == pytest.approx(1234.5)
    assert first[6] == dt.datetime(2001, 4, 1)
    assert first[7] == "花泉"
    assert first[8] == "6月30日、7月1日"
    assert first[9] == "同意する"
    received = dt.datetime.fromisoformat(made["created_at"].replace("Z", "+00:00"))
    local = received.astimezone(dt.timezone(dt.timedelta(hours=9))).replace(tzinfo=None)
    assert abs(first[1] - local) < dt.timedelta(seconds=1)  # a date and time in Japan
    cells = {cell.column_letter: cell for cell in worksheet[rows.index(first) + 1]}
    assert cells["E"].data_type == "n" and cells["F"].data_type == "n"
    assert cells["G"].is_date and cells["G"].number_format == sheet.DATE_FORMAT
    assert cells["B"].is_date and cells["B"].number_format == sheet.DATETIME_FORMAT
    assert cells["D"].data_type == "s"
    other = next(row for row in rows[1:] if row[0] != made["receipt_no"])
    assert other[3] == "花泉 花子" and other[4:9] == [None] * 5


@pytest.mark.parametrize("text", ["=1+2", "+81 3 1234", "-2+3", "@SUM(A1)", '=HYPERLINK("x")'])
def test_text_that_looks_like_a_formula_stays_text(staff_client, form, add, text):
    add(name=text)
    worksheet = _sheet(staff_client, form)
    cell = worksheet["D2"]
    assert cell.data_type == "s"  # never "f"
    assert cell.value == text  # shown exactly as typed: no apostrophe needed in a sheet


def test_filters_and_columns_apply(staff_client, form, add):
    add(name="山田 一郎", score=5, ward="一関")
    keep = add(name="山田 二郎", score=50, ward="花泉")
    worksheet = _sheet(staff_client, form, "?f_score.min=10&columns=ward,f_name")
    rows = _rows(worksheet)
    assert rows == [["受付番号", "受付日時", "状態", "地区", "氏名"], rows[1]]
    assert rows[1][0] == keep["receipt_no"] and rows[1][3:] == ["花泉", "山田 二郎"]


def test_hidden_field_is_absent(app, form, add, make_user, other_department):
    add(name="秘密 花子", score=7)
    user = make_user("limited", dept=other_department)
    db.session.add(
        Grant(
            form_id=form.id,
            user_id=user.id,
            rights=[rights.VIEW_RECORDS, rights.EXPORT],
            fields={"name": rights.HIDDEN},
        )
    )
    db.session.commit()
    client = app.test_client()
    log_in(client, user)
    rows = _rows(_sheet(client, form))
    assert "氏名" not in rows[0]
    assert all("秘密" not in str(cell) for row in rows for cell in row)
    assert rows[1][3] == 7
    assert client.get(f"/staff/forms/{form.id}/records.xlsx?columns=name").status_code == 403


def test_audit_counts_the_rows(staff_client, form, add):
    for n in range(3):
        add(name=f"人 {n}")
    _sheet(staff_client, form, "?f_name.contains=人")
    entry = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "record.export")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert entry.detail["format"] == "xlsx"
    assert entry.detail["rows"] == 3 and entry.detail["complete"] is True
    assert entry.detail["expected"] == 3
    start = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "record.export.start")
    ).one()
    assert start.detail["expected"] == 3 and start.id < entry.id


def test_too_many_rows_for_a_sheet_is_refused(staff_client, form, add, monkeypatch):
    for n in range(3):
        add(name=f"人 {n}")
    monkeypatch.setattr(sheet, "MAX_ROWS", 2)
    response = staff_client.get(f"/staff/forms/{form.id}/records.xlsx")
    assert response.status_code == 413
    assert "CSV" in response.get_data(as_text=True)


def test_sheet_memory_stays_flat():
    """Rows are flushed to the file as they are written (constant memory)."""
    entries = [
        {
            "key": "name",
            "column": "f_name",
            "kind": "text",
            "type": "text",
            "label": "氏名",
            "retired": False,
            "spec": {"key": "name", "type": "text", "label": "氏名"},
        }
    ]
    columns = export.ExportColumns(
        entries, column_types(entries), ("受付番号", "受付日時", "状態"), "廃止", "Asia/Tokyo"
    )
    created = dt.datetime(2026, 4, 1)

    def rows(n):
        for i in range(n):
            yield (i, f"R{i:06d}", "new", created, None, f"一関 太郎 {i} " + "あ" * 40)

    def peak(n):
        tracemalloc.start()
        try:
            sheet.write(columns, rows(n), io.BytesIO())
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(2_000), peak(20_000)
    # the output (compressed, in a BytesIO here) grows; the rows held in memory do not
    assert large < small * 3, (small, large)
    assert large < 8 * 1024 * 1024


@pytest.mark.parametrize("overrides", [{"ATSUME_XLSX_MAX_ROWS": 2}])
def test_more_records_than_the_setting_allows_is_refused(staff_client, form, add):
    for n in range(3):
        add(name=f"人 {n}")
    response = staff_client.get(f"/staff/forms/{form.id}/records.xlsx")
    assert response.status_code == 413
    assert "CSV" in response.get_data(as_text=True)
    assert staff_client.get(f"/staff/forms/{form.id}/records.xlsx?f_name=人 1").status_code == 200
    page = staff_client.get(f"/staff/forms/{form.id}/records").get_data(as_text=True)
    assert "records.xlsx" not in page and "2件まで" in page


def test_api_gives_the_same_workbook(api, form, add):
    add(name="一関 太郎", score=3)
    response = api.get(f"/api/v1/forms/{form.id}/records/export?format=xlsx&score.min=1")
    assert response.status_code == 200
    rows = _rows(openpyxl.load_workbook(io.BytesIO(response.get_data())).worksheets[0])
    assert rows[0] == HEADER and rows[1][3:5] == ["一関 太郎", 3]
    assert api.get(f"/api/v1/forms/{form.id}/records/export?format=ods").status_code == 400
