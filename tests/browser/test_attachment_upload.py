"""A citizen on a phone attaches a photo, sees it on the confirmation page and sends it;
a staff member downloads it from the record's page."""

from __future__ import annotations

import os
import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the dev extra installs it; conftest decides between skipping and failing
    if os.environ.get("ATSUME_REQUIRE_BROWSER") == "1" or os.environ.get("CI") == "true":
        raise
    pytest.skip("playwright is not installed (pip install -e '.[dev]')", allow_module_level=True)

from app.records import store
from tests.browser.test_accessibility import violations
from tests.browser.test_designer import log_in
from tests.test_attachments import PNG, document

pytestmark = pytest.mark.browser


def test_photo_upload_on_phone_and_staff_download(phone, pc, live_server, make_form, staff, shot):
    form = make_form(document(max_files=2))
    page = phone.new_page()
    page.goto("/f/hojokin")
    chooser = page.get_by_label("添付書類")
    expect(page.locator(f"#{chooser.get_attribute('id')}-help")).to_contain_text("5 MB")
    assert violations(page) == [], "form with a file item"
    page.get_by_label("氏名").fill("一関 花子")
    chooser.set_input_files({"name": "領収書の写真.png", "mimeType": "image/png", "buffer": PNG})
    shot(page, "1-chosen")
    page.get_by_role("button", name="入力内容の確認").tap()

    expect(page.get_by_role("heading", name="入力内容の確認")).to_be_visible()
    row = page.locator(".review-row", has_text="添付書類")
    expect(row.locator("dd")).to_have_text("領収書の写真.png (1 KB)")
    assert violations(page) == [], "confirmation"
    shot(page, "2-confirm")

    # back to the form: the file is kept (ticked), nothing to choose again
    page.get_by_role("button", name="戻って修正する").tap()
    kept = page.get_by_label(re.compile("領収書の写真.png"))
    expect(kept).to_be_checked()
    assert violations(page) == [], "form with a kept file"
    shot(page, "3-kept")
    page.get_by_role("button", name="入力内容の確認").tap()
    page.get_by_role("button", name="送信する").tap()
    expect(page).to_have_url(re.compile(r"/f/hojokin/thanks/"))
    shot(page, "4-thanks")

    record = store.query(live_server.form("hojokin"), []).records[0]
    desk = pc.new_page()
    log_in(desk, staff.username)
    desk.goto(f"/staff/forms/{form.id}/records/{record.id}")
    link = desk.get_by_role("link", name="領収書の写真.png")
    expect(link).to_be_visible()
    assert violations(desk) == [], "record with attached files"
    shot(desk, "5-record")
    with desk.expect_download() as downloading:
        link.click()
    download = downloading.value
    assert download.suggested_filename == "領収書の写真.png"
    with open(download.path(), "rb") as received:
        assert received.read() == PNG


def test_designer_sets_the_kinds_an_attachment_item_accepts(pc, live_server, make_user, shot):
    from app.extensions import db
    from app.forms import operations
    from tests.browser.test_designer import _demo_department, expect_saved, select

    user = make_user("sato", dept=_demo_department())
    draft = operations.create_form(
        {"title": "書類提出", "fields": [{"key": "doc", "type": "file", "label": "添付書類"}]},
        user,
    )
    page = pc.new_page()
    log_in(page, user.username)
    page.goto(f"/staff/forms/{draft.id}/designer")
    select(page, "添付書類")
    kinds = page.locator("#prop-kinds")
    expect(kinds.get_by_label("PDF")).to_be_checked()
    expect(kinds.get_by_label("Word（.docx）")).not_to_be_checked()
    kinds.get_by_label("Word（.docx）").check()
    kinds.get_by_label("PNG画像").uncheck()
    expect_saved(page)
    expect(page.locator("#prop-max_size_mb")).to_have_attribute("placeholder", "5")
    assert violations(page) == [], "designer with an attachment item"
    shot(page, "designer")
    db.session.rollback()  # see what the server thread committed
    saved = operations.load_draft(db.session.get(type(draft), draft.id))
    assert saved.fields()[0]["kinds"] == ["pdf", "jpeg", "docx"]
