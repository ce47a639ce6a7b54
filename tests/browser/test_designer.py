"""Staff build a form in the drag-and-drop designer; a citizen fills it; staff find the record.

Driven in Debian's Chromium through Playwright against the real app on a live server, with
CSRF protection on. The designer's SortableJS runs with ``forceFallback``, so drags are plain
mouse events: the helpers below press, move in small steps and release, as a hand does.
Screenshots go to tests/output/screenshots/.
"""

from __future__ import annotations

import copy
import json
import os
import re
import time

import pytest
import sqlalchemy as sa

try:
    from playwright.sync_api import Locator, Page, expect
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # the dev extra installs it; conftest decides between skipping and failing
    if os.environ.get("ATSUME_REQUIRE_BROWSER") == "1" or os.environ.get("CI") == "true":
        raise
    pytest.skip("playwright is not installed (pip install -e '.[dev]')", allow_module_level=True)

from app.extensions import db
from app.forms import operations
from app.models import Department, Form
from app.records import store
from app.seed import DEMO_DEPARTMENT
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

TITLE = "選挙事務スタッフ募集テスト"
DAYS = ["期日前投票（平日）", "期日前投票（土日）", "投票日当日", "開票作業"]
EXPERIENCE = ["なし", "1回", "2回以上"]
PHONE_WIDTH = {"width": 390, "height": 844}


# --- fixtures ---------------------------------------------------------------------------------


def _demo_department() -> Department:
    return db.session.scalar(sa.select(Department).where(Department.name == DEMO_DEPARTMENT))


@pytest.fixture
def designer_staff(live_server, make_user):
    """A staff member of the department owning the demo forms (password already chosen)."""
    user = make_user("sato", dept=_demo_department())
    user.display_name = "佐藤 一郎"
    db.session.commit()
    return user


@pytest.fixture
def colleague(live_server, make_user):
    """A second staff member of the same department."""
    user = make_user("takahashi", dept=_demo_department())
    user.display_name = "高橋 次郎"
    db.session.commit()
    return user


@pytest.fixture
def draft_form(designer_staff):
    """A saved draft: a text field, a number from 18 to 99 and a multiple choice."""
    document = {
        "title": "研修会参加申込",
        "fields": [
            {"key": "name", "type": "text", "label": "氏名", "required": True},
            {"key": "age", "type": "number", "label": "年齢", "min": 18, "max": 99},
            {
                "key": "days",
                "type": "checkboxes",
                "label": "参加できる日",
                "choices": [{"value": "d1", "label": "6月1日"}, {"value": "d2", "label": "6月2日"}],
            },
        ],
    }
    return operations.create_form(copy.deepcopy(document), designer_staff)


def stored_draft(form_id: int) -> tuple[dict, int]:
    """The draft as the database has it now (the server thread writes it)."""
    db.session.rollback()
    form = db.session.get(Form, form_id)
    db.session.refresh(form)
    return form.draft, form.draft_revision


# --- helpers ----------------------------------------------------------------------------------


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("#password").press("Enter")
    expect(page).to_have_url(re.compile(r"/staff/forms"))


def bootstrap(page: Page) -> dict:
    return json.loads(page.locator("#designer-data").text_content())


ORDER_JS = """() => {
    const label = node => node.querySelector(':scope > .item-card .item-label').textContent;
    return Array.from(document.querySelectorAll('#canvas-root .item')).map(node => {
        const section = node.parentElement.closest('.item');
        return section ? label(section) + ' › ' + label(node) : label(node);
    });
}"""


def canvas_order(page: Page) -> list[str]:
    """The labels on the canvas in reading order; "section › label" for items in a section."""
    return page.evaluate(ORDER_JS)


def expect_order(page: Page, expected: list[str]) -> None:
    """Wait until the canvas shows *expected* (it re-renders just after a drop)."""
    try:
        page.wait_for_function(
            f"expected => JSON.stringify(({ORDER_JS})()) === JSON.stringify(expected)",
            arg=expected,
            timeout=5_000,
        )
    except PlaywrightTimeout:
        assert canvas_order(page) == expected  # fails with a readable difference
        raise


def item(page: Page, label: str) -> Locator:
    """The canvas item (li.item) whose own card shows *label*."""
    exactly = re.compile(f"^{re.escape(label)}$")
    return page.locator("#canvas-root .item").filter(
        has=page.locator(":scope > .item-card .item-label", has_text=exactly)
    )


def palette(page: Page, type_name: str) -> Locator:
    return page.locator(f'#palette-list .palette-item[data-type="{type_name}"]')


def expect_saved(page: Page) -> None:
    """The save state says "saved" (failing with the problems the page shows, if any)."""
    try:
        expect(page.locator("#save-state")).to_have_attribute("data-state", "saved")
    except AssertionError as exc:
        problems = page.locator("#designer-problems")
        if problems.is_visible():
            raise AssertionError(f"{exc}\nThe page shows: {problems.inner_text()}") from None
        raise


def drag(page: Page, source: Locator, target: Locator, at: float = 0.5, hold=None) -> None:
    """Press on *source*, move like a hand and release over *target*, *at* of its height.

    *hold*, if given, is called while the pointer is still pressed over the target.
    The pointer first travels vertically to the target's height (inside the palette or the
    canvas), then sideways, so the first list entry it crosses is the target itself.
    """
    # the cards are drawn by the server: wait until their heights are final, as an eye does
    expect(page.locator("#canvas-root")).to_have_attribute("data-cards", "ready")
    source.evaluate("node => node.scrollIntoView({block: 'center'})")
    box = source.bounding_box()
    x, y = box["x"] + min(box["width"] / 2, 40), box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 4, y + 4, steps=4)  # past SortableJS's tolerance: the drag starts
    time.sleep(0.05)
    goal = target.bounding_box()
    # SortableJS scrolls the page when the pointer nears the window's edge: stay clear of it
    assert goal and 40 < goal["y"] + goal["height"] * at < page.viewport_size["height"] - 40

    gx, gy = goal["x"] + min(goal["width"] / 2, 120), goal["y"] + goal["height"] * at
    page.mouse.move(x + 4, gy, steps=8)
    page.mouse.move(gx, gy, steps=12)
    time.sleep(0.2)  # the list animates (150 ms); let it settle under the pointer
    page.mouse.move(gx + 2, gy, steps=2)
    if hold:
        hold()
    page.mouse.up()


