"""Every field type end to end: definition -> public HTML -> POST -> typed SQL column ->
staff list view -> CSV export, plus Japanese input normalisation and bad input."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.forms.published import clear_cache

CHOICES = [{"value": "a", "label": "一関"}, {"value": "b", "label": "花泉"}]
DAYS = [
    {"value": "d1", "label": "6月30日"},
    {"value": "d2", "label": "7月1日"},
    {"value": "d3", "label": "7月2日"},
]


# -- helpers ---------------------------------------------------------------------------------


def one_field_form(make_form, spec: dict, slug: str = "field-test"):
    """A published form with the name field (so a record is never empty) and *spec*."""
    document = {
        "title": "項目テスト",
        "slug": slug,
        "fields": [
            {"key": "name", "type": "text", "label": "氏名"},
            {"key": "x", **spec},
        ],
    }
    return make_form(document)


def token_of(html: str) -> str:
    return re.search(r'name="submission_token"[^>]*value="([0-9a-f]+)"', html).group(1)


def post(client, form, data: dict):
    """Open the public form, then send *data* with action=submit and the page's token."""
    page = client.get(f"/f/{form.slug}")
    assert page.status_code == 200
    token = token_of(page.get_data(as_text=True))
    return client.post(
        f"/f/{form.slug}", data={**data, "submission_token": token, "action": "submit"}
    )


def record_table(form) -> sa.Table:
    """rec_<id> as the database describes it (reflected: real column types)."""
    return sa.Table(f"rec_{form.id}", sa.MetaData(), autoload_with=db.engine)


def stored_rows(form) -> list[dict]:
    table = record_table(form)
    return [
        dict(r) for r in db.session.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    ]


def stored_choices(form) -> list[tuple]:
    return [
        tuple(r)
        for r in db.session.execute(
            sa.text(f"SELECT record_id, field, value FROM rec_{form.id}_values ORDER BY value")
        )
    ]


def tag_attrs(html: str, name: str) -> list[tuple[str, dict]]:
    """(tag, attributes) of every input/textarea/select named *name*."""
    found = []
    for tag, attrs in re.findall(r"<(input|textarea|select)\b([^>]*)>", html):
        parsed = dict(re.findall(r'([\w-]+)="([^"]*)"', attrs))
        for flag in re.findall(r"\s([\w-]+)(?=\s|$)", attrs):
            parsed.setdefault(flag, flag)
        if parsed.get("name") == name:
            found.append((tag, parsed))
    return found


def field_block(html: str, key: str) -> str:
    """The HTML of one field's wrapper, up to the next field."""
    start = html.index(f'id="f_{key}-wrap"')
    following = html.find('-wrap"', start + 10)
    return html[start : following if following != -1 else len(html)]


def _texts(html: str, tag: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", html, re.S)
    ]


def _without_workflow(html: str) -> str:
    """The list's rows without their workflow cells (selection, status, assignee)."""
    return re.sub(
        r'<(td|th)[^>]*class="[^"]*workflow-cell[^"]*"[^>]*>.*?</\1>', "", html, flags=re.S
    )


def list_cells(html: str) -> list[str]:
    return _texts(_without_workflow(html[html.index("<tbody>") : html.index("</tbody>")]), "td")


def list_headings(html: str) -> list[str]:
    return _texts(_without_workflow(html[html.index("<thead>") : html.index("</thead>")]), "th")


def error_summary_links(html: str) -> list[str]:
    """The fields the error summary at the top of the page links to."""
    start = html.index('id="error-summary"')
    summary = html[start : html.index("</div>", start)]
    return re.findall(r'<li><a href="#([\w-]+)"', summary)


def csv_rows(client, form) -> list[dict]:
    response = client.get(f"/staff/forms/{form.id}/records.csv")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for Excel
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


# -- every type, end to end ----------------------------------------------------------------


