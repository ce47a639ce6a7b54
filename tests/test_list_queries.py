"""The records query layer: view specs as arguments, AND/OR, blank, relative dates,
any/all choices, sorts with blanks last, and keyset pages equal to offset pages."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.forms.published import published_definition
from app.records import filters, paging, viewspec
from app.records.access import RecordAccess
from app.records.store import tables_for
from app.records.submission import submit
from builder.fields.date import fiscal_year, period_days

DOCUMENT = {
    "title": "一覧確認",
    "slug": "list-check",
    "fields": [
        {"key": "name", "type": "text", "label": "氏名"},
        {"key": "ward", "type": "radio", "label": "地区", "choices": ["一関", "花泉", "千厩"]},
        {"key": "age", "type": "number", "label": "年齢"},
        {"key": "visit", "type": "date", "label": "来庁日"},
        {
            "key": "days",
            "type": "checkboxes",
            "label": "希望日",
            "choices": ["月", "火", "水"],
        },
    ],
}

ROWS = [
    # name, ward, age, visit, days
    ("山田 太郎", "一関", 41, dt.date(2026, 3, 31), ["月"]),
    ("山田 花子", "花泉", None, dt.date(2026, 4, 1), ["月", "火"]),
    ("佐藤 一郎", "一関", 67, None, []),
    ("鈴木 次郎", None, 23, dt.date(2025, 4, 1), ["水"]),
    ("高橋 三郎", "千厩", 41, dt.date(2026, 4, 15), ["火", "水"]),
    ("田中 四郎", "花泉", 35, dt.date(2027, 3, 31), ["月", "火", "水"]),
]


@pytest.fixture
def form(make_form):
    form = make_form(DOCUMENT)
    definition = published_definition(form)
    for name, ward, age, visit, days in ROWS:
        values = {"name": name, "ward": ward, "age": age, "visit": visit, "days": days}
        submit(form, definition, {k: v for k, v in values.items() if v not in (None, [])})
    return form


@pytest.fixture
def access(form, staff):
    return RecordAccess(staff, form)


def names(access, query: str) -> list[str]:
    compiled = access.view(viewspec.from_args(MultiDict(_pairs(query))), default_page_size=100)
    assert not compiled.errors, compiled.errors
    records, _window = access.window(compiled)
    return [r.values["f_name"] for r in records]


def _pairs(query: str):
    return [tuple(part.split("=", 1)) for part in query.split("&") if part]


def test_and_or_and_groups(access):
    assert set(names(access, "f_ward=一関&f_age.min=40")) == {"山田 太郎", "佐藤 一郎"}
    assert set(names(access, "f_ward=一関&f_age.max=30&match=any")) == {
        "山田 太郎",
        "佐藤 一郎",
        "鈴木 次郎",
    }
    # (name contains 山田) AND (ward = 千厩 OR age <= 41) -- 山田 花子 has no age
    grouped = "f_name.contains=山田&g1.match=any&g1.f_ward=千厩&g1.f_age.max=41"
    assert names(access, grouped) == ["山田 太郎"]


def test_empty_and_not_empty(access):
    assert names(access, "f_age.empty=yes") == ["山田 花子"]
    assert len(names(access, "f_age.empty=no")) == 5
    assert names(access, "f_ward.empty=yes") == ["鈴木 次郎"]
    assert names(access, "f_visit.empty=yes") == ["佐藤 一郎"]
    assert names(access, "f_days.empty=yes") == ["佐藤 一郎"]
    assert len(names(access, "f_days.empty=no")) == 5
    compiled = access.view(viewspec.from_args(MultiDict([("f_age.empty", "maybe")])))
    assert "f_age.empty" in compiled.errors


def test_contains_any_and_all(access):
    query = MultiDict([("f_days.any", "火"), ("f_days.any", "水")])
    compiled = access.view(viewspec.from_args(query))
    records, _w = access.window(compiled)
    assert {r.values["f_name"] for r in records} == {
        "山田 花子",
        "鈴木 次郎",
        "高橋 三郎",
        "田中 四郎",
    }
    query = MultiDict([("f_days.all", "火"), ("f_days.all", "水")])
    records, _w = access.window(access.view(viewspec.from_args(query)))
    assert {r.values["f_name"] for r in records} == {"高橋 三郎", "田中 四郎"}
    bad = access.view(viewspec.from_args(MultiDict([("f_days.any", "日")])))
    assert "f_days.any" in bad.errors


@pytest.mark.parametrize(
    ("today", "first", "last"),
    [
        (dt.date(2026, 3, 31), dt.date(2025, 4, 1), dt.date(2026, 3, 31)),
        (dt.date(2026, 4, 1), dt.date(2026, 4, 1), dt.date(2027, 3, 31)),
    ],
)
def test_fiscal_year_runs_from_1_april(today, first, last):
    assert period_days("this_fy", today) == (first, last)
    assert fiscal_year(today) == first.year


def test_relative_periods():
    day = dt.date(2026, 3, 4)  # a Wednesday
    assert period_days("today", day) == (day, day)
    assert period_days("yesterday", day) == (dt.date(2026, 3, 3),) * 2
    assert period_days("this_week", day) == (dt.date(2026, 3, 2), dt.date(2026, 3, 8))
    assert period_days("this_month", day) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert period_days("last_month", day) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert period_days("last_month", dt.date(2026, 1, 9)) == (
        dt.date(2025, 12, 1),
        dt.date(2025, 12, 31),
    )
    assert period_days("this_year", day) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2026, 3, 31), {"山田 太郎", "鈴木 次郎"}),
        (dt.date(2026, 4, 1), {"山田 花子", "高橋 三郎", "田中 四郎"}),
    ],
)
def test_date_field_this_fiscal_year_at_the_boundary(access, monkeypatch, today, expected):
    monkeypatch.setattr(filters, "office_today", lambda timezone: today)
    assert set(names(access, "f_visit.within=this_fy")) == expected


def test_received_this_fiscal_year_in_japan_time(access, form, monkeypatch):
    tables = tables_for(form)
    records = tables.records
    # 2026-03-31 23:30 and 2026-04-01 00:30 in Japan (UTC+9)
    times = {
        "山田 太郎": dt.datetime(2026, 3, 31, 14, 30),
        "山田 花子": dt.datetime(2026, 3, 31, 15, 30),
    }
    for name, at in times.items():
        db.session.execute(sa.update(records).where(records.c.f_name == name).values(created_at=at))
    db.session.commit()
    monkeypatch.setattr(filters, "office_today", lambda timezone: dt.date(2026, 4, 1))
    received = set(names(access, "created_at.within=this_fy&f_name.contains=山田"))
    assert received == {"山田 花子"}
    monkeypatch.setattr(filters, "office_today", lambda timezone: dt.date(2026, 3, 31))
    assert set(names(access, "created_at.within=this_fy&f_name.contains=山田")) == {"山田 太郎"}
    assert set(names(access, "created_at.within=today&f_name.contains=山田")) == {"山田 太郎"}


def _expected(rows, keys):
    """Python's order: for each key, values first (ascending or descending), blanks last."""
    ordered = sorted(rows, key=lambda r: r["id"], reverse=keys[0][1] if keys else True)
    for column, descending in reversed(keys):
        present = [r for r in ordered if r[column] is not None]
        blank = [r for r in ordered if r[column] is None]
        ordered = sorted(present, key=lambda r: r[column], reverse=descending) + blank
    return [r["id"] for r in ordered]