def select(page: Page, label: str) -> None:
    item(page, label).locator(":scope > .item-card .item-select").click()
    expect(item(page, label)).to_have_class(re.compile(r"\bitem--selected\b"))


def tab_to(page: Page, target: Locator, *, back: bool = False, limit: int = 150) -> int:
    """Press Tab (Shift+Tab) until *target* has the focus; return how many presses it took."""
    key = "Shift+Tab" if back else "Tab"
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        if target.evaluate("node => node === document.activeElement"):
            return presses
    raise AssertionError(f"{target} not reached with {limit} × {key}")


def retype(page: Page, text: str) -> None:
    """Replace the text of the focused box, as a keyboard user does."""
    page.keyboard.press("Control+a")
    page.keyboard.type(text)


def find_record(page: Page, form_id: int, receipt: str) -> None:
    """Staff: the record list, filtered by receipt number, shows the record."""
    page.goto(f"/staff/forms/{form_id}/records")
    page.locator("details.filters > summary", has_text="絞り込み").click()
    box = page.locator('input[name="receipt_no.contains"]')
    box.fill(receipt)
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"receipt_no\.contains="))
    records = page.locator(".table--records tbody tr")
    expect(records).to_have_count(1)
    expect(records.first.get_by_role("link", name=receipt)).to_be_visible()


# --- 1. building a form with the mouse --------------------------------------------------------