@dataclass
class Case:
    spec: dict
    posted: object
    stored: object
    column_type: type | None  # SQL type of the column; None: child value table
    shown: str  # list view and CSV (labels, not values)
    elements: list[tuple[str, dict]] = field(default_factory=list)  # (tag, attrs) expected
    choices_html: list[str] = field(default_factory=list)
    exported: str | None = None  # CSV cell when it differs from *shown*


CASES = {
    "text": Case(
        {"type": "text", "label": "住所", "required": True, "max_length": 100},
        "一関市竹山町7-2",
        "一関市竹山町7-2",
        sa.Text,
        "一関市竹山町7-2",
        [("input", {"type": "text", "maxlength": "100"})],
    ),
    "textarea": Case(
        {"type": "textarea", "label": "ご意見", "required": True, "rows": 4},
        "1行目\r\n2行目",
        "1行目\r\n2行目",
        sa.Text,
        "1行目\r\n2行目",
        [("textarea", {"rows": "4"})],
    ),
    "number-integer": Case(
        {"type": "number", "label": "人数", "required": True, "min": 1, "max": 10, "unit": "人"},
        "7",
        7,
        sa.BigInteger,
        "7 人",
        [("input", {"type": "text", "inputmode": "numeric"})],
        exported="7",
    ),
    "number-decimal": Case(
        {
            "type": "number",
            "label": "金額",
            "required": True,
            "decimals": 2,
            "min": 0,
            "max": 100000,
        },
        "1234.5",
        Decimal("1234.5"),
        sa.Numeric,
        "1234.5",
        [("input", {"type": "text", "inputmode": "decimal"})],
    ),
    "email": Case(
        {"type": "email", "label": "メール", "required": True},
        "taro@example.jp",
        "taro@example.jp",
        sa.Text,
        "taro@example.jp",
        [("input", {"type": "email", "autocomplete": "email"})],
    ),
    "tel": Case(
        {"type": "tel", "label": "電話番号", "required": True},
        "0191-21-2111",
        "0191-21-2111",
        sa.Text,
        "0191-21-2111",
        [("input", {"type": "tel", "autocomplete": "tel"})],
    ),
    "date": Case(
        {"type": "date", "label": "生年月日", "required": True, "min": "1920-01-01"},
        "1990-05-03",
        dt.date(1990, 5, 3),
        sa.Date,
        "1990年5月3日",
        [("input", {"type": "date", "min": "1920-01-01"})],
        exported="1990-05-03",
    ),
    "radio": Case(
        {"type": "radio", "label": "地区", "required": True, "choices": CHOICES},
        "b",
        "b",
        sa.Text,
        "花泉",
        [("input", {"type": "radio", "value": "a"}), ("input", {"type": "radio", "value": "b"})],
        ["<span>一関</span>", "<span>花泉</span>"],
    ),
    "select": Case(
        {"type": "select", "label": "地区", "required": True, "choices": CHOICES},
        "a",
        "a",
        sa.Text,
        "一関",
        [("select", {})],
        ['<option value="a">一関</option>', '<option value="b">花泉</option>'],
    ),
    "checkboxes": Case(
        {"type": "checkboxes", "label": "希望日", "required": True, "choices": DAYS},
        ["d3", "d1"],
        ["d1", "d3"],
        None,
        "6月30日、7月2日",
        [("input", {"type": "checkbox", "value": v["value"]}) for v in DAYS],
        ["<span>6月30日</span>", "<span>7月1日</span>", "<span>7月2日</span>"],
    ),
    "consent": Case(
        {
            "type": "consent",
            "label": "個人情報の取扱い",
            "required": True,
            "statement": "選考のためだけに使います。",
        },
        "y",
        True,
        sa.Boolean,
        "同意する",
        [("input", {"type": "checkbox", "value": "y"})],
        ["選考のためだけに使います。"],
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_field_type_end_to_end(client, staff_client, make_form, case):
    form = one_field_form(make_form, case.spec)

    # the public form: the right element, named f_<key>, marked required, choices shown
    html = client.get(f"/f/{form.slug}").get_data(as_text=True)
    elements = tag_attrs(html, "f_x")
    assert len(elements) == len(case.elements)
    for (tag, attrs), (wanted_tag, wanted) in zip(elements, case.elements, strict=True):
        assert tag == wanted_tag
        assert attrs["id"].startswith("f_x")
        for name, value in wanted.items():
            assert attrs.get(name) == value, (name, attrs)
    block = field_block(html, "x")
    assert case.spec["label"] in block
    assert '<span class="required">必須</span>' in block
    for snippet in case.choices_html:
        assert snippet in block

    # submit, then the form's own table holds the typed value
    response = post(client, form, {"f_name": "一関 太郎", "f_x": case.posted})
    assert response.status_code == 303, response.get_data(as_text=True)
    table = record_table(form)
    rows = stored_rows(form)
    assert len(rows) == 1
    if case.column_type is None:
        assert "f_x" not in table.c  # multiple choices live in the child table
        assert stored_choices(form) == [(rows[0]["id"], "f_x", v) for v in case.stored]
    else:
        assert isinstance(table.c.f_x.type, case.column_type), table.c.f_x.type
        value = rows[0]["f_x"]
        assert value == case.stored
        assert type(value) is type(case.stored)
        assert stored_choices(form) == []
    assert rows[0]["f_name"] == "一関 太郎"
    assert rows[0]["form_version"] == 1
    assert re.fullmatch(r"\d{8}-\d{6}", rows[0]["receipt_no"])

    # the staff list shows the display value under the field's label
    listing = staff_client.get(f"/staff/forms/{form.id}/records")
    assert listing.status_code == 200
    page = listing.get_data(as_text=True)
    headings, cells = list_headings(page), list_cells(page)
    assert case.spec["label"] in headings
    assert cells[headings.index(case.spec["label"])] == case.shown

    # ... and the CSV export contains it
    exported = csv_rows(staff_client, form)
    assert len(exported) == 1
    assert exported[0]["受付番号"] == rows[0]["receipt_no"]
    assert exported[0][case.spec["label"]] == (case.exported or case.shown)


def test_optional_fields_left_empty_store_null(client, staff_client, make_form):
    document = {
        "title": "任意項目",
        "slug": "optional",
        "fields": [
            {"key": "name", "type": "text", "label": "氏名", "required": True},
            *[
                {"key": key, **{k: v for k, v in case.spec.items() if k != "required"}}
                for key, case in (
                    ("t", CASES["text"]),
                    ("n", CASES["number-integer"]),
                    ("p", CASES["number-decimal"]),
                    ("e", CASES["email"]),
                    ("tel", CASES["tel"]),
                    ("d", CASES["date"]),
                    ("r", CASES["radio"]),
                    ("s", CASES["select"]),
                    ("c", CASES["checkboxes"]),
                )
            ],
        ],
    }
    for item in document["fields"][1:]:
        item["label"] = item["key"]
    form = make_form(document)
    html = client.get(f"/f/{form.slug}").get_data(as_text=True)
    assert html.count('<span class="optional">任意</span>') == 9
    response = post(
        client,
        form,
        {
            "f_name": "一関 太郎",
            "f_t": "",
            "f_n": "",
            "f_p": "",
            "f_e": "  ",
            "f_tel": "",
            "f_d": "",
            "f_s": "",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    row = stored_rows(form)[0]
    for column in ("f_t", "f_n", "f_p", "f_e", "f_tel", "f_d", "f_r", "f_s"):
        assert row[column] is None, column
    assert stored_choices(form) == []
    page = staff_client.get(f"/staff/forms/{form.id}/records").get_data(as_text=True)
    assert list_cells(page)[2:] == ["一関 太郎"] + [""] * 9


def test_optional_consent_left_unticked_is_stored_as_not_agreed(client, staff_client, make_form):
    form = one_field_form(make_form, {"type": "consent", "label": "案内メール"})
    assert post(client, form, {"f_name": "a"}).status_code == 303
    row = stored_rows(form)[0]
    assert row["f_x"] is False
    assert csv_rows(staff_client, form)[0]["案内メール"] == "同意しない"


# -- number ranges and decimals ------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "posted", "stored"),
    [
        ({"min": 18, "max": 99}, "18", 18),
        ({"min": 18, "max": 99}, "99", 99),
        ({"min": -10, "max": 10}, "-10", -10),
        ({"min": 0}, "0", 0),
        ({"decimals": 1, "min": 0.1, "max": 0.3}, "0.1", Decimal("0.1")),
        ({"decimals": 1, "min": 0.1, "max": 0.3}, "0.3", Decimal("0.3")),
        ({"decimals": 2, "max": 99.99}, "99.99", Decimal("99.99")),
        ({"decimals": 2}, "2.50", Decimal("2.5")),
        ({}, "123456789012345678", 123456789012345678),
    ],
    ids=[
        "int-min",
        "int-max",
        "negative-bound",
        "zero",
        "dec-min",
        "dec-max",
        "dec-max-2",
        "trailing-zero",
        "18-digits",
    ],
)
def test_number_bounds_are_inclusive(client, make_form, spec, posted, stored):
    form = one_field_form(make_form, {"type": "number", "label": "数", **spec})
    response = post(client, form, {"f_x": posted})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert stored_rows(form)[0]["f_x"] == stored


@pytest.mark.parametrize(
    ("posted", "shown"),
    [
        ("100", "100"),
        ("0.5", "0.5"),
        ("1000000", "1000000"),
        ("12.30", "12.3"),
    ],
)
def test_decimal_values_are_listed_and_exported_as_plain_numbers(
    client, staff_client, make_form, posted, shown
):
    form = one_field_form(make_form, {"type": "number", "label": "金額", "decimals": 2})
    assert post(client, form, {"f_x": posted}).status_code == 303
    page = staff_client.get(f"/staff/forms/{form.id}/records").get_data(as_text=True)
    assert list_cells(page)[3] == shown
    assert csv_rows(staff_client, form)[0]["金額"] == shown  # never "1E+2"


# -- Japanese input normalisation ----------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "typed", "stored"),
    [
        ({"type": "number"}, "１２３", 123),
        ({"type": "number"}, "１，２３４", 1234),
        ({"type": "number", "min": -10}, "－５", -5),
        ({"type": "number", "decimals": 2}, "１２．５", Decimal("12.5")),
        ({"type": "tel"}, "０３－１２３４－５６７８", "03-1234-5678"),
        ({"type": "tel"}, "03ー1234ー5678", "03-1234-5678"),
        ({"type": "tel"}, "０１９１ ２１ ２１１１", "0191-21-2111"),
        ({"type": "tel"}, "（０１９１）２１－２１１１", "0191-21-2111"),
        ({"type": "tel"}, "0191(21)2111", "0191-21-2111"),
        ({"type": "tel"}, "09012345678", "090-1234-5678"),
        ({"type": "tel"}, "0312345678", "03-1234-5678"),
        ({"type": "tel"}, "+81 90-1234-5678", "090-1234-5678"),
        ({"type": "tel"}, "＋８１（３）１２３４－５６７８", "03-1234-5678"),
        ({"type": "tel"}, "+44 20 7946 0958", "+44 20 7946 0958"),
        ({"type": "email"}, "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "taro@example.jp"),
        ({"type": "text", "kana": "hiragana"}, "ヤマダ　タロウ", "やまだ たろう"),
        ({"type": "text", "kana": "hiragana"}, "ﾔﾏﾀﾞ ﾀﾛｳ", "やまだ たろう"),
        ({"type": "text", "kana": "hiragana"}, "いちのせき", "いちのせき"),
        ({"type": "text", "kana": "katakana"}, "やまだ　たろう", "ヤマダ タロウ"),
        ({"type": "text", "kana": "katakana"}, "ﾔﾏﾀﾞ", "ヤマダ"),
        ({"type": "text"}, "\u3000一関 太郎\u3000", "一関 太郎"),
        ({"type": "date"}, "2026/4/1", dt.date(2026, 4, 1)),
        ({"type": "date"}, "2026年4月1日", dt.date(2026, 4, 1)),
        ({"type": "date"}, "２０２６年４月１日", dt.date(2026, 4, 1)),
        ({"type": "date"}, "2026-04-01", dt.date(2026, 4, 1)),
    ],
    ids=[
        "number-fullwidth",
        "number-grouping",
        "number-fullwidth-minus",
        "decimal-fullwidth",
        "tel-fullwidth",
        "tel-long-vowel-dash",
        "tel-spaces",
        "tel-fullwidth-brackets",
        "tel-area-code-in-brackets",
        "tel-mobile-digits-only",
        "tel-tokyo-digits-only",
        "tel-plus-81",
        "tel-fullwidth-plus-81",
        "tel-other-country",
        "email-fullwidth",
        "katakana-to-hiragana",
        "halfwidth-to-hiragana",
        "hiragana-kept",
        "hiragana-to-katakana",
        "halfwidth-to-katakana",
        "ideographic-spaces",
        "date-slashes",
        "date-kanji",
        "date-fullwidth-kanji",
        "date-iso",
    ],
)
def test_japanese_input_is_normalised_before_it_is_stored(client, make_form, spec, typed, stored):
    form = one_field_form(make_form, {"label": "項目", **spec})
    response = post(client, form, {"f_x": typed})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert stored_rows(form)[0]["f_x"] == stored


def test_confirmation_page_shows_and_resends_the_normalised_values(client, make_form):
    document = {
        "title": "確認",
        "slug": "confirm-normalised",
        "fields": [
            {"key": "kana", "type": "text", "label": "ふりがな", "kana": "hiragana"},
            {"key": "tel", "type": "tel", "label": "電話"},
            {"key": "day", "type": "date", "label": "日付"},
        ],
    }
    form = make_form(document)
    page = client.get(f"/f/{form.slug}")
    token = token_of(page.get_data(as_text=True))
    confirm = client.post(
        f"/f/{form.slug}",
        data={
            "f_kana": "タロウ",
            "f_tel": "０３－１２３４－５６７８",
            "f_day": "2026年4月1日",
            "submission_token": token,
            "action": "confirm",
        },
    )
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    hidden = dict(re.findall(r'<input type="hidden" name="(f_\w+)" value="([^"]*)">', html))
    assert hidden == {"f_kana": "たろう", "f_tel": "03-1234-5678", "f_day": "2026-04-01"}
    assert stored_rows(form) == []
    done = client.post(
        f"/f/{form.slug}", data={**hidden, "submission_token": token, "action": "submit"}
    )
    assert done.status_code == 303
    row = stored_rows(form)[0]
    assert (row["f_kana"], row["f_tel"], row["f_day"]) == (
        "たろう",
        "03-1234-5678",
        dt.date(2026, 4, 1),
    )


# -- bad input: 422, the error next to the field, nothing stored ---------------------------

BAD = {
    "text-required-missing": ({"type": "text", "required": True}, "", "この項目は必須です"),
    "text-required-blank": ({"type": "text", "required": True}, "\u3000 ", "この項目は必須です"),
    "text-too-long": ({"type": "text", "max_length": 10}, "あ" * 11, "10文字以内"),
    "text-too-short": ({"type": "text", "min_length": 3}, "あ", "3"),
    "text-not-hiragana": ({"type": "text", "kana": "hiragana"}, "Taro", "ひらがなで"),
    "text-pattern": (
        {"type": "text", "pattern": "[0-9]{7}", "pattern_message": "7桁の番号"},
        "123-4567",
        "7桁の番号",
    ),
    "textarea-required-missing": ({"type": "textarea", "required": True}, "", "この項目は必須です"),
    "textarea-too-long": ({"type": "textarea", "max_length": 20}, "長" * 21, "20文字以内"),
    "number-required-missing": ({"type": "number", "required": True}, "", "この項目は必須です"),
    "number-below-min": ({"type": "number", "min": 18, "max": 99}, "17", "18から99まで"),
    "number-above-max": ({"type": "number", "min": 18, "max": 99}, "１００", "18から99まで"),
    "number-not-a-number": ({"type": "number"}, "三十", "整数"),
    "number-decimal-in-integer": ({"type": "number"}, "1.5", "整数"),
    "number-too-many-decimals": ({"type": "number", "decimals": 2}, "1.234", "2桁まで"),
    "number-decimal-above-max": ({"type": "number", "decimals": 1, "max": 0.3}, "0.4", "0.3"),
    "number-too-large": ({"type": "number"}, "1" * 19, ""),
    "number-infinity": ({"type": "number", "decimals": 2}, "Infinity", ""),
    "email-required-missing": ({"type": "email", "required": True}, "", "この項目は必須です"),
    "email-invalid": ({"type": "email"}, "taro@", "taro@example.jp のような"),
    "email-no-at": ({"type": "email"}, "taro.example.jp", "taro@example.jp のような"),
    "tel-required-missing": ({"type": "tel", "required": True}, "", "この項目は必須です"),
    "tel-too-few-digits": ({"type": "tel"}, "03-1234", "桁数が足りません"),
    "tel-too-many-digits": ({"type": "tel"}, "03-1234-5678-9012", "桁数が多すぎます"),
    "tel-no-such-number": ({"type": "tel"}, "00-0000-0000", "このような電話番号はありません"),
    "tel-letters": ({"type": "tel"}, "03-abcd-5678", "03-1234-5678 のように"),
    "date-required-missing": ({"type": "date", "required": True}, "", "この項目は必須です"),
    "date-impossible": ({"type": "date"}, "2026/2/30", "2026-04-01 のように"),
    "date-not-a-date": ({"type": "date", "required": True}, "来週", "2026-04-01 のように"),
    "date-before-min": ({"type": "date", "min": "2026-04-01"}, "2026/3/31", "2026年4月1日以降"),
    "radio-required-missing": (
        {"type": "radio", "required": True, "choices": CHOICES},
        None,
        "選んでください",
    ),
    "radio-unknown-choice": ({"type": "radio", "choices": CHOICES}, "zz", "選択肢から"),
    "radio-label-instead-of-value": ({"type": "radio", "choices": CHOICES}, "一関", "選択肢から"),
    "select-required-missing": (
        {"type": "select", "required": True, "choices": CHOICES},
        "",
        "選んでください",
    ),
    "select-unknown-choice": ({"type": "select", "choices": CHOICES}, "zz", "選択肢から"),
    "checkboxes-required-missing": (
        {"type": "checkboxes", "required": True, "choices": DAYS},
        None,
        "選んでください",
    ),
    "checkboxes-unknown-choice": (
        {"type": "checkboxes", "choices": DAYS},
        ["d1", "zz"],
        "選択肢から",
    ),
    "checkboxes-too-many": (
        {"type": "checkboxes", "choices": DAYS, "max_selected": 2},
        ["d1", "d2", "d3"],
        "2",
    ),
    "checkboxes-too-few": ({"type": "checkboxes", "choices": DAYS, "min_selected": 2}, ["d1"], "2"),
    "consent-unticked": ({"type": "consent", "required": True}, None, "チェックを入れて"),
    "consent-false": ({"type": "consent", "required": True}, "false", "チェックを入れて"),
}


@pytest.mark.parametrize(("spec", "posted", "message"), BAD.values(), ids=BAD.keys())
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_stored(
    client, make_form, spec, posted, message
):
    form = one_field_form(make_form, {"label": "項目", **spec})
    data = {"f_name": "一関 太郎"}
    if posted is not None:
        data["f_x"] = posted
    response = post(client, form, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    block = field_block(html, "x")
    error = re.search(r'<p class="field-error" id="f_x-error">(.*?)</p>', block, re.S)
    assert error, block
    assert message in error.group(1)
    assert 'id="f_name-error"' not in html  # only the field at fault
    described_by = re.search(r'aria-describedby="([^"]*)"', block).group(1).split()
    assert "f_x-error" in described_by  # announced by screen readers
    assert error_summary_links(html) == ["f_x"]
    assert stored_rows(form) == []
    assert stored_choices(form) == []


def test_bad_input_keeps_what_was_typed_for_correction(client, make_form):
    form = one_field_form(make_form, {"type": "number", "label": "人数", "max": 10})
    html = post(client, form, {"f_name": "一関 太郎", "f_x": "１２"}).get_data(as_text=True)
    assert tag_attrs(html, "f_name")[0][1]["value"] == "一関 太郎"
    assert tag_attrs(html, "f_x")[0][1]["value"] == "12"
    assert tag_attrs(html, "f_x")[0][1]["aria-invalid"] == "true"


def test_many_errors_are_each_shown_at_their_own_field(client, make_form):
    document = {
        "title": "全部",
        "slug": "all-bad",
        "fields": [
            {
                "key": key,
                "label": key,
                "required": True,
                **{k: v for k, v in case.spec.items() if k not in ("label", "required")},
            }
            for key, case in (
                ("t", CASES["text"]),
                ("n", CASES["number-integer"]),
                ("e", CASES["email"]),
                ("tel", CASES["tel"]),
                ("d", CASES["date"]),
                ("r", CASES["radio"]),
                ("c", CASES["checkboxes"]),
                ("ok", CASES["consent"]),
            )
        ],
    }
    form = make_form(document)
    response = post(
        client,
        form,
        {"f_t": "", "f_n": "0", "f_e": "x@", "f_tel": "1", "f_d": "x", "f_r": "z", "f_c": "z"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_summary_links(html) == ["f_t", "f_n", "f_e", "f_tel", "f_d", "f_r", "f_c", "f_ok"]
    for key in ("t", "n", "e", "tel", "d", "r", "c", "ok"):
        assert f'id="f_{key}-error"' in field_block(html, key), key
    assert stored_rows(form) == []


# -- a type that left the registry ---------------------------------------------------------


def test_field_of_an_unregistered_type_is_shown_as_unavailable(client, staff_client, make_form):
    document = {
        "title": "署名",
        "slug": "signature",
        "fields": [
            {"key": "name", "type": "text", "label": "氏名", "required": True},
            {"key": "sign", "type": "text", "label": "署名欄"},
        ],
    }
    form = make_form(document)
    assert post(client, form, {"f_name": "前の人", "f_sign": "手書き"}).status_code == 303

    # the plug-in that provided "signature" is gone, but the published version uses it
    version = form.published_version
    changed = copy.deepcopy(version.document)
    changed["fields"][1]["type"] = "signature"
    version.document = changed
    storage = copy.deepcopy(form.storage)
    for entry in storage:
        if entry["key"] == "sign":
            entry["type"] = entry["spec"]["type"] = "signature"
    form.storage = storage
    db.session.commit()
    clear_cache()

    page = client.get(f"/f/{form.slug}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "この項目は現在利用できません。" in html
    assert tag_attrs(html, "f_sign") == []
    assert tag_attrs(html, "f_name")  # the rest of the form still works

    confirm = client.post(
        f"/f/{form.slug}",
        data={
            "f_name": "一関 太郎",
            "f_sign": "偽",
            "submission_token": token_of(html),
            "action": "confirm",
        },
    )
    assert confirm.status_code == 200
    assert "一関 太郎" in confirm.get_data(as_text=True)
    response = post(client, form, {"f_name": "一関 太郎", "f_sign": "偽"})
    assert response.status_code == 303
    rows = stored_rows(form)
    assert [(r["f_name"], r["f_sign"]) for r in rows] == [("前の人", "手書き"), ("一関 太郎", None)]

    listing = staff_client.get(f"/staff/forms/{form.id}/records")
    assert listing.status_code == 200
    assert "手書き" in list_cells(listing.get_data(as_text=True))
    exported = csv_rows(staff_client, form)
    assert [r["署名欄"] for r in exported] == ["手書き", ""]
