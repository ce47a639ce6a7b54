"""Each problem with an answer is said once, and phone numbers are read as people write them."""

from __future__ import annotations

import re

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import StringField
from wtforms import validators as v

from app.extensions import db
from builder.fields import Registry, registry
from builder.fields.text import TextType
from renderer.form_class import build_form_class
from tests.test_field_types import CHOICES, DAYS, one_field_form, post, stored_rows

# -- every registered type: no message twice ------------------------------------------------

#: per type: settings that switch on most of its checks, and answers that break several at once
HOSTILE = {
    "text": (
        {"max_length": 3, "min_length": 2, "kana": "katakana"},
        ["あいうえお", "a", "x" * 600, "\x00"],
    ),
    "textarea": ({"max_length": 3, "min_length": 2}, ["長" * 10, "a"]),
    "number": (
        {"min": 18, "max": 99, "decimals": 1},
        ["1.234", "三十", "1e400", "-1.55", "9" * 30, "Infinity"],
    ),
    "email": ({}, ["taro@", "ｔａｒｏ", "a" * 300 + "@example.jp", "@@"]),
    "tel": ({}, ["03-abcd-5678", "03-1234", "1" * 40, "(((", "0000000000", "+"]),
    "date": (
        {"min": "2026-04-01", "max": "2026-04-30", "years_before_min": 0},
        ["2026/2/30", "2030-01-01", "1900-01-01", "来週"],
    ),
    "radio": ({"choices": CHOICES}, ["zz", "一関"]),
    "select": ({"choices": CHOICES}, ["zz"]),
    "checkboxes": (
        {"choices": DAYS, "min_selected": 2, "max_selected": 2},
        [["zz", "zz", "d1"], ["d1"], ["d1", "d2", "d3", "d3"]],
    ),
    "consent": ({}, ["false", ""]),
    # set from the address and never shown: it refuses nothing, it cuts (see test_prefill…)
    "hidden": ({"max_length": 3}, []),
    # a forged reference to an earlier upload, several of them, nothing attached
    "file": ({"max_files": 1}, ["not-a-reference", ["a", "b"], ""]),
}


def test_every_registered_type_has_hostile_answers_here():
    assert set(HOSTILE) == set(registry.names())


@pytest.mark.parametrize(
    ("type_name", "answer"),
    [(name, answer) for name, (_spec, answers) in HOSTILE.items() for answer in answers],
)
def test_no_field_type_shows_the_same_message_twice(client, make_form, type_name, answer):
    settings, _answers = HOSTILE[type_name]
    spec = {"type": type_name, "label": "項目", "required": True, **settings}
    form = one_field_form(make_form, spec, slug=f"twice-{type_name}")
    response = post(client, form, {"f_name": "一関 太郎", "f_x": answer})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    shown = re.search(r'<p class="field-error" id="f_x-error">(.*?)</p>', html, re.S).group(1)
    message = re.sub(r"<[^>]+>", "", shown).removeprefix("エラー：")
    sentences = [s for s in re.split(r"(?<=[。.])\s*", message) if s]
    assert len(sentences) == len(set(sentences)), message
    for sentence in sentences:  # once at the field, once in the summary at the top
        assert html.count(sentence) == 2, sentence


def test_a_message_raised_by_two_checks_of_one_field_is_shown_once(app):
    """The mechanism, whatever the type: the form keeps each message of a field once."""

    class Stubborn(TextType):
        name = "stubborn"

        def form_field(self):
            def complain(form, field):
                raise v.ValidationError("Not like this.")

            return StringField(self.title, validators=[complain, complain, complain])

    types = Registry([Stubborn])
    field_type = types.bind({"type": "stubborn", "key": "x", "label": "X"})
    form_class = build_form_class([field_type])
    web_form = form_class(formdata=MultiDict({"f_x": "?"}), meta={"csrf": False})
    assert not web_form.validate()
    assert web_form.errors == {"f_x": ["Not like this."]}


def test_a_bad_phone_number_is_said_once_at_the_field_and_once_in_the_summary(client, make_form):
    form = one_field_form(make_form, {"type": "tel", "label": "電話番号", "required": True})
    html = post(client, form, {"f_name": "一関 太郎", "f_x": "03-abcd-5678"}).get_data(as_text=True)
    assert html.count("電話番号を 03-1234-5678 のように入力してください。") == 2


