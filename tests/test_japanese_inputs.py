"""Japanese inputs: era dates (令和8年4月1日, R8.4.1), postal codes that fill the address, and
one normalisation rule for text typed on a Japanese keyboard."""

from __future__ import annotations

import datetime as dt

import pytest

from app import create_app
from builder.era import NotADate, era_year_text, parse_era_date
from builder.fields.date import parse_date
from builder.normalise import long_text, postal_code, single_line_text
from tests.test_date_limits import error_of
from tests.test_field_types import field_block, one_field_form, post, stored_rows


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("令和8年4月1日", dt.date(2026, 4, 1)),
        ("令和元年5月1日", dt.date(2019, 5, 1)),
        ("R8.4.1", dt.date(2026, 4, 1)),
        ("r8/4/1", dt.date(2026, 4, 1)),
        ("Ｒ８．４．１", dt.date(2026, 4, 1)),
        ("令和 8 年 4 月 1 日", dt.date(2026, 4, 1)),
        ("H31.4.30", dt.date(2019, 4, 30)),
        ("平成元年1月8日", dt.date(1989, 1, 8)),
        ("昭和64年1月7日", dt.date(1989, 1, 7)),
        ("S60-4-1", dt.date(1985, 4, 1)),
        ("大正15年12月24日", dt.date(1926, 12, 24)),
    ],
)
def test_era_dates_are_read(text, day):
    assert parse_era_date(text) == day
    assert parse_date(text) == day


@pytest.mark.parametrize(
    "text", ["平成31年5月1日", "令和1年4月30日", "昭和64年1月8日", "令和8年2月30日", "R0.1.1"]
)
def test_era_dates_that_do_not_exist_are_refused(text):
    with pytest.raises(NotADate):
        parse_era_date(text)
    with pytest.raises(ValueError):
        parse_date(text)


def test_plain_dates_are_not_era_dates():
    assert parse_era_date("2026-04-01") is None
    assert parse_date("2026年4月1日") == dt.date(2026, 4, 1)


def test_the_era_year_of_a_date():
    assert era_year_text(dt.date(2026, 4, 1)) == "令和8年"
    assert era_year_text(dt.date(2019, 5, 1)) == "令和元年"
    assert era_year_text(dt.date(2019, 4, 30)) == "平成31年"
    assert era_year_text(dt.date(1850, 1, 1)) == ""


TYPED_DATE = {"type": "date", "label": "生年月日", "entry": "text", "show_era": True}


def test_a_typed_date_takes_an_era_and_shows_it_on_confirmation(client, make_form):
    form = one_field_form(make_form, TYPED_DATE)
    page = client.get(f"/f/{form.slug}").get_data(as_text=True)
    block = field_block(page, "x")
    assert 'type="text"' in block and 'type="date"' not in block
    assert "R8.4.1" in block  # the example says what can be typed
    confirm = client.post(
        f"/f/{form.slug}", data={"f_name": "山田", "f_x": "S60.4.1", "action": "confirm"}
    )
    assert confirm.status_code == 200
    assert "1985年4月1日（昭和60年）" in confirm.get_data(as_text=True)
    response = post(client, form, {"f_name": "山田", "f_x": "昭和60年4月1日"})
    assert response.status_code == 303
    assert stored_rows(form)[0]["f_x"] == dt.date(1985, 4, 1)


def test_an_era_date_that_does_not_exist_is_refused_next_to_the_field(client, make_form):
    form = one_field_form(make_form, TYPED_DATE)
    response = post(client, form, {"f_name": "山田", "f_x": "平成32年1月1日"})
    assert response.status_code == 422
    assert "令和8年4月1日" in error_of(response.get_data(as_text=True))
    assert stored_rows(form) == []


def test_single_line_text_rule():
    assert single_line_text(" 竹山町７－２ ") == "竹山町7-2"
    assert single_line_text("ＡＢＣマンション１０１号") == "ABCマンション101号"
    assert single_line_text("ﾔﾏﾀﾞ ﾀﾛｳ") == "ヤマダ タロウ"
    assert single_line_text("山田　太郎") == "山田　太郎"  # the ideographic space is kept
    assert single_line_text("東京（本社）") == "東京（本社）"  # punctuation is kept
    assert single_line_text("ハーモニー") == "ハーモニー"  # a long vowel is not a dash


def test_long_text_keeps_digits_and_punctuation_as_written():
    assert long_text(" ﾃｽﾄです。２０２６年！ ") == "テストです。２０２６年！"


def test_postal_code_rule():
    assert postal_code("〒１２３ー４５６７") == "123-4567"
    assert postal_code("1234567") == "123-4567"
    assert postal_code("123-456") == "123-456"


def test_an_address_is_stored_with_half_width_digits(client, make_form):
    form = one_field_form(make_form, {"type": "text", "label": "住所", "purpose": "address"})
    post(client, form, {"f_name": "ﾔﾏﾀﾞ", "f_x": "一関市竹山町７－２"})
    row = stored_rows(form)[0]
    assert row["f_x"] == "一関市竹山町7-2"
    assert row["f_name"] == "ヤマダ"


POSTAL = {"type": "text", "label": "郵便番号", "purpose": "postal_code", "max_length": 8}


def test_a_postal_code_is_stored_as_three_and_four_digits(client, make_form):
    form = one_field_form(make_form, POSTAL)
    page = client.get(f"/f/{form.slug}").get_data(as_text=True)
    block = field_block(page, "x")
    assert 'data-postal-code="address"' in block
    assert 'autocomplete="postal-code"' in block and 'inputmode="numeric"' in block
    assert post(client, form, {"f_name": "山田", "f_x": "０２１８５０１"}).status_code == 303
    assert stored_rows(form)[0]["f_x"] == "021-8501"


def test_a_postal_code_that_is_not_seven_digits_is_refused(client, make_form):
    form = one_field_form(make_form, POSTAL)
    response = post(client, form, {"f_name": "山田", "f_x": "02185"})
    assert response.status_code == 422
    assert "7" in error_of(response.get_data(as_text=True))
    assert stored_rows(form) == []


def test_the_address_of_a_postal_code(client):
    response = client.get("/postal-codes/1000001")
    assert response.status_code == 200
    assert response.get_json() == {
        "code": "100-0001",
        "prefecture": "東京都",
        "city": "千代田区",
        "town": "千代田",
        "towns": ["千代田"],
    }
    assert "max-age" in response.headers["Cache-Control"]


@pytest.mark.parametrize("code", ["9999999", "123", "１０００００１", "abcdefg", "10000011"])
def test_an_unknown_postal_code_has_no_address(client, code):
    response = client.get(f"/postal-codes/{code}")
    assert response.status_code == 404
    assert response.get_json()["error"] == "unknown"


def test_the_public_role_serves_the_lookup_and_its_script(app_config):
    public = create_app({**app_config, "ATSUME_ROLE": "public"})
    client = public.test_client()
    assert client.get("/postal-codes/1000001").status_code == 200
    assert client.get("/static/js/postal-code.js").status_code == 200
