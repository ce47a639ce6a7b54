"""Staff safeguards in a real browser: an address change and closing a live form are
explained before they happen, old addresses keep working, and the demo has answers to search."""

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

from app.forms.published import published_definition
from app.records.submission import submit
from app.seed import seed_demo
from tests.browser.test_accessibility import violations
from tests.browser.test_citizen_and_staff import log_in


def test_changing_the_address_is_explained_first_and_the_old_one_forwards(
    pc, phone, live_server, shot
):
    page = pc.new_page()
    log_in(page, "admin", live_server.admin_password)
    form = live_server.form("event-entry")
    page.goto(f"/staff/forms/{form.id}/settings")
    address = page.get_by_label("アドレス（/f/ の後ろの部分）")
    expect(page.locator("#slug-help")).to_contain_text(f"{live_server.url}/f/event-entry")
    address.fill("natsu-2026")
    page.get_by_role("button", name="設定を保存").click()

    warning = page.get_by_role("alert")
    expect(warning).to_contain_text("まだ何も保存されていません。")
    expect(warning).to_contain_text(
        f"公開アドレスが {live_server.url}/f/event-entry から {live_server.url}/f/natsu-2026 に"
    )
    shot(page, "1-confirm")
    assert violations(page) == [], "address confirmation"
    page.get_by_role("button", name="この内容で保存する").click()
    expect(page.get_by_role("status")).to_contain_text("設定を保存しました")

    citizen = phone.new_page()
    citizen.goto("/f/event-entry")  # the printed address
    expect(citizen).to_have_url(re.compile(r"/f/natsu-2026$"))
    expect(citizen.get_by_role("heading", level=1)).to_have_text("市主催イベント参加申込")

    page.goto(f"/staff/forms/{form.id}/settings")
    expect(page.locator("#former-addresses")).to_contain_text(f"{live_server.url}/f/event-entry")
    shot(page, "2-former-addresses")
    assert violations(page) == [], "former addresses"


def test_closing_a_form_with_answers_asks_first(pc, live_server, shot):
    form = live_server.form("shokuin-survey")
    values = {
        "department": "企画部",
        "age_band": "30代",
        "overtime": "20時間未満",
        "telework": "利用したい",
        "satisfaction": "満足",
    }
    submit(form, published_definition(form), values)
    page = pc.new_page()
    log_in(page, "admin", live_server.admin_password)
    page.goto(f"/staff/forms/{form.id}")
    page.get_by_role("button", name="受付を終了する").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("受付を終了しますか？")
    expect(page.locator("blockquote")).to_have_text("このフォームは現在受付を行っていません。")
    expect(page.locator("main")).to_contain_text("これまでに受け付けた回答は 1 件です。")
    shot(page, "1-confirm")
    assert violations(page) == [], "closing confirmation"
    page.get_by_role("button", name="受付を終了する").click()
    expect(page.get_by_role("status")).to_have_text("受付を終了しました。")
    assert live_server.form("shokuin-survey").is_open is False


def test_demo_answers_fill_the_list_and_variant_kanji_are_found(pc, live_server, shot):
    seed_demo()  # the demo answers (the live server was seeded without them)
    form = live_server.form("senkyo-staff")
    submit(form, published_definition(form), {"name": "髙橋 一郎", "furigana": "たかはし いちろう"})
    page = pc.new_page()
    log_in(page, "admin", live_server.admin_password)
    page.goto(f"/staff/forms/{form.id}/records")
    expect(page.locator("main")).to_contain_text("49")
    shot(page, "1-list")

    page.goto(f"/staff/forms/{form.id}/records?f_name.contains=高橋")
    names = page.locator("table.table--records tbody tr").all_inner_texts()
    assert names and all("高橋" in n or "髙橋" in n for n in names), names
    assert any("髙橋" in n for n in names) and any("高橋" in n for n in names), names
    shot(page, "2-search")
