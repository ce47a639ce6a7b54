"""Importing records from CSV and .xlsx: mapping, dry run, all-or-nothing commit, updates by
receipt number with history, encodings, duplicates, limits and rights."""

from __future__ import annotations

import datetime as dt
import io
import re
from urllib.parse import parse_qs, urlparse

import openpyxl
import pytest
import sqlalchemy as sa

from app import rights
from app.extensions import db
from app.models import AuditEvent, Grant, RecordRevision
from app.records import history, importing, store
from app.records.tables import IMPORT
from tests.conftest import log_in

DOCUMENT = {
    "title": "取込確認",
    "slug": "import-check",
    "settings": {"receipt_format": "IMP-{seq:05d}"},
    "fields": [
        {"key": "name", "type": "text", "label": "氏名", "required": True},
        {"key": "age", "type": "number", "label": "年齢", "min": 0, "max": 120},
        {"key": "ward", "type": "radio", "label": "地区", "choices": ["一関", "花泉"]},
        {
            "key": "days",
            "type": "checkboxes",
            "label": "希望日",
            "choices": [{"value": "d1", "label": "6月30日"}, {"value": "d2", "label": "7月1日"}],
        },
        {"key": "visit", "type": "date", "label": "来庁日"},
    ],
}


@pytest.fixture
def form(make_form):
    return make_form(DOCUMENT)


def _csv(lines: list[str], encoding: str = "utf-8-sig") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _upload(client, form, data: bytes, name: str = "data.csv"):
    return client.post(
        f"/staff/forms/{form.id}/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _token(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return parse_qs(urlparse(response.headers["Location"]).query)["file"][0]


def _mapping(html: str) -> dict[str, str]:
    """The selected option of each map-N select on the mapping page."""
    chosen = {}
    for name, body in re.findall(r'<select id="(map-\d+)"[^>]*>(.*?)</select>', html, re.S):
        found = re.search(r'<option value="([^"]*)" selected>', body)
        chosen[name] = found.group(1) if found else ""
    return chosen


def _check(client, form, token, mapping):
    return client.post(f"/staff/forms/{form.id}/import/check", data={"file": token, **mapping})


def _commit(client, form, token, mapping):
    return client.post(f"/staff/forms/{form.id}/import/commit", data={"file": token, **mapping})


def _problems(html: str) -> list[tuple[str, str, str]]:
    table = html.split('class="table import-problems"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", table)


def _records(form):
    return sorted(store.iterate(form, []), key=lambda r: r.id)


def _flow(client, form, data, name="data.csv", mapping=None):
    token = _token(_upload(client, form, data, name))
    page = client.get(f"/staff/forms/{form.id}/import?file={token}")
    assert page.status_code == 200
    chosen = _mapping(page.get_data(as_text=True))
    chosen.update(mapping or {})
    return token, chosen


def test_new_records_are_added_with_source_receipt_and_history(staff_client, form):
    data = _csv(
        [
            "氏名,年齢,地区,希望日,来庁日",
            "一関 太郎,３０,一関,6月30日、7月1日,2026/4/1",
            "花泉 花子,41,花泉,d2,2026年5月3日",
        ]
    )
    token, mapping = _flow(staff_client, form, data, "申込一覧.csv")
    assert mapping == {
        "map-0": "name",
        "map-1": "age",
        "map-2": "ward",
        "map-3": "days",
        "map-4": "visit",
    }
    checked = _check(staff_client, form, token, mapping)
    assert checked.status_code == 200
    assert "2件を追加し、0件を更新します" in checked.get_data(as_text=True)
    assert _records(form) == []  # the dry run wrote nothing

    done = _commit(staff_client, form, token, mapping)
    assert done.status_code == 303
    records = _records(form)
    assert [r.values["f_name"] for r in records] == ["一関 太郎", "花泉 花子"]
    first = records[0]
    assert first.values["f_age"] == 30  # full-width digits normalised as on the form
    assert first.values["f_days"] == ["d1", "d2"]
    assert str(first.values["f_visit"]) == "2026-04-01"
    assert first.source == IMPORT
    assert first.receipt_no == f"IMP-{first.id:05d}"
    assert records[1].values["f_ward"] == "花泉" and records[1].values["f_days"] == ["d2"]
    entries = history.entries(form, first.id)
    assert [(e.kind, e.note) for e in entries] == [(history.IMPORTED, "申込一覧.csv")]
    audit = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "record.import")
    ).all()
    assert audit[-1].detail["added"] == 2 and audit[-1].detail["file"] == "申込一覧.csv"


