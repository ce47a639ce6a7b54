"""The organisation pages in a real browser on an office PC: the department tree, a new
user's one-time password, and the CSV import's dry run."""

from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import Department
from app.seed import DEMO_DEPARTMENT
from tests.browser.test_accessibility import violations
from tests.conftest import PASSWORD


def test_admin_builds_the_organisation(pc, live_server, make_user, shot):
    department = db.session.scalar(sa.select(Department).where(Department.name == DEMO_DEPARTMENT))
    make_user("kanri", admin=True, dept=department)
    page = pc.new_page()
    page.goto("/login")
    page.get_by_label("ユーザー名").fill("kanri")
    page.get_by_label("パスワード", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()

    page.get_by_role("navigation", name="サイト").get_by_role("link", name="部署").click()
    page.get_by_label("部署名").fill("保健福祉部")
    page.get_by_role("button", name="部署を作成").click()
    expect(page.get_by_text("部署「保健福祉部」を作成しました。")).to_be_visible()
    page.get_by_label("部署名").fill("福祉課")
    page.get_by_label("上位部署").select_option(label="保健福祉部")
    page.get_by_role("button", name="部署を作成").click()
    expect(page.get_by_role("rowheader", name="福祉課")).to_have_class("tree-name tree-depth-1")
    shot(page, "departments")
    assert violations(page) == [], "departments"
    page.get_by_role("link", name="編集・移動 福祉課").click()
    expect(page.get_by_label("上位部署")).to_have_value(
        str(db.session.scalar(sa.select(Department.id).where(Department.name == "保健福祉部")))
    )
    assert violations(page) == [], "department"

    page.get_by_role("link", name="ユーザー", exact=True).first.click()
    page.get_by_role("link", name="ユーザーの作成").click()
    page.get_by_label("ユーザー名").fill("sato")
    page.get_by_label("氏名").fill("佐藤 花子")
    page.get_by_label("福祉課").check()
    page.get_by_label(DEMO_DEPARTMENT).check()
    shot(page, "new-user")
    assert violations(page) == [], "new user"
    page.get_by_role("button", name="ユーザーを作成").click()
    expect(page.get_by_role("heading", name="仮パスワード")).to_be_visible()
    expect(page.locator("code.one-time-password")).to_have_count(1)
    shot(page, "one-time-password")
    page.get_by_role("link", name="完了").click()
    expect(page.get_by_role("link", name="sato")).to_be_visible()
    assert violations(page) == [], "users"
    page.get_by_role("link", name="sato").click()
    expect(page.get_by_label("福祉課")).to_be_checked()
    assert violations(page) == [], "user"

    page.goto("/staff/organisation/import")
    page.get_by_label("またはCSVを貼り付け").nth(1).fill(
        "username,display_name,departments,admin\nsuzuki,鈴木 一郎,福祉係,0\n"
    )
    page.get_by_role("button", name="確認する（書き込みません）").click()
    expect(page.get_by_text("部署「福祉係」が見つかりません。")).to_be_visible()
    expect(page.get_by_role("button", name="取り込む")).to_have_count(0)
    shot(page, "import-problems")
    assert violations(page) == [], "import with problems"

    page.get_by_label("またはCSVを貼り付け").nth(1).fill(
        "username,display_name,departments,admin\nsuzuki,鈴木 一郎,福祉課,0\n"
    )
    page.get_by_role("button", name="確認する（書き込みません）").click()
    page.get_by_role("button", name="取り込む").click()
    expect(page.get_by_text("部署0件とユーザー1件を取り込みました。")).to_be_visible()
    expect(page.get_by_role("cell", name="suzuki")).to_be_visible()
