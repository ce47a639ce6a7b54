"""Answers prefilled from the address, hidden items that say which poster brought the
applicant, and the checks that keep robots out without a CAPTCHA."""

from __future__ import annotations

import re
import time

import pytest

from app import signing
from tests.test_field_types import post, stored_rows, token_of


def _input(html: str, name: str, value: str | None = None) -> str:
    """The <input> tag named *name* (with *value*, for one of several radio buttons)."""
    for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*>', html):
        if value is None or f'value="{value}"' in tag:
            return tag
    raise AssertionError(f"no input {name}={value}")

TRACKED = {
    "title": "健康教室",
    "slug": "kenko",
    "settings": {"confirm_page": True},
    "fields": [
        {"key": "name", "type": "text", "label": "氏名", "required": True},
        {
            "key": "course",
            "type": "radio",
            "label": "コース",
            "choices": [{"value": "am", "label": "午前"}, {"value": "pm", "label": "午後"}],
        },
        {"key": "ref", "type": "hidden", "label": "流入元", "default": "direct", "max_length": 10},
    ],
}


def test_the_address_prefills_answers_and_sets_hidden_items(client, make_form):
    make_form(TRACKED)
    page = client.get("/f/kenko?name=山田&course=pm&ref=poster-eki").get_data(as_text=True)
    assert 'value="山田"' in _input(page, "f_name")
    assert "checked" in _input(page, "f_course", "pm")
    assert "checked" not in _input(page, "f_course", "am")
    hidden = _input(page, "f_ref")
    assert 'type="hidden"' in hidden and 'value="poster-eki"' in hidden
    # the citizen never sees the hidden item's question
    assert "流入元" not in page


def test_a_hidden_item_is_kept_through_confirmation_and_stored(client, make_form):
    form = make_form(TRACKED)
    page = client.get("/f/kenko?ref=poster-ekimae-long").get_data(as_text=True)
    token = token_of(page)
    confirm = client.post(
        "/f/kenko",
        data={"f_name": "山田", "f_ref": "poster-ekimae-long", "submission_token": token,
              "action": "confirm"},
    )
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "流入元" not in html  # not among the answers shown for checking
    assert 'name="f_ref" value="poster-eki"' in html  # cut to its maximum length
    sent = client.post(
        "/f/kenko",
        data={"f_name": "山田", "f_ref": "poster-eki", "submission_token": token,
              "action": "submit"},
    )
    assert sent.status_code == 303
    assert stored_rows(form)[0]["f_ref"] == "poster-eki"


def test_a_hidden_item_takes_its_default_without_an_address_value(client, make_form):
    form = make_form(TRACKED)
    assert post(client, form, {"f_name": "山田"}).status_code == 303
    assert stored_rows(form)[0]["f_ref"] == "direct"


def test_a_prefilled_answer_is_checked_like_a_typed_one(client, make_form):
    form = make_form(TRACKED)
    page = client.get("/f/kenko?course=evening").get_data(as_text=True)
    for value in ("am", "pm"):  # no such choice: nothing chosen
        assert "checked" not in _input(page, "f_course", value)
    response = post(client, form, {"f_name": "山田", "f_course": "evening"})
    assert response.status_code == 422
    assert stored_rows(form) == []


def _started(client, slug) -> dict:
    html = client.get(f"/f/{slug}").get_data(as_text=True)
    started = re.search(r'name="started" value="([^"]+)"', html).group(1)
    return {"submission_token": token_of(html), "started": started}


@pytest.mark.parametrize("overrides", [{"ATSUME_MIN_FILL_SECONDS": 2}])
def test_an_answer_sent_too_fast_is_held_back_with_the_answers_kept(client, make_form, overrides):
    form = make_form(TRACKED)
    guard = _started(client, "kenko")
    response = client.post("/f/kenko", data={**guard, "f_name": "山田", "action": "submit"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="held-back-title"' in html
    assert 'value="山田"' in _input(html, "f_name")
    assert stored_rows(form) == []
    # the same page sent again a moment later goes through: a person loses nothing
    kept = re.search(r'name="started" value="([^"]+)"', html).group(1)
    assert kept == guard["started"]
    time.sleep(2.1)
    response = client.post("/f/kenko", data={**guard, "f_name": "山田", "action": "submit"})
    assert response.status_code == 303
    assert len(stored_rows(form)) == 1


@pytest.mark.parametrize("overrides", [{"ATSUME_MIN_FILL_SECONDS": 1}])
def test_a_filled_honeypot_or_a_forged_start_is_held_back(client, make_form, overrides):
    form = make_form(TRACKED)
    guard = _started(client, "kenko")
    time.sleep(1.1)
    trapped = client.post(
        "/f/kenko", data={**guard, "f_name": "山田", "homepage": "http://spam", "action": "submit"}
    )
    assert trapped.status_code == 422
    forged = client.post(
        "/f/kenko",
        data={**guard, "started": "MQ.forged.sig", "f_name": "山田", "action": "submit"},
    )
    assert forged.status_code == 422
    assert stored_rows(form) == []
    ok = client.post("/f/kenko", data={**guard, "f_name": "山田", "action": "submit"})
    assert ok.status_code == 303


def test_the_honeypot_is_out_of_reach_for_people(client, make_form):
    make_form(TRACKED)
    html = client.get("/f/kenko").get_data(as_text=True)
    trap = re.search(r'<div class="honeypot" aria-hidden="true">.*?</div>', html, re.S).group(0)
    assert 'tabindex="-1"' in trap and 'autocomplete="off"' in trap


@pytest.mark.parametrize("overrides", [{"ATSUME_MIN_FILL_SECONDS": 1}])
def test_a_page_opened_before_the_time_was_signed_plainly_is_taken(
    app, client, make_form, overrides
):
    form = make_form(TRACKED)
    guard = _started(client, "kenko")
    with app.test_request_context():
        earlier = signing.timed_serializer("atsume-fill-started").dumps(1)
    time.sleep(1.1)
    response = client.post(
        "/f/kenko", data={**guard, "started": earlier, "f_name": "山田", "action": "submit"}
    )
    assert response.status_code == 303
    assert len(stored_rows(form)) == 1