def test_build_publish_and_fill_by_drag_and_drop(pc, phone, live_server, designer_staff, shot):
    page = pc.new_page()
    # a tall desktop screen: the palette (every field type) and the canvas side by side,
    # so a drag never nears the window's edge where SortableJS scrolls
    page.set_viewport_size({"width": 1280, "height": 1500})
    log_in(page, designer_staff.username)
    page.goto("/staff/forms/new")
    page.locator("#title").fill(TITLE)
    page.locator('input[name="start"][value="blank"]').check()
    page.locator("form.card button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/staff/forms/\d+/designer$"))
    expect(page.locator("#designer-heading")).to_have_text(TITLE)
    data = bootstrap(page)
    form_id, slug = data["form"]["id"], data["form"]["slug"]
    expect(page.locator("#canvas-root > .item")).to_have_count(1)
    first = canvas_order(page)[0]  # the blank form starts with a "name" text field

    # Drag field types from the palette onto the canvas.
    drag(page, palette(page, "tel"), item(page, first), at=0.8)
    expect(page.locator("#canvas-root > .item")).to_have_count(2)
    expect_order(page, [first, "電話番号"])
    expect(page.locator("#announcer")).to_have_text("「電話番号」を2番目に追加しました。")

    # One item dropped between two others.
    drag(page, palette(page, "text"), item(page, "電話番号"), at=0.3)
    expect_order(page, [first, "1行テキスト", "電話番号"])
    expect(item(page, "1行テキスト")).to_have_class(re.compile(r"\bitem--selected\b"))
    page.locator("#prop-label").fill("ふりがな")
    expect(item(page, "ふりがな")).to_have_count(1)

    drag(page, palette(page, "number"), item(page, "電話番号"), at=0.8)
    expect_order(page, [first, "ふりがな", "電話番号", "数値"])
    page.locator("#prop-label").fill("年齢")

    # Reorder by dragging a card by its handle: 年齢 goes between ふりがな and 電話番号.
    expect_saved(page)
    drag(
        page,
        item(page, "年齢").locator(":scope > .item-card .drag-handle"),
        item(page, "電話番号"),
        at=0.3,
    )
    expect_order(page, [first, "ふりがな", "年齢", "電話番号"])
    expect(page.locator("#announcer")).to_have_text("「年齢」を3番目に移動しました。")
    expect_saved(page)
    draft, _ = stored_draft(form_id)
    assert [f["label"] for f in draft["fields"]] == [first, "ふりがな", "年齢", "電話番号"]

    drag(page, palette(page, "email"), item(page, "電話番号"), at=0.8)
    # After a drag, the palette entry still adds at the end when pressed.
    palette(page, "text").get_by_role("button").click()
    expect_order(page, [first, "ふりがな", "年齢", "電話番号", "メールアドレス", "1行テキスト"])
    page.locator("#prop-label").fill("住所")

    # A section, then fields dragged into it.
    drag(page, palette(page, "section"), item(page, "住所"), at=0.8)
    section = item(page, "セクション")
    expect(section.locator(".section-list")).to_be_visible()
    page.locator("#prop-label").fill("勤務の希望")
    section = item(page, "勤務の希望")
    # The draft is saved while this drag is under way (the canvas must not be rebuilt under
    # the pointer: the drop would be lost).
    drag(
        page,
        palette(page, "checkboxes"),
        section.locator(".section-list"),
        hold=lambda: expect_saved(page),
    )
    expect(section.locator(".section-list > .item")).to_have_count(1)
    drag(page, palette(page, "radio"), section.locator(".section-list > .item").first, at=0.8)
    expect(section.locator(".section-list > .item")).to_have_count(2)
    assert canvas_order(page)[-2:] == ["勤務の希望 › 複数選択", "勤務の希望 › 単一選択（ボタン）"]
    palette(page, "consent").get_by_role("button").click()

    # Properties of each item.
    select(page, first)
    page.locator("#prop-required").check()
    expect(item(page, first).locator(".required")).to_be_visible()

    select(page, "ふりがな")
    page.locator("#prop-required").check()
    page.locator("#prop-help").fill("カタカナで入力しても、ひらがなで保存されます。")
    page.locator("#prop-kana").select_option("hiragana")

    select(page, "年齢")
    page.locator("#prop-help").fill("投票日時点の年齢")
    page.locator("#prop-min").fill("18")
    page.locator("#prop-max").fill("７５")  # full-width digits from a Japanese IME
    page.locator("#prop-unit").fill("歳")

    select(page, "電話番号")
    page.locator("#prop-required").check()
    select(page, "住所")
    page.locator("#prop-required").check()

    select(page, "複数選択")
    page.locator("#prop-label").fill("従事できる日")
    page.locator("#prop-required").check()
    page.locator("#prop-choices").get_by_role("button", name="まとめて入力").click()
    paste = page.locator("#prop-choices-paste")
    expect(paste).to_be_focused()
    paste.fill("\n".join(DAYS) + "\n")
    page.get_by_role("button", name="この選択肢にする").click()
    expect(page.locator("#prop-choices .choice-row")).to_have_count(len(DAYS))
    expect(page.locator("#prop-choices-3")).to_have_value("開票作業")

    select(page, "単一選択（ボタン）")
    page.locator("#prop-label").fill("選挙事務の経験")
    page.locator("#prop-required").check()
    rows = page.locator("#prop-choices .choice-row")
    expect(rows).to_have_count(3)  # a new single choice starts with three placeholder choices
    for _ in range(3):  # drop the placeholders
        page.locator("#prop-choices .choice-row").first.locator(".icon-button--danger").click()
    expect(rows).to_have_count(0)
    for index, label in enumerate(EXPERIENCE):
        page.locator("#prop-choices").get_by_role("button", name="選択肢を追加").click()
        new_row = page.locator(f"#prop-choices-{index}")
        expect(new_row).to_be_focused()
        new_row.fill(label)

    select(page, "同意チェックボックス")
    page.locator("#prop-label").fill("個人情報の取扱いに同意する")
    page.locator("#prop-required").check()
    page.locator("#prop-statement").fill("応募情報は選挙事務の連絡にのみ使用します。")

    expect_saved(page)
    expect(page.locator("#save-state")).to_have_text("すべての変更を保存しました")
    expected = [
        first,
        "ふりがな",
        "年齢",
        "電話番号",
        "メールアドレス",
        "住所",
        "勤務の希望",
        "勤務の希望 › 従事できる日",
        "勤務の希望 › 選挙事務の経験",
        "個人情報の取扱いに同意する",
    ]
    expect_order(page, expected)
    draft, _ = stored_draft(form_id)
    labels = [f["label"] for f in draft["fields"]]
    assert labels == [
        first,
        "ふりがな",
        "年齢",
        "電話番号",
        "メールアドレス",
        "住所",
        "勤務の希望",
        "個人情報の取扱いに同意する",
    ]
    fields = {f["label"]: f for f in draft["fields"]}
    inner = {f["label"]: f for f in fields["勤務の希望"]["fields"]}
    assert fields["ふりがな"]["kana"] == "hiragana" and fields["ふりがな"]["required"]
    assert (fields["年齢"]["min"], fields["年齢"]["max"], fields["年齢"]["unit"]) == (18, 75, "歳")
    assert [c["label"] for c in inner["従事できる日"]["choices"]] == DAYS
    assert [c["label"] for c in inner["選挙事務の経験"]["choices"]] == EXPERIENCE
    select(page, "年齢")
    page.mouse.move(0, 0)
    shot(page, "1-designer-pc")

    # Preview: the saved draft in a phone frame and a PC frame.
    page.locator("#preview-toggle").click()
    expect(page.locator("#preview-toggle")).to_have_attribute("aria-expanded", "true")
    for frame in (".preview-frame--phone iframe", ".preview-frame--pc iframe"):
        preview = page.frame_locator(frame)
        expect(preview.locator("h1")).to_have_text(TITLE)
        expect(preview.get_by_label("年齢")).to_be_visible()
        expect(preview.locator(".preview-banner")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "2-preview")
    page.locator("#preview-toggle").click()
    expect(page.locator("#preview-pane")).to_be_hidden()

    # The designer at phone width.
    page.set_viewport_size(PHONE_WIDTH)
    expect(page.locator("#palette-list")).to_be_visible()
    shot(page, "3-designer-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Publish: the dialog lists the changes, then a toast confirms.
    page.locator("#publish-button").click()
    dialog = page.locator("#publish-dialog")
    expect(dialog).to_be_visible()
    # a first publication shows the address, not a list of nine "added" items
    expect(dialog.locator(".change-list > li")).to_have_count(0)
    expect(dialog.locator(".public-url")).to_have_text(re.compile(rf"/f/{re.escape(slug)}$"))
    expect(dialog).to_contain_text("アドレスは「設定」で変更できます。")
    expect(page.locator("#publish-confirm")).to_be_focused()
    shot(page, "4-publish-dialog")
    page.locator("#publish-confirm").click()
    expect(dialog).to_be_hidden()
    toast = page.locator("#toast")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text("第1版を公開しました。")
    expect(toast.get_by_role("link")).to_have_attribute("href", re.compile(rf"/f/{slug}$"))
    shot(page, "5-published")

    # A citizen on a phone fills the published form.
    citizen = phone.new_page()
    citizen.goto(f"/f/{slug}")
    expect(citizen.get_by_role("heading", level=1)).to_have_text(TITLE)
    citizen.get_by_label(first).fill("一関 太郎")
    citizen.get_by_label("ふりがな").fill("イチノセキ タロウ")
    citizen.get_by_label("年齢").fill("４２")
    citizen.get_by_label("電話番号").fill("0191-21-2111")
    citizen.get_by_label("メールアドレス").fill("taro@example.jp")
    citizen.get_by_label("住所").fill("一関市竹山町7-2")
    section = citizen.get_by_role("group", name="勤務の希望")
    section.get_by_role("group", name="従事できる日").get_by_label("投票日当日").check()
    section.get_by_role("group", name="従事できる日").get_by_label("開票作業").check()
    section.get_by_role("group", name="選挙事務の経験").get_by_label("1回", exact=True).check()
    citizen.get_by_label("上記に同意する").check()
    citizen.locator('button[value="confirm"]').tap()
    expect(citizen.locator("dl.review")).to_contain_text("いちのせき たろう")
    expect(citizen.locator("dl.review")).to_contain_text("投票日当日、開票作業")
    citizen.locator('button[value="submit"]').tap()
    expect(citizen).to_have_url(re.compile(rf"/f/{slug}/thanks/"))
    receipt = citizen.locator(".receipt-number").inner_text().strip()
    assert receipt

    # Staff find that record by its receipt number.
    find_record(page, form_id, receipt)
    db.session.rollback()
    assert store.count(db.session.get(Form, form_id)) == 1


# --- 2. the same with the keyboard only ---------------------------------------------------------


def _focused(page: Page) -> str:
    """A short description of the focused element, for assertion messages."""
    return page.evaluate("""() => { const e = document.activeElement;
        return e ? e.outerHTML.slice(0, 120) : 'nothing'; }""")


def tool(page: Page, label: str, action: str) -> Locator:
    """The move up/down, duplicate or delete button of the item showing *label*."""
    return item(page, label).locator(f":scope > .item-card [data-action='{action}']")


def select_button(page: Page, label: str) -> Locator:
    return item(page, label).locator(":scope > .item-card .item-select")


def test_build_and_publish_with_the_keyboard_only(pc, second_pc, live_server, designer_staff, shot):
    page = pc.new_page()
    log_in(page, designer_staff.username)
    page.goto("/staff/forms/new")
    tab_to(page, page.locator("#title"))
    page.keyboard.type(TITLE)
    page.keyboard.press("Enter")  # the blank form is chosen already
    expect(page).to_have_url(re.compile(r"/staff/forms/\d+/designer$"))
    data = bootstrap(page)
    form_id, slug = data["form"]["id"], data["form"]["slug"]
    expect(page.locator("#canvas-root > .item")).to_have_count(1)  # the script has drawn it
    first = canvas_order(page)[0]
    announcer = page.locator("#announcer")
    presses = {}

    # Add items with the palette buttons: each lands at the end and takes the focus.
    added = [
        ("tel", "電話番号"),
        ("number", "数値"),
        ("section", "セクション"),
        ("checkboxes", "複数選択"),
        ("radio", "単一選択（ボタン）"),
        ("consent", "同意チェックボックス"),
    ]
    for type_name, label in added:
        presses[f"palette {type_name}"] = tab_to(
            page, palette(page, type_name).get_by_role("button"), back=type_name != "tel"
        )
        page.keyboard.press("Enter")
        expect(select_button(page, label)).to_be_focused()
        expect(announcer).to_have_text(f"「{label}」をフォームの最後に追加しました。")
    expect_order(page, [first] + [label for _, label in added])

    # Move 数値 up one place: the focus stays on its "move up" button.
    presses["to 数値 move up"] = tab_to(page, tool(page, "数値", "up"), back=True)
    page.keyboard.press("Enter")
    expect_order(
        page,
        [
            first,
            "数値",
            "電話番号",
            "セクション",
            "複数選択",
            "単一選択（ボタン）",
            "同意チェックボックス",
        ],
    )
    expect(tool(page, "数値", "up")).to_be_focused()
    expect(announcer).to_have_text("「数値」を2番目に移動しました。")

    # 複数選択 moves up into the section, up again out of it, then down into it again.
    tab_to(page, tool(page, "複数選択", "up"))
    page.keyboard.press("Enter")
    expect_order(
        page,
        [
            first,
            "数値",
            "電話番号",
            "セクション",
            "セクション › 複数選択",
            "単一選択（ボタン）",
            "同意チェックボックス",
        ],
    )
    expect(tool(page, "複数選択", "up")).to_be_focused()
    expect(announcer).to_have_text("「複数選択」を5番目に移動しました。")
    page.keyboard.press("Enter")
    expect_order(
        page,
        [
            first,
            "数値",
            "電話番号",
            "複数選択",
            "セクション",
            "単一選択（ボタン）",
            "同意チェックボックス",
        ],
    )
    expect(tool(page, "複数選択", "up")).to_be_focused()
    expect(announcer).to_have_text("「複数選択」を4番目に移動しました。")
    page.keyboard.press("Tab")
    expect(tool(page, "複数選択", "down")).to_be_focused()
    page.keyboard.press("Enter")
    expect_order(
        page,
        [
            first,
            "数値",
            "電話番号",
            "セクション",
            "セクション › 複数選択",
            "単一選択（ボタン）",
            "同意チェックボックス",
        ],
    )
    expect(tool(page, "複数選択", "down")).to_be_focused()
    tab_to(page, tool(page, "単一選択（ボタン）", "up"))
    page.keyboard.press("Enter")
    expect_order(
        page,
        [
            first,
            "数値",
            "電話番号",
            "セクション",
            "セクション › 複数選択",
            "セクション › 単一選択（ボタン）",
            "同意チェックボックス",
        ],
    )
    expect(tool(page, "単一選択（ボタン）", "up")).to_be_focused()

    # Duplicate the name field (it becomes the furigana field); the copy takes the focus.
    tab_to(page, tool(page, first, "duplicate"), back=True)
    page.keyboard.press("Enter")
    copy_label = first + data["messages"]["copy_suffix"]
    expect(select_button(page, copy_label)).to_be_focused()
    expect_order(
        page,
        [
            first,
            copy_label,
            "数値",
            "電話番号",
            "セクション",
            "セクション › 複数選択",
            "セクション › 単一選択（ボタン）",
            "同意チェックボックス",
        ],
    )

    # Delete 電話番号: the focus goes to "Undo"; Enter puts it back in its place.
    tab_to(page, tool(page, "電話番号", "delete"))
    page.keyboard.press("Enter")
    expect(item(page, "電話番号")).to_have_count(0)
    expect(announcer).to_have_text("「電話番号」を削除しました。")
    undo = page.locator("#toast").get_by_role("button", name="元に戻す")
    expect(undo).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#toast")).to_be_hidden()
    expect_order(
        page,
        [
            first,
            copy_label,
            "数値",
            "電話番号",
            "セクション",
            "セクション › 複数選択",
            "セクション › 単一選択（ボタン）",
            "同意チェックボックス",
        ],
    )
    expect(select_button(page, "電話番号")).to_be_focused()

    # Properties: select an item with Enter, then Tab into the panel and type.
    def edit(label: str) -> None:
        button = select_button(page, label)
        if not button.evaluate("node => node === document.activeElement"):
            tab_to(page, button, back=True)
        page.keyboard.press("Enter")
        expect(item(page, label)).to_have_class(re.compile(r"\bitem--selected\b"))
        presses[f"to the panel from {label}"] = tab_to(page, page.locator("#prop-label"))

    edit(first)
    tab_to(page, page.locator("#prop-required"))
    page.keyboard.press("Space")
    expect(page.locator("#prop-required")).to_be_checked()
    expect(item(page, first).locator(".required")).to_be_visible()

    edit(copy_label)
    retype(page, "ふりがな")
    expect(select_button(page, "ふりがな")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.locator("#prop-help")).to_be_focused()
    page.keyboard.type("カタカナで入力しても、ひらがなで保存されます。")
    page.keyboard.press("Tab")
    expect(page.locator("#prop-required")).to_be_focused()
    page.keyboard.press("Space")
    tab_to(page, page.locator("#prop-kana"))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#prop-kana")).to_have_value("hiragana")

    edit("数値")
    retype(page, "年齢")
    # The draft is saved in the background while the person types: the box keeps the focus.
    expect_saved(page)
    expect(page.locator("#prop-label")).to_be_focused()
    tab_to(page, page.locator("#prop-min"))
    page.keyboard.type("18")
    page.keyboard.press("Tab")
    expect(page.locator("#prop-max")).to_be_focused()
    page.keyboard.type("75")

    edit("複数選択")
    retype(page, "従事できる日")
    tab_to(page, page.locator("#prop-required"))
    page.keyboard.press("Space")
    paste_button = page.locator("#prop-choices").get_by_role("button", name="まとめて入力")
    tab_to(page, paste_button)
    page.keyboard.press("Enter")
    expect(paste_button).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#prop-choices-paste")).to_be_focused()
    retype(page, "\n".join(DAYS))
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "この選択肢にする"
    expect(page.locator("#prop-choices .choice-row .input--choice")).to_have_count(len(DAYS))
    expect(page.locator("#prop-choices-0")).to_be_focused()
    expect(page.locator("#prop-choices-3")).to_have_value("開票作業")
    # 開票作業 moves up one place: the focus stays on that row's "move up" button.
    tab_to(page, page.locator("#prop-choices .choice-row").nth(3).locator("[data-action=up]"))
    page.keyboard.press("Enter")
    expect(page.locator("#prop-choices-2")).to_have_value("開票作業")
    expect(
        page.locator("#prop-choices .choice-row").nth(2).locator("[data-action=up]")
    ).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # and back down
    expect(page.locator("#prop-choices-3")).to_have_value("開票作業")
    expect(
        page.locator("#prop-choices .choice-row").nth(3).locator("[data-action=down]")
    ).to_be_disabled()
    expect(page.locator("#prop-choices-3")).to_be_focused()

    edit("単一選択（ボタン）")
    retype(page, "選挙事務の経験")
    tab_to(page, page.locator("#prop-required"))
    page.keyboard.press("Space")
    for index, label in enumerate(EXPERIENCE):  # type over the three placeholder choices
        tab_to(page, page.locator(f"#prop-choices-{index}"))
        retype(page, label)
    add = page.locator("#prop-choices").get_by_role("button", name="選択肢を追加")
    tab_to(page, add)
    page.keyboard.press("Enter")
    expect(page.locator("#prop-choices-3")).to_be_focused()
    page.keyboard.type("3回以上")  # the new choice's placeholder text is selected: replaced
    expect(page.locator("#prop-choices-3")).to_have_value("3回以上")

    edit("同意チェックボックス")
    retype(page, "個人情報の取扱いに同意する")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator("#prop-required")).to_be_focused()
    page.keyboard.press("Space")

    expect_saved(page)
    draft, _ = stored_draft(form_id)
    fields = {f["label"]: f for f in draft["fields"]}
    assert list(fields) == [
        first,
        "ふりがな",
        "年齢",
        "電話番号",
        "セクション",
        "個人情報の取扱いに同意する",
    ]
    assert fields["ふりがな"]["kana"] == "hiragana" and fields["ふりがな"]["required"]
    assert (fields["年齢"]["min"], fields["年齢"]["max"]) == (18, 75)
    inner = {f["label"]: f for f in fields["セクション"]["fields"]}
    assert [c["label"] for c in inner["従事できる日"]["choices"]] == DAYS
    assert [c["label"] for c in inner["選挙事務の経験"]["choices"]] == EXPERIENCE + ["3回以上"]
    assert len({c["value"] for c in inner["選挙事務の経験"]["choices"]}) == 4

    # Publish with the keyboard.
    presses["back to the publish button"] = tab_to(page, page.locator("#publish-button"), back=True)
    page.keyboard.press("Enter")
    expect(page.locator("#publish-dialog")).to_be_visible()
    expect(page.locator("#publish-dialog .public-url")).to_be_visible()  # first publication
    # the section kept the name it was added with: the dialog points it out
    expect(page.locator("#publish-dialog .publish-warning")).to_contain_text("セクション")
    expect(page.locator("#publish-confirm")).to_be_focused()
    shot(page, "1-publish-dialog")
    page.keyboard.press("Enter")
    expect(page.locator("#publish-dialog")).to_be_hidden()
    expect(page.locator("#toast")).to_contain_text("第1版を公開しました。")
    expect(announcer).to_have_text("第1版を公開しました。")
    expect(page.locator("#publish-button")).to_be_focused()
    print("Tab presses:", presses)

    # A citizen at a PC fills the form with the keyboard.
    citizen = second_pc.new_page()
    citizen.goto(f"/f/{slug}")
    expect(citizen.get_by_role("heading", level=1)).to_have_text(TITLE)

    def type_into(label: str, text: str) -> None:
        tab_to(citizen, citizen.get_by_label(label))
        citizen.keyboard.type(text)

    type_into(first, "花泉 花子")
    type_into("ふりがな", "ハナイズミ ハナコ")
    type_into("年齢", "３３")
    type_into("電話番号", "0191-82-2211")
    days = citizen.get_by_role("group", name="従事できる日")
    tab_to(citizen, days.get_by_label("期日前投票（土日）"))
    citizen.keyboard.press("Space")
    experience = citizen.get_by_role("group", name="選挙事務の経験")
    tab_to(citizen, experience.get_by_label("なし"))
    citizen.keyboard.press("ArrowDown")  # radio buttons: the arrow keys choose
    expect(experience.get_by_label("1回", exact=True)).to_be_checked()
    tab_to(citizen, citizen.get_by_label("上記に同意する"))
    citizen.keyboard.press("Space")
    tab_to(citizen, citizen.locator('button[value="confirm"]'))
    citizen.keyboard.press("Enter")
    expect(citizen.locator("dl.review")).to_contain_text("はないずみ はなこ")
    tab_to(citizen, citizen.locator('button[value="submit"]'))
    citizen.keyboard.press("Enter")
    expect(citizen).to_have_url(re.compile(rf"/f/{slug}/thanks/"))
    receipt = citizen.locator(".receipt-number").inner_text().strip()

    find_record(page, form_id, receipt)


