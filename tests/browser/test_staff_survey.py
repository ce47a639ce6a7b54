"""The internal survey on a phone: a staff member logs in, finds the survey waiting on the
home page, answers, comes back to a form filled with the answer, and changes it."""

from __future__ import annotations

import copy

import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.records.tables import record_table_name
from tests.browser.test_accessibility import violations
from tests.conftest import ELECTION, PASSWORD

SURVEY = {
    **copy.deepcopy(ELECTION),
    "title": "職員満足度調査",
    "slug": "naibu-chosa",
    "settings": {"audience": "staff", "one_answer_per_person": True, "confirm_page": False},
}


def test_a_staff_member_answers_and_changes_the_survey_on_a_phone(
    phone, live_server, make_form, make_user, shot
):
    form = make_form(copy.deepcopy(SURVEY))
    person = make_user("kato")
    person.display_name = "加藤 恵子"
    db.session.commit()
    page = phone.new_page()

    page.goto("/login")
    page.get_by_label("ユーザー名").fill("kato")
    page.get_by_label("パスワード", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    waiting = page.locator("#waiting-surveys")
    expect(waiting.get_by_role("heading", name="回答待ちのアンケート")).to_be_visible()
    shot(page, "home-waiting")
    assert violations(page) == [], "home page with a waiting survey"

    waiting.get_by_role("link", name="職員満足度調査").click()
    expect(page.get_by_role("heading", name="職員満足度調査")).to_be_visible()
    expect(page.locator("#survey-notice")).to_contain_text("1人1回答")
    page.get_by_label("氏名").fill("加藤 恵子")
    page.get_by_label("6月30日").check()
    shot(page, "answering")
    page.get_by_role("button", name="送信する").click()
    expect(page.get_by_role("heading", name="回答を受け付けました")).to_be_visible()
    shot(page, "thanks")

    page.goto("/staff/forms")
    expect(page.locator("#waiting-surveys")).to_contain_text("回答済み・修正できます")
    page.locator("#waiting-surveys").get_by_role("link", name="職員満足度調査").click()
    expect(page.get_by_label("氏名")).to_have_value("加藤 恵子")
    expect(page.get_by_label("6月30日")).to_be_checked()
    expect(page.locator("#survey-notice")).to_contain_text("回答済み")
    shot(page, "reopened")
    assert violations(page) == [], "survey filled with the earlier answer"

    page.get_by_label("6月30日").uncheck()
    page.get_by_label("7月1日").check()
    page.get_by_role("button", name="送信する").click()
    expect(page.get_by_role("heading", name="回答を受け付けました")).to_be_visible()

    db.session.rollback()
    values = sa.table(f"{record_table_name(form.id)}_values", sa.column("value"))
    records = sa.table(record_table_name(form.id), sa.column("id"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(records)) == 1
    assert db.session.scalars(sa.select(values.c.value)).all() == ["d2"]
    # the form's settings page says who answers and how, next to each setting
    page.goto(f"/staff/forms/{form.id}/settings")
    expect(page.get_by_label("職員のみ（庁内アンケート、職員ログインが必要）")).to_be_checked()
    expect(page.get_by_label("1人1回答（受付終了まで修正可）")).to_be_checked()
    shot(page, "settings")
    assert violations(page) == [], "settings of a staff survey"
    assert not live_server.errors
