"""E-mail settings in a real browser: staff edit the auto-reply, a misspelt placeholder is
named, the preview shows the message; a citizen's application then shows its mail on the
outgoing mail page and on the record. Every page passes axe-core."""

from __future__ import annotations

import os

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the dev extra installs it; conftest decides between skipping and failing
    if os.environ.get("ATSUME_REQUIRE_BROWSER") == "1" or os.environ.get("CI") == "true":
        raise
    pytest.skip("playwright is not installed (pip install -e '.[dev]')", allow_module_level=True)

import sqlalchemy as sa

from app.extensions import db
from app.forms import operations
from app.models import OutboxMessage, User
from tests.browser.test_accessibility import violations
from tests.browser.test_citizen_and_staff import NEW_PASSWORD, log_in

BODY = "{{name}} 様\n\nお申し込みを受け付けました。\n受付番号: {{receipt_no}}\n\n{{answers}}"


def test_staff_edit_and_preview_the_auto_reply_then_see_the_mail(pc, phone, live_server, shot):
    form = live_server.form("event-entry")
    page = pc.new_page()
    log_in(page, "admin", live_server.admin_password)
    page.goto(f"/staff/forms/{form.id}")
    page.get_by_role("link", name="メール", exact=True).click()
    expect(page.get_by_role("heading", name="メール設定", level=1)).to_be_visible()
    assert violations(page) == [], "mail settings"

    page.get_by_label("申込者に自動返信メールを送る").check()
    page.get_by_label("送信先のメールアドレス項目").select_option(label="メールアドレス")
    subject = page.get_by_label("件名").first
    subject.fill("【{{form_title}}】受付番号 {{receipt_no}} {{namae}}")
    page.get_by_label("本文").first.fill(BODY)
    page.get_by_role("button", name="メール設定を保存").click()
    error = page.locator("#auto_reply_subject-error")
    expect(error).to_contain_text("{{namae}}")
    expect(subject).to_have_attribute("aria-invalid", "true")
    shot(page, "1-unknown-placeholder")
    assert violations(page) == [], "unknown placeholder"

    page.get_by_label("件名").first.fill("【{{form_title}}】受付番号 {{receipt_no}}")
    page.get_by_role("button", name="プレビュー").click()
    preview = page.get_by_role("region", name="プレビュー")
    expect(preview).to_contain_text("【市主催イベント参加申込】受付番号 20260401-000123")
    expect(preview).to_contain_text("〈代表者氏名〉 様")
    expect(preview).to_contain_text("■ 参加人数: 〈参加人数〉")
    shot(page, "2-preview")
    assert violations(page) == [], "preview"

    page.get_by_role("button", name="メール設定を保存").click()
    expect(page.get_by_role("status")).to_contain_text("メール設定を保存しました")
    expect(page.get_by_text("この設定は公開中のフォームと異なります")).to_be_visible()

    # the same page on a phone
    mobile = phone.new_page()
    log_in(mobile, "admin", NEW_PASSWORD)
    mobile.goto(f"/staff/forms/{form.id}/mail")
    mobile.get_by_role("button", name="プレビュー").tap()
    expect(mobile.get_by_role("region", name="プレビュー")).to_contain_text("〈代表者氏名〉 様")
    shot(mobile, "3-preview-phone")
    assert violations(mobile) == [], "preview on a phone"

    # published, a citizen's application queues the mail, shown to staff
    operations.publish(live_server.form("event-entry"), db.session.get(User, form.created_by_id))
    citizen = phone.new_page()
    citizen.goto("/f/event-entry")
    citizen.get_by_label("代表者氏名").fill("佐々木 陽子")
    citizen.get_by_label("メールアドレス").fill("yoko@example.jp")
    citizen.get_by_label("参加人数").fill("2")
    citizen.get_by_role("radio").first.check()
    citizen.get_by_role("button", name="入力内容の確認").tap()
    citizen.get_by_role("button", name="送信する").tap()
    expect(citizen.get_by_role("heading", level=1)).to_be_visible()
    db.session.rollback()
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message is not None and message.to == "yoko@example.jp"
    assert message.body.startswith("佐々木 陽子 様")

    page.goto("/staff/outbox")
    expect(page.get_by_role("heading", name="送信メール")).to_be_visible()
    expect(page.locator("table")).to_contain_text("yoko@example.jp")
    expect(page.locator("table")).to_contain_text("送信待ち")
    shot(page, "4-outbox")
    assert violations(page) == [], "outbox"
    page.goto(f"/staff/forms/{form.id}/records/{message.record_id}")
    expect(page.get_by_role("heading", name="メール")).to_be_visible()
    shot(page, "5-record")
    assert violations(page) == [], "record with its mail"