@pytest.mark.parametrize(
    "sort",
    ["f_age", "-f_age", "f_ward,-f_age", "-f_ward,f_age", "f_visit", "-f_visit,f_name"],
)
def test_multi_key_sort_puts_blanks_last(access, form, sort):
    compiled = access.view(viewspec.from_args(MultiDict([("sort", sort)])))
    records, _w = access.window(compiled)
    rows = [{"id": r.id, **r.values} for r in records]
    keys = viewspec.parse_sort(sort)
    # ties beyond the keys follow the record id in the first key's direction
    assert [r.id for r in records] == _expected(rows, keys)


@pytest.fixture
def many(make_form, staff):
    """A form with 57 records, a third of them without an age."""
    form = make_form(DOCUMENT)
    definition = published_definition(form)
    for n in range(57):
        values = {"name": f"人 {n:02d}", "ward": ["一関", "花泉", "千厩"][n % 3]}
        if n % 3:
            values["age"] = 20 + (n * 7) % 11  # many ties
        submit(form, definition, values)
    return RecordAccess(staff, form)


@pytest.mark.parametrize("sort", ["", "id", "-id", "f_age", "-f_age", "f_name", "-created_at"])
@pytest.mark.parametrize("size", [5, 7, 60])
def test_keyset_pages_equal_offset_pages(many, sort, size):
    args = MultiDict(
        [("sort", sort), ("page_size", str(size))] if sort else [("page_size", str(size))]
    )
    compiled = many.view(viewspec.from_args(args))
    assert paging.keyset_usable(compiled.sort, many.tables)
    by_offset, offset = [], 0
    while True:
        records, window = many.window(compiled, offset=offset)
        by_offset.append([r.id for r in records])
        if not window.more:
            break
        offset += size
    by_key, after, windows = [], None, []
    while True:
        records, window = many.window(compiled, after=after)
        by_key.append([r.id for r in records])
        windows.append(window)
        if not window.more:
            break
        after = window.last
    assert by_key == by_offset
    assert sum(len(page) for page in by_key) == 57
    # and back again, page by page, from the positions of each page's first row
    for number in range(len(windows) - 1, 0, -1):
        records, _w = many.window(compiled, before=windows[number].first)
        assert [r.id for r in records] == by_offset[number - 1]


