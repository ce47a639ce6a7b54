"""An administrator finds a failed log-in in the audit log, from the staff menu, under the
Content-Security-Policy, and the page passes the WCAG checks."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.test_accessibility import violations
from tests.conftest import PASSWORD


def test_admin_finds_a_failed_log_in_and_downloads_the_log(pc, live_server, make_user, shot):
    admin = make_user("kansa", admin=True)
    page = pc.new_page()
    page.goto("/login")
    page.get_by_label("ユーザー名").fill("kansa")
    page.get_by_label("パスワード").fill("wrong password")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_text("ユーザー名またはパスワードが正しくありません。")).to_be_visible()
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page).to_have_url(re.compile(r"/staff/forms"))

    page.get_by_role("link", name="操作ログ").click()
    expect(page.get_by_role("heading", name=re.compile("操作ログ"))).to_be_visible()
    page.get_by_label("操作", exact=True).select_option(label="ログイン失敗")
    page.get_by_label("ユーザー名", exact=True).fill(admin.username)
    page.get_by_role("button", name="検索").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("ログイン失敗")
    expect(rows.first).to_contain_text("127.0.0.1")
    assert violations(page) == []
    shot(page, "filtered")

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV（UTF-8）").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()
    assert "login.failed" in text and "kansa" in text
