"""The office's identity as a citizen sees it on a phone, and the sharing page as staff see it."""

from __future__ import annotations

from playwright.sync_api import expect

from app.extensions import db
from app.seed import DEMO_OFFICE
from tests.browser.test_accessibility import violations
from tests.conftest import PASSWORD


def test_a_citizen_sees_whose_form_it_is_and_whom_to_call(phone, live_server, shot):
    page = phone.new_page()
    page.goto("/f/senkyo-staff")
    header = page.locator(".site-header")
    expect(header).to_contain_text(DEMO_OFFICE)
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_count(1)
    assert heading.inner_text() not in header.inner_text(), "the title is not repeated"
    contact = page.locator(".public-footer")
    expect(contact.get_by_role("heading", name="お問い合わせ")).to_be_visible()
    expect(contact).to_contain_text("総務課")
    expect(contact.get_by_role("link", name="000-000-0000")).to_have_attribute(
        "href", "tel:0000000000"
    )
    contact.scroll_into_view_if_needed()
    shot(page, "public-contact")
    assert violations(page) == [], "public form with the office's identity"


def test_staff_share_a_form_by_qr_code_and_embedding(pc, live_server, make_user, shot):
    user = make_user("sato", admin=True)
    user.must_change_password = False
    db.session.commit()
    page = pc.new_page()
    page.goto("/login")
    page.get_by_label("ユーザー名").fill("sato")
    page.get_by_label("パスワード", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    form = live_server.form("senkyo-staff")
    page.goto(f"/staff/forms/{form.id}")
    page.get_by_role("link", name="QRコードと埋め込み").click()
    qr = page.locator("img.share-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0
    with page.expect_download() as download:
        page.get_by_role("link", name="PNGをダウンロード").click()
    assert download.value.suggested_filename == "senkyo-staff-qr.png"
    page.get_by_label("このフォームを埋め込めるサイト").fill("https://www.city.example.jp")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_label("ウェブサイトのページに貼り付けるコード")).to_have_value(
        f'<iframe src="{live_server.url}/f/senkyo-staff" title="{form.title}" width="100%" '
        'height="900" style="border: 0; max-width: 48rem;" loading="lazy"></iframe>'
    )
    shot(page, "share")
    assert violations(page) == [], "sharing page"
    page.goto("/staff/identity")
    page.get_by_label("団体名").fill("あおば市")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".notice--success")).to_be_visible()
    assert violations(page) == [], "office name and logo page"