# -- phone numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("（０１９１）２１－２１１１", "0191-21-2111"),
        ("0191(21)2111", "0191-21-2111"),
        ("(0191) 21-2111", "0191-21-2111"),
        ("0191 21 2111", "0191-21-2111"),
        ("０９０ １２３４ ５６７８", "090-1234-5678"),
        ("+81-3-1234-5678", "03-1234-5678"),
        ("+81 191 21 2111", "0191-21-2111"),
        ("0120-123-456", "0120-123-456"),
        ("05012345678", "050-1234-5678"),
    ],
)
def test_phone_numbers_are_stored_with_the_area_code_hyphenated(client, make_form, typed, stored):
    form = one_field_form(make_form, {"type": "tel", "label": "電話番号"})
    response = post(client, form, {"f_name": "一関 太郎", "f_x": typed})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert stored_rows(form)[0]["f_x"] == stored


def test_the_confirmation_page_shows_the_phone_number_as_it_will_be_stored(client, make_form):
    form = one_field_form(make_form, {"type": "tel", "label": "電話番号"})
    page = client.get(f"/f/{form.slug}")
    token = re.search(r'name="submission_token"[^>]*value="([0-9a-f]+)"', page.text).group(1)
    confirm = client.post(
        f"/f/{form.slug}",
        data={"f_x": "（０１９１）２１－２１１１", "submission_token": token, "action": "confirm"},
    )
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert '<dd class="pre">0191-21-2111</dd>' in html
    assert '<input type="hidden" name="f_x" value="0191-21-2111">' in html


def test_the_api_stores_phone_numbers_in_the_same_form(api, make_form):
    form = one_field_form(make_form, {"type": "tel", "label": "電話番号"})
    response = api.post(f"/api/v1/forms/{form.id}/records", json={"x": "0191(21)2111"})
    assert response.status_code == 201, response.get_json()
    assert stored_rows(form)[0]["f_x"] == "0191-21-2111"
    refused = api.post(
        f"/api/v1/forms/{form.id}/records",
        json={"x": "03-1234"},
        headers={"Accept-Language": "en"},
    )
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["x"] == ["This phone number has too few digits."]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("03-1234", "This phone number has too few digits."),
        ("03-1234-5678-9012", "This phone number has too many digits."),
        ("00-0000-0000", "No phone number is written like this."),
        ("03-abcd-5678", "Enter a phone number such as 03-1234-5678."),
        ("03/1234/5678", "Enter a phone number such as 03-1234-5678."),
    ],
)
def test_impossible_phone_numbers_are_refused_with_a_clear_message(
    client, make_form, typed, message
):
    form = one_field_form(make_form, {"type": "tel", "label": "電話番号"})
    client.get(f"/f/{form.slug}?lang=en")
    response = post(client, form, {"f_name": "Taro", "f_x": typed})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert stored_rows(form) == []


def test_phone_numbers_stored_before_keep_their_form(client, staff_client, make_form):
    """Values stored earlier (without hyphens) are shown as they are, not rewritten."""
    form = one_field_form(make_form, {"type": "tel", "label": "電話番号"})
    post(client, form, {"f_name": "一関 太郎", "f_x": "0191-21-2111"})
    db.session.execute(db.text(f"UPDATE rec_{form.id} SET f_x = '0191212111'"))
    db.session.commit()
    listing = staff_client.get(f"/staff/forms/{form.id}/records").get_data(as_text=True)
    assert "0191212111" in listing


def test_staff_find_a_phone_number_however_they_type_it(client, api, make_form):
    form = one_field_form(make_form, {"type": "tel", "label": "電話番号"})
    post(client, form, {"f_name": "一関 太郎", "f_x": "0191-21-2111"})
    url = f"/api/v1/forms/{form.id}/records?x.eq="
    for typed in ("0191212111", "（０１９１）２１－２１１１", "0191-21-2111"):
        assert api.get(url + typed).get_json()["total"] == 1, typed
    assert api.get(url + "0191-21-2112").get_json()["total"] == 0
