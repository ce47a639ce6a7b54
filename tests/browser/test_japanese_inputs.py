"""Japanese inputs on a phone: the address filled from the postal code (and announced), and
a birth date typed with its era."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_accessibility import violations


def test_a_citizen_types_a_postal_code_and_an_era_date_on_a_phone(phone, live_server, shot):
    page = phone.new_page()
    page.goto("/f/senkyo-staff")
    birth = page.get_by_label("生年月日")
    expect(birth).to_have_attribute("type", "text")
    birth.fill("S60.4.1")
    page.get_by_label("郵便番号").press_sequentially("１０００００１")
    address = page.locator("#f_address")
    expect(address).to_have_value("東京都千代田区千代田")
    status = page.locator(".postal-status")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_contain_text("東京都千代田区千代田")
    address.press("End")
    address.type("1-1")
    shot(page, "postal-code-filled")
    assert violations(page) == [], "form with the postal-code status"

    # a box the citizen typed into is never overwritten by another code
    page.get_by_label("郵便番号").fill("")
    page.get_by_label("郵便番号").press_sequentially("060-8588")
    expect(status).to_contain_text("北海道札幌市中央区")
    expect(address).to_have_value("東京都千代田区千代田1-1")

    page.get_by_label("氏名").fill("山田 太郎")
    page.get_by_label("ふりがな").fill("やまだ たろう")
    page.get_by_label("電話番号").fill("090-1234-5678")
    page.get_by_label("メールアドレス").fill("taro@example.jp")
    page.get_by_label("期日前投票（平日）").check()
    page.get_by_label("なし").check()
    page.get_by_label("上記に同意する").check()
    page.get_by_role("button", name="入力内容の確認").click()
    expect(page.get_by_text("1985年4月1日（昭和60年）")).to_be_visible()
    expect(page.get_by_text("東京都千代田区千代田1-1")).to_be_visible()
    shot(page, "era-confirmed")
