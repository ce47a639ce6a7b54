import re, time
from playwright.sync_api import expect
from tests.browser.test_designer import log_in, designer_staff, draft_form, select, expect_saved  # noqa

def test_probe(pc, live_server, designer_staff, draft_form):
    page = pc.new_page()
    log_in(page, designer_staff.username)
    page.goto(f"/staff/forms/{draft_form.id}/designer")
    select(page, "氏名")
    page.locator("#prop-label").click()
    page.keyboard.type("お名前")
    expect_saved(page)
    print("FOCUS1", page.evaluate("document.activeElement.outerHTML.slice(0,100)"))
    page.locator("#prop-help").click()
    page.keyboard.type("ゆっくり")
    time.sleep(0.5)
    page.keyboard.type("入力")
    expect_saved(page)
    time.sleep(0.3)
    page.keyboard.type("続き")
    time.sleep(1.5)
    print("FOCUS2", page.evaluate("document.activeElement.outerHTML.slice(0,100)"), page.locator("#prop-help").input_value())
