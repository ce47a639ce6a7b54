"""Conditional questions and multi-page forms in a real browser, as a citizen on a phone
uses them (and with the keyboard only), and the designer's rule editor."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.records import store
from tests.browser.test_accessibility import violations

CONDITIONAL = {
    "title": "市民まつり 参加申込",
    "slug": "matsuri",
    "fields": [
        {"key": "name", "type": "text", "label": "氏名", "required": True},
        {
            "key": "ward",
            "type": "radio",
            "label": "お住まいの地区",
            "required": True,
            "choices": [{"value": "ichi", "label": "一関"}, {"value": "hana", "label": "花泉"}],
        },
        {
            "key": "bus",
            "type": "select",
            "label": "送迎バスの乗車場所",
            "required": True,
            "choices": [{"value": "st", "label": "花泉駅"}, {"value": "hall", "label": "花泉支所"}],
            "show_if": {"field": "ward", "op": "eq", "value": "hana"},
        },
        {"key": "people", "type": "number", "label": "参加人数", "required": True, "unit": "人"},
        {
            "key": "group",
            "type": "text",
            "label": "団体名",
            "show_if": {"field": "people", "op": "gt", "value": 4},
        },
    ],
}

PAGES = {
    "title": "市民講座 申込",
    "slug": "koza",
    "fields": [
        {"key": "name", "type": "text", "label": "氏名", "required": True},
        {
            "key": "kind",
            "type": "radio",
            "label": "参加方法",
            "required": True,
            "choices": [
                {"value": "venue", "label": "会場"},
                {"value": "online", "label": "オンライン"},
            ],
        },
        {
            "key": "venue_page",
            "type": "section",
            "label": "会場での参加",
            "page": True,
            "show_if": {"field": "kind", "op": "eq", "value": "venue"},
            "fields": [
                {"key": "seat", "type": "text", "label": "希望の席", "required": True},
                {
                    "key": "wheelchair",
                    "type": "consent",
                    "label": "車いす席",
                    "checkbox_text": "車いす席を希望する",
                },
            ],
        },
        {
            "key": "contact_page",
            "type": "section",
            "label": "連絡先",
            "page": True,
            "fields": [
                {"key": "email", "type": "email", "label": "メールアドレス", "required": True},
            ],
        },
    ],
}


@pytest.fixture
def forms(live_server, make_form):
    return {"matsuri": make_form(CONDITIONAL), "koza": make_form(PAGES)}


def test_a_question_appears_when_a_choice_is_made_and_is_announced(phone, forms, shot):
    page = phone.new_page()
    page.goto("/f/matsuri")
    bus = page.get_by_label("送迎バスの乗車場所")
    expect(bus).to_be_hidden()
    assert violations(page) == [], "form with a hidden question"
    page.get_by_label("氏名").fill("花泉 次郎")
    page.get_by_text("花泉", exact=True).tap()
    expect(bus).to_be_visible()
    expect(page.locator("#condition-status")).to_have_text(
        "「送迎バスの乗車場所」の質問が表示されました。"
    )
    assert page.get_by_text("花泉", exact=True).evaluate("n => n.closest('label') !== null")
    assert violations(page) == [], "form with the question shown"
    shot(page, "question-shown")
    bus.select_option("st")
    page.get_by_label("参加人数").fill("６")
    expect(page.get_by_label("団体名")).to_be_visible()
    page.get_by_text("一関", exact=True).tap()
    expect(bus).to_be_hidden()
    assert bus.is_disabled()  # not sent
    expect(page.locator("#condition-status")).to_contain_text("非表示")
    page.get_by_label("団体名").fill("一関太鼓の会")
    page.get_by_role("button", name="入力内容の確認").tap()
    expect(page.get_by_role("heading", name="入力内容の確認")).to_be_visible()
    expect(page.locator(".review")).not_to_contain_text("送迎バス")
    expect(page.locator(".review")).to_contain_text("一関太鼓の会")
    assert violations(page) == [], "confirmation"
    shot(page, "confirmation")
    page.get_by_role("button", name="送信する").tap()
    expect(page.get_by_text("受付番号", exact=True)).to_be_visible()
    form = forms["matsuri"]
    record = store.query(form, []).records[0]
    columns = {e["key"]: e["column"] for e in form.storage}
    assert record.values[columns["bus"]] is None
    assert record.values[columns["group"]] == "一関太鼓の会"


def test_pages_forward_back_and_reload_keep_the_answers(phone, forms, shot):
    page = phone.new_page()
    page.goto("/f/koza")
    expect(page.locator("#page-progress-text")).to_have_text("ページ 1 / 2")
    assert violations(page) == [], "page 1"
    page.get_by_role("button", name="次へ").tap()
    expect(page.locator("#error-summary")).to_be_focused()
    assert violations(page) == [], "page 1 with errors"
    shot(page, "page-1-errors")
    page.get_by_label("氏名").fill("一関 花子")
    page.get_by_text("会場", exact=True).tap()
    page.get_by_role("button", name="次へ").tap()
    expect(page.locator("#page-progress-text")).to_have_text("ページ 2 / 3")
    expect(page.get_by_label("希望の席")).to_be_visible()
    assert violations(page) == [], "page 2"
    page.get_by_label("希望の席").fill("前方の席")
    page.reload()
    expect(page.get_by_label("希望の席")).to_have_value("前方の席")
    shot(page, "page-2")
    page.get_by_role("button", name="前のページに戻る").tap()
    expect(page.get_by_label("氏名")).to_have_value("一関 花子")
    page.get_by_role("button", name="次へ").tap()
    expect(page.get_by_label("希望の席")).to_have_value("前方の席")
    page.get_by_role("button", name="次へ").tap()
    expect(page.locator("#page-progress-text")).to_have_text("ページ 3 / 3")
    page.get_by_label("メールアドレス").fill("hanako@example.jp")
    assert violations(page) == [], "page 3"
    shot(page, "page-3")
    page.get_by_role("button", name="入力内容の確認").tap()
    expect(page.get_by_role("heading", name="入力内容の確認")).to_be_visible()
    expect(page.locator(".review")).to_contain_text("前方の席")
    assert violations(page) == [], "confirmation"
    page.get_by_role("button", name="戻って修正する").tap()
    expect(page.get_by_label("メールアドレス")).to_have_value("hanako@example.jp")
    page.get_by_role("button", name="入力内容の確認").tap()
    page.get_by_role("button", name="送信する").tap()
    expect(page.get_by_text("受付番号", exact=True)).to_be_visible()
    assert violations(page) == [], "thank-you page"
    assert store.count(forms["koza"]) == 1
    # a new application starts empty
    page.goto("/f/koza")
    expect(page.get_by_label("氏名")).to_have_value("")


def test_a_skipped_page_and_keyboard_only_completion(pc, forms):
    page = pc.new_page()
    page.goto("/f/koza")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the language switch
    page.keyboard.press("Tab")
    expect(page.get_by_label("氏名")).to_be_focused()
    page.keyboard.type("一関 花子")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # the second choice of the radio group: オンライン
    expect(page.get_by_label("オンライン")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="次へ")).to_be_focused()
    page.keyboard.press("Enter")
    # the venue page does not apply: straight to the contact page, the last of 2
    expect(page.locator("#page-progress-text")).to_have_text("ページ 2 / 2")
    page.get_by_label("メールアドレス").focus()
    page.keyboard.type("hanako@example.jp")
    page.keyboard.press("Enter")  # Enter in the box goes forward
    expect(page.get_by_role("heading", name="入力内容の確認")).to_be_visible()
    submit = page.get_by_role("button", name="送信する")
    for _ in range(10):
        if submit.evaluate("b => b === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(submit).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("受付番号", exact=True)).to_be_visible()
    form = forms["koza"]
    record = store.query(form, []).records[0]
    columns = {e["key"]: e["column"] for e in form.storage}
    assert record.values[columns["seat"]] is None
    assert record.values[columns["email"]] == "hanako@example.jp"


def test_the_designer_adds_a_rule_without_code(pc, live_server, make_user, shot):
    from app.forms import operations
    from tests.browser.test_designer import (
        _demo_department,
        expect_saved,
        item,
        log_in,
        stored_draft,
    )

    user = make_user("sato", dept=_demo_department())
    document = {
        "title": "研修会参加申込",
        "fields": [
            {"key": "name", "type": "text", "label": "氏名", "required": True},
            {
                "key": "meal",
                "type": "radio",
                "label": "昼食",
                "choices": [
                    {"value": "yes", "label": "希望する"},
                    {"value": "no", "label": "不要"},
                ],
            },
            {"key": "allergy", "type": "text", "label": "アレルギー"},
            {"key": "extra", "type": "section", "label": "追加の質問", "fields": []},
        ],
    }
    form = operations.create_form(document, user)
    page = pc.new_page()
    log_in(page, "sato")
    page.goto(f"/staff/forms/{form.id}/designer")
    item(page, "アレルギー").locator(":scope > .item-card .item-select").click()
    panel = page.locator("#properties-body")
    panel.get_by_role("button", name="条件を追加").click()
    question = panel.get_by_label("条件にする質問")
    expect(question).to_be_focused()
    question.select_option("meal")
    expect(panel.get_by_label("比べ方")).to_have_value("eq")
    panel.get_by_label("値", exact=True).select_option("yes")
    expect_saved(page)
    draft, _revision = stored_draft(form.id)
    rule = draft["fields"][2]["show_if"]
    assert rule == {"field": "meal", "op": "eq", "value": "yes"}
    marker = item(page, "アレルギー").locator(":scope > .item-card .item-rule")
    expect(marker).to_have_text("条件あり")
    assert violations(page) == [], "designer with the rule editor"
    # a second condition: the answer to 氏名 must be given as well
    panel.get_by_role("button", name="条件を追加").click()
    panel.locator("#prop-show_if-field-1").select_option("name")
    panel.locator("#prop-show_if-op-1").select_option("filled")
    panel.get_by_label("条件が複数あるとき").select_option("any")
    expect_saved(page)
    shot(page, "rule-editor")
    draft, _revision = stored_draft(form.id)
    assert draft["fields"][2]["show_if"] == {
        "any": [
            {"field": "meal", "op": "eq", "value": "yes"},
            {"field": "name", "op": "filled"},
        ]
    }
    # the section becomes a page
    item(page, "追加の質問").locator(":scope > .item-card .item-select").click()
    panel.get_by_label("このセクションを1ページとして表示する").check()
    expect_saved(page)
    expect(item(page, "追加の質問").locator(":scope > .item-card .item-page")).to_have_text(
        "ページ"
    )
    assert stored_draft(form.id)[0]["fields"][3]["page"] is True
    shot(page, "designer-rule")
    # the preview shows the behaviour: the question appears once 希望する is chosen
    page.locator("#preview-toggle").click()
    frame = page.frame_locator(".preview-frame--pc iframe")
    expect(frame.get_by_label("アレルギー")).to_be_hidden()
    frame.get_by_text("希望する", exact=True).click()
    expect(frame.get_by_label("アレルギー")).to_be_visible()
    # the first question has no earlier question to depend on
    item(page, "氏名").locator(":scope > .item-card .item-select").click()
    expect(panel.get_by_text("前に質問がまだありません")).to_be_visible()
    # a problem the server finds shows on the item and the setting: the rule's question
    # must come before the item
    item(page, "アレルギー").locator(":scope > .item-card [data-action='up']").click()
    error = item(page, "アレルギー").locator(":scope > .item-error")
    expect(error).to_contain_text("表示する条件")
    expect(error).to_contain_text("前にある質問だけです")
    expect(page.locator("#save-state")).to_have_attribute("data-state", "invalid")


def test_without_javascript_every_question_shows_with_its_condition(
    browser, live_server, forms, shot
):
    from tests.browser.conftest import PHONE

    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, **PHONE)
    try:
        page = context.new_page()
        page.goto("/f/matsuri")
        expect(page.get_by_label("送迎バスの乗車場所")).to_be_visible()
        expect(
            page.get_by_text("次の場合に回答してください：「お住まいの地区」が「花泉」")
        ).to_be_visible()
        shot(page, "no-script")
        page.get_by_label("氏名").fill("一関 三郎")
        page.get_by_text("一関", exact=True).tap()
        page.get_by_label("送迎バスの乗車場所").select_option("st")  # does not apply
        page.get_by_label("参加人数").fill("2")
        page.get_by_role("button", name="入力内容の確認").tap()
        expect(page.get_by_role("heading", name="入力内容の確認")).to_be_visible()
        expect(page.locator(".review")).not_to_contain_text("送迎バス")
        page.get_by_role("button", name="送信する").tap()
        expect(page.get_by_text("受付番号", exact=True)).to_be_visible()
    finally:
        context.close()
    form = forms["matsuri"]
    record = store.query(form, []).records[0]
    columns = {e["key"]: e["column"] for e in form.storage}
    assert record.values[columns["bus"]] is None
