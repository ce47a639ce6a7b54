"""Staff-written patterns run in linear time (RE2): no pattern lets a citizen's input
make the server work for seconds, and patterns RE2 cannot run are refused at save time."""

from __future__ import annotations

import copy
import time

import pytest
import re2
import sqlalchemy as sa

from app.extensions import db
from app.models import FormVersion
from app.records import store
from builder import patterns
from builder.definition import DefinitionError, load
from tests.test_field_types import one_field_form, post

EVIL = "(a+)+b"


def _pattern_problem(pattern: str) -> str:
    document = {
        "title": "t",
        "fields": [{"key": "x", "type": "text", "label": "x", "pattern": pattern}],
    }
    with pytest.raises(DefinitionError) as caught:
        load(document)
    (message,) = caught.value.errors["fields"][0]["pattern"]
    return message


def test_staff_patterns_are_run_by_re2():
    assert isinstance(patterns.compile_pattern(EVIL), re2._Regexp)


def test_the_catastrophic_pattern_answers_at_once(client, make_form):
    form = one_field_form(
        make_form,
        {"type": "text", "label": "記号", "pattern": EVIL, "pattern_message": "記号が違います"},
    )
    post(client, form, {"f_x": "a"})  # warm up
    started = time.perf_counter()
    # a backtracking engine (Python's re) takes about 2 s for 26 characters here, and
    # twice as long for each one more: 30 take half a minute, 200 would never end
    response = post(client, form, {"f_x": "a" * 30 + "!"})
    elapsed = time.perf_counter() - started
    assert response.status_code == 422
    assert "記号が違います" in response.get_data(as_text=True)
    assert elapsed < 5
    assert post(client, form, {"f_x": "a" * 150 + "b"}).status_code == 303


def test_input_longer_than_allowed_is_not_matched(client, make_form, monkeypatch):
    form = one_field_form(
        make_form, {"type": "text", "label": "記号", "pattern": EVIL, "max_length": 10}
    )
    matched = []
    monkeypatch.setattr(
        "builder.fields.text.matches_whole", lambda p, t: matched.append(t) or False
    )
    response = post(client, form, {"f_x": "a" * 100000})
    assert response.status_code == 422
    assert "10文字以内で入力してください。" in response.get_data(as_text=True)
    assert matched == []


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=a)a", r"(?!a)b", r"(?<=a)b", "a{1001}", "[0-9"])
def test_patterns_re2_cannot_run_are_refused_at_the_setting(pattern):
    message = _pattern_problem(pattern)
    assert message.startswith("This pattern cannot be used (")


def test_the_pattern_message_is_translated_in_the_designer(staff_client, make_form):
    form = make_form(publish=False)
    draft = copy.deepcopy(form.draft)
    draft["fields"][0]["pattern"] = r"(a)\1"
    response = staff_client.put(
        f"/staff/forms/{form.id}/designer/draft",
        json={"document": draft, "revision": form.draft_revision},
    )
    assert response.status_code == 422
    (problem,) = response.get_json()["problems"]
    assert problem["path"] == "fields.0.pattern"
    assert problem["message"].startswith("このパターンは使えません（invalid escape sequence")


def test_a_too_long_pattern_is_refused():
    assert _pattern_problem("a" * 501) == "Enter a pattern of at most 500 characters."


def test_full_width_input_still_matches_an_ascii_pattern(client, make_form):
    form = one_field_form(
        make_form, {"type": "text", "label": "郵便番号", "pattern": "[0-9]{3}-[0-9]{4}"}
    )
    assert post(client, form, {"f_x": "０２１－８５０１"}).status_code == 303
    assert post(client, form, {"f_x": "021-8501x"}).status_code == 422
    assert [r.values["f_x"] for r in store.iterate(form, [])] == ["021-8501"]


def test_a_version_published_with_a_pattern_re2_refuses_still_takes_answers(client, make_form):
    form = one_field_form(make_form, {"type": "text", "label": "記号", "pattern": "[a-z]+"})
    version = form.published_version
    document = copy.deepcopy(version.document)
    document["fields"][1]["pattern"] = r"(a)\1"
    db.session.execute(
        sa.update(FormVersion).where(FormVersion.id == version.id).values(document=document)
    )
    db.session.commit()
    assert post(client, form, {"f_x": "xyz"}).status_code == 303