def test_dry_run_lists_every_rows_problems_and_writes_nothing(staff_client, form, api):
    existing = api.post(f"/api/v1/forms/{form.id}/records", json={"name": "既存"}).get_json()
    data = _csv(
        [
            "受付番号,氏名,年齢,地区,希望日,電話",
            ",正しい 人,20,一関,,",
            ",,abc,横浜,d9,",
            ",正しい 人,20,一関,,",
            f"{existing['receipt_no']},更新 一,30,,,",
            f"{existing['receipt_no']},更新 二,31,,,",
            "IMP-99999,誰か,5,,,",
            ",年齢 超過,200,花泉,,",
        ]
    )
    token, mapping = _flow(staff_client, form, data)
    assert mapping["map-0"] == importing.RECEIPT
    assert mapping["map-5"] == ""  # 電話 names no item
    response = _check(staff_client, form, token, mapping)
    assert response.status_code == 422
    problems = _problems(response.get_data(as_text=True))
    rows = {}
    for row, column, message in problems:
        rows.setdefault(int(row), []).append((column, message))
    assert [c for c, _m in rows[1]] == ["電話"]  # unknown column
    assert {c for c, _m in rows[3]} == {"氏名", "年齢", "地区", "希望日"}  # required, type, choice
    assert any("2行目" in m for _c, m in rows[4])  # duplicate row
    assert 5 not in rows  # a valid update
    assert any(existing["receipt_no"] in m for _c, m in rows[6])  # duplicate receipt number
    assert any("IMP-99999" in m for _c, m in rows[7])  # no such record
    assert [c for c, _m in rows[8]] == ["年齢"]  # out of the form's range
    assert 2 not in rows
    # nothing was written, and commit refuses the same file
    refused = _commit(staff_client, form, token, mapping)
    assert refused.status_code == 422
    assert [r.values["f_name"] for r in _records(form)] == ["既存"]


def test_one_bad_row_rolls_back_everything(staff_client, form, monkeypatch):
    data = _csv(["氏名,年齢", "一人目,1", "二人目,2", "三人目,3"])
    token, mapping = _flow(staff_client, form, data)

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    # a failure after the inserts (while writing the history) leaves no record behind
    monkeypatch.setattr(history, "note_many", fail)
    with pytest.raises(RuntimeError):
        _commit(staff_client, form, token, mapping)
    db.session.rollback()
    assert _records(form) == []
    monkeypatch.undo()
    assert _commit(staff_client, form, token, mapping).status_code == 303
    assert len(_records(form)) == 3


def test_update_by_receipt_number_notes_the_changes(staff_client, form, api):
    made = api.post(
        f"/api/v1/forms/{form.id}/records",
        json={"name": "山田 太郎", "age": 30, "ward": "一関", "days": ["d1"]},
    ).get_json()
    other = api.post(f"/api/v1/forms/{form.id}/records", json={"name": "そのまま"}).get_json()
    data = _csv(
        [
            "受付番号,氏名,年齢,地区,希望日",
            f"{made['receipt_no']},山田 太郎,31,,6月30日、7月1日",
            f"{other['receipt_no']},そのまま,,,",
        ]
    )
    token, mapping = _flow(staff_client, form, data, "更新.csv")
    assert _commit(staff_client, form, token, mapping).status_code == 303
    record = store.get(form, made["id"])
    assert record.values["f_age"] == 31
    assert record.values["f_ward"] == "一関"  # an empty cell leaves the value
    assert record.values["f_days"] == ["d1", "d2"]
    assert record.source != IMPORT  # updated, not added
    entries = history.entries(form, made["id"])
    assert entries[-1].kind == history.IMPORTED and entries[-1].note == "更新.csv"
    assert entries[-1].changes == {"f_age": [30, 31], "f_days": [["d1"], ["d1", "d2"]]}
    # a row that changes nothing writes no history
    assert history.entries(form, other["id"]) == []
    assert len(_records(form)) == 2


def test_remapped_column_and_left_out_column(staff_client, form):
    data = _csv(["お名前,メモ", "佐藤 一郎,何か"])
    token, mapping = _flow(staff_client, form, data)
    assert mapping == {"map-0": "", "map-1": ""}
    problems = _problems(_check(staff_client, form, token, mapping).get_data(as_text=True))
    assert {c for _r, c, _m in problems} == {"お名前", "メモ", "氏名"}  # 氏名 is required
    mapping = {"map-0": "name", "map-1": importing.IGNORE}
    assert _check(staff_client, form, token, mapping).status_code == 200
    assert _commit(staff_client, form, token, mapping).status_code == 303
    assert [r.values["f_name"] for r in _records(form)] == ["佐藤 一郎"]


@pytest.mark.parametrize("encoding", ["cp932", "utf-8", "utf-8-sig"])
def test_encodings(staff_client, form, encoding):
    data = _csv(["氏名,地区", "髙橋 ～ 様,花泉"], encoding)
    token, mapping = _flow(staff_client, form, data)
    assert _commit(staff_client, form, token, mapping).status_code == 303
    assert _records(form)[0].values["f_name"] == "髙橋 ～ 様"


