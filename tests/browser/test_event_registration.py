"""Event registration on a phone: a full choice shows 満員, seats left are shown, the
thank-you page gives the private link, and the applicant cancels through it."""

from __future__ import annotations

import copy

import pytest
from playwright.sync_api import expect

from app.events import registration
from app.forms.published import published_definition
from app.records.submission import submit
from tests.browser.test_accessibility import violations
from tests.event_forms import event

pytestmark = pytest.mark.browser


def _fill_up(form, session: str, n: int) -> None:
    definition = published_definition(form)
    for i in range(n):
        submit(
            form,
            definition,
            {"name": f"先客 {i}", "session": session},
            after_add=registration.after_add_steps(form, definition),
        )


def test_apply_see_full_choice_and_cancel_on_a_phone(phone, live_server, make_form, shot):
    form = make_form(event())
    _fill_up(form, "am", 2)
    page = phone.new_page()
    page.goto(f"/f/{form.slug}")
    full = page.get_by_label("午前の部（満員）")
    expect(full).to_be_disabled()
    expect(page.get_by_text("午後の部（残り3席）")).to_be_visible()
    shot(page, "1-form")
    assert violations(page) == [], "form with a full choice"

    page.get_by_label("氏名").fill("一関 花子")
    page.get_by_text("午後の部（残り3席）").tap()
    page.get_by_label("参加人数").fill("2")
    page.get_by_role("button", name="入力内容の確認").tap()
    expect(page.get_by_role("heading", name="入力内容の確認")).to_be_visible()
    page.get_by_role("button", name="送信する").tap()
    expect(page.get_by_text("受付番号", exact=True)).to_be_visible()
    link = page.get_by_role("link", name="申し込みの確認・変更・取消")
    expect(link).to_be_visible()
    shot(page, "2-thanks")
    assert violations(page) == [], "thank-you page with the private link"

    link.tap()
    expect(page.get_by_role("heading", name="お申し込みの内容")).to_be_visible()
    expect(page.get_by_text("受付済み")).to_be_visible()
    shot(page, "3-entry")
    assert violations(page) == [], "the application through the link"
    entry_url = page.url

    page.get_by_role("link", name="申し込みを取り消す").tap()
    expect(page.get_by_role("heading", name="申し込みの取消")).to_be_visible()
    shot(page, "4-cancel-confirm")
    assert violations(page) == [], "cancel confirmation"
    page.get_by_role("button", name="取り消す").tap()
    expect(page.get_by_role("heading", name="申し込みを取り消しました")).to_be_visible()
    shot(page, "5-cancelled")
    assert violations(page) == [], "cancelled"

    page.goto(entry_url)
    expect(page.get_by_text("この申し込みは取り消されています。")).to_be_visible()
    page.goto(f"/f/{form.slug}")
    expect(page.get_by_text("午後の部（残り3席）")).to_be_visible()  # the seats came back

    page.goto(entry_url[:-3] + "xyz")
    expect(page.get_by_role("heading", name="このリンクは使えません")).to_be_visible()
    shot(page, "6-bad-link")
    assert violations(page) == [], "forged link"


def test_full_form_page_on_a_phone(phone, live_server, make_form, shot):
    document = copy.deepcopy(event(2))
    document["slug"] = "koza-full"
    form = make_form(document)
    _fill_up(form, "eve", 2)
    page = phone.new_page()
    page.goto(f"/f/{form.slug}")
    expect(page.get_by_text("定員に達したため、受付を終了しました。")).to_be_visible()
    expect(page.locator("#public-form")).to_have_count(0)
    shot(page, "full")
    assert violations(page) == [], "full page"


def test_waitlist_notice_and_position_on_a_phone(phone, live_server, make_form, shot):
    document = copy.deepcopy(event(1, waitlist=True))
    document["slug"] = "koza-wait"
    form = make_form(document)
    _fill_up(form, "eve", 1)
    page = phone.new_page()
    page.goto(f"/f/{form.slug}")
    expect(page.get_by_text("キャンセル待ちとして受け付けます", exact=False)).to_be_visible()
    page.get_by_label("氏名").fill("花泉 太郎")
    page.get_by_text("夜の部").tap()
    page.get_by_role("button", name="入力内容の確認").tap()
    page.get_by_role("button", name="送信する").tap()
    expect(page.get_by_text("キャンセル待ち（1番目）", exact=False)).to_be_visible()
    shot(page, "waitlisted-thanks")
    assert violations(page) == [], "waitlisted thank-you"
