"""Per-form rights in a real browser: a manager grants rights on the 権限 page; a staff
member of another department cannot find or open the records; a user from whom a field is
hidden never sees it on any page."""

from __future__ import annotations

import os

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the dev extra installs it; conftest decides between skipping and failing
    if os.environ.get("ATSUME_REQUIRE_BROWSER") == "1" or os.environ.get("CI") == "true":
        raise
    pytest.skip("playwright is not installed (pip install -e '.[dev]')", allow_module_level=True)

import sqlalchemy as sa

from app.extensions import db
from app.forms.published import published_definition
from app.models import Department
from app.records.submission import submit
from tests.browser.test_accessibility import violations
from tests.browser.test_citizen_and_staff import log_in
from tests.conftest import PASSWORD

SECRET = "himitsu-tokumei@example.jp"  # the e-mail address hidden from one user


@pytest.fixture
def outsiders(live_server, make_user):
    """Two staff members of the welfare department, which has no grant on the demo forms."""
    welfare = Department(name="福祉課")
    db.session.add(welfare)
    db.session.commit()
    return make_user("tanaka", dept=welfare), make_user("kato", dept=welfare)


def test_other_department_cannot_reach_records_and_hidden_field_never_shows(
    pc, second_pc, live_server, outsiders, shot
):
    form = live_server.form("event-entry")
    record, _new = submit(
        form,
        published_definition(form),
        {"name": "一関 花子", "email": SECRET, "participants": 2},
    )
    record_urls = [
        f"/staff/forms/{form.id}",
        f"/staff/forms/{form.id}/records",
        f"/staff/forms/{form.id}/records/{record.id}",
        f"/staff/forms/{form.id}/records.csv",
        f"/staff/forms/{form.id}/permissions",
        f"/staff/forms/{form.id}/designer",
    ]

    # A staff member of another department: no link, and every address refused.
    outsider = second_pc.new_page()
    log_in(outsider, "tanaka", PASSWORD)
    outsider.goto("/staff/forms")
    expect(outsider.get_by_role("heading", level=1)).to_be_visible()
    expect(outsider.get_by_text(form.title)).to_have_count(0)
    shot(outsider, "1-outsider-forms")
    for url in record_urls:
        response = outsider.goto(url)
        assert response.status in {403, 404}, url
        assert "一関 花子" not in outsider.content() and SECRET not in outsider.content()
    shot(outsider, "2-outsider-refused")

    # The administrator grants kato the records, with the e-mail address hidden.
    manager = pc.new_page()
    log_in(manager, "admin", live_server.admin_password)
    manager.goto(f"/staff/forms/{form.id}")
    manager.get_by_role("link", name="権限").click()
    expect(manager.get_by_role("heading", level=1, name="権限")).to_be_visible()
    adding = manager.locator("#add-grant")
    adding.get_by_label("ユーザー", exact=True).check()
    adding.get_by_label("ユーザー名").fill("kato")
    adding.get_by_label("レコードの閲覧").check()
    adding.get_by_label("書き出し（エクスポート）").check()
    adding.get_by_label("メールアドレス").select_option("hidden")
    adding.get_by_role("button", name="権限を追加する").click()
    expect(manager.get_by_role("status")).to_contain_text("権限を保存しました")
    expect(manager.locator(".grant h3", has_text="ユーザー: kato")).to_be_visible()
    manager.get_by_label("確認するユーザー名").fill("kato")
    manager.get_by_role("button", name="確認").click()
    explanation = manager.locator("#explanation")
    expect(explanation).to_contain_text("ユーザー: kato")
    expect(explanation.locator("tr", has_text="メールアドレス")).to_contain_text("非表示")
    shot(manager, "3-permissions-page")
    assert violations(manager) == [], "permissions page"

    # kato finds the form and its records, never the hidden e-mail address.
    reader = second_pc.new_page()
    reader.context.clear_cookies()
    log_in(reader, "kato", PASSWORD)
    reader.goto("/staff/forms")
    reader.get_by_role("link", name=form.title).click()
    reader.get_by_role("link", name="レコード一覧").click()
    expect(reader.get_by_text("一関 花子")).to_be_visible()
    expect(reader.get_by_role("columnheader", name="メールアドレス")).to_have_count(0)
    shot(reader, "4-reader-list")
    reader.get_by_role("link", name=record.receipt_no).click()
    expect(reader.get_by_text("一関 花子")).to_be_visible()
    shot(reader, "5-reader-detail")
    for url in record_urls[:4]:
        response = reader.goto(url) if not url.endswith(".csv") else None
        if response is not None:
            assert SECRET not in reader.content(), url
    csv = reader.request.get(f"/staff/forms/{form.id}/records.csv")
    assert csv.ok and "一関 花子" in csv.text() and SECRET not in csv.text()
    assert "メールアドレス" not in csv.text()
    refused = reader.goto(f"/staff/forms/{form.id}/records?f_email.contains=himitsu")
    assert refused.status == 403
    expect(reader.get_by_role("main")).to_contain_text("f_email")
    assert SECRET not in reader.content()
    shot(reader, "6-reader-filter-refused")
    for url in (f"/staff/forms/{form.id}/permissions", f"/staff/forms/{form.id}/designer"):
        assert reader.goto(url).status == 403, url

    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Department)) >= 2
