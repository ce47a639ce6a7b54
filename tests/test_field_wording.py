"""What a citizen reads and what the browser fills: consent wording, hints in both
languages, autofill tokens per field type and purpose."""

from __future__ import annotations

import copy
import re

import pytest

from app.seed import sample_documents
from builder import definition as definitions
from builder.fields import registry
from builder.palette import describe
from tests.test_field_types import one_field_form, post, stored_rows, tag_attrs

ENGLISH = {"headers": {"Accept-Language": "en"}}


def consent_block(html: str) -> str:
    start = html.index('id="f_x-wrap"')
    return html[start : html.index("</fieldset>", start)]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


# -- consent ------------------------------------------------------------------------------------

PRIVACY = {
    "type": "consent",
    "label": "個人情報の取扱い",
    "required": True,
    "statement": "ご記入いただいた個人情報は、選考と連絡のためだけに使用します。",
}


def test_the_citizen_ticks_i_agree_under_the_question_and_the_statement(client, make_form):
    form = one_field_form(make_form, PRIVACY)
    block = consent_block(client.get(f"/f/{form.slug}").get_data(as_text=True))
    legend = re.search(r"<legend[^>]*>(.*?)</legend>", block, re.S).group(1)
    assert text_of(legend) == "個人情報の取扱い 必須"
    checkbox_label = re.search(r'<label class="choice choice--consent">(.*?)</label>', block, re.S)
    assert text_of(checkbox_label.group(1)) == "上記に同意する"
    assert block.index("legend") < block.index("statement") < block.index("choice--consent")


def test_the_check_box_text_can_be_written_by_staff(client, make_form):
    form = one_field_form(make_form, {**PRIVACY, "checkbox_text": "取扱いについて同意します"})
    block = consent_block(client.get(f"/f/{form.slug}").get_data(as_text=True))
    assert "取扱いについて同意します" in block and "上記に同意する" not in block


def test_the_default_check_box_text_follows_the_language(client, make_form):
    form = one_field_form(make_form, PRIVACY)
    block = consent_block(client.get(f"/f/{form.slug}", **ENGLISH).get_data(as_text=True))
    assert "I agree to the above." in block


def test_a_consent_defined_before_keeps_working(client, make_form):
    """An old definition (no check box text, the agreement written as the label)."""
    old = {"type": "consent", "label": "個人情報の取扱いに同意する", "required": True}
    form = one_field_form(make_form, old)
    html = client.get(f"/f/{form.slug}").get_data(as_text=True)
    assert "個人情報の取扱いに同意する" in consent_block(html)
    assert post(client, form, {"f_x": "y"}).status_code == 303
    assert stored_rows(form)[0]["f_x"] is True


def test_the_confirmation_page_shows_the_question_and_the_agreement(client, make_form):
    form = one_field_form(make_form, PRIVACY)
    page = client.get(f"/f/{form.slug}")
    token = re.search(r'name="submission_token"[^>]*value="([0-9a-f]+)"', page.text).group(1)
    html = client.post(
        f"/f/{form.slug}", data={"f_x": "y", "submission_token": token, "action": "confirm"}
    ).get_data(as_text=True)
    assert re.search(r"<dt>個人情報の取扱い</dt>\s*<dd[^>]*>同意する</dd>", html)


def test_the_designer_offers_the_check_box_text():
    palette = {entry["name"]: entry for entry in describe(registry)}
    names = [s["name"] for s in palette["consent"]["settings"]]
    assert "statement" in names and "checkbox_text" in names


# -- hints in both languages ------------------------------------------------------------------

