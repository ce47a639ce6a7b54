"""Two-step verification in a real browser: a staff member enrols their authenticator
app from the account page (QR code, then a code), keeps the recovery codes, and logs in
with password then code."""

from __future__ import annotations

import time

import pyotp
from playwright.sync_api import expect

from tests.browser.test_accessibility import violations
from tests.conftest import PASSWORD


def test_enrol_then_log_in_with_a_code(pc, live_server, make_user, shot):
    make_user("tanaka")
    page = pc.new_page()
    page.goto("/login")
    page.get_by_label("ユーザー名").fill("tanaka")
    page.get_by_label("パスワード", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("heading", name="フォーム一覧")).to_be_visible()

    page.get_by_role("link", name="tanaka").click()
    expect(page.get_by_role("heading", name="2段階認証")).to_be_visible()
    page.get_by_role("link", name="2段階認証を設定する").click()
    qr = page.get_by_role("img", name="認証アプリ用のQRコード")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 100")  # the QR code loaded
    secret = page.locator("#secret-key").inner_text().replace(" ", "")
    shot(page, "enrol")
    assert violations(page) == [], "enrolment"

    page.get_by_label("アプリに表示された確認コード").fill("000000")
    page.get_by_role("button", name="2段階認証をオンにする").click()
    expect(page.locator(".field-error")).to_contain_text("確認コードが正しくありません。")
    assert violations(page) == [], "enrolment with an error"
    page.get_by_label("アプリに表示された確認コード").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="2段階認証をオンにする").click()
    expect(page.get_by_role("heading", name="リカバリーコード")).to_be_visible()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    shot(page, "recovery-codes")
    assert violations(page) == [], "recovery codes"
    page.get_by_role("link", name="コードを保管しました").click()
    page.get_by_role("button", name="ログアウト").click()

    page.get_by_label("ユーザー名").fill("tanaka")
    page.get_by_label("パスワード", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("heading", name="ログインの2段階目")).to_be_visible()
    code = page.get_by_label("確認コード")
    expect(code).to_be_focused()
    shot(page, "code-step")
    assert violations(page) == [], "code step"
    code.fill(pyotp.TOTP(secret).at(time.time() + 30))  # the enrolment's code is used up
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("heading", name="フォーム一覧")).to_be_visible()