def test_a_foreign_position_is_refused(many):
    compiled = many.view(viewspec.from_args(MultiDict([("sort", "f_age")])))
    with pytest.raises(paging.BadPosition):
        many.window(compiled, after="not-a-position")
    several = many.view(viewspec.from_args(MultiDict([("sort", "f_ward,f_age")])))
    _records, window = many.window(several)
    with pytest.raises(paging.BadPosition):
        many.window(several, after=window.last)


def test_counts_stop_at_the_cap(many):
    compiled = many.view(viewspec.ViewSpec())
    assert many.count_view(compiled) == (57, True)
    assert many.count_view(compiled, cap=10) == (10, False)
    assert many.count_view(compiled, cap=57) == (57, True)
    filtered = many.view(viewspec.from_args(MultiDict([("f_ward", "一関")])))
    assert many.count_view(filtered) == (19, True)
    assert many.count_view(filtered, cap=100) == (19, True)


def test_spec_round_trips_through_arguments():
    spec = viewspec.from_args(
        MultiDict(
            [
                ("columns", "f_age,created_at"),
                ("f_ward", "一関"),
                ("g1.match", "any"),
                ("g1.f_age.min", "3"),
                ("match", "any"),
                ("sort", "f_ward,-f_age"),
                ("page_size", "20"),
                ("q", "山田"),
                ("page", "3"),
            ]
        )
    )
    assert spec.columns == ["f_age", "created_at"]
    assert spec.sort == [("f_ward", False), ("f_age", True)]
    assert spec.match == "any" and spec.page_size == 20 and spec.q == "山田"
    again = viewspec.from_args(MultiDict(spec.to_args()))
    assert again == spec
    assert viewspec.ViewSpec.from_json(spec.to_json()) == spec
    # the older single-key form still works
    assert viewspec.from_args(MultiDict([("sort", "f_age"), ("dir", "desc")])).sort == [
        ("f_age", True)
    ]


