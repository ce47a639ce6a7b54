"""The records list in a browser: choose and order columns, filter, save the view, open it
again; the same list as cards on a phone. Every page passes axe-core."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from app.forms.published import published_definition
from app.records.submission import submit
from tests.browser.test_accessibility import violations
from tests.browser.test_designer import log_in

#: the receipt number, the workflow's columns (selection, status, assignee), the chosen ones
SORTED_HEADINGS = [
    "受付番号",
    "",
    "状態",
    "担当者",
    re.compile("^氏名 ▼"),
    "選挙事務の経験",
    "従事できる日",
]
PEOPLE = [
    ("一関 一郎", "いちのせき いちろう", ["early1"], "none"),
    ("花泉 花子", "はないずみ はなこ", ["early1", "election_day"], "once"),
    ("千厩 三郎", "せんまや さぶろう", ["counting"], "several"),
    ("髙橋 四郎", "たかはし しろう", ["early2", "counting"], "none"),
]


def _fill(live_server):
    form = live_server.form("senkyo-staff")
    definition = published_definition(form)
    for name, furigana, days, experience in PEOPLE:
        submit(
            form,
            definition,
            {
                "name": name,
                "furigana": furigana,
                "days": days,
                "experience": experience,
                "address": "岩手県一関市竹山町7-2",
                "email": "staff@example.jp",
            },
        )
    return form


def test_build_save_and_reopen_a_view(pc, live_server, make_user, shot):
    form = _fill(live_server)
    make_user("views", admin=True)
    page = pc.new_page()
    log_in(page, "views")
    page.goto(f"/staff/forms/{form.id}/records")
    expect(page.get_by_role("heading", level=1)).to_contain_text("4件")

    # the columns: only name, experience and days, with experience first
    page.locator("#column-chooser summary").click()
    chooser = page.locator("#column-chooser")
    for label in (
        "受付日時",
        "ふりがな",
        "生年月日",
        "住所",
        "電話番号",
        "メールアドレス",
        "個人情報の取扱い",
        "郵便番号",
    ):
        chooser.get_by_label(label, exact=True).uncheck()
    chooser.get_by_role("button", name="選挙事務の経験を上へ").click()
    headings = page.locator("table thead th")
    # the receipt number first, then the workflow's columns (selection, status, assignee)
    expect(headings).to_have_text(
        ["受付番号", "", "状態", "担当者", "氏名", "選挙事務の経験", "従事できる日"]
    )

    # a filter: the days include a weekend day or election day, sorted by name descending
    page.locator("details.filters summary", has_text="絞り込み・並べ替え").click()
    any_of = page.get_by_role("group", name="従事できる日").get_by_role(
        "group", name="いずれかを含む"
    )
    any_of.get_by_label("期日前投票（土日）").check()
    any_of.get_by_label("投票日当日").check()
    page.get_by_label("キー1", exact=True).select_option(label="氏名")
    page.get_by_label("キー1の順序").select_option("desc")
    shot(page, "1-filter")
    assert violations(page) == [], "list with its tools open"
    page.get_by_role("button", name="絞り込む").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("髙橋 四郎")
    expect(headings).to_have_text(SORTED_HEADINGS)

    # save it, shared
    page.locator("#view-settings summary").click()
    page.get_by_label("ビューの名前", exact=True).first.fill("土日と当日")
    page.get_by_label("フォームの利用者と共有する").first.check()
    page.get_by_role("button", name="ビューを保存").click()
    expect(page.get_by_role("status").first).to_contain_text("ビュー「土日と当日」を保存しました。")
    shot(page, "2-saved")

    # back to every record, then open the view from the selector
    page.goto(f"/staff/forms/{form.id}/records?view=all")
    expect(page.locator("table tbody tr")).to_have_count(4)
    page.get_by_label("ビュー", exact=True).select_option(label="土日と当日 (共有)")
    expect(page).to_have_url(f"{live_server.url}/staff/forms/{form.id}/records?view=1")
    expect(page.locator("table tbody tr")).to_have_count(2)
    expect(page.locator("table thead th")).to_have_text(SORTED_HEADINGS)
    expect(page.locator("table tbody tr").first).to_contain_text("髙橋 四郎")
    shot(page, "3-reopened")
    assert violations(page) == [], "the saved view"

    # the search box finds 髙橋 by 高橋
    page.get_by_label("検索", exact=True).fill("高橋")
    page.get_by_role("button", name="検索").click()
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.locator("table tbody tr")).to_contain_text("髙橋 四郎")


def test_records_are_cards_on_a_phone(phone, live_server, make_user, shot):
    form = _fill(live_server)
    make_user("phone", admin=True)
    page = phone.new_page()
    log_in(page, "phone")
    page.goto(f"/staff/forms/{form.id}/records")
    row = page.locator("table tbody tr").first
    expect(row).to_be_visible()
    # a card: as wide as the screen, each value under its label
    box = row.bounding_box()
    assert box["width"] <= 390
    label = page.evaluate(
        "() => getComputedStyle(document.querySelector('tbody td[data-label=\"受付日時\"]'),"
        " '::before').content"
    )
    assert label.strip('"') == "受付日時"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shot(page, "cards")
    assert violations(page) == [], "records as cards"


def test_the_receipt_column_stays_in_view_when_scrolling(pc, live_server, make_user, shot):
    form = _fill(live_server)
    make_user("wide", admin=True)
    page = pc.new_page()
    page.set_viewport_size({"width": 800, "height": 700})
    log_in(page, "wide")
    page.goto(f"/staff/forms/{form.id}/records")
    scroller = page.locator(".records-scroll")
    cell = page.locator("tbody td.receipt-cell").first
    before = cell.bounding_box()["x"]
    scroller.evaluate("element => { element.scrollLeft = 400; }")
    page.wait_for_function("() => document.querySelector('.records-scroll').scrollLeft > 0")
    assert abs(cell.bounding_box()["x"] - before) < 2
    shot(page, "scrolled")
