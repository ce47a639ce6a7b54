"""The list's search box: every visible text field and the receipt number, variant kanji
matching each other, never a field hidden from the user."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from app import rights
from app.extensions import db
from app.forms.published import published_definition
from app.models import Grant
from app.records import viewspec
from app.records.access import RecordAccess
from app.records.submission import submit

DOCUMENT = {
    "title": "検索確認",
    "slug": "search-check",
    "fields": [
        {"key": "name", "type": "text", "label": "氏名"},
        {"key": "email", "type": "email", "label": "メール"},
        {"key": "note", "type": "textarea", "label": "備考"},
        {"key": "ward", "type": "radio", "label": "地区", "choices": ["一関", "花泉"]},
        {"key": "secret", "type": "text", "label": "秘密"},
    ],
}


@pytest.fixture
def form(make_form):
    form = make_form(DOCUMENT)
    definition = published_definition(form)
    rows = [
        {"name": "髙橋 一郎", "email": "ichiro@example.jp", "ward": "一関", "secret": "合言葉"},
        {"name": "高橋 花子", "note": "駐車場を利用します", "ward": "花泉"},
        {"name": "佐藤 次郎", "note": "車椅子で伺います", "secret": "別件"},
    ]
    return form, [submit(form, definition, row)[0] for row in rows]


def found(access, text: str) -> list[str]:
    compiled = access.view(viewspec.from_args(MultiDict([("q", text)])))
    records, _w = access.window(compiled)
    return sorted(r.receipt_no for r in records)


def test_search_looks_in_every_text_field_and_the_receipt(form, staff):
    form, records = form
    access = RecordAccess(staff, form)
    receipts = [r.receipt_no for r in records]
    assert found(access, "駐車場") == [receipts[1]]
    assert found(access, "example.jp") == [receipts[0]]
    assert found(access, receipts[2]) == [receipts[2]]
    assert found(access, "") == sorted(receipts)
    # several words: each must be found somewhere
    assert found(access, "高橋　駐車場") == [receipts[1]]


def test_search_matches_variant_kanji(form, staff):
    form, records = form
    access = RecordAccess(staff, form)
    both = sorted(r.receipt_no for r in records[:2])
    assert found(access, "高橋") == both
    assert found(access, "髙橋") == both


def test_wildcards_are_plain_characters(form, staff):
    form, _records = form
    access = RecordAccess(staff, form)
    assert found(access, "%") == []
    assert found(access, "_") == []


def test_search_skips_fields_hidden_from_the_user(form, make_user, other_department):
    form, records = form
    user = make_user("hidden", dept=other_department)
    db.session.add(
        Grant(
            form_id=form.id,
            user_id=user.id,
            rights=[rights.VIEW_RECORDS],
            fields={"secret": rights.HIDDEN},
        )
    )
    db.session.commit()
    assert found(RecordAccess(user, form), "合言葉") == []
    assert found(RecordAccess(user, form), "髙橋 ichiro") == [records[0].receipt_no]


def test_search_box_on_the_list_page(staff_client, form):
    form, _records = form
    page = staff_client.get(f"/staff/forms/{form.id}/records?q=髙橋").get_data(as_text=True)
    assert "高橋 花子" in page and "髙橋 一郎" in page and "佐藤 次郎" not in page
    assert 'value="髙橋"' in page