# --- 3. two people edit the same form -----------------------------------------------------------


def test_an_edit_conflict_is_shown_and_the_first_change_kept(
    pc, second_pc, live_server, designer_staff, colleague, draft_form, shot
):
    url = f"/staff/forms/{draft_form.id}/designer"
    mine = pc.new_page()
    log_in(mine, designer_staff.username)
    mine.goto(url)
    theirs = second_pc.new_page()
    log_in(theirs, colleague.username)
    theirs.goto(url)
    for page in (mine, theirs):
        expect_saved(page)
        expect(page.locator("#canvas-root > .item")).to_have_count(3)

    # The first person renames 氏名; the draft is saved.
    select(mine, "氏名")
    mine.locator("#prop-label").fill("お名前")
    expect_saved(mine)
    draft, revision = stored_draft(draft_form.id)
    assert draft["fields"][0]["label"] == "お名前"

    # The second person, on the page opened before, adds help text to 年齢.
    select(theirs, "年齢")
    theirs.locator("#prop-help").fill("満年齢で入力してください。")
    state = theirs.locator("#save-state")
    expect(state).to_have_attribute("data-state", "conflict")
    expect(state).to_have_text("保存できません：他の人がこのフォームを変更しました")
    problems = theirs.locator("#designer-problems")
    expect(problems).to_be_visible()
    expect(problems).to_contain_text("他の人がこのフォームを保存しました")
    expect(problems).to_contain_text("再読み込み")
    shot(theirs, "1-conflict")

    # Nothing more is sent from the stale page, not even a new order.
    theirs.locator("#canvas-root > .item").nth(2).locator("[data-action=up]").click()
    expect(state).to_have_attribute("data-state", "conflict")
    assert stored_draft(draft_form.id) == (draft, revision)
    assert "help" not in draft["fields"][1] or draft["fields"][1]["help"] == ""

    # The first person carries on normally.
    select(mine, "年齢")
    mine.locator("#prop-max").fill("80")
    expect_saved(mine)

    # Reloading shows the stored draft (no "leave the page?" question for a lost cause).
    theirs.reload()
    expect_saved(theirs)
    expect(item(theirs, "お名前")).to_have_count(1)
    select(theirs, "年齢")
    expect(theirs.locator("#prop-help")).to_have_value("")
    expect(theirs.locator("#prop-max")).to_have_value("80")
    draft, _ = stored_draft(draft_form.id)
    assert [f["label"] for f in draft["fields"]] == ["お名前", "年齢", "参加できる日"]
    assert draft["fields"][1]["max"] == 80


