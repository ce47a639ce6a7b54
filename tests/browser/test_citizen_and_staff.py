"""A citizen applies on a phone; staff find, filter and export the application on a PC.

Driven in Debian's Chromium through Playwright against the real app on a live server, with
CSRF protection on. Screenshots go to tests/output/screenshots/.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the dev extra installs it; conftest decides between skipping and failing
    if os.environ.get("ATSUME_REQUIRE_BROWSER") == "1" or os.environ.get("CI") == "true":
        raise
    pytest.skip("playwright is not installed (pip install -e '.[dev]')", allow_module_level=True)

from app.forms.published import published_definition
from app.records import store
from app.records.submission import submit
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

TOKYO = ZoneInfo("Asia/Tokyo")
BOM = b"\xef\xbb\xbf"
NEW_PASSWORD = "kotoshi-mo-yoroshiku-2026"

CITIZEN = {
    "name": "一関 太郎",
    "furigana": "イチノセキ タロウ",  # typed in katakana; stored in hiragana
    "birth_date": "1985-04-12",
    "address": "一関市竹山町7-2",
    "phone": "０１９１－２１－２１１１",  # full-width digits and dashes from a Japanese IME
    "email": "taro@example.jp",
}


# --- helpers --------------------------------------------------------------------------------


def receipt_regex(fmt: str) -> re.Pattern:
    """The receipt numbers that a format such as SK{yyyy}{mm}{dd}-{seq:05d} makes."""
    parts, position = [], 0
    for match in re.finditer(r"\{(\w+)(?::0?(\d+)d)?\}", fmt):
        parts.append(re.escape(fmt[position : match.start()]))
        name, width = match.group(1), match.group(2)
        if name in ("yyyy", "mm", "dd"):
            parts.append(rf"(?P<{name}>\d{{{len(name)}}})")
        else:
            parts.append(rf"(?P<{name}>\d{{{width},}})" if width else rf"(?P<{name}>\d+)")
        position = match.end()
    parts.append(re.escape(fmt[position:]))
    return re.compile("^" + "".join(parts) + "$")


def field_error(page: Page, name: str):
    """The error message shown next to field f_<name>."""
    return page.locator(f"#f_{name}-error")


def review_value(page: Page, label: str):
    """The answer shown for *label* on the confirmation page or the record detail."""
    return (
        page.locator(".review-row")
        .filter(has=page.get_by_role("term").filter(has_text=re.compile(f"^{re.escape(label)}$")))
        .get_by_role("definition")
    )


def fill_election(page: Page, person: dict, *, typing: bool = True) -> None:
    """Fill the election staff form as a person on a phone would."""

    def enter(label: str, text: str) -> None:
        box = page.get_by_label(label)
        if typing:
            box.click()
            box.press_sequentially(text)
        else:
            box.fill(text)

    enter("氏名", person["name"])
    enter("ふりがな", person["furigana"])
    page.get_by_label("生年月日").fill(person["birth_date"])  # a native date picker on a phone
    enter("住所", person["address"])
    enter("電話番号", person["phone"])
    enter("メールアドレス", person["email"])
    days = page.get_by_role("group", name="従事できる日")
    days.get_by_label("期日前投票（土日）").check()
    days.get_by_label("投票日当日").check()
    page.get_by_role("group", name="選挙事務の経験").get_by_label("1回", exact=True).check()
    page.get_by_label("上記に同意する").check()


def review(page: Page) -> None:
    page.get_by_role("button", name="入力内容の確認").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("入力内容の確認")


def thanks_receipt(page: Page) -> str:
    expect(page.get_by_role("heading", level=1)).to_have_text("送信を受け付けました")
    expect(page).to_have_url(re.compile(r"/f/[\w-]+/thanks/"))
    return page.locator(".receipt-number").inner_text().strip()


def apply_for_election(context, person: dict) -> str:
    """The whole citizen path without screenshots; the receipt number shown."""
    page = context.new_page()
    page.goto("/f/senkyo-staff")
    fill_election(page, person, typing=False)
    review(page)
    page.get_by_role("button", name="送信する").tap()
    receipt = thanks_receipt(page)
    page.close()
    return receipt


def log_in(page: Page, username: str, password: str, shot=None) -> None:
    """Log in at /login; choose a new password when the account asks for one."""
    page.goto("/login")
    expect(page.get_by_role("heading", name="職員ログイン")).to_be_visible()
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード", exact=True).fill(password)
    page.get_by_role("button", name="ログイン").click()
    expect(page).to_have_url(re.compile(r"/staff/"))
    if "/staff/account/password" in page.url:
        expect(page.get_by_role("heading", name="パスワードの設定")).to_be_visible()
        if shot:
            shot(page, "0-change-password")
        page.get_by_label("現在のパスワード", exact=True).fill(password)
        page.get_by_label("新しいパスワード", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("新しいパスワード（確認）", exact=True).fill(NEW_PASSWORD)
        page.get_by_role("button", name="パスワードを保存").click()
        expect(page.get_by_role("status")).to_have_text("パスワードを変更しました。")
    expect(page.get_by_role("heading", name="フォーム一覧")).to_be_visible()


# --- the citizen ----------------------------------------------------------------------------


def test_citizen_applies_on_phone(phone, live_server, shot):
    page = phone.new_page()
    page.goto("/f/senkyo-staff")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", level=1)).to_have_text("選挙事務スタッフ募集")

    # 1. Review with nothing filled in: a summary at the top, each error next to its field.
    page.get_by_role("button", name="入力内容の確認").tap()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("9件の項目を修正してください。")
    expect(summary.get_by_role("link")).to_have_count(9)
    expect(summary.get_by_role("link").first).to_have_text("氏名")
    expect(summary.locator("li").first).to_have_text(re.compile(r"^氏名：この項目は必須です"))
    summary_top = summary.bounding_box()["y"]
    assert summary_top < page.get_by_label("氏名").bounding_box()["y"]
    for name in ("name", "furigana", "birth_date", "address", "phone", "email"):
        expect(field_error(page, name)).to_be_visible()
        expect(field_error(page, name)).to_contain_text("この項目は必須です")
    for name in ("days", "experience"):  # choices ask to choose
        expect(field_error(page, name)).to_contain_text("選んでください")
    expect(field_error(page, "consent")).to_contain_text("同意する場合はチェックを入れてください")
    expect(page.get_by_label("氏名")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("氏名")).to_have_attribute("aria-describedby", "f_name-error")
    shot(page, "1-errors")

    # 2. Fill everything in the way a person types.
    fill_election(page, CITIZEN)
    review(page)
    expect(review_value(page, "氏名")).to_have_text("一関 太郎")
    expect(review_value(page, "ふりがな")).to_have_text("いちのせき たろう")
    expect(review_value(page, "生年月日")).to_have_text("1985年4月12日（昭和60年）")
    expect(review_value(page, "電話番号")).to_have_text("0191-21-2111")
    expect(review_value(page, "従事できる日")).to_have_text("期日前投票（土日）、投票日当日")
    expect(review_value(page, "選挙事務の経験")).to_have_text("1回")
    form = live_server.form("senkyo-staff")
    assert store.count(form) == 0, "nothing is stored before the final submit"
    shot(page, "2-confirm")

    # 3. Back keeps every answer (normalised), then review again.
    page.get_by_role("button", name="戻って修正する").tap()
    expect(page.get_by_label("氏名")).to_have_value("一関 太郎")
    expect(page.get_by_label("ふりがな")).to_have_value("いちのせき たろう")
    expect(page.get_by_label("生年月日")).to_have_value("1985-04-12")
    expect(page.get_by_label("住所")).to_have_value("一関市竹山町7-2")
    expect(page.get_by_label("電話番号")).to_have_value("0191-21-2111")
    expect(page.get_by_label("メールアドレス")).to_have_value("taro@example.jp")
    days = page.get_by_role("group", name="従事できる日")
    expect(days.get_by_label("期日前投票（平日）")).not_to_be_checked()
    expect(days.get_by_label("期日前投票（土日）")).to_be_checked()
    expect(days.get_by_label("投票日当日")).to_be_checked()
    expect(page.get_by_label("1回", exact=True)).to_be_checked()
    expect(page.get_by_label("上記に同意する")).to_be_checked()
    expect(page.get_by_role("alert")).to_have_count(0)
    shot(page, "3-back")
    review(page)

    # 4. Submit: the thank-you page shows the receipt number.
    page.get_by_role("button", name="送信する").tap()
    receipt = thanks_receipt(page)
    expect(page.get_by_text("ご応募ありがとうございました。")).to_be_visible()
    shot(page, "4-thanks")

    fmt = published_definition(form).settings["receipt_format"]
    assert fmt == "SK{yyyy}{mm}{dd}-{seq:05d}"
    match = receipt_regex(fmt).match(receipt)
    assert match, f"{receipt!r} does not follow {fmt!r}"
    assert re.fullmatch(r"SK\d{8}-\d{5}", receipt)
    record = store.query(live_server.form("senkyo-staff"), []).records[0]
    assert record.receipt_no == receipt
    received = record.created_at.replace(tzinfo=dt.UTC).astimezone(TOKYO)
    assert match.group("yyyy", "mm", "dd") == (f"{received:%Y}", f"{received:%m}", f"{received:%d}")
    assert int(match.group("seq")) == record.id
    columns = {e["key"]: e["column"] for e in form.storage}
    assert record.values[columns["furigana"]] == "いちのせき たろう"
    assert record.values[columns["phone"]] == "0191-21-2111"
    assert record.values[columns["birth_date"]] == dt.date(1985, 4, 12)
    assert sorted(record.values[columns["days"]]) == ["early2", "election_day"]
    assert record.values[columns["consent"]] is True


def test_double_submit_stores_one_record(phone, live_server):
    page = phone.new_page()

    # A double tap on "送信する": the second tap must not store a second record.
    page.goto("/f/senkyo-staff")
    fill_election(page, CITIZEN, typing=False)
    review(page)
    page.get_by_role("button", name="送信する").dblclick()
    receipt = thanks_receipt(page)
    assert store.count(live_server.form("senkyo-staff")) == 1

    # Without the page's script: two POSTs of the same confirmation page at once.
    page.goto("/f/senkyo-staff")
    fill_election(page, CITIZEN | {"name": "一関 次郎"}, typing=False)
    review(page)
    results = page.evaluate("""async () => {
        const form = document.querySelector("form.confirm-form");
        const send = () => {
            const data = new FormData(form);
            data.append("action", "submit");
            return fetch(form.getAttribute("action"), {method: "POST", body: data})
                .then(r => ({status: r.status, url: r.url}));
        };
        return Promise.all([send(), send()]);
    }""")
    assert [r["status"] for r in results] == [200, 200], results
    assert results[0]["url"] == results[1]["url"]
    assert "/thanks/" in results[0]["url"]
    form = live_server.form("senkyo-staff")
    assert store.count(form) == 2
    assert receipt in {r.receipt_no for r in store.query(form, []).records}


# --- staff ----------------------------------------------------------------------------------


def _other_applicant(form, name: str, furigana: str) -> None:
    """An application that arrived by another way (same storage path as the public form)."""
    values = {
        "name": name,
        "furigana": furigana,
        "birth_date": dt.date(1990, 1, 1),
        "address": "一関市花泉町",
        "phone": "0191-82-2211",
        "email": "x@example.jp",
        "days": ["counting"],
        "experience": "none",
        "consent": True,
    }
    submit(form, published_definition(form), values, token=uuid.uuid4().hex)


def test_staff_finds_filters_and_exports_the_application(phone, pc, live_server, clerk, shot):
    receipt = apply_for_election(phone, CITIZEN)
    form = live_server.form("senkyo-staff")
    _other_applicant(form, "花泉 花子", "はないずみ はなこ")
    _other_applicant(form, "千厩 次郎", "せんまや じろう")

    page = pc.new_page()
    log_in(page, clerk.username, PASSWORD, shot)
    expect(page.get_by_text("鈴木 花子（総務課）")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="選挙事務スタッフ募集")
    expect(row).to_have_count(1)
    expect(page.get_by_role("row").filter(has_text="職員アンケート")).to_have_count(1)
    shot(page, "1-forms")

    row.get_by_role("link", name="3", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"レコード一覧\s*\(3件\)"))
    expect(page.get_by_role("link", name=receipt)).to_be_visible()
    shot(page, "2-records")

    page.locator("summary").filter(has_text="絞り込み").click()
    page.get_by_role("group", name="氏名", exact=True).get_by_label("含む").fill("一関")
    page.get_by_role("button", name="絞り込む").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"レコード一覧\s*\(1件\)"))
    records = page.get_by_role("region", name="レコード一覧")
    expect(records.get_by_role("link", name=receipt)).to_be_visible()
    expect(records.get_by_text("花泉 花子")).to_have_count(0)
    name_filter = page.get_by_role("group", name="氏名", exact=True).get_by_label("含む")
    expect(name_filter).to_have_value("一関")
    shot(page, "3-filtered")

    # The UTF-8 CSV of what the list shows, for Excel: a BOM, then the filtered rows.
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV（UTF-8）").click()
    download = info.value
    assert re.fullmatch(r"senkyo-staff-\d{8}\.csv", download.suggested_filename)
    data = Path(download.path()).read_bytes()
    assert data.startswith(BOM)
    text = data[len(BOM) :].decode("utf-8")
    assert "一関 太郎" in text and receipt in text
    assert "花泉 花子" not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "受付番号"
    assert [r[0] for r in rows[1:]] == [receipt]

    records.get_by_role("link", name=receipt).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"受付番号 {receipt}")
    expect(review_value(page, "氏名")).to_have_text("一関 太郎")
    expect(review_value(page, "ふりがな")).to_have_text("いちのせき たろう")
    expect(review_value(page, "電話番号")).to_have_text("0191-21-2111")
    expect(review_value(page, "従事できる日")).to_have_text("期日前投票（土日）、投票日当日")
    shot(page, "4-detail")


def test_admin_logs_in_with_the_seeded_one_time_password(pc, live_server):
    assert live_server.admin_password, live_server.seed_lines
    page = pc.new_page()
    log_in(page, "admin", live_server.admin_password)
    for title in ("選挙事務スタッフ募集", "職員アンケート", "市主催イベント参加申込"):
        expect(page.get_by_role("row").filter(has_text=title)).to_have_count(1)


# --- the other sample forms on a phone ------------------------------------------------------


def test_staff_survey_with_a_section_on_phone(phone, live_server, make_user, shot):
    """The sample staff survey is anonymous, one answer per person, behind the staff log-in."""
    make_user("kato", dept=None)
    page = phone.new_page()
    page.goto("/f/shokuin-survey")
    expect(page.get_by_role("heading", name="職員ログイン")).to_be_visible()
    page.get_by_label("ユーザー名").fill("kato")
    page.get_by_label("パスワード", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page).to_have_url(re.compile(r"/f/shokuin-survey$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("職員アンケート")
    section = page.get_by_role("group", name="働き方について")
    expect(section).to_be_visible()
    expect(section.get_by_role("group")).to_have_count(3)
    shot(page, "1-form")

    page.get_by_label("所属部署").select_option("企画部")
    page.get_by_role("group", name="年代").get_by_label("40代").check()
    section.get_by_role("group", name="時間外勤務").get_by_label("20時間未満").check()
    section.get_by_role("group", name="テレワーク").get_by_label("利用したい", exact=True).check()
    section.get_by_role("group", name="満足していますか").get_by_label("やや満足").check()
    comment = page.get_by_label("ご意見・ご要望")
    comment.click()
    comment.press_sequentially("窓口の混雑時に応援体制があると助かります。\n特にありません。")
    review(page)
    expect(review_value(page, "所属部署")).to_have_text("企画部")
    expect(review_value(page, "現在の職場環境に満足していますか")).to_have_text("やや満足")
    shot(page, "2-confirm")
    page.get_by_role("button", name="送信する").tap()
    expect(page.get_by_role("heading", name="回答を受け付けました")).to_be_visible()
    shot(page, "3-thanks")
    page.goto("/f/shokuin-survey")
    expect(page.get_by_role("status")).to_have_text("このアンケートには回答済みです。ありがとうございました。")

    form = live_server.form("shokuin-survey")
    assert store.count(form) == 1
    record = store.query(form, []).records[0]
    assert record.created_by is None  # anonymous: no name kept
    comment_column = {e["key"]: e["column"] for e in form.storage}["comment"]
    assert record.values[comment_column].splitlines() == [
        "窓口の混雑時に応援体制があると助かります。",
        "特にありません。",
    ]


def test_event_entry_with_full_width_number_on_phone(phone, live_server, shot):
    page = phone.new_page()
    page.goto("/f/event-entry")
    expect(page.get_by_role("heading", level=1)).to_have_text("市主催イベント参加申込")
    shot(page, "1-form")

    page.get_by_label("代表者氏名").press_sequentially("一関 花子")
    page.get_by_label("メールアドレス").press_sequentially("hanako@example.jp")
    people = page.get_by_label("参加人数")
    expect(people).to_have_attribute("inputmode", "numeric")
    people.press_sequentially("１２")  # over the maximum of 10, in full-width digits
    page.get_by_label("午後の部（13:30〜15:30）").check()
    page.get_by_role("button", name="入力内容の確認").tap()
    expect(page.get_by_role("alert")).to_contain_text("1件の項目を修正してください。")
    expect(field_error(page, "participants")).to_be_visible()
    expect(people).to_have_value("12")
    shot(page, "2-error")

    people.fill("")
    people.press_sequentially("３")
    review(page)
    expect(review_value(page, "参加人数")).to_have_text("3 人")
    expect(review_value(page, "参加する回")).to_have_text("午後の部（13:30〜15:30）")
    page.get_by_role("button", name="送信する").tap()
    receipt = thanks_receipt(page)
    shot(page, "3-thanks")

    form = live_server.form("event-entry")
    match = receipt_regex(published_definition(form).settings["receipt_format"]).match(receipt)
    assert match and re.fullmatch(r"EV\d{4}-\d{5}", receipt), receipt
    record = store.query(form, []).records[0]
    assert match.group("yyyy") == f"{record.created_at.replace(tzinfo=dt.UTC).astimezone(TOKYO):%Y}"
    columns = {e["key"]: e["column"] for e in form.storage}
    assert record.receipt_no == receipt
    assert record.values[columns["participants"]] == 3


# --- English ---------------------------------------------------------------------------------


def test_public_form_chrome_in_english(english_phone, live_server, shot):
    page = english_phone.new_page()
    page.goto("/f/senkyo-staff")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Review your answers")).to_be_visible()
    expect(page.get_by_text("Required", exact=True).first).to_be_visible()
    expect(page.get_by_text("Required", exact=True)).to_have_count(9)
    # The form's own content stays as written by the office.
    expect(page.get_by_role("heading", level=1)).to_have_text("選挙事務スタッフ募集")
    page.get_by_role("button", name="Review your answers").tap()
    expect(page.get_by_role("alert")).to_contain_text("Please correct 9 items.")
    # after a POST the switch is a button that re-sends what was typed
    expect(page.get_by_role("button", name="日本語")).to_be_visible()
    shot(page, "1-errors")
