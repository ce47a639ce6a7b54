"""Editing a record in a real browser: a staff member edits a record twice, reads the
changes as a diff in the history, restores the first change, and comments mentioning a
colleague, who finds the mention on a phone."""

from __future__ import annotations

from playwright.sync_api import expect

from app.extensions import db
from app.records.access import RecordAccess
from tests.browser.test_accessibility import violations
from tests.conftest import PASSWORD
from tests.record_world import make_world


def _log_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("link", name="メンション")).to_be_visible()


def _edit_ward(page, detail_url: str, ward: str) -> None:
    page.goto(detail_url)
    page.get_by_role("link", name="編集", exact=True).click()
    expect(page.get_by_role("heading", name="受付番号", exact=False)).to_be_visible()
    page.get_by_label(ward).check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("記録を保存しました。")).to_be_visible()


def test_edit_diff_restore_and_mention(pc, phone, live_server, make_form, make_user, staff, shot):
    form, record = make_world(make_form)
    colleague = make_user("kato")
    colleague.display_name = "加藤 恵子"
    db.session.commit()
    detail = f"/staff/forms/{form.id}/records/{record.id}"
    page = pc.new_page()
    _log_in(page, staff.username)

    # the edit page is filled with the stored values, multiple choice and dates included
    page.goto(detail + "/edit")
    expect(page.get_by_label("氏名")).to_have_value("山田太郎")
    expect(page.get_by_label("一関")).to_be_checked()
    expect(page.get_by_label("6月30日")).to_be_checked()
    expect(page.get_by_label("7月2日")).to_be_checked()
    expect(page.get_by_label("来庁日")).to_have_value("2026-06-01")
    page.get_by_label("年齢").fill("200")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#error-summary")).to_be_visible()
    shot(page, "pc-edit-refused")
    assert violations(page) == [], "edit page with a refused value"

    page.get_by_label("年齢").fill("42")
    page.get_by_label("花泉").check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("記録を保存しました。")).to_be_visible()
    _edit_ward(page, detail, "千厩")

    page.get_by_role("link", name="履歴").click()
    first = page.locator("#revision-1")
    expect(first).to_contain_text("年齢")
    expect(first.locator("del").first).to_have_text("41")
    expect(first.locator("ins").first).to_have_text("42")
    expect(page.locator("#revision-2")).to_contain_text("千厩")
    expect(page.locator(".timeline-entry--creation")).to_contain_text("公開フォームから")
    shot(page, "pc-history")
    assert violations(page) == [], "history page"

    first.get_by_role("button", name="#1 の変更後の値に戻す").click()
    expect(page.get_by_text("#1 の変更後の値に戻しました。")).to_be_visible()
    expect(page.locator("#revision-3")).to_contain_text("#1 から復元")
    shot(page, "pc-restored")
    db.session.rollback()
    values = RecordAccess(staff, form).get(record.id).values
    assert values["f_ward"] == "花泉" and values["f_age"] == 42

    # a comment mentioning the colleague, chosen from the suggestions
    page.goto(detail)
    box = page.get_by_label("新しいコメント")
    box.press_sequentially("確認をお願いします @ka")
    expect(page.locator("#mention-options")).to_be_visible()
    shot(page, "pc-mention-suggestions")
    assert violations(page) == [], "comment box with suggestions"
    page.get_by_role("button", name="知らせる: 加藤 恵子 (@kato)").click()
    expect(box).to_have_value("確認をお願いします @kato ")
    box.press_sequentially("さん")
    shot(page, "pc-comment")
    page.get_by_role("button", name="コメントを追加").click()
    expect(page.get_by_text("コメントを追加しました。")).to_be_visible()
    expect(page.locator("#comments")).to_contain_text("@kato さん")
    shot(page, "pc-detail-with-comment")
    assert violations(page) == [], "record page with comments"

    # an unknown name is refused, keeping the text
    box = page.get_by_label("新しいコメント")
    box.fill("@tanaka 見てください")
    page.get_by_role("button", name="コメントを追加").click()
    expect(page.locator("#comment-error")).to_contain_text("@tanaka")
    expect(page.get_by_label("新しいコメント")).to_have_value("@tanaka 見てください")
    assert violations(page) == [], "record page with a refused comment"

    # the colleague finds the mention on a phone
    mobile = phone.new_page()
    _log_in(mobile, "kato")
    expect(mobile.locator(".nav-count")).to_have_text("1")
    mobile.get_by_role("link", name="メンション").click()
    expect(mobile.get_by_role("heading", name="あなた宛てのメンション")).to_be_visible()
    expect(mobile.locator(".comment").first).to_contain_text("確認をお願いします")
    shot(mobile, "phone-mentions")
    assert violations(mobile) == [], "mentions on a phone"
    mobile.locator(".comment a").first.click()
    expect(mobile.locator("#comments")).to_contain_text("@kato さん")
    mobile.goto(detail + "/history")
    expect(mobile.locator("#revision-3")).to_be_visible()
    shot(mobile, "phone-history")
    assert violations(mobile) == [], "history on a phone"
    mobile.goto(detail + "/edit")
    expect(mobile.get_by_label("花泉")).to_be_checked()
    shot(mobile, "phone-edit")
    assert violations(mobile) == [], "edit page on a phone"
    assert not live_server.errors