# --- 4. settings the server refuses --------------------------------------------------------------


def test_bad_settings_are_shown_where_they_are_and_never_saved(
    pc, live_server, designer_staff, draft_form, shot
):
    page = pc.new_page()
    log_in(page, designer_staff.username)
    page.goto(f"/staff/forms/{draft_form.id}/designer")
    state = page.locator("#save-state")
    saved_before, revision_before = stored_draft(draft_form.id)

    # An empty choice list.
    select(page, "参加できる日")
    rows = page.locator("#prop-choices .choice-row")
    expect(rows).to_have_count(2)
    rows.first.locator(".icon-button--danger").click()
    rows.first.locator(".icon-button--danger").click()
    expect(rows).to_have_count(0)
    expect(state).to_have_attribute("data-state", "invalid")
    expect(state).to_have_text("保存できません：表示された問題を修正してください")
    days = item(page, "参加できる日")
    expect(days).to_have_class(re.compile(r"\bitem--error\b"))
    # the setting is named as the panel names it (選択肢), not as the document does (choices)
    expect(days.locator(".item-error")).to_have_text("選択肢：選択肢を1つ以上追加してください。")
    setting = page.locator(".prop").filter(has=page.locator("#prop-choices"))
    expect(setting.locator(".field-error")).to_have_text("選択肢を1つ以上追加してください。")
    expect(page.locator("#prop-choices")).to_have_attribute(
        "aria-describedby", "prop-choices-error"
    )
    expect(page.locator("#designer-problems")).to_contain_text("「参加できる日」 › 選択肢")
    expect(page.locator("#designer-problems")).not_to_contain_text("choices")
    expect(item(page, "年齢")).not_to_have_class(re.compile(r"\bitem--error\b"))
    assert stored_draft(draft_form.id) == (saved_before, revision_before)
    shot(page, "1-no-choices")

    # Fixed: one choice. The error goes away and the draft is saved.
    page.locator("#prop-choices").get_by_role("button", name="選択肢を追加").click()
    page.locator("#prop-choices-0").fill("6月3日")
    expect_saved(page)
    expect(days).not_to_have_class(re.compile(r"\bitem--error\b"))
    expect(page.locator(".field-error")).to_have_count(0)
    expect(page.locator("#designer-problems")).to_be_hidden()
    draft, _ = stored_draft(draft_form.id)
    assert [c["label"] for c in draft["fields"][2]["choices"]] == ["6月3日"]

    # A minimum above the maximum: the message is at 最小値 of 年齢, and the box keeps the
    # focus so the person can correct it at once.
    select(page, "年齢")
    minimum = page.locator("#prop-min")
    minimum.click()
    minimum.press("Control+a")
    minimum.press_sequentially("100")
    expect(state).to_have_attribute("data-state", "invalid")
    age = item(page, "年齢")
    expect(age).to_have_class(re.compile(r"\bitem--error\b"))
    setting = page.locator(".prop").filter(has=minimum)
    expect(setting.locator(".field-error")).to_have_text("最小値が最大値より大きくなっています。")
    expect(age.locator(".item-error")).to_have_text(
        "最小値：最小値が最大値より大きくなっています。"
    )
    expect(minimum).to_have_attribute("aria-invalid", "true")
    expect(minimum).to_be_focused()
    expect(
        page.locator(".prop").filter(has=page.locator("#prop-max")).locator(".field-error")
    ).to_have_count(0)
    shot(page, "2-min-above-max")
    draft_after_fix, revision = stored_draft(draft_form.id)
    assert (draft_after_fix["fields"][1]["min"], draft_after_fix["fields"][1]["max"]) == (18, 99)

    # Reloading (and leaving the unsaved change) shows the last valid state.
    page.once("dialog", lambda dialog: dialog.accept())  # "leave the page?": yes
    page.reload()
    expect_saved(page)
    expect(page.locator(".item--error")).to_have_count(0)
    select(page, "年齢")
    expect(page.locator("#prop-min")).to_have_value("18")
    expect(page.locator("#prop-max")).to_have_value("99")
    select(page, "参加できる日")
    expect(page.locator("#prop-choices-0")).to_have_value("6月3日")
    assert stored_draft(draft_form.id) == (draft_after_fix, revision)

    # And a correct range is saved.
    select(page, "年齢")
    page.locator("#prop-min").fill("20")
    expect_saved(page)
    draft, _ = stored_draft(draft_form.id)
    assert (draft["fields"][1]["min"], draft["fields"][1]["max"]) == (20, 99)