def test_xlsx_with_typed_cells(staff_client, form):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["name", "age", "visit", "days"])  # item IDs as headings
    sheet.append(["", 42, dt.datetime(2026, 4, 1), "d1"])
    sheet["A2"].value = "=1+2"
    sheet["A2"].data_type = "s"  # a text cell, as Excel keeps text typed after '
    buffer = io.BytesIO()
    workbook.save(buffer)
    token, mapping = _flow(staff_client, form, buffer.getvalue(), "名簿.xlsx")
    assert mapping == {"map-0": "name", "map-1": "age", "map-2": "visit", "map-3": "days"}
    response = _commit(staff_client, form, token, mapping)
    assert response.status_code == 303, _problems(response.get_data(as_text=True))
    record = _records(form)[0]
    assert record.values["f_name"] == "=1+2"  # stored as the text it is
    assert record.values["f_age"] == 42 and str(record.values["f_visit"]) == "2026-04-01"


def test_export_then_import_round_trip_changes_nothing(staff_client, form, api):
    api.post(
        f"/api/v1/forms/{form.id}/records",
        json={
            "name": "=危険",
            "age": 5,
            "ward": "花泉",
            "days": ["d1", "d2"],
            "visit": "2026-04-01",
        },
    )
    exported = staff_client.get(f"/staff/forms/{form.id}/records.csv").get_data()
    token, mapping = _flow(staff_client, form, exported)
    assert mapping["map-1"] == importing.IGNORE and mapping["map-2"] == importing.IGNORE
    response = _check(staff_client, form, token, mapping)
    assert response.status_code == 200, _problems(response.get_data(as_text=True))
    assert _commit(staff_client, form, token, mapping).status_code == 303
    record = _records(form)[0]
    assert record.values["f_name"] == "=危険"
    assert len(_records(form)) == 1


def test_unreadable_and_too_large_files(staff_client, form, app):
    response = _upload(staff_client, form, b"\xff\xfe\x00garbage\x81", "x.csv")
    assert response.status_code == 400
    app.config["ATSUME_IMPORT_MAX_MB"] = 1
    response = _upload(staff_client, form, b"a" * (2 * 1024 * 1024), "big.csv")
    assert response.status_code == 413
    assert "1 MB" in response.get_data(as_text=True)
    # other pages keep the small limit
    too_much = app.config["MAX_CONTENT_LENGTH"] + 1024
    assert staff_client.post("/login", data={"x": "a" * too_much}).status_code == 413


def test_import_needs_the_import_right(app, form, make_user, other_department):
    reader = make_user("reader", dept=other_department)
    db.session.add(
        Grant(form_id=form.id, user_id=reader.id, rights=[rights.VIEW_RECORDS, rights.EXPORT])
    )
    db.session.commit()
    client = app.test_client()
    log_in(client, reader)
    assert client.get(f"/staff/forms/{form.id}/import").status_code == 403
    response = _upload(client, form, _csv(["氏名", "誰か"]))
    assert response.status_code == 403
    assert "/import" not in client.get(f"/staff/forms/{form.id}/records").get_data(as_text=True)


def test_read_only_field_cannot_be_imported(app, form, make_user, other_department):
    clerk = make_user("clerk", dept=other_department)
    db.session.add(
        Grant(
            form_id=form.id,
            user_id=clerk.id,
            rights=[rights.VIEW_RECORDS, rights.ADD_RECORDS, rights.IMPORT],
            fields={"age": rights.READ, "ward": rights.HIDDEN},
        )
    )
    db.session.commit()
    client = app.test_client()
    log_in(client, clerk)
    page = client.get(f"/staff/forms/{form.id}/import").get_data(as_text=True)
    assert "年齢" not in page and "地区" not in page and "氏名" in page
    token, mapping = _flow(client, form, _csv(["氏名,年齢,地区", "一郎,3,一関"]))
    assert mapping == {"map-0": "name", "map-1": "", "map-2": ""}
    assert _check(client, form, token, {**mapping, "map-1": "age"}).status_code == 422


def test_an_upload_belongs_to_its_user(app, staff_client, form, make_user):
    token, mapping = _flow(staff_client, form, _csv(["氏名", "一郎"]))
    colleague = make_user("colleague", admin=True)
    client = app.test_client()
    log_in(client, colleague)
    assert _check(client, form, token, mapping).status_code == 400
    assert _commit(client, form, token, mapping).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecordRevision)) == 0


def test_a_cell_too_long_for_csv_is_reported(staff_client, form):
    response = _upload(staff_client, form, b'"' + b"[" * 200_000 + b'"\r\n', "deep.csv")
    assert response.status_code == 400
    assert "CSVとして読み込めませんでした" in response.get_data(as_text=True)
