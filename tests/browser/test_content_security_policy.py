"""The Content-Security-Policy is on in the browser, blocks what it should, and the pages
that used inline script still work. (Every other browser test fails on a CSP violation too:
see the contexts in conftest.py.)"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import Department, Form
from app.seed import DEMO_DEPARTMENT
from tests.conftest import PASSWORD


@pytest.fixture
def sato(live_server, make_user):
    department = db.session.scalar(sa.select(Department).where(Department.name == DEMO_DEPARTMENT))
    return make_user("sato", dept=department)


def test_policy_blocks_an_injected_inline_script(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    response = page.goto("/f/senkyo-staff")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    page.evaluate(
        """() => {
            const script = document.createElement('script');
            script.textContent = 'window.injected = true';
            document.body.appendChild(script);
        }"""
    )
    assert page.evaluate("() => window.injected") is None
    assert any("Content Security Policy" in text for text in messages)
    context.close()


def test_public_form_moves_focus_to_the_problems_under_the_policy(phone, live_server):
    page = phone.new_page()
    page.goto("/f/senkyo-staff")
    page.get_by_role("button", name="入力内容の確認").tap()
    expect(page.locator("#error-summary")).to_be_focused()


def test_preview_shows_the_form_in_the_designer_and_sends_nothing(pc, live_server, sato, shot):
    form_id = db.session.scalar(sa.select(Form.id).where(Form.slug == "senkyo-staff"))
    page = pc.new_page()
    page.goto("/login")
    page.locator("#username").fill("sato")
    page.locator("#password").fill(PASSWORD)
    page.locator("#password").press("Enter")
    expect(page).to_have_url(re.compile(r"/staff/forms"))

    page.goto(f"/staff/forms/{form_id}/designer")
    page.locator("#preview-toggle").click()
    preview = page.frame_locator(".preview-frame--phone iframe")
    expect(preview.locator("h1")).to_have_text("選挙事務スタッフ募集")
    shot(page, "designer-preview")

    page.goto(f"/staff/forms/{form_id}/preview")
    address = page.url
    page.get_by_role("button", name="入力内容の確認").click()
    page.wait_for_timeout(300)
    assert page.url == address
    expect(page.locator(".preview-banner")).to_be_visible()