def test_enter_on_an_item_opens_its_settings_and_escape_returns(
    pc, live_server, designer_staff, draft_form
):
    page = pc.new_page()
    log_in(page, designer_staff.username)
    page.goto(f"/staff/forms/{draft_form.id}/designer")
    expect(page.locator("#canvas-root > .item")).to_have_count(3)
    tab_to(page, select_button(page, "年齢"))
    page.keyboard.press("Enter")
    expect(page.locator("#prop-label")).to_be_focused()
    expect(page.locator("#prop-label")).to_have_value("年齢")
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    expect(select_button(page, "年齢")).to_be_focused()
    expect(select_button(page, "年齢")).to_have_attribute("aria-pressed", "true")


def test_default_choice_list_follows_edits_of_the_choices(
    pc, live_server, designer_staff, draft_form
):
    page = pc.new_page()
    log_in(page, designer_staff.username)
    page.goto(f"/staff/forms/{draft_form.id}/designer")
    select(page, "参加できる日")
    defaults = page.locator("#prop-default")
    expect(defaults.locator("label")).to_have_count(2)
    page.get_by_role("button", name="選択肢を追加").click()
    expect(defaults.locator("label")).to_have_count(3)
    expect(defaults).to_contain_text("選択肢3")
    page.locator(".choice-row .input--choice").nth(0).fill("6月1日（午前）")
    expect(defaults).to_contain_text("6月1日（午前）")


