"""A staff member builds a cross table and its chart in the browser, checks the numbers,
downloads the chart as PNG, prints the table and a record to PDF, and reads the summary,
on a PC and on a phone."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from playwright.sync_api import expect

from tests.analysis_data import generate, make_survey, store_rows
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_accessibility import violations
from tests.browser.test_citizen_and_staff import log_in
from tests.conftest import PASSWORD

PNG = b"\x89PNG\r\n\x1a\n"
LABELS = {"soumu": "総務課", "fukushi": "福祉課", "kyoiku": "教育課", None: "未回答"}


def _survey(make_form, make_user, count=40):
    form = make_survey(make_form)
    rows = generate(count, seed=5)
    store_rows(form, rows)
    make_user("analyst")
    return form, rows


def test_cross_table_and_chart_on_a_pc(pc, live_server, make_form, make_user, shot):
    form, rows = _survey(make_form, make_user)
    page = pc.new_page()
    log_in(page, "analyst", PASSWORD)
    page.goto(f"/staff/forms/{form.id}/records")
    page.get_by_role("link", name="クロス集計").first.click()
    expect(page.get_by_role("heading", name="クロス集計")).to_be_visible()
    form_area = page.locator("#crosstab-form")
    form_area.get_by_label("行", exact=True).select_option(label="所属")
    form_area.get_by_label("列", exact=True).select_option(label="満足度")
    form_area.get_by_label("割合").select_option(label="行の合計に対する割合")
    form_area.get_by_label("グラフ").select_option(label="積み上げ棒グラフ")
    form_area.get_by_role("button", name="集計する").click()

    table = page.locator("#crosstab-table")
    expect(table).to_be_visible()
    expected = Counter((r["dept"], r["answer"]) for r in rows)
    headers = table.locator("thead th").all_inner_texts()
    assert headers[1:] == ["高い", "普通", "低い", "未回答", "合計"]
    row_heads = table.locator("tbody th[scope=row]").all_inner_texts()
    assert row_heads == [LABELS[k] for k in ["soumu", "fukushi", "kyoiku", None]]
    for i, dept in enumerate(["soumu", "fukushi", "kyoiku", None]):
        for j, answer in enumerate(["高い", "普通", "低い", None]):
            cell = table.locator(f'[data-cell="{i}-{j}"]').inner_text()
            assert cell.split("\n")[0] == str(expected[(dept, answer)]), (dept, answer)
    expect(page.locator("#crosstab-total")).to_contain_text(str(len(rows)))
    expect(table.locator('[data-row-total="0"]')).to_contain_text("100.0%")
    canvas = page.locator("#crosstab-chart")
    expect(canvas).to_have_attribute("data-drawn", "true")
    assert "rows=dept" in page.url and "chart=stacked" in page.url  # the state is the URL

    with page.expect_download() as info:
        page.get_by_role("button", name="PNGをダウンロード").click()
    png = Path(info.value.path()).read_bytes()
    assert png.startswith(PNG) and len(png) > 2000
    (SCREENSHOTS / "crosstab-chart-download.png").write_bytes(png)
    shot(page, "crosstab-desktop")
    assert violations(page) == [], "cross table"

    # saved with a view, the table comes back from the view selector
    page.get_by_text("このクロス集計をビューに保存").click()
    page.get_by_label("ビューの名前").fill("所属別の満足度")
    page.get_by_label("フォームの利用者と共有する").check()
    page.locator("#crosstab-save").screenshot(path=str(SCREENSHOTS / "crosstab-save-form.png"))
    page.get_by_role("button", name="ビューを保存").click()
    expect(page.locator(".notice--success")).to_contain_text("所属別の満足度")
    page.goto(f"/staff/forms/{form.id}/records")
    page.locator("#view-select").select_option(label="所属別の満足度 (クロス集計あり) (共有)")
    page.get_by_role("link", name="このビューのクロス集計を開く").click()
    table = page.locator("#crosstab-table")
    for i, dept in enumerate(["soumu", "fukushi", "kyoiku", None]):
        for j, answer in enumerate(["高い", "普通", "低い", None]):
            cell = table.locator(f'[data-cell="{i}-{j}"]').inner_text()
            assert cell.split("\n")[0] == str(expected[(dept, answer)]), (dept, answer)
    expect(page.locator("#crosstab-form").get_by_label("グラフ")).to_have_value("stacked")
    expect(page.locator("#crosstab-chart")).to_have_attribute("data-drawn", "true")
    assert "view=" in page.url and "rows=" not in page.url
    shot(page, "crosstab-saved-view")
    assert violations(page) == [], "saved cross table"

    # the same address with a multiple choice, a fiscal year and a horizontal bar chart
    page.goto(f"/staff/forms/{form.id}/records/crosstab?rows=created_at:fy&cols=topics&chart=hbar")
    expect(page.locator("#crosstab-chart")).to_have_attribute("data-drawn", "true")
    expect(page.locator("#crosstab-table thead")).to_contain_text("年度")
    expect(page.locator("#crosstab-table tbody")).to_contain_text("2025年度")

    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    (SCREENSHOTS.parent / "crosstab.pdf").write_bytes(pdf)
    page.emulate_media(media="screen")

    # one record printed as PDF
    page.goto(f"/staff/forms/{form.id}/records/{rows[0]['id']}")
    expect(page.get_by_role("heading", name="受付番号")).to_be_visible()
    page.emulate_media(media="print")
    record_pdf = page.pdf(format="A4")
    assert record_pdf.startswith(b"%PDF") and len(record_pdf) > 1000
    (SCREENSHOTS.parent / "record.pdf").write_bytes(record_pdf)
    assert not live_server.errors


def test_summary_and_cross_table_on_a_phone(phone, live_server, make_form, make_user, shot):
    form, rows = _survey(make_form, make_user)
    page = phone.new_page()
    log_in(page, "analyst", PASSWORD)
    page.goto(f"/staff/forms/{form.id}/records/summary")
    expect(page.get_by_role("heading", name="集計")).to_be_visible()
    total = page.locator("h1")
    expect(total).to_contain_text(str(len(rows)))
    section = page.locator("section", has=page.get_by_role("heading", name="所属"))
    dept = Counter(r["dept"] for r in rows)
    expect(section.locator("tbody tr").first).to_contain_text(str(dept["soumu"]))
    for canvas in page.locator("canvas[data-chart]").all():
        expect(canvas).to_have_attribute("data-drawn", "true")
    shot(page, "summary-phone")
    page.screenshot(path=str(SCREENSHOTS / "summary-phone-top.png"))
    page.get_by_role("heading", name="数値の項目").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "summary-phone-numbers.png"))
    assert violations(page) == [], "summary on a phone"

    page.goto(f"/staff/forms/{form.id}/records/crosstab?rows=dept&cols=answer&pct=total&chart=pie")
    expect(page.locator("#crosstab-chart")).to_have_attribute("data-drawn", "true")
    shot(page, "crosstab-phone")
    page.locator("#crosstab-table").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "crosstab-phone-table.png"))
    assert violations(page) == [], "cross table on a phone"
    assert not live_server.errors


def test_summary_on_a_pc(pc, live_server, make_form, make_user, shot):
    form, _rows = _survey(make_form, make_user)
    page = pc.new_page()
    log_in(page, "analyst", PASSWORD)
    page.goto(f"/staff/forms/{form.id}/records/summary")
    expect(page.locator("#chart-per-period")).to_have_attribute("data-drawn", "true")
    shot(page, "summary-desktop")
    assert violations(page) == [], "summary"
