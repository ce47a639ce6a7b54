"""Numbers come back exactly as they were sent, on SQLite and PostgreSQL alike: through
the public form, the API, the staff list and the CSV export. A number no engine could
hold exactly is refused with a message, never stored as a different number."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from app.extensions import db
from builder.fields.exact_decimal import MAX_SIGNIFICANT_DIGITS, ExactDecimal
from tests.test_field_types import csv_rows, list_cells, one_field_form, post


def _api_values(api, form) -> list:
    """The field's values as the API lists them, JSON numbers read as exact decimals."""
    response = api.get(f"/api/v1/forms/{form.id}/records?sort=id")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = json.loads(response.get_data(as_text=True), parse_float=Decimal)
    return [item["values"]["x"] for item in body["items"]]


def _stored(form) -> list:
    """The field's values as the product reads them back (its own column types)."""
    from app.models import Form
    from app.records import store

    return [r.values["f_x"] for r in store.iterate(db.session.get(Form, form.id), [])]


@pytest.mark.parametrize(
    "typed",
    [
        "999999999.999999",  # 15 digits, all six places
        "-999999999.999999",
        "123456789.123456",
        "12345678901.1234",
        "123456789012345",  # 15 digits, a whole number in a decimal field
        "100000000000000000",  # 18 digits before the point, one significant
        "0.000001",
        "0.1",
        "2.5",
    ],
)
def test_decimal_answers_come_back_exactly(client, staff_client, api, make_form, typed):
    form = one_field_form(make_form, {"type": "number", "label": "金額", "decimals": 6})
    assert post(client, form, {"f_x": typed}).status_code == 303
    sent = api.post(f"/api/v1/forms/{form.id}/records", json={"x": typed})
    assert sent.status_code == 201, sent.get_data(as_text=True)

    exact = Decimal(typed)
    plain = format(exact.normalize(), "f")
    assert _stored(form) == [exact, exact]
    assert all(str(value) == plain for value in _stored(form))  # no float noise
    assert _api_values(api, form) == [exact, exact]
    assert json.loads(sent.get_data(as_text=True), parse_float=Decimal)["values"]["x"] == exact
    assert [row["金額"] for row in csv_rows(staff_client, form)] == [plain, plain]
    page = staff_client.get(f"/staff/forms/{form.id}/records").get_data(as_text=True)
    assert list_cells(page)[3] == plain


@pytest.mark.parametrize("typed", ["999999999999999999", "-999999999999999999", "9007199254740993"])
def test_whole_numbers_of_up_to_18_digits_come_back_exactly(client, staff_client, make_form, typed):
    form = one_field_form(make_form, {"type": "number", "label": "番号"})
    assert post(client, form, {"f_x": typed}).status_code == 303
    assert _stored(form) == [int(typed)]
    assert [row["番号"] for row in csv_rows(staff_client, form)] == [typed]


@pytest.mark.parametrize(
    ("typed", "digits"),
    [("12345678901.123456", 17), ("123456789012345678.1", 19), ("1234567890.123456", 16)],
)
def test_decimals_with_more_digits_than_every_engine_holds_are_refused(
    client, api, make_form, typed, digits
):
    form = one_field_form(make_form, {"type": "number", "label": "金額", "decimals": 6})
    response = post(client, form, {"f_x": typed})
    assert response.status_code == 422
    assert f"数字は全部で15桁までにしてください（この数は{digits}桁です）。" in response.get_data(
        as_text=True
    )
    api_response = api.post(f"/api/v1/forms/{form.id}/records", json={"x": typed})
    assert api_response.status_code == 422
    assert list(api_response.get_json()["errors"]) == ["x"]
    assert _stored(form) == []


def test_filters_and_sorting_on_decimals_stay_numeric(api, make_form):
    form = one_field_form(make_form, {"type": "number", "label": "金額", "decimals": 6})
    for typed in ["10", "9.5", "999999999.999999", "-0.000001", "100.25"]:
        assert api.post(f"/api/v1/forms/{form.id}/records", json={"x": typed}).status_code == 201
    url = f"/api/v1/forms/{form.id}/records"

    def values(query: str) -> list:
        body = json.loads(api.get(url + query).get_data(as_text=True), parse_float=Decimal)
        return [item["values"]["x"] for item in body["items"]]

    assert values("?sort=x") == [
        Decimal(v) for v in ("-0.000001", "9.5", "10", "100.25", "999999999.999999")
    ]
    assert values("?x.min=9.5&x.max=100.25&sort=-x") == [Decimal("100.25"), 10, Decimal("9.5")]
    assert values("?x=999999999.999999") == [Decimal("999999999.999999")]
    assert values("?x.max=-0.000001") == [Decimal("-0.000001")]


def test_the_decimal_column_is_the_numeric_column_published_tables_already_have(app):
    dialect = db.engine.dialect
    assert str(ExactDecimal().compile(dialect=dialect)) == str(
        sa.Numeric(30, 10).compile(dialect=dialect)
    )


_EXACT = st.builds(
    lambda digits, places, negative: (-1 if negative else 1) * Decimal(digits).scaleb(-places),
    st.integers(min_value=0, max_value=10**MAX_SIGNIFICANT_DIGITS - 1),
    st.integers(min_value=0, max_value=6),
    st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(number=_EXACT)
def test_every_accepted_decimal_is_read_back_unchanged_on_sqlite(number):
    engine = sa.create_engine("sqlite://")
    table = sa.Table("t", sa.MetaData(), sa.Column("x", ExactDecimal()))
    table.create(engine)
    with engine.begin() as connection:
        connection.execute(table.insert().values(x=number))
        assert connection.execute(sa.select(table.c.x)).scalar() == number
        assert (
            connection.execute(sa.select(sa.func.count()).where(table.c.x == number)).scalar() == 1
        )


@pytest.mark.parametrize("number", [999999999.999999, -0.000001, 12345678901.1234, 2.5])
def test_decimals_sent_as_json_numbers_come_back_exactly(api, make_form, number):
    form = one_field_form(make_form, {"type": "number", "label": "金額", "decimals": 6})
    sent = api.post(f"/api/v1/forms/{form.id}/records", json={"x": number})
    assert sent.status_code == 201, sent.get_data(as_text=True)
    assert _stored(form) == [Decimal(repr(number))]
    assert _api_values(api, form) == [Decimal(repr(number))]


def test_a_json_number_with_more_digits_than_a_decimal_may_have_is_refused(api, make_form):
    form = one_field_form(make_form, {"type": "number", "label": "金額", "decimals": 6})
    sent = api.post(
        f"/api/v1/forms/{form.id}/records",
        data='{"x": 12345678901.123456}',
        content_type="application/json",
    )
    assert sent.status_code == 422
    assert _stored(form) == []