# --- 4. empty forms, drops anywhere, cards as the public form shows them ----------------------

EMPTY_REFUSED = "公開するには、項目を1つ以上追加してください。"


def below_last_item(page: Page, gap: float = 60) -> float:
    """Where, as a fraction of the canvas list's height, the white space under its last item is."""
    return page.evaluate(
        """gap => { const root = document.getElementById('canvas-root');
        const items = root.querySelectorAll(':scope > .item');
        const r = root.getBoundingClientRect();
        const last = items[items.length - 1];
        const bottom = last ? last.getBoundingClientRect().bottom : r.top;
        return (bottom + gap - r.top) / r.height; }""",
        gap,
    )


def test_an_emptied_form_is_kept_and_the_whole_canvas_takes_drops(
    pc, live_server, designer_staff, shot
):
    page = pc.new_page()
    log_in(page, designer_staff.username)
    page.goto("/staff/forms/new")
    page.locator("#title").fill("空から作るフォーム")
    page.locator('input[name="start"][value="blank"]').check()
    page.locator("form.card button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/staff/forms/\d+/designer$"))
    form_id = bootstrap(page)["form"]["id"]
    expect(page.locator("#canvas-root > .item")).to_have_count(1)
    first = canvas_order(page)[0]

    # Deleting the last item is an ordinary, saved change.
    tool(page, first, "delete").click()
    expect(page.locator("#canvas-root > .item")).to_have_count(0)
    expect_saved(page)
    expect(page.locator("#designer-problems")).to_be_hidden()
    page.reload()
    expect(page.locator("#canvas-root > .item")).to_have_count(0)
    assert stored_draft(form_id)[0]["fields"] == []
    hint = page.evaluate(
        "getComputedStyle(document.getElementById('canvas-root'), '::before').content"
    )
    assert "左から項目をここへドラッグしてください。" in hint

    # Publishing an empty form is refused in the dialog, with the reason.
    page.locator("#publish-button").click()
    dialog = page.locator("#publish-dialog")
    expect(dialog).to_contain_text(EMPTY_REFUSED)
    expect(page.locator("#publish-confirm")).to_be_hidden()
    expect(page.locator("#publish-cancel")).to_be_focused()
    shot(page, "1-empty-refused")
    page.locator("#publish-cancel").click()
    expect(page.locator("#designer-problems")).to_be_hidden()
    shot(page, "2-empty-canvas")

    # A drop in the middle of the dashed box adds the item.
    drag(page, palette(page, "text"), page.locator("#canvas-root"), at=0.3)
    expect_order(page, ["1行テキスト"])
    # A drop on the white space below the last item adds at the end.
    drag(page, palette(page, "number"), page.locator("#canvas-root"), at=below_last_item(page))
    expect_order(page, ["1行テキスト", "数値"])
    drag(page, palette(page, "section"), page.locator("#canvas-root"), at=below_last_item(page))
    expect_order(page, ["1行テキスト", "数値", "セクション"])
    # An empty section takes a drop anywhere in its box.
    section = item(page, "セクション")
    drag(page, palette(page, "email"), section.locator(".section-list"), at=0.8)
    expect_order(page, ["1行テキスト", "数値", "セクション", "セクション › メールアドレス"])
    expect_saved(page)
    page.reload()
    expect_order(page, ["1行テキスト", "数値", "セクション", "セクション › メールアドレス"])

    page.locator("#publish-button").click()
    expect(page.locator("#publish-confirm")).to_be_visible()
    expect(page.locator("#publish-dialog")).not_to_contain_text(EMPTY_REFUSED)


