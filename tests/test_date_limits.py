"""Date limits: fixed dates, or relative to a reference date (an election day, or today)."""

from __future__ import annotations

import copy
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from app.seed import sample_documents
from builder import definition as definitions
from builder.fields import registry
from builder.fields.date import years_before
from builder.palette import describe
from tests.test_field_types import field_block, one_field_form, post, stored_rows

ELECTION_DAY = {
    "type": "date",
    "label": "生年月日",
    "required": True,
    "reference_date": "2027-04-25",
    "reference_name": "投票日",
    "years_before_min": 18,
}


def office_today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Tokyo")).date()


def error_of(html: str, key: str = "x") -> str:
    found = re.search(rf'<p class="field-error" id="f_{key}-error">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else ""


@pytest.mark.parametrize(
    ("born", "accepted"),
    [("2030-01-01", False), ("2009-04-26", False), ("2009-04-25", True), ("1985-04-12", True)],
)
def test_born_at_least_18_years_before_election_day(client, make_form, born, accepted):
    form = one_field_form(make_form, ELECTION_DAY)
    response = post(client, form, {"f_name": "一関 太郎", "f_x": born})
    if accepted:
        assert response.status_code == 303
        assert stored_rows(form)[0]["f_x"] == dt.date.fromisoformat(born)
    else:
        assert response.status_code == 422
        assert error_of(response.get_data(as_text=True)) == (
            "エラー：2009年4月25日（投票日 2027年4月25日の18年前）以前の日付を入力してください。"
        )
        assert stored_rows(form) == []


def test_the_allowed_range_is_said_under_the_question_and_given_to_the_date_picker(
    client, make_form
):
    form = one_field_form(make_form, {**ELECTION_DAY, "min": "1920-01-01"})
    html = client.get(f"/f/{form.slug}").get_data(as_text=True)
    block = field_block(html, "x")
    hint = "1920年1月1日から2009年4月25日（投票日 2027年4月25日の18年前）まで"
    assert f'<span class="hint">{hint}</span>' in block
    assert 'min="1920-01-01"' in block and 'max="2009-04-25"' in block
    english = client.get(f"/f/{form.slug}?lang=en").get_data(as_text=True)
    assert "From 1920-01-01 to 2009-04-25 (18 years before 投票日, 2027-04-25)" in english


def test_limits_relative_to_the_day_of_answering(client, make_form):
    spec = {"type": "date", "label": "生年月日", "years_before_min": 18, "years_before_max": 100}
    form = one_field_form(make_form, spec)
    today = office_today()
    latest, earliest = years_before(today, 18), years_before(today, 100)
    too_young = post(client, form, {"f_x": (latest + dt.timedelta(days=1)).isoformat()})
    assert too_young.status_code == 422
    message = error_of(too_young.get_data(as_text=True))
    assert f"{latest.year}年{latest.month}月{latest.day}日（今日の18年前）まで" in message
    assert f"{earliest.year}年{earliest.month}月{earliest.day}日（今日の100年前）から" in message
    assert post(client, form, {"f_x": latest.isoformat()}).status_code == 303


def test_a_booking_window_in_days_after_today(client, make_form):
    spec = {"type": "date", "label": "希望日", "days_after_min": 3, "days_after_max": 60}
    form = one_field_form(make_form, spec)
    today = office_today()
    for offset, status in ((2, 422), (3, 303), (60, 303), (61, 422)):
        day = today + dt.timedelta(days=offset)
        assert post(client, form, {"f_x": day.isoformat()}).status_code == status, offset
    html = post(client, form, {"f_x": today.isoformat()}).get_data(as_text=True)
    assert "（今日の3日後）から" in error_of(html)


def test_on_or_before_today(client, make_form):
    form = one_field_form(make_form, {"type": "date", "label": "発生日", "days_after_max": 0})
    tomorrow = office_today() + dt.timedelta(days=1)
    html = post(client, form, {"f_x": tomorrow.isoformat()}).get_data(as_text=True)
    assert "（今日）以前の日付を入力してください。" in error_of(html)


def test_29_february_minus_years_is_28_february():
    assert years_before(dt.date(2028, 2, 29), 18) == dt.date(2010, 2, 28)


@pytest.mark.parametrize(
    "spec",
    [
        {"reference_date": "0001-01-01", "years_before_min": 150},
        {"reference_date": "9999-12-31", "days_after_max": 3660},
    ],
)
def test_limits_beyond_the_calendar_are_clamped_not_a_crash(client, make_form, spec):
    form = one_field_form(make_form, {"type": "date", "label": "日", **spec})
    assert client.get(f"/f/{form.slug}").status_code == 200
    assert post(client, form, {"f_x": "2026-04-01"}).status_code in (303, 422)


def test_limits_that_leave_no_date_are_refused_when_the_form_is_saved():
    document = {
        "title": "t",
        "fields": [{**ELECTION_DAY, "key": "x", "min": "2020-01-01"}],
    }
    with pytest.raises(definitions.DefinitionError) as refused:
        definitions.load(document)
    assert refused.value.errors["fields"][0]["min"] == [
        "The earliest date is after the latest date."
    ]


@pytest.mark.parametrize(
    "setting", ["years_before_min", "years_before_max", "days_after_min", "days_after_max"]
)
def test_negative_or_huge_offsets_are_refused(setting):
    for value in (-1, 100000):
        document = {"title": "t", "fields": [{"type": "date", "label": "d", setting: value}]}
        with pytest.raises(definitions.DefinitionError):
            definitions.load(document)


def test_the_designer_offers_the_relative_limits():
    palette = {entry["name"]: entry for entry in describe(registry)}
    settings = {s["name"]: s for s in palette["date"]["settings"]}
    assert settings["reference_date"]["widget"] == "date"
    assert settings["reference_name"]["widget"] == "text"
    for name in ("years_before_min", "years_before_max", "days_after_min", "days_after_max"):
        assert settings[name]["widget"] == "integer"
        assert settings[name]["min"] == 0


def test_the_election_sample_refuses_an_applicant_born_in_2030(client, make_form):
    sample = next(d for d in sample_documents() if d["slug"] == "senkyo-staff")
    form = make_form(copy.deepcopy(sample))
    html = client.get(f"/f/{form.slug}").get_data(as_text=True)
    token = re.search(r'name="submission_token"[^>]*value="([0-9a-f]+)"', html).group(1)
    response = client.post(
        f"/f/{form.slug}",
        data={"f_birth_date": "2030-01-01", "submission_token": token, "action": "confirm"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "2009年4月25日（投票日 2027年4月25日の18年前）まで" in error_of(html, "birth_date")
