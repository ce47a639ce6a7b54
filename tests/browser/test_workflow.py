"""The records workflow in a real browser: change a status on a record's page, change two
records at once from the list, move a record to the trash and restore it; the settings
page and the entry on behalf of a citizen. Every page passes the axe-core checks."""

from __future__ import annotations

import copy
import re

from playwright.sync_api import expect

from app.forms.published import published_definition
from app.records import workflow
from app.records.access import RecordAccess
from app.records.submission import submit
from tests.browser.test_accessibility import violations
from tests.conftest import ELECTION, PASSWORD

DOCUMENT = {**copy.deepcopy(ELECTION), "title": "投票立会人の募集", "slug": "tachiainin"}


def _log_in(page, user):
    page.goto("/login")
    page.get_by_label("ユーザー名").fill(user.username)
    page.get_by_label("パスワード", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page).to_have_url(re.compile(r"/staff/forms$"))


def _records(live_server, staff, form):
    live_server.form(form.slug)  # a fresh read of what the server thread wrote
    return sorted(RecordAccess(staff, form).page([]).records, key=lambda r: r.id)


def test_status_bulk_change_trash_and_restore(pc, live_server, make_form, staff, shot):
    form = make_form(copy.deepcopy(DOCUMENT))
    definition = published_definition(form)
    names = ["一関 太郎", "花泉 次郎", "千厩 三郎"]
    ids = [submit(form, definition, {"name": n, "ward": "一関"})[0].id for n in names]
    page = pc.new_page()
    _log_in(page, staff)

    # one record: its page offers the next statuses
    page.goto(f"/staff/forms/{form.id}/records/{ids[0]}")
    panel = page.locator(".workflow-panel")
    expect(panel).to_contain_text("受付")
    page.get_by_label("変更後のステータス").select_option(label="確認中")
    shot(page, "detail")
    assert violations(page) == [], "record page"
    page.get_by_role("button", name="ステータスを変更").click()
    expect(page.get_by_role("status").first).to_contain_text("確認中")
    expect(panel.locator(".status")).to_have_text("確認中")
    assert [r.status for r in _records(live_server, staff, form)] == ["in_review", "new", "new"]

    # two records at once from the list, confirmed with their count
    page.goto(f"/staff/forms/{form.id}/records")
    expect(page.locator(".status-chips")).to_contain_text("受付 2")
    for record_id in ids[1:]:
        page.locator(f'input[name="record"][value="{record_id}"]').check()
    expect(page.locator("[data-selected-count]")).to_have_text("（2件選択中）")
    page.get_by_label("操作", exact=True).select_option(label="完了")
    shot(page, "list-selected")
    assert violations(page) == [], "records list"
    page.get_by_role("button", name="確認へ進む…").click()
    expect(page.locator(".bulk-count")).to_contain_text("対象は2件です。")
    shot(page, "bulk-confirm")
    assert violations(page) == [], "bulk confirmation"
    page.get_by_role("button", name="2件に実行する").click()
    expect(page.get_by_role("status").first).to_contain_text("2件の記録を変更しました。")
    expect(page.locator(".status-chips")).to_contain_text("完了 2")
    shot(page, "list-after-bulk")
    assert [r.status for r in _records(live_server, staff, form)] == ["in_review", "done", "done"]

    # the trash, and back
    page.goto(f"/staff/forms/{form.id}/records/{ids[0]}")
    page.get_by_role("button", name="ごみ箱に移す").click()
    banner = page.locator(".trash-banner")
    expect(banner).to_contain_text("この記録はごみ箱にあります。")
    shot(page, "trashed")
    assert violations(page) == [], "trashed record"
    assert len(_records(live_server, staff, form)) == 2
    page.goto(f"/staff/forms/{form.id}/trash")
    receipt = RecordAccess(staff, form).get(ids[0], trashed=True).receipt_no
    expect(page.get_by_role("link", name=receipt)).to_be_visible()
    shot(page, "trash")
    assert violations(page) == [], "trash page"
    page.goto(f"/staff/forms/{form.id}/records/{ids[0]}")
    banner.get_by_role("button", name="復元").click()
    expect(page.get_by_role("status").first).to_contain_text("1件の記録を復元しました。")
    expect(page.locator(".trash-banner")).to_have_count(0)
    assert len(_records(live_server, staff, form)) == 3
    assert not live_server.errors


def test_workflow_settings_and_entry_on_behalf(pc, phone, live_server, make_form, staff, shot):
    form = make_form(copy.deepcopy(DOCUMENT))
    page = pc.new_page()
    _log_in(page, staff)

    page.goto(f"/staff/forms/{form.id}/workflow")
    page.get_by_label("「new」の表示名").fill("申込受付")
    page.get_by_role("button", name="「完了」を上へ").click()  # moved by the script, no reload
    expect(page.locator("tbody[data-sortable-statuses] tr").nth(1)).to_have_attribute(
        "data-key", "done"
    )
    page.get_by_label("追加するステータスのキー（半角英小文字・数字・_）").fill("papers")
    page.get_by_label("追加するステータスの表示名").fill("書類待ち")
    page.get_by_label("下でチェックした遷移だけを許可する").check()
    page.get_by_label("「受付」から「確認中」へ").check()
    shot(page, "settings")
    assert violations(page) == [], "workflow settings"
    page.get_by_role("button", name="ワークフローを保存", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("ワークフローを保存しました。")
    saved = live_server.form(form.slug)
    assert [s.key for s in workflow.statuses(saved)] == [
        "new",
        "done",
        "in_review",
        "cancelled",
        "papers",
    ]
    expect(page.get_by_role("heading", name="遷移ごとの実行者")).to_be_visible()
    shot(page, "settings-saved")
    assert violations(page) == [], "workflow settings with a move"

    # a key that is not allowed is shown next to the field
    page.get_by_label("追加するステータスのキー（半角英小文字・数字・_）").fill("書類")
    page.get_by_label("追加するステータスの表示名").fill("書類")
    page.get_by_role("button", name="ワークフローを保存", exact=True).click()
    expect(page.locator("#err-add-key")).to_be_visible()
    assert violations(page) == [], "workflow settings with an error"

    # a phone application, entered by staff
    mobile = phone.new_page()
    _log_in(mobile, staff)
    mobile.goto(f"/staff/forms/{form.id}/records/new")
    mobile.get_by_label("氏名").fill("電話 花子")
    shot(mobile, "on-behalf")
    assert violations(mobile) == [], "entry on behalf"
    mobile.get_by_role("button", name="登録する").click()
    expect(mobile.locator(".source--staff")).to_have_text("職員が代理入力")
    shot(mobile, "on-behalf-added")
    mobile.goto(f"/staff/forms/{form.id}/records")
    expect(mobile.locator(".source--staff")).to_have_count(1)
    shot(mobile, "list-phone")
    assert violations(mobile) == [], "records list on a phone"
    mobile.goto(f"/staff/forms/{form.id}/workflow")
    shot(mobile, "settings-phone")
    assert violations(mobile) == [], "workflow settings on a phone"
    assert not live_server.errors
