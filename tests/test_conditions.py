"""Display conditions (show_if): each comparison, hiding on the server, the API, the schema."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app.records import store
from builder import conditions
from builder import definition as definitions
from builder.fields import registry

FORM = {
    "title": "イベント申込",
    "slug": "event-rules",
    "fields": [
        {"key": "name", "type": "text", "label": "氏名", "required": True},
        {
            "key": "ward",
            "type": "radio",
            "label": "地区",
            "required": True,
            "choices": [{"value": "ichi", "label": "一関"}, {"value": "hana", "label": "花泉"}],
        },
        {
            "key": "bus",
            "type": "text",
            "label": "送迎バスの乗車場所",
            "required": True,
            "show_if": {"field": "ward", "op": "eq", "value": "hana"},
        },
        {"key": "people", "type": "number", "label": "参加人数", "required": True},
        {
            "key": "group",
            "type": "section",
            "label": "団体の情報",
            "show_if": {"field": "people", "op": "gt", "value": 4},
            "fields": [
                {"key": "group_name", "type": "text", "label": "団体名", "required": True},
                {
                    "key": "leader",
                    "type": "text",
                    "label": "引率者",
                    "required": True,
                    "show_if": {"field": "group_name", "op": "filled"},
                },
            ],
        },
    ],
}


def _types(document):
    loaded = definitions.load(document)
    return loaded, {spec["key"]: registry.bind(spec) for spec in loaded.fields()}


# -- each comparison ------------------------------------------------------------------

TYPES_DOC = {
    "title": "t",
    "fields": [
        {"key": "t", "type": "text", "label": "T"},
        {"key": "n", "type": "number", "label": "N"},
        {"key": "d", "type": "date", "label": "D"},
        {"key": "r", "type": "radio", "label": "R", "choices": ["a", "b", "c"]},
        {"key": "m", "type": "checkboxes", "label": "M", "choices": ["a", "b", "c"]},
        {"key": "ok", "type": "consent", "label": "OK"},
    ],
}


@pytest.mark.parametrize(
    ("condition", "answers", "expected"),
    [
        ({"field": "t", "op": "eq", "value": "ｙｅｓ"}, {"t": "yes"}, True),
        ({"field": "t", "op": "eq", "value": "yes"}, {"t": "no"}, False),
        ({"field": "t", "op": "ne", "value": "yes"}, {"t": "no"}, True),
        ({"field": "t", "op": "ne", "value": "yes"}, {}, True),
        ({"field": "t", "op": "in", "value": ["x", "y"]}, {"t": "y"}, True),
        ({"field": "t", "op": "in", "value": ["x", "y"]}, {"t": "z"}, False),
        ({"field": "t", "op": "filled"}, {"t": "z"}, True),
        ({"field": "t", "op": "filled"}, {"t": None}, False),
        ({"field": "n", "op": "gt", "value": 3}, {"n": 4}, True),
        ({"field": "n", "op": "gt", "value": "３"}, {"n": 3}, False),
        ({"field": "n", "op": "lt", "value": 3}, {"n": 2}, True),
        ({"field": "n", "op": "lt", "value": 3}, {"n": None}, False),
        ({"field": "n", "op": "eq", "value": 3}, {"n": 3}, True),
        ({"field": "d", "op": "gt", "value": "2026-04-01"}, {"d": dt.date(2026, 4, 2)}, True),
        ({"field": "d", "op": "lt", "value": "2026-04-01"}, {"d": dt.date(2026, 4, 2)}, False),
        ({"field": "r", "op": "eq", "value": "b"}, {"r": "b"}, True),
        ({"field": "r", "op": "in", "value": ["a", "c"]}, {"r": "b"}, False),
        ({"field": "m", "op": "eq", "value": "b"}, {"m": ["a", "b"]}, True),
        ({"field": "m", "op": "ne", "value": "b"}, {"m": ["a", "b"]}, False),
        ({"field": "m", "op": "in", "value": ["c", "b"]}, {"m": ["a", "b"]}, True),
        ({"field": "m", "op": "filled"}, {"m": []}, False),
        ({"field": "ok", "op": "eq", "value": True}, {"ok": True}, True),
        ({"field": "ok", "op": "filled"}, {"ok": False}, False),
    ],
)
def test_each_comparison(condition, answers, expected):
    _loaded, types = _types(TYPES_DOC)
    rule = conditions.parse(condition)
    assert conditions.holds(rule, answers, types) is expected


def test_all_and_any():
    _loaded, types = _types(TYPES_DOC)
    both = {"all": [{"field": "t", "op": "filled"}, {"field": "n", "op": "gt", "value": 1}]}
    either = {"any": [{"field": "t", "op": "filled"}, {"field": "n", "op": "gt", "value": 1}]}
    assert conditions.holds(conditions.parse(both), {"t": "x", "n": 2}, types)
    assert not conditions.holds(conditions.parse(both), {"t": "x", "n": 0}, types)
    assert conditions.holds(conditions.parse(either), {"t": "x", "n": 0}, types)
    assert not conditions.holds(conditions.parse(either), {"n": 0}, types)


def test_hidden_chain_and_sections():
    loaded, types = _types(FORM)
    hidden = conditions.hidden_keys(
        loaded.items, types, {"ward": "ichi", "people": 2, "group_name": "x"}
    )
    # the section is hidden, so its questions are, whatever their own answers
    assert hidden == {"bus", "group", "group_name", "leader"}
    hidden = conditions.hidden_keys(loaded.items, types, {"ward": "hana", "people": 5})
    assert hidden == {"leader"}


# -- the definition schema ----------------------------------------------------------------


def _problems(document) -> str:
    with pytest.raises(definitions.DefinitionError) as caught:
        definitions.load(document)
    return str(caught.value.errors)


def _with(field_changes: dict, index: int = 2) -> dict:
    import copy

    document = copy.deepcopy(FORM)
    document["fields"][index].update(field_changes)
    return document


def test_a_rule_may_only_use_an_earlier_question():
    forward = _with({"show_if": {"field": "people", "op": "eq", "value": 1}})
    assert "not a question above this item" in _problems(forward)
    itself = _with({"show_if": {"field": "bus", "op": "filled"}})
    assert "not a question above this item" in _problems(itself)
    missing = _with({"show_if": {"field": "nope", "op": "filled"}})
    assert "nope" in _problems(missing)


def test_comparisons_must_fit_the_question():
    assert "more and less than" in _problems(
        _with({"show_if": {"field": "name", "op": "gt", "value": 1}})
    )
    assert "list of values" in _problems(
        _with({"show_if": {"field": "ward", "op": "in", "value": "hana"}})
    )
    assert "not one of the choices" in _problems(
        _with({"show_if": {"field": "ward", "op": "eq", "value": "花泉"}})
    )
    assert "Choose a comparison" in _problems(
        _with({"show_if": {"field": "ward", "op": "like", "value": "hana"}})
    )
    assert "Add at least one condition" in _problems(_with({"show_if": {"any": []}}))
    section = _with({"show_if": {"field": "people", "op": "gt", "value": "many"}}, index=4)
    assert "Enter a number" in _problems(section)


def test_errors_point_at_the_item_and_setting_for_the_designer(app):
    from app.forms.errors import flatten

    document = _with({"show_if": {"field": "people", "op": "eq", "value": 1}})
    with pytest.raises(definitions.DefinitionError) as caught:
        definitions.load(document)
    problems = flatten(caught.value.errors, document, lambda s: s, "item")
    assert [p.path for p in problems] == ["fields.2.show_if"]


def test_publish_lists_rule_changes(make_form, staff):
    from app.forms import operations

    form = make_form(FORM)
    draft = _with({"show_if": {"field": "ward", "op": "eq", "value": "ichi"}})
    draft["fields"][4]["page"] = True
    operations.save_draft(form, draft)
    changes = {(c.action, c.key) for c in operations.preview_publish(form).changes}
    assert ("rules", "bus") in changes
    assert ("page", "group") in changes
    assert not any(action == "changed" for action, _key in changes)


# -- the public form ------------------------------------------------------------------------


def _token(html: str) -> str:
    return re.search(r'name="submission_token"[^>]*value="([0-9a-f]+)"', html).group(1)


def _post(client, slug, data, action="submit"):
    token = _token(client.get(f"/f/{slug}").get_data(as_text=True))
    return client.post(f"/f/{slug}", data={**data, "submission_token": token, "action": action})


def _columns(form):
    return {e["key"]: e["column"] for e in form.storage}


def test_the_form_carries_the_rules_for_the_browser(client, make_form):
    make_form(FORM)
    html = client.get("/f/event-rules").get_data(as_text=True)
    assert 'id="form-conditions"' in html
    assert 'data-condition="bus"' in html and 'data-condition="group"' in html
    # without a script every question shows, with the condition in words
    assert "次の場合に回答してください：「地区」が「花泉」" in html
    assert 'id="condition-status" aria-live="polite"' in html


def test_hidden_questions_are_not_checked_nor_stored(client, make_form):
    form = make_form(FORM)
    answers = {"f_name": "一関 太郎", "f_ward": "ichi", "f_people": "2"}
    done = _post(client, form.slug, answers)
    assert done.status_code == 303  # bus, group_name and leader are required, but hidden
    record = store.query(form, []).records[0]
    columns = _columns(form)
    assert record.values[columns["bus"]] is None


def test_a_shown_question_is_checked(client, make_form):
    form = make_form(FORM)
    refused = _post(client, form.slug, {"f_name": "太郎", "f_ward": "hana", "f_people": "5"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "送迎バスの乗車場所" in html and "団体名" in html
    assert store.count(form) == 0


def test_a_tampered_post_cannot_store_a_hidden_answer(client, make_form):
    form = make_form(FORM)
    answers = {
        "f_name": "一関 太郎",
        "f_ward": "ichi",
        "f_people": "2",
        "f_bus": "駅前",  # hidden: ward is not 花泉
        "f_group_name": "こっそり",  # the section is hidden: 2 people
        "f_leader": "x",
    }
    confirm = _post(client, form.slug, answers, action="confirm")
    html = confirm.get_data(as_text=True)
    assert "駅前" not in html and "こっそり" not in html  # the confirmation shows what applies
    assert "送迎バスの乗車場所" not in html
    assert _post(client, form.slug, answers).status_code == 303
    record = store.query(form, []).records[0]
    columns = _columns(form)
    assert record.values[columns["bus"]] is None
    assert record.values[columns["group_name"]] is None
    assert record.values[columns["leader"]] is None


def test_the_confirmation_shows_only_what_applies(client, make_form):
    form = make_form(FORM)
    answers = {"f_name": "太郎", "f_ward": "hana", "f_bus": "駅前", "f_people": "1"}
    html = _post(client, form.slug, answers, action="confirm").get_data(as_text=True)
    assert "送迎バスの乗車場所" in html and "駅前" in html
    assert "団体名" not in html


# -- the API ---------------------------------------------------------------------------------


def test_the_api_applies_the_same_rules(api, make_form):
    form = make_form(FORM)
    url = f"/api/v1/forms/{form.id}/records"
    # a value sent for a hidden question is ignored, as on the public form
    created = api.post(
        url, json={"name": "太郎", "ward": "ichi", "people": 2, "bus": "駅前", "group_name": "x"}
    )
    assert created.status_code == 201, created.get_json()
    values = created.get_json()["values"]
    assert values["bus"] is None and values["group_name"] is None
    refused = api.post(url, json={"name": "太郎", "ward": "hana", "people": 2})
    assert refused.status_code == 422
    assert "bus" in str(refused.get_json())
    assert store.count(form) == 1


def test_a_designer_card_shows_an_item_with_a_rule(app):
    from renderer.cards import render_card

    with app.test_request_context():
        html = render_card(FORM["fields"][2])
    assert html is not None and "送迎バスの乗車場所" in html