def test_cards_show_each_item_as_the_public_form_does(
    pc, live_server, designer_staff, draft_form, shot
):
    page = pc.new_page()
    card_requests: list[str] = []
    page.on(
        "request",
        lambda r: card_requests.append(r.url) if r.url.endswith("/designer/cards") else None,
    )
    log_in(page, designer_staff.username)
    page.goto(f"/staff/forms/{draft_form.id}/designer")

    days = item(page, "参加できる日").locator(".item-preview")
    expect(days).to_have_attribute("aria-hidden", "true")
    expect(days.locator("legend")).to_contain_text("参加できる日")
    boxes = days.locator('input[type="checkbox"]')
    expect(boxes).to_have_count(2)
    for index in range(2):
        expect(boxes.nth(index)).to_be_disabled()
        expect(boxes.nth(index)).to_have_attribute("tabindex", "-1")
    expect(days).to_contain_text("6月1日")
    name = item(page, "氏名").locator(".item-preview")
    expect(name.locator(".required")).to_have_text("必須")
    expect(name.locator("input")).to_be_disabled()
    assert card_requests == []  # the first picture comes with the page

    # Typing in the panel redraws only the card being edited, once the typing pauses.
    select(page, "年齢")
    help_box = page.locator("#prop-help")
    help_box.click()
    page.keyboard.type("投票日時点の満年齢", delay=30)
    age = item(page, "年齢").locator(".item-preview")
    expect(age.locator(".help")).to_contain_text("投票日時点の満年齢")
    expect(age.locator(".help")).to_contain_text("18〜99")
    assert 1 <= len(card_requests) <= 3, card_requests
    page.locator("#prop-required").check()
    expect(age.locator(".required")).to_have_text("必須")
    page.locator("#prop-unit").fill("歳")
    expect(age.locator(".unit")).to_have_text("歳")

    # Keyboard and screen readers: the card's button still names the item, and no Tab press
    # lands inside a picture.
    expect(select_button(page, "年齢")).to_have_accessible_name(re.compile("年齢.*必須"))
    select_button(page, "氏名").focus()
    for _ in range(20):
        page.keyboard.press("Tab")
        inside = page.evaluate("!!document.activeElement.closest('.item-preview')")
        assert not inside, _focused(page)
    # A click on the picture selects the item.
    picture = item(page, "参加できる日").locator(".item-preview").bounding_box()
    page.mouse.click(picture["x"] + picture["width"] / 2, picture["y"] + picture["height"] / 2)
    expect(item(page, "参加できる日")).to_have_class(re.compile(r"\bitem--selected\b"))
    page.mouse.move(0, 0)
    shot(page, "1-cards-pc")
    page.set_viewport_size({"width": 800, "height": 900})
    shot(page, "2-cards-narrow")


def test_long_choice_labels_wrap_in_the_settings_panel(
    pc, live_server, designer_staff, draft_form, shot
):
    page = pc.new_page()
    log_in(page, designer_staff.username)
    page.goto(f"/staff/forms/{draft_form.id}/designer")
    select(page, "参加できる日")
    long_label = "午前の部（10:00～11:30）受付は9:45から、会場は本庁舎3階大会議室"
    box = page.locator("#prop-choices-0")
    box.fill(long_label)
    box.press("End")
    box.press("Enter")  # a choice is one line: Enter adds no line break
    expect(box).to_have_value(long_label)
    sizes = box.evaluate(
        "b => ({scroll: b.scrollHeight, client: b.clientHeight, "
        "short: document.getElementById('prop-choices-1').clientHeight})"
    )
    assert sizes["scroll"] <= sizes["client"] + 1, sizes  # every character is in view
    assert sizes["client"] > sizes["short"] * 1.4, sizes  # on more than one line
    expect(item(page, "参加できる日").locator(".item-preview")).to_contain_text(long_label)
    expect_saved(page)
    draft, _ = stored_draft(draft_form.id)
    assert draft["fields"][2]["choices"][0]["label"] == long_label
    shot(page, "1-long-choice")


def test_the_publish_dialog_lists_changed_settings(pc, live_server, designer_staff, draft_form):
    operations.publish(draft_form, designer_staff)
    page = pc.new_page()
    log_in(page, designer_staff.username)
    page.goto(f"/staff/forms/{draft_form.id}/settings")
    page.locator("#description").fill("会場が変わりました。")
    page.get_by_role("button", name="設定を保存").click()
    expect(page).to_have_url(re.compile(rf"/staff/forms/{draft_form.id}$"))

    page.goto(f"/staff/forms/{draft_form.id}/designer")
    page.locator("#publish-button").click()
    dialog = page.locator("#publish-dialog")
    changes = dialog.locator(".change-list > li")
    expect(changes).to_have_count(1)
    expect(changes).to_have_text("フォームの設定を変更：フォームの上に表示する説明")
    expect(dialog).not_to_contain_text("前回の公開から変更はありません")
    expect(dialog).to_contain_text("受付期間は「設定」で保存した時点で反映されます")
    page.locator("#publish-confirm").click()
    expect(page.locator("#toast")).to_contain_text("第2版を公開しました。")

    page.goto(f"/f/{draft_form.slug}")
    expect(page.locator(".lead")).to_have_text("会場が変わりました。")
    page.goto(f"/staff/forms/{draft_form.id}/versions")
    expect(page.locator("tbody tr").first).to_contain_text("フォームの上に表示する説明")
