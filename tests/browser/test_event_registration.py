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


def test_full_form_page_on_a_phone_and_a_pc(phone, pc, live_server, make_form, shot):
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
    desk = pc.new_page()
    desk.goto(f"/f/{form.slug}")
    expect(desk.get_by_text("定員に達したため、受付を終了しました。")).to_be_visible()
    shot(desk, "full-pc")


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


def test_change_the_session_through_the_link_on_a_phone(phone, live_server, make_form, shot):
    document = copy.deepcopy(event(changeable_fields=["session", "participants"]))
    document["slug"] = "koza-change"
    form = make_form(document)
    page = phone.new_page()
    page.goto(f"/f/{form.slug}")
    page.get_by_label("氏名").fill("一関 花子")
    page.get_by_text("夜の部").tap()
    page.get_by_role("button", name="入力内容の確認").tap()
    page.get_by_role("button", name="送信する").tap()
    page.get_by_role("link", name="申し込みの確認・変更・取消").tap()
    expect(page.get_by_role("heading", name="お申し込みの内容")).to_be_visible()
    entry_url = page.url
    _fill_up(form, "am", 2)

    page.get_by_role("link", name="内容を変更する").tap()
    expect(page.get_by_role("heading", name="申し込み内容の変更")).to_be_visible()
    expect(page.get_by_label("午前の部（満員）")).to_be_disabled()
    shot(page, "1-change")
    assert violations(page) == [], "change page"
    page.get_by_text("午後の部（残り3席）").tap()
    page.get_by_role("button", name="変更を保存する").tap()
    expect(page.get_by_text("変更を保存しました。")).to_be_visible()
    expect(page.get_by_text("午後の部", exact=True)).to_be_visible()
    shot(page, "2-changed")
    assert page.url.startswith(entry_url)


def test_staff_set_seats_per_choice_and_the_capacity(pc, live_server, make_user, shot):
    import sqlalchemy as sa

    from app.extensions import db
    from app.forms import operations
    from app.models import Department
    from app.seed import DEMO_DEPARTMENT
    from tests.browser.test_designer import expect_saved, item, log_in, select, stored_draft

    department = db.session.scalar(sa.select(Department).where(Department.name == DEMO_DEPARTMENT))
    user = make_user("sato", dept=department)
    document = copy.deepcopy(event())
    document["slug"] = "koza-staff"
    for choice in document["fields"][2]["choices"]:
        choice.pop("capacity", None)
    form = operations.create_form(document, user)
    page = pc.new_page()
    log_in(page, "sato")

    page.goto(f"/staff/forms/{form.id}/designer")
    select(page, "参加する回")
    page.get_by_label("「午前の部」の定員（空欄：制限なし）").fill("20")
    expect_saved(page)
    shot(page, "1-designer-seats")
    draft, _revision = stored_draft(form.id)
    assert draft["fields"][2]["choices"][0]["capacity"] == 20
    assert item(page, "参加する回").count() == 1

    page.goto(f"/staff/forms/{form.id}/settings")
    page.get_by_label("フォーム全体の定員（空欄：制限なし）").fill("100")
    page.get_by_label("1件の申し込みが使う席数").select_option("participants")
    page.get_by_label("満員のときはキャンセル待ちとして受け付ける").check()
    page.get_by_label("重複申し込みの防止").select_option("email")
    shot(page, "2-settings")
    assert violations(page) == [], "settings page with the event settings"
    page.get_by_role("button", name="設定を保存").click()
    draft, _revision = stored_draft(form.id)
    assert draft["settings"]["capacity"] == {
        "limit": 100, "count_field": "participants", "waitlist": True
    }
    assert draft["settings"]["one_per"] == "email"
