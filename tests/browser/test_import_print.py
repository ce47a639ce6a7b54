"""Staff import a small CSV through the pages, remapping a column whose heading names no
item, then print one imported record to PDF (Chromium's page.pdf, A4)."""

from __future__ import annotations

import io
import unicodedata

import pypdf
from playwright.sync_api import expect

from app.extensions import db
from app.forms.published import published_definition
from app.records import history, store
from app.records.submission import submit
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_accessibility import violations
from tests.conftest import PASSWORD

DOCUMENT = {
    "title": "補助金申請",
    "slug": "hojokin",
    "fields": [
        {"key": "name", "type": "text", "label": "申請者氏名", "required": True},
        {
            "type": "section",
            "label": "申請内容",
            "fields": [
                {"key": "amount", "type": "number", "label": "申請額", "unit": "円"},
                {"key": "ward", "type": "radio", "label": "地区", "choices": ["一関", "花泉"]},
            ],
        },
    ],
}
CSV = "お名前,申請額,地区\r\n一関 太郎,50000,花泉\r\n花泉 花子,12000,一関\r\n"


def test_import_with_a_remapped_column_then_print_a_record(
    pc, live_server, make_form, staff, tmp_path, shot
):
    form = make_form(DOCUMENT)
    upload = tmp_path / "申請一覧.csv"
    upload.write_bytes(CSV.encode("utf-8-sig"))
    page = pc.new_page()
    page.goto("/login")
    page.get_by_label("ユーザー名").fill(staff.username)
    page.get_by_label("パスワード", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()

    page.goto(f"/staff/forms/{form.id}/records")
    page.get_by_role("link", name="取り込み（インポート）").click()
    expect(page.get_by_role("heading", name="取り込み（インポート）")).to_be_visible()
    assert violations(page) == [], "import upload page"
    page.get_by_label("ファイル（20 MBまで）").set_input_files(str(upload))
    page.get_by_role("button", name="アップロードして列を対応付ける").click()

    # 申請額 and 地区 match by heading; お名前 names no item and is remapped by hand
    expect(page.get_by_label("申請額")).to_have_value("amount")
    expect(page.get_by_label("お名前")).to_have_value("")
    page.get_by_label("お名前").select_option(label="申請者氏名")
    shot(page, "mapping")
    assert violations(page) == [], "mapping page"
    page.get_by_role("button", name="ファイルを確認（試行のみ）").click()
    expect(page.get_by_text("問題はありません。2件を追加し、0件を更新します。")).to_be_visible()
    shot(page, "dry-run")
    assert violations(page) == [], "dry run result"
    assert store.count(live_server.form("hojokin")) == 0  # the dry run saved nothing
    page.get_by_role("button", name="取り込む").click()
    expect(page.get_by_text("取り込みました：追加 2件、更新 0件。")).to_be_visible()
    expect(page.get_by_role("cell", name="一関 太郎")).to_be_visible()
    shot(page, "records")
    assert violations(page) == [], "records after the import"

    imported = live_server.form("hojokin")
    records = sorted(store.iterate(imported, []), key=lambda r: r.id)
    assert [r.values["f_name"] for r in records] == ["一関 太郎", "花泉 花子"]
    assert [e.note for e in history.entries(imported, records[0].id)] == ["申請一覧.csv"]
    db.session.rollback()

    # the record's print layout, opened from its detail page
    page.get_by_role("link", name=records[0].receipt_no).click()
    page.get_by_role("link", name="印刷用レイアウト").click()
    expect(page.get_by_role("heading", name="補助金申請")).to_be_visible()
    expect(page.get_by_role("button", name="印刷")).to_be_visible()
    shot(page, "print-layout")
    assert violations(page) == [], "print layout"
    page.emulate_media(media="print")
    shot(page, "print-media")
    expect(page.get_by_role("button", name="印刷")).to_be_hidden()
    expect(page.locator(".site-header")).to_be_hidden()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = page.pdf(format="A4", print_background=True)
    (SCREENSHOTS / "test_import_with_a_remapped_column_then_print_a_record-record.pdf").write_bytes(
        pdf
    )
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    # the PDF's fonts map some kanji to look-alike radicals: compare normalised text
    text = unicodedata.normalize("NFKC", "".join(p.extract_text() for p in reader.pages))
    assert len(reader.pages) == 1
    assert records[0].receipt_no in text
    assert "補助金申請" in text and "申請額" in text and "50000 円" in text
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert abs(float(width) - 595.3) < 1.5 and abs(float(height) - 841.9) < 1.5  # A4 in points

    # the list prints as a clean table too
    page.emulate_media(media="screen")
    page.goto(f"/staff/forms/{form.id}/records")
    page.emulate_media(media="print")
    for part in page.locator(".filters").all():  # filters, column chooser, view settings
        expect(part).to_be_hidden()
    expect(page.get_by_role("cell", name="花泉 花子")).to_be_visible()
    shot(page, "list-print-media")
    assert not live_server.errors


def test_print_layout_and_import_page_on_a_phone(phone, live_server, make_form, staff, shot):
    form = make_form(DOCUMENT)
    record, _new = submit(
        form, published_definition(form), {"name": "一関 太郎", "amount": 50000, "ward": "花泉"}
    )
    page = phone.new_page()
    page.goto("/login")
    page.get_by_label("ユーザー名").fill(staff.username)
    page.get_by_label("パスワード", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.goto(f"/staff/forms/{form.id}/records/{record.id}/print")
    expect(page.locator(".print-sheet__receipt")).to_have_text(record.receipt_no)
    shot(page, "print-layout")
    assert violations(page) == [], "print layout on a phone"
    page.goto(f"/staff/forms/{form.id}/import")
    expect(page.get_by_role("heading", name="取り込み（インポート）")).to_be_visible()
    shot(page, "import")
    assert violations(page) == [], "import page on a phone"