def test_staff_list_takes_view_arguments(staff_client, form):
    page = staff_client.get(
        f"/staff/forms/{form.id}/records?match=any&f_ward=千厩&f_age.max=30&sort=-f_age"
    ).get_data(as_text=True)
    assert page.index("高橋 三郎") < page.index("鈴木 次郎")
    assert "山田 太郎" not in page
    narrow = staff_client.get(f"/staff/forms/{form.id}/records?columns=f_age")
    text = narrow.get_data(as_text=True)
    assert "山田 太郎" not in text and "41" in text


def test_csv_export_and_api_take_the_same_arguments(staff_client, api, form):
    csv = staff_client.get(f"/staff/forms/{form.id}/records.csv?match=any&f_ward=千厩&f_age.max=30")
    text = csv.get_data().decode("utf-8-sig")
    assert "高橋 三郎" in text and "鈴木 次郎" in text and "山田 太郎" not in text
    body = api.get(f"/api/v1/forms/{form.id}/records?match=any&ward=千厩&age.max=30&sort=-age")
    assert body.status_code == 200, body.get_json()
    assert [i["values"]["name"] for i in body.get_json()["items"]] == ["高橋 三郎", "鈴木 次郎"]
    empty = api.get(f"/api/v1/forms/{form.id}/records?age.empty=yes")
    assert [i["values"]["name"] for i in empty.get_json()["items"]] == ["山田 花子"]
    several = api.get(f"/api/v1/forms/{form.id}/records?sort=ward,-age&q=郎")
    assert [i["values"]["name"] for i in several.get_json()["items"]] == [
        "佐藤 一郎",
        "山田 太郎",
        "高橋 三郎",
        "田中 四郎",
        "鈴木 次郎",
    ]
    unknown = api.get(f"/api/v1/forms/{form.id}/records?g1.nothing=1&match=any")
    assert unknown.status_code == 400
    assert [e["path"] for e in unknown.get_json()["errors"]] == ["g1.nothing"]


def test_deep_pages_link_by_position(staff_client, make_form):
    form = make_form(DOCUMENT)
    definition = published_definition(form)
    for n in range(25):
        submit(form, definition, {"name": f"人 {n:02d}", "age": n % 4 or None})
    first = staff_client.get(f"/staff/forms/{form.id}/records?sort=f_age&page_size=20")
    links = dict(
        (text, html.unescape(href))
        for href, text in re.findall(r'<a class="button" href="([^"]+)">([^<]+)</a>', first.text)
    )
    following = links["次へ"]
    assert "after=" in following and "page=2" in following
    second = staff_client.get(following).text
    assert second.count('class="sticky-col receipt-cell"') == 5
    assert "1ページ目" not in second and "2ページ中 2ページ目" in second


@pytest.mark.parametrize("trash", [False, True])
@pytest.mark.parametrize("sort", ["-id", "f_age", "-f_age", "f_ward,-f_age"])
def test_deferred_and_dense_pages_match_plain_ones(many, monkeypatch, sort, trash):
    """Pages by ids first (deep offsets), in the sort index's order (many matches) and with
    a record in the trash hold the same records as plain pages."""
    if trash:
        records = many.tables.records
        db.session.execute(
            sa.update(records).where(records.c.id == 5).values(deleted_at=dt.datetime(2026, 1, 1))
        )
        db.session.commit()
    compiled = many.view(viewspec.from_args(MultiDict([("sort", sort), ("page_size", "6")])))

    def pages(**options):
        found, offset = [], 0
        while True:
            records, window = many.window(compiled, offset=offset, **options)
            found.append([r.id for r in records])
            if not window.more:
                return found
            offset += 6

    plain = pages()
    monkeypatch.setattr(paging, "DEFERRED_AT", 1)
    assert pages() == plain
    assert pages(dense=True) == plain
    assert sum(len(p) for p in plain) == (56 if trash else 57)
    assert all(5 not in p for p in plain) or not trash
