"""Automated WCAG 2.1 A/AA checks (axe-core from npm) on the pages citizens and staff use.

axe finds what a machine can (contrast, names, labels, landmarks, ARIA misuse); the other
browser tests cover keyboard use and focus. A violation fails with axe's own description.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Form
from tests.browser.conftest import _browser_required

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def violations(page: Page) -> list[str]:
    if not AXE.exists():
        if _browser_required():
            pytest.fail(f"{AXE} is missing: run `make setup` (npm ci)")
        pytest.skip("axe-core is not installed (npm ci)")
    # Evaluated by the test driver, not added as a <script>: the page's
    # Content-Security-Policy (rightly) blocks inline scripts.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] for n in v["nodes"][:5])
        for v in result["violations"]
    ]


def test_citizen_pages_pass_wcag_checks(phone, live_server):
    page = phone.new_page()
    page.goto("/f/senkyo-staff")
    assert violations(page) == [], "form"
    page.get_by_role("button", name="入力内容の確認").tap()
    expect(page.get_by_role("alert")).to_be_visible()
    assert violations(page) == [], "form with errors"
    page.goto("/f/event-entry")
    page.get_by_label("代表者氏名").fill("一関 花子")
    page.get_by_label("メールアドレス").fill("hanako@example.jp")
    page.get_by_label("参加人数").fill("2")
    page.get_by_text("午前の部").tap()
    page.get_by_role("button", name="入力内容の確認").tap()
    expect(page.get_by_role("heading", name="入力内容の確認")).to_be_visible()
    assert violations(page) == [], "confirmation"
    page.get_by_role("button", name="送信する").tap()
    expect(page.get_by_text("受付番号", exact=True)).to_be_visible()
    assert violations(page) == [], "thank-you page"


def test_staff_pages_pass_wcag_checks(pc, live_server, make_user):
    form_id = db.session.scalar(sa.select(Form.id).where(Form.slug == "senkyo-staff"))
    admin = make_user("checker", admin=True)
    page = pc.new_page()
    page.goto("/login")
    assert violations(page) == [], "log-in"
    page.get_by_label("ユーザー名").fill(admin.username)
    page.get_by_label("パスワード").fill("correct horse battery")
    page.get_by_role("button", name="ログイン").click()
    for url in (
        "/staff/forms",
        f"/staff/forms/{form_id}",
        f"/staff/forms/{form_id}/records",
        f"/staff/forms/{form_id}/settings",
        "/staff/forms/new",
        f"/staff/forms/{form_id}/designer",
        "/staff/account/password",
    ):
        page.goto(url)
        assert violations(page) == [], url
