"""The account page in a real browser: password rules shown once next to the field, and
"log out everywhere" ending another browser's session."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.conftest import PASSWORD


def _log_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("heading", name="フォーム一覧")).to_be_visible()


def test_weak_password_and_log_out_everywhere(pc, second_pc, live_server, make_user, shot):
    make_user("yamada")
    page = pc.new_page()
    _log_in(page, "yamada")
    other = second_pc.new_page()
    _log_in(other, "yamada")

    page.get_by_role("link", name="yamada").click()
    expect(page.get_by_role("heading", name="パスワードの設定")).to_be_visible()
    expect(page.get_by_text("ほかに1台の端末・ブラウザーでログインしています。")).to_be_visible()
    page.get_by_label("現在のパスワード", exact=True).fill(PASSWORD)
    page.get_by_label("新しいパスワード", exact=True).fill("aaaaaaaaaa")
    page.get_by_label("新しいパスワード（確認）", exact=True).fill("aaaaaaaaaa")
    page.get_by_role("button", name="パスワードを保存").click()
    error = page.locator("#new-error")
    expect(error).to_have_text("同じ文字（1〜2種類の文字）の繰り返しは推測されやすいため使えません。")
    expect(page.get_by_label("新しいパスワード", exact=True)).to_have_attribute(
        "aria-describedby", "new-help new-error"
    )
    shot(page, "weak-password")

    page.get_by_role("button", name="全端末からログアウト").click()
    expect(page.get_by_text("すべての端末からログアウトしました。")).to_be_visible()
    other.reload()
    expect(other.get_by_role("heading", name="職員ログイン")).to_be_visible()
