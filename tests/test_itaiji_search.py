"""Text filters find variant kanji (異体字): 高橋 finds 髙橋, 渡辺 finds 渡邉, and back."""

from __future__ import annotations

import re

import pytest

from app.forms.published import published_definition
from app.records.submission import submit
from builder import itaiji
from tests.conftest import ELECTION

NAMES = ["髙橋 一郎", "高橋 二郎", "渡邉 花子", "渡辺 次郎", "山﨑 太郎", "高田 三郎", "斎藤 四郎"]


@pytest.fixture
def people(make_form):
    form = make_form()
    definition = published_definition(form)
    for name in NAMES:
        submit(form, definition, {"name": name})
    return form


def _names_in_list(client, form, query: str) -> list[str]:
    html = client.get(f"/staff/forms/{form.id}/records?{query}").get_data(as_text=True)
    return sorted(name for name in NAMES if re.search(rf">\s*{name}\s*<", html))


@pytest.mark.parametrize(
    "query, found",
    [
        ("f_name.contains=高橋", ["高橋 二郎", "髙橋 一郎"]),
        ("f_name.contains=髙橋", ["高橋 二郎", "髙橋 一郎"]),
        ("f_name.contains=髙", ["高橋 二郎", "高田 三郎", "髙橋 一郎"]),
        ("f_name.contains=渡辺", ["渡辺 次郎", "渡邉 花子"]),
        ("f_name.contains=渡邊", ["渡辺 次郎", "渡邉 花子"]),
        ("f_name.contains=山崎", ["山﨑 太郎"]),
        ("f_name.contains=齋藤", ["斎藤 四郎"]),
        ("f_name=高橋 一郎", ["髙橋 一郎"]),
        ("f_name=渡邉 次郎", ["渡辺 次郎"]),
        ("f_name.contains=一郎", ["髙橋 一郎"]),
    ],
)
def test_staff_list_text_filters_match_variant_kanji(staff_client, people, query, found):
    assert _names_in_list(staff_client, people, query) == sorted(found)


def test_api_filters_match_variant_kanji(api, people):
    response = api.get(f"/api/v1/forms/{people.id}/records?name.contains=高橋")
    assert response.status_code == 200
    assert sorted(r["values"]["name"] for r in response.get_json()["items"]) == [
        "高橋 二郎",
        "髙橋 一郎",
    ]


def test_csv_export_uses_the_same_match(staff_client, people):
    body = staff_client.get(f"/staff/forms/{people.id}/records.csv?f_name.contains=渡辺")
    text = body.get_data().decode("utf-8-sig")
    assert "渡邉 花子" in text and "渡辺 次郎" in text and "髙橋" not in text


def test_wildcards_in_the_search_stay_literal(staff_client, make_form):
    form = make_form()
    definition = published_definition(form)
    for name in ("50%高", "500高", "a_b", "axb"):
        submit(form, definition, {"name": name})
    html = staff_client.get(f"/staff/forms/{form.id}/records?f_name.contains=50%25髙").get_data(
        as_text=True
    )
    assert "50%高" in html and "500高" not in html
    html = staff_client.get(f"/staff/forms/{form.id}/records?f_name.contains=a_b").get_data(
        as_text=True
    )
    assert "a_b" in html and "axb" not in html


def test_a_long_exact_search_folds_instead_of_listing_spellings(staff_client, make_form):
    form = make_form(dict(ELECTION, slug="many"))
    definition = published_definition(form)
    stored = "髙崎島浜沢辺国広"  # 2*4*3*3*2*3*3*2 spellings: more than the limit
    submit(form, definition, {"name": stored})
    assert itaiji.spellings("高崎島浜沢辺国広") is None
    html = staff_client.get(f"/staff/forms/{form.id}/records?f_name=高﨑嶋濱澤邊國廣").get_data(
        as_text=True
    )
    assert stored in html


def test_variant_table():
    assert itaiji.fold("髙橋") == "高橋" and itaiji.fold("山﨑") == "山崎"
    assert itaiji.spellings("渡辺") == ["渡辺", "渡邊", "渡邉"]
    assert itaiji.spellings("田中") == ["田中"]
    # different characters, not variants: other people's names must not match
    assert itaiji.fold("斉藤") != itaiji.fold("斎藤")
    assert itaiji.fold("埼玉") != itaiji.fold("崎玉")
    for group in itaiji.VARIANT_GROUPS:
        assert len(set(group)) == len(group) >= 2, group
