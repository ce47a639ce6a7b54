"""A citizen on a phone writes the phone number the usual Japanese way and a birth date that
is too recent: one clear message, at the birth date only; the number is kept and tidied."""

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

from tests.browser.test_citizen_and_staff import CITIZEN, fill_election, review, review_value

pytestmark = pytest.mark.browser

RANGE = "1920年1月1日から2009年4月25日（投票日 2027年4月25日の18年前）まで"
TOO_YOUNG = f"エラー：{RANGE}の日付を入力してください。"
BRACKETED = "（０１９１）２１－２１１１"  # brackets around the area code, typed with a Japanese IME


def test_bracketed_phone_number_and_too_young_birth_date_on_phone(phone, live_server, shot):
    page = phone.new_page()
    page.goto("/f/senkyo-staff")
    birth = page.get_by_label("生年月日")
    expect(page.locator("#f_birth_date-help")).to_contain_text(RANGE)
    # typed (eras accepted); the help says the range
    expect(birth).to_have_attribute("type", "text")
    expect(page.get_by_label("氏名")).to_have_attribute("autocomplete", "name")

    fill_election(page, {**CITIZEN, "phone": BRACKETED, "birth_date": "2030-01-01"})
    page.get_by_role("button", name="入力内容の確認").tap()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("1件の項目を修正してください。")
    expect(summary.get_by_role("link")).to_have_text(["生年月日"])
    expect(page.locator("#f_birth_date-error")).to_have_text(TOO_YOUNG)
    expect(page.locator(".field-error")).to_have_count(1)  # the phone number was accepted
    expect(page.get_by_label("電話番号")).to_have_value("(0191)21-2111")
    assert page.content().count(f"{RANGE}の日付") == 2  # at the field and in the summary
    shot(page, "1-too-young")

    summary.get_by_role("link", name="生年月日").tap()
    expect(birth).to_be_focused()
    birth.fill("2009-04-25")  # exactly 18 on election day
    review(page)
    expect(review_value(page, "電話番号")).to_have_text("0191-21-2111")
    expect(review_value(page, "生年月日")).to_have_text("2009年4月25日（平成21年）")
    expect(review_value(page, "個人情報の取扱い")).to_have_text("同意する")
    shot(page, "2-review")
    page.get_by_role("button", name="送信する").tap()
    expect(page).to_have_url(re.compile(r"/f/senkyo-staff/thanks/"))