HINTS = [
    ({"type": "number", "min": 1, "max": 5, "unit": "人"}, "1〜5人", "1 to 5 人"),
    ({"type": "number", "min": 1, "max": 5}, "1〜5", "1 to 5"),
    ({"type": "number", "min": 18, "unit": "歳"}, "18歳以上", "18 歳 or more"),
    ({"type": "number", "max": 3}, "3以下", "3 or less"),
    ({"type": "number", "max": 1000, "unit": "円"}, "1000円以下", "1000 円 or less"),
    ({"type": "date", "min": "2026-04-01"}, "2026年4月1日以降", "On or after 2026-04-01"),
    ({"type": "date", "max": "2026-04-30"}, "2026年4月30日以前", "On or before 2026-04-30"),
    (
        {"type": "date", "min": "2026-04-01", "max": "2026-04-30"},
        "2026年4月1日から2026年4月30日まで",
        "From 2026-04-01 to 2026-04-30",
    ),
    (
        {"type": "file"},
        "PDF、JPEG画像、PNG画像、1ファイル5 MBまで。",
        "PDF, JPEG image, PNG image, up to 5 MB per file.",
    ),
    (
        {"type": "file", "kinds": ["docx", "xlsx"], "max_files": 3, "max_size_mb": 10},
        "Word（.docx）、Excel（.xlsx）、1ファイル10 MBまで、3個まで。",
        "Word (.docx), Excel (.xlsx), up to 10 MB per file, up to 3 files.",
    ),
]


@pytest.mark.parametrize(("spec", "japanese", "english"), HINTS)
def test_hints_read_as_one_language(client, make_form, spec, japanese, english):
    form = one_field_form(make_form, {"label": "項目", **spec})
    ja = client.get(f"/f/{form.slug}").get_data(as_text=True)
    assert f'<span class="hint">{japanese}</span>' in ja
    en = client.get(f"/f/{form.slug}?lang=en").get_data(as_text=True)
    assert f'<span class="hint">{english}</span>' in en


def test_only_number_date_and_file_fields_have_hints():
    """Every other type shows no hint line that could mix languages."""
    for name in registry.names():
        field_type = registry.bind({"type": name, "key": "x", "label": "x", "choices": []})
        if name not in ("number", "date", "file"):
            assert field_type.hint() == "", name


# -- autofill ---------------------------------------------------------------------------------

PURPOSES = [
    ("name", {"autocomplete": "name"}),
    ("family_name", {"autocomplete": "family-name"}),
    ("given_name", {"autocomplete": "given-name"}),
    ("furigana", {"autocomplete": "off"}),
    ("postal_code", {"autocomplete": "postal-code", "inputmode": "numeric"}),
    ("address", {"autocomplete": "street-address"}),
    ("address_level1", {"autocomplete": "address-level1"}),
    ("organization", {"autocomplete": "organization"}),
]


@pytest.mark.parametrize(("purpose", "attributes"), PURPOSES)
def test_a_text_field_tells_the_browser_what_it_asks_for(client, make_form, purpose, attributes):
    form = one_field_form(make_form, {"type": "text", "label": "項目", "purpose": purpose})
    html = client.get(f"/f/{form.slug}").get_data(as_text=True)
    [(_tag, attrs)] = tag_attrs(html, "f_x")
    assert {k: attrs.get(k) for k in attributes} == attributes


def test_a_text_field_without_a_purpose_has_no_autofill_token(client, make_form):
    form = one_field_form(make_form, {"type": "text", "label": "項目"})
    [(_tag, attrs)] = tag_attrs(client.get(f"/f/{form.slug}").get_data(as_text=True), "f_x")
    assert "autocomplete" not in attrs and "inputmode" not in attrs


def test_an_unknown_purpose_is_refused_when_the_form_is_saved():
    document = {"title": "t", "fields": [{"type": "text", "label": "x", "purpose": "shoe-size"}]}
    with pytest.raises(definitions.DefinitionError) as refused:
        definitions.load(document)
    assert "purpose" in refused.value.errors["fields"][0]


def test_the_designer_offers_the_purposes():
    palette = {entry["name"]: entry for entry in describe(registry, lambda s: s)}
    purpose = next(s for s in palette["text"]["settings"] if s["name"] == "purpose")
    assert purpose["widget"] == "select"
    assert ["name", "Full name"] in purpose["options"]


def test_the_election_sample_fills_name_address_phone_and_email(client, make_form):
    sample = next(d for d in sample_documents() if d["slug"] == "senkyo-staff")
    form = make_form(copy.deepcopy(sample))
    html = client.get(f"/f/{form.slug}").get_data(as_text=True)
    tokens = {
        key: tag_attrs(html, f"f_{key}")[0][1].get("autocomplete")
        for key in ("name", "furigana", "address", "phone", "email")
    }
    assert tokens == {
        "name": "name",
        "furigana": "off",
        "address": "street-address",
        "phone": "tel",
        "email": "email",
    }
