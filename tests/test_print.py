"""The print layout of a record (as its application form was laid out) and of the list."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app import rights
from app.extensions import db
from app.models import Grant
from tests.conftest import log_in

DOCUMENT = {
    "title": "補助金申請",
    "slug": "print-check",
    "fields": [
        {"key": "name", "type": "text", "label": "申請者氏名"},
        {
            "type": "section",
            "label": "申請内容",
            "fields": [
                {"key": "amount", "type": "number", "label": "申請額", "unit": "円"},
                {"key": "ward", "type": "radio", "label": "地区", "choices": ["一関", "花泉"]},
            ],
        },
        {
            "type": "section",
            "label": "連絡先",
            "fields": [{"key": "mail", "type": "email", "label": "メールアドレス"}],
        },
    ],
}
CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "atsume.css"


@pytest.fixture
def form(make_form):
    return make_form(DOCUMENT)


@pytest.fixture
def record(api, form):
    response = api.post(
        f"/api/v1/forms/{form.id}/records",
        json={"name": "一関 太郎", "amount": 50000, "ward": "花泉", "mail": "t@example.jp"},
    )
    assert response.status_code == 201
    return response.get_json()


def _print(client, form, record):
    return client.get(f"/staff/forms/{form.id}/records/{record['id']}/print")


def test_record_prints_as_the_form_was_laid_out(staff_client, form, record, department):
    response = _print(staff_client, form, record)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert record["receipt_no"] in html
    assert "補助金申請" in html and department.name in html
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", html)  # the date received
    # sections and questions in the form's order, each with its answer
    order = [html.index(text) for text in ("申請者氏名", "申請内容", "申請額", "地区", "連絡先")]
    assert order == sorted(order)
    assert "50000 円" in html and "花泉" in html and "t@example.jp" in html
    assert "<h2>申請内容</h2>" in html
    # the print button works through a script file (strict CSP: nothing inline)
    assert "data-print" in html and "js/print.js" in html
    assert "<script>" not in html and "onclick" not in html


def test_detail_page_links_to_the_print_layout(staff_client, form, record):
    html = staff_client.get(f"/staff/forms/{form.id}/records/{record['id']}").get_data(as_text=True)
    assert f"/staff/forms/{form.id}/records/{record['id']}/print" in html


def test_hidden_field_is_not_printed(app, form, record, make_user, other_department):
    user = make_user("limited", dept=other_department)
    db.session.add(
        Grant(
            form_id=form.id,
            user_id=user.id,
            rights=[rights.VIEW_RECORDS],
            fields={"amount": rights.HIDDEN, "mail": rights.HIDDEN},
        )
    )
    db.session.commit()
    client = app.test_client()
    log_in(client, user)
    html = _print(client, form, record).get_data(as_text=True)
    assert "申請額" not in html and "50000" not in html
    assert "連絡先" not in html and "t@example.jp" not in html  # an emptied section goes
    assert "地区" in html and "一関 太郎" in html


def test_missing_record_and_rights(app, staff_client, form, record, make_user, other_department):
    assert staff_client.get(f"/staff/forms/{form.id}/records/999/print").status_code == 404
    stranger = make_user("stranger", dept=other_department)
    client = app.test_client()
    log_in(client, stranger)
    assert _print(client, form, record).status_code in {403, 404}


def test_print_style_sheet_is_a4_and_hides_navigation():
    css = CSS.read_text(encoding="utf-8")
    assert "@page { size: A4" in css
    printed = css.split("@media print", 1)[1]
    for selector in (".site-header", ".no-print", ".button", ".pager", ".filters"):
        assert selector in printed


def test_list_page_has_a_print_button_and_the_row_count(staff_client, form, record):
    html = staff_client.get(f"/staff/forms/{form.id}/records").get_data(as_text=True)
    assert "data-print" in html and "js/print.js" in html
    assert 'id="export-count"' in html
    assert "records.xlsx" in html
