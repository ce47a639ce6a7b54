"""Definition documents: what builder.definition.load accepts, refuses and normalises;
stable field keys through operations.save_draft; the field-type registry."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from app.extensions import db
from app.forms import operations
from app.forms.errors import flatten
from app.models import Form
from app.seed import sample_documents
from builder import definition
from builder.definition import KEY_PATTERN, MAX_FIELDS, DefinitionError, load
from builder.fields import (
    BUILTIN_TYPES,
    DuplicateFieldType,
    Registry,
    UnavailableType,
    registry,
)
from builder.fields.base import FieldType
from builder.fields.choice import RadioType
from builder.fields.text import TextType
from tests.conftest import ELECTION

#: The definition contract of issue 2: "a document like this stays valid".
ISSUE_CONTRACT = ELECTION

#: A definition using every part of the format: form settings, a section, and every
#: field type with its settings.
FULL = {
    "title": "選挙事務スタッフ募集",
    "slug": "senkyo-staff-2026",
    "description": "投票所で受付をしていただくスタッフを募集します。",
    "settings": {
        "thank_you": "ご応募ありがとうございました。",
        "receipt_format": "SK{yyyy}{mm}{dd}-{seq:05d}",
        "confirm_page": True,
    },
    "fields": [
        {
            "key": "name",
            "type": "text",
            "label": "氏名",
            "required": True,
            "placeholder": "例：一関 太郎",
            "max_length": 50,
            "min_length": 1,
            "width": "medium",
        },
        {
            "key": "furigana",
            "type": "text",
            "label": "ふりがな",
            "kana": "hiragana",
            "help": "ひらがなで入力してください。",
        },
        {
            "key": "postcode",
            "type": "text",
            "label": "郵便番号",
            "pattern": "[0-9]{3}-?[0-9]{4}",
            "pattern_message": "123-4567 のように入力してください。",
            "default": "",
        },
        {
            "key": "birth_date",
            "type": "date",
            "label": "生年月日",
            "required": True,
            "min": "1920-01-01",
            "max": "2008-07-01",
        },
        {
            "type": "section",
            "key": "contact",
            "label": "連絡先",
            "help": "日中の連絡先",
            "fields": [
                {
                    "key": "phone",
                    "type": "tel",
                    "label": "電話番号",
                    "required": True,
                    "placeholder": "0191-21-2111",
                },
                {
                    "key": "email",
                    "type": "email",
                    "label": "メールアドレス",
                    "placeholder": "taro@example.jp",
                },
            ],
        },
        {
            "key": "age",
            "type": "number",
            "label": "年齢",
            "min": 18,
            "max": 99,
            "unit": "歳",
            "placeholder": "30",
            "default": 30,
        },
        {
            "key": "fee",
            "type": "number",
            "label": "交通費",
            "decimals": 2,
            "min": 0,
            "max": 9999.99,
            "unit": "円",
        },
        {
            "key": "days",
            "type": "checkboxes",
            "label": "従事できる日",
            "required": True,
            "min_selected": 1,
            "max_selected": 2,
            "default": ["early"],
            "choices": [
                {"value": "early", "label": "期日前投票"},
                {"value": "election_day", "label": "投票日当日"},
                "開票作業",
            ],
        },
        {
            "key": "experience",
            "type": "radio",
            "label": "経験",
            "default": "none",
            "choices": [{"value": "none", "label": "なし"}, {"value": "some", "label": "あり"}],
        },
        {"key": "ward", "type": "select", "label": "地区", "choices": ["一関", "花泉", "大東"]},
        {"key": "comment", "type": "textarea", "label": "ご意見", "max_length": 2000, "rows": 6},
        {
            "key": "consent",
            "type": "consent",
            "label": "個人情報の取扱いに同意する",
            "required": True,
            "statement": "選考と連絡のためだけに使用します。",
        },
    ],
}


def errors_of(document, **kwargs) -> dict:
    with pytest.raises(DefinitionError) as caught:
        load(document, **kwargs)
    return caught.value.errors


def with_fields(*fields, **head) -> dict:
    return {"title": "テスト", **head, "fields": list(fields)}


def keys_of(document: dict) -> list[str]:
    """Every key in document order, sections included."""
    keys = []
    for item in document["fields"]:
        keys.append(item["key"])
        if item["type"] == "section":
            keys.extend(child["key"] for child in item["fields"])
    return keys


# -- the contract --------------------------------------------------------------------------


def test_the_issue_contract_document_stays_valid():
    loaded = load(copy.deepcopy(ISSUE_CONTRACT))
    document = loaded.document
    assert (document["title"], document["slug"], document["description"]) == (
        "選挙事務スタッフ募集",
        "senkyo-staff",
        "…",
    )
    assert [(f["key"], f["type"], f["label"]) for f in loaded.fields()] == [
        ("name", "text", "氏名"),
        ("age", "number", "年齢"),
        ("ward", "radio", "地区"),
        ("days", "checkboxes", "希望日"),
    ]
    name, age, ward, days = loaded.fields()
    assert name["required"] is True
    assert (age["min"], age["max"]) == (18, 99)
    assert ward["choices"] == [
        {"value": "一関", "label": "一関"},
        {"value": "花泉", "label": "花泉"},
    ]
    assert days["choices"] == ISSUE_CONTRACT["fields"][3]["choices"]
    assert load(copy.deepcopy(document)).document == document


def test_the_issue_contract_document_publishes_its_table(make_form):
    form = make_form(ISSUE_CONTRACT)
    assert [(e["key"], e["column"], e["kind"]) for e in form.storage] == [
        ("name", "f_name", "text"),
        ("age", "f_age", "integer"),
        ("ward", "f_ward", "text"),
        ("days", "f_days", "multi"),
    ]


def test_the_full_document_is_valid_and_keeps_its_content():
    loaded = load(copy.deepcopy(FULL))
    document = loaded.document
    assert document["title"] == FULL["title"]
    assert document["slug"] == "senkyo-staff-2026"
    assert document["settings"] == FULL["settings"]
    assert keys_of(document) == [
        "name",
        "furigana",
        "postcode",
        "birth_date",
        "contact",
        "phone",
        "email",
        "age",
        "fee",
        "days",
        "experience",
        "ward",
        "comment",
        "consent",
    ]
    assert [f["key"] for f in loaded.fields()] == [k for k in keys_of(document) if k != "contact"]
    for original, stored in zip(
        definition.leaf_documents(FULL), definition.leaf_documents(document), strict=True
    ):
        for setting, value in original.items():
            if setting != "choices":
                assert stored[setting] == value, (original["key"], setting)
    days = next(f for f in loaded.fields() if f["key"] == "days")
    assert days["choices"][2] == {"value": "開票作業", "label": "開票作業"}  # text shorthand
    birth = next(f for f in loaded.fields() if f["key"] == "birth_date")
    assert birth["min"] == dt.date(1920, 1, 1)  # specs hold Python values ...
    assert (
        next(f for f in definition.leaf_documents(document) if f["key"] == "birth_date")["min"]
        == "1920-01-01"
    )  # ... documents hold JSON


def test_loading_a_normalised_document_again_changes_nothing():
    once = load(copy.deepcopy(FULL)).document
    assert load(copy.deepcopy(once)).document == once


def test_defaults_are_filled_in():
    document = load(with_fields({"key": "name", "type": "text", "label": "氏名"})).document
    assert document["description"] == ""
    assert document["settings"] == {
        "thank_you": "",
        "receipt_format": "{yyyy}{mm}{dd}-{seq:06d}",
        "confirm_page": True,
    }
    name = document["fields"][0]
    assert (name["required"], name["help"], name["max_length"]) == (False, "", 200)


@pytest.mark.parametrize("sample", sample_documents(), ids=lambda d: d["slug"])
def test_the_shipped_sample_forms_are_valid(sample):
    loaded = load(copy.deepcopy(sample))
    assert loaded.title == sample["title"]
    assert all(KEY_PATTERN.match(f["key"]) for f in loaded.fields())


# -- keys ----------------------------------------------------------------------------------


def test_missing_keys_are_generated_unique_and_not_from_labels():
    loaded = load(
        with_fields(
            {"type": "text", "label": "name"},
            {"type": "text", "label": "name"},
            {"type": "section", "label": "連絡先", "fields": [{"type": "tel", "label": "電話"}]},
            {"key": "kept", "type": "text", "label": "既存"},
        )
    )
    keys = keys_of(loaded.document)
    assert len(set(keys)) == 5
    assert keys[4] == "kept"
    assert all(KEY_PATTERN.match(k) for k in keys)
    assert "name" not in keys
    assert [f["key"] for f in loaded.fields()] == [keys[0], keys[1], keys[3], "kept"]


def test_generated_keys_never_change_when_the_draft_is_saved_again(make_form):
    form = make_form(
        with_fields(
            {"type": "text", "label": "氏名"},
            {"type": "section", "label": "連絡先", "fields": [{"type": "tel", "label": "電話"}]},
            {"type": "number", "label": "年齢"},
            slug="keys",
        ),
        publish=False,
    )
    first = keys_of(form.draft)
    assert all(KEY_PATTERN.match(k) for k in first)

    operations.save_draft(form, copy.deepcopy(form.draft))
    assert keys_of(form.draft) == first

    # relabel, move, and add a field without a key: only the new field gets a new key
    document = copy.deepcopy(form.draft)
    document["fields"][0]["label"] = "お名前"
    document["fields"].reverse()
    document["fields"].append({"type": "email", "label": "メール"})
    operations.save_draft(form, document)
    db.session.expire_all()
    saved = db.session.get(Form, form.id).draft
    keys = keys_of(saved)
    new_key = saved["fields"][-1]["key"]
    assert sorted(keys) == sorted(first + [new_key])
    assert new_key not in first
    assert saved["fields"][2]["key"] == first[0] and saved["fields"][2]["label"] == "お名前"

    operations.save_draft(form, copy.deepcopy(saved))
    assert keys_of(db.session.get(Form, form.id).draft) == keys

    # the record table is keyed by them too
    operations.publish(form)
    assert sorted(e["column"] for e in form.storage) == sorted(
        f"f_{k}" for k in keys if k != saved["fields"][1]["key"]
    )  # the section has no column


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        (
            [
                {"key": "a", "type": "text", "label": "1"},
                {"key": "a", "type": "number", "label": "2"},
            ],
            (1,),
        ),
        (
            [
                {"key": "a", "type": "text", "label": "1"},
                {
                    "type": "section",
                    "key": "s",
                    "label": "s",
                    "fields": [
                        {"key": "b", "type": "text", "label": "2"},
                        {"key": "a", "type": "text", "label": "3"},
                    ],
                },
            ],
            (1, "fields", 1),
        ),
        (
            [
                {
                    "type": "section",
                    "key": "a",
                    "label": "s",
                    "fields": [{"type": "text", "label": "1"}],
                },
                {"key": "a", "type": "text", "label": "2"},
            ],
            (1,),
        ),
    ],
    ids=["top-level", "in-a-section", "section-and-field"],
)
def test_duplicate_keys_are_rejected_at_the_offending_field(fields, where):
    errors = errors_of(with_fields(*fields))
    node = errors["fields"]
    for step in where:
        assert list(node) == [step]  # only the second use is at fault
        node = node[step]
    assert node == {"key": ["Another item already uses the key “a”."]}


def test_duplicate_key_error_is_shown_with_the_item_it_concerns():
    document = with_fields(
        {"key": "a", "type": "text", "label": "氏名"},
        {"key": "a", "type": "text", "label": "ふりがな"},
    )
    problems = flatten(errors_of(document), document, lambda s: s, "項目")
    assert [(p.path, p.where) for p in problems] == [("fields.1.key", "項目 2「ふりがな」 › key")]


@pytest.mark.parametrize("key", ["Name", "1st", "_x", "氏名", "a-b", "a" * 41, "", 5])
def test_badly_formed_keys_are_rejected(key):
    errors = errors_of(with_fields({"key": key, "type": "text", "label": "x"}))
    assert list(errors["fields"][0]) == ["key"]


# -- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "setting"),
    [
        ({"type": "radio", "choices": []}, "choices"),
        ({"type": "select", "choices": [""]}, "choices"),
        ({"type": "checkboxes", "choices": [{"value": "", "label": "空"}]}, "choices"),
        ({"type": "radio", "choices": ["a", "a"]}, "choices"),
        ({"type": "radio"}, "choices"),
        ({"type": "radio", "choices": "a,b"}, "choices"),
        ({"type": "radio", "choices": [{"value": "a", "label": "A", "colour": "red"}]}, "choices"),
    ],
    ids=[
        "empty",
        "empty-text",
        "empty-value",
        "duplicate",
        "missing",
        "not-a-list",
        "unknown-choice-key",
    ],
)
def test_choice_lists_must_be_usable(field, setting):
    errors = errors_of(with_fields({"key": "c", "label": "選択", **field}))
    assert list(errors["fields"][0]) == [setting]


@pytest.mark.parametrize(
    ("field", "setting"),
    [
        ({"type": "number", "min": 10, "max": 1}, "min"),
        ({"type": "number", "decimals": 2, "min": 0.5, "max": 0.25}, "min"),
        ({"type": "date", "min": "2026-04-01", "max": "2026-03-31"}, "min"),
        ({"type": "text", "min_length": 10, "max_length": 5}, "min_length"),
        (
            {"type": "checkboxes", "choices": ["a", "b"], "min_selected": 2, "max_selected": 1},
            "min_selected",
        ),
    ],
    ids=["number", "decimal", "date", "text-length", "checkboxes"],
)
def test_a_minimum_above_the_maximum_is_rejected(field, setting):
    errors = errors_of(with_fields({"key": "x", "label": "x", **field}))
    assert list(errors["fields"][0]) == [setting]


def test_equal_minimum_and_maximum_are_allowed():
    load(with_fields({"key": "x", "type": "number", "label": "x", "min": 5, "max": 5}))


@pytest.mark.parametrize(
    ("field", "setting"),
    [
        ({"type": "number", "decimals": 7}, "decimals"),
        ({"type": "number", "min": "ten"}, "min"),
        ({"type": "number", "max": float("nan")}, "max"),
        ({"type": "date", "min": "2026/04/01x"}, "min"),
        ({"type": "text", "kana": "romaji"}, "kana"),
        ({"type": "text", "max_length": 501}, "max_length"),
        ({"type": "text", "pattern": "[0-9"}, "pattern"),
        ({"type": "textarea", "rows": 1}, "rows"),
        ({"type": "text", "required": "maybe"}, "required"),
        ({"type": "text", "label": None}, "label"),
    ],
    ids=[
        "decimals",
        "number-min",
        "nan",
        "date",
        "kana",
        "text-max",
        "pattern",
        "rows",
        "required",
        "label",
    ],
)
def test_bad_setting_values_are_rejected_at_the_setting(field, setting):
    errors = errors_of(with_fields({"key": "x", "label": "x", **field}))
    assert list(errors["fields"][0]) == [setting]


@pytest.mark.parametrize(
    ("field", "setting"),
    [
        ({"type": "text", "colour": "red"}, "colour"),
        ({"type": "text", "choices": ["a"]}, "choices"),
        ({"type": "number", "max_length": 10}, "max_length"),
        ({"type": "consent", "kana": "hiragana"}, "kana"),
    ],
    ids=["made-up", "choices-on-text", "text-setting-on-number", "text-setting-on-consent"],
)
def test_unknown_settings_are_rejected(field, setting):
    errors = errors_of(with_fields({"key": "x", "label": "x", **field}))
    assert errors["fields"][0] == {setting: ["Unknown field."]}


def test_unknown_form_level_settings_are_rejected():
    errors = errors_of(
        {
            **with_fields({"key": "x", "type": "text", "label": "x"}),
            "theme": "dark",
            "settings": {"confirm_page": False, "colour": "red"},
        }
    )
    assert errors == {"theme": ["Unknown field."], "settings": {"colour": ["Unknown field."]}}


def test_unknown_field_type_is_rejected_at_the_field():
    errors = errors_of(
        with_fields(
            {"key": "a", "type": "text", "label": "a"},
            {"key": "b", "type": "signature", "label": "署名"},
        )
    )
    assert errors == {"fields": {1: {"type": ["Unknown field type “signature”."]}}}
    assert list(errors_of(with_fields({"key": "b", "label": "型なし"}))["fields"][0]) == ["type"]


def test_stored_versions_load_leniently_with_unknown_types_kept():
    document = with_fields(
        {"key": "a", "type": "text", "label": "a"},
        {"key": "b", "type": "signature", "label": "署名", "pen": "red"},
    )
    loaded = load(document, lenient=True)
    assert [f["key"] for f in loaded.fields()] == ["a", "b"]
    assert loaded.fields()[1]["pen"] == "red"
    assert isinstance(registry.bind(loaded.fields()[1]), UnavailableType)
    # duplicate keys are still refused
    document["fields"].append({"key": "b", "type": "signature", "label": "again"})
    assert list(errors_of(document, lenient=True)["fields"]) == [2]


# -- the form itself -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug", ["Senkyo", "a", "-senkyo", "senkyo staff", "選挙", "a_b", "a" * 64, ""]
)
def test_bad_slugs_are_rejected(slug):
    errors = errors_of(with_fields({"key": "x", "type": "text", "label": "x"}, slug=slug))
    assert list(errors) == ["slug"]


@pytest.mark.parametrize("slug", ["ab", "senkyo-2026", "2026-survey", "a" * 63])
def test_good_slugs_are_accepted(slug):
    assert (
        load(with_fields({"key": "x", "type": "text", "label": "x"}, slug=slug)).document["slug"]
        == slug
    )


@pytest.mark.parametrize(
    "receipt_format",
    [
        "{yyyy}{mm}{dd}",
        "EV-0001",
        "{seq",
        "{sequence}",
        "{seq}{name}",
        "{0}-{seq}",
        "{seq:s}",
        "X" * 56 + "{seq}",
    ],
    ids=[
        "no-seq",
        "constant",
        "unbalanced",
        "unknown-name",
        "unknown-extra",
        "positional",
        "bad-spec",
        "too-long",
    ],
)
def test_receipt_formats_must_make_unique_numbers(receipt_format):
    errors = errors_of(
        with_fields(
            {"key": "x", "type": "text", "label": "x"}, settings={"receipt_format": receipt_format}
        )
    )
    assert list(errors) == ["settings"] and list(errors["settings"]) == ["receipt_format"]


@pytest.mark.parametrize(
    "receipt_format", ["{seq}", "EV{yyyy}-{seq:05d}", "{form}-{yyyy}{mm}{dd}-{seq:06d}"]
)
def test_good_receipt_formats_are_accepted(receipt_format):
    load(
        with_fields(
            {"key": "x", "type": "text", "label": "x"}, settings={"receipt_format": receipt_format}
        )
    )


@pytest.mark.parametrize(
    "document",
    [
        {"title": "なし"},
        {"title": "文字", "fields": "name"},
    ],
    ids=["missing", "not-a-list"],
)
def test_a_form_needs_a_list_of_fields(document):
    assert "fields" in errors_of(document)


def test_an_empty_draft_is_a_valid_draft():
    """Staff may delete every item and keep working; only publishing needs an item."""
    for fields in ([], [{"type": "section", "key": "s", "label": "空の部", "fields": []}]):
        assert load({"title": "空", "fields": fields}).fields() == []


def test_a_form_needs_a_title_and_must_be_an_object():
    assert list(errors_of({"fields": [{"key": "x", "type": "text", "label": "x"}]})) == ["title"]
    assert list(errors_of(with_fields({"key": "x", "type": "text", "label": "x"}, title=""))) == [
        "title"
    ]
    assert errors_of(["not", "a", "form"]) == {"_schema": ["The definition must be a JSON object."]}


def test_a_form_has_at_most_the_maximum_number_of_items():
    fields = [{"key": f"f{i}", "type": "text", "label": str(i)} for i in range(MAX_FIELDS)]
    load(with_fields(*fields))
    half = MAX_FIELDS // 2
    sectioned = with_fields(
        *fields[:half],
        {
            "type": "section",
            "key": "s",
            "label": "s",
            "fields": fields[half:] + [{"key": "extra", "type": "text", "label": "+"}],
        },
    )
    assert "fields" in errors_of(sectioned)


def test_several_problems_are_all_reported_where_they_are():
    errors = errors_of(
        with_fields(
            {"key": "ok", "type": "text", "label": "ok"},
            {"key": "n", "type": "number", "label": "n", "min": 3, "max": 1},
            {"key": "r", "type": "radio", "label": "r", "choices": []},
            slug="Bad Slug",
        )
    )
    assert set(errors) == {"slug", "fields"}
    assert set(errors["fields"]) == {1, 2}


# -- sections ------------------------------------------------------------------------------


def test_sections_group_fields_and_are_flattened_in_order():
    loaded = load(
        with_fields(
            {"key": "a", "type": "text", "label": "a"},
            {
                "type": "section",
                "key": "s1",
                "label": "第1部",
                "help": "説明",
                "fields": [
                    {"key": "b", "type": "text", "label": "b"},
                    {"key": "c", "type": "date", "label": "c"},
                ],
            },
            {"type": "section", "key": "s2", "label": "第2部", "fields": []},
            {"key": "d", "type": "consent", "label": "d"},
        )
    )
    assert [f["key"] for f in loaded.fields()] == ["a", "b", "c", "d"]
    section = loaded.document["fields"][1]
    assert (section["label"], section["help"], len(section["fields"])) == ("第1部", "説明", 2)
    assert [f["key"] for f in definition.leaf_documents(loaded.document)] == ["a", "b", "c", "d"]


def test_sections_cannot_be_nested():
    errors = errors_of(
        with_fields(
            {
                "type": "section",
                "key": "outer",
                "label": "外",
                "fields": [
                    {
                        "type": "section",
                        "key": "inner",
                        "label": "内",
                        "fields": [{"key": "a", "type": "text", "label": "a"}],
                    }
                ],
            }
        )
    )
    assert errors == {
        "fields": {0: {"fields": {0: {"type": ["Sections cannot be placed inside sections."]}}}}
    }


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ({"type": "section", "key": "s", "label": "s"}, "fields"),
        ({"type": "section", "key": "s", "label": "s", "fields": [], "colour": "red"}, "colour"),
        (
            {
                "type": "section",
                "key": "s",
                "label": "s",
                "fields": [{"key": "a", "type": "radio", "label": "a", "choices": []}],
            },
            "fields",
        ),
    ],
    ids=["no-fields", "unknown-setting", "bad-child"],
)
def test_section_problems_are_reported_at_the_section(section, problem):
    errors = errors_of(with_fields({"key": "x", "type": "text", "label": "x"}, section))
    assert list(errors["fields"]) == [1]
    assert list(errors["fields"][1]) == [problem]


def test_the_error_inside_a_section_names_its_path():
    document = with_fields(
        {
            "type": "section",
            "key": "s",
            "label": "連絡先",
            "fields": [
                {"key": "a", "type": "text", "label": "電話"},
                {"key": "b", "type": "number", "label": "人数", "min": 5, "max": 1},
            ],
        }
    )
    problems = flatten(errors_of(document), document, lambda s: s, "項目")
    assert [p.path for p in problems] == ["fields.0.fields.1.min"]
    assert problems[0].where == "項目 1「連絡先」 › 項目 2「人数」 › min"


# -- the registry --------------------------------------------------------------------------


def test_the_registry_has_every_builtin_type_once():
    assert registry.names() == [
        "text",
        "textarea",
        "number",
        "email",
        "tel",
        "date",
        "radio",
        "select",
        "checkboxes",
        "consent",
        "hidden",
        "file",
    ]
    assert registry.types() == list(BUILTIN_TYPES)


def test_the_registry_refuses_a_duplicate_name():
    with pytest.raises(DuplicateFieldType, match="'text'"):
        Registry([TextType, TextType])

    class AnotherRadio(FieldType):
        name = "radio"

    types = Registry(BUILTIN_TYPES)
    with pytest.raises(DuplicateFieldType) as caught:
        types.register(AnotherRadio)
    assert RadioType.__module__ in str(caught.value) and __name__ in str(caught.value)
    assert types.get("radio") is RadioType  # the first one stays


def test_the_registry_refuses_a_type_without_a_name():
    class Nameless(FieldType):
        pass

    with pytest.raises(ValueError):
        Registry([Nameless])


def test_a_new_type_is_one_registered_class():
    class PostcodeType(TextType):
        name = "postcode"

    types = Registry([*BUILTIN_TYPES, PostcodeType])
    loaded = load(with_fields({"key": "zip", "type": "postcode", "label": "郵便番号"}), types=types)
    assert isinstance(types.bind(loaded.fields()[0]), PostcodeType)
    assert list(
        errors_of(with_fields({"key": "zip", "type": "postcode", "label": "郵便番号"}))["fields"][0]
    ) == ["type"]  # unknown to the built-in registry


def test_binding_an_unknown_type_gives_an_unavailable_field():
    bound = registry.bind({"key": "sig", "type": "signature", "label": "署名"})
    assert isinstance(bound, UnavailableType)
    assert bound.title == "署名" and bound.form_field() is None
    assert bound.display("old value") == "old value"


# -- saving drafts -------------------------------------------------------------------------


def test_saving_a_stale_draft_raises_conflict_and_changes_nothing(make_form):
    form = make_form(
        with_fields({"key": "name", "type": "text", "label": "氏名"}, slug="draft"), publish=False
    )
    loaded_revision = form.draft_revision
    theirs = copy.deepcopy(form.draft)
    theirs["title"] = "先に保存した版"
    operations.save_draft(form, theirs, expected_revision=loaded_revision)
    assert form.draft_revision == loaded_revision + 1

    mine = copy.deepcopy(form.draft)
    mine["title"] = "後から保存した版"
    mine["slug"] = "draft-mine"
    mine["fields"].append({"key": "age", "type": "number", "label": "年齢"})
    with pytest.raises(operations.ConflictError):
        operations.save_draft(form, mine, expected_revision=loaded_revision)

    db.session.expire_all()
    fresh = db.session.get(Form, form.id)
    assert fresh.draft_revision == loaded_revision + 1
    assert (fresh.title, fresh.slug) == ("先に保存した版", "draft")
    assert fresh.draft["title"] == "先に保存した版"
    assert keys_of(fresh.draft) == ["name"]

    # with the current revision the save goes through
    operations.save_draft(fresh, mine, expected_revision=fresh.draft_revision)
    assert (fresh.title, fresh.slug, fresh.draft_revision) == (
        "後から保存した版",
        "draft-mine",
        loaded_revision + 2,
    )


def test_saving_an_invalid_draft_changes_nothing(make_form):
    form = make_form(
        with_fields({"key": "name", "type": "text", "label": "氏名"}, slug="draft"), publish=False
    )
    before = (copy.deepcopy(form.draft), form.draft_revision)
    broken = copy.deepcopy(form.draft)
    broken["fields"].append({"key": "name", "type": "text", "label": "重複"})
    with pytest.raises(DefinitionError):
        operations.save_draft(form, broken)
    db.session.expire_all()
    fresh = db.session.get(Form, form.id)
    assert (fresh.draft, fresh.draft_revision) == before


def test_saving_a_draft_with_another_forms_slug_changes_nothing(make_form):
    make_form(
        with_fields({"key": "name", "type": "text", "label": "氏名"}, slug="taken"), publish=False
    )
    form = make_form(
        with_fields({"key": "name", "type": "text", "label": "氏名"}, slug="mine"), publish=False
    )
    document = copy.deepcopy(form.draft)
    document["slug"] = "taken"
    with pytest.raises(operations.SlugTaken):
        operations.save_draft(form, document)
    db.session.expire_all()
    assert db.session.get(Form, form.id).slug == "mine"
