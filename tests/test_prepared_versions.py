"""A published version is prepared once and reused until the next publish, in each language."""

from __future__ import annotations

import copy
import re

import pytest

from app.forms import operations
from renderer import prepared
from tests.conftest import ELECTION

ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}
JAPANESE = {"Accept-Language": "ja"}


@pytest.fixture
def builds(monkeypatch):
    """How many WTForms classes the public form has built."""
    made = []
    real = prepared.build_form_class

    def counting(fields):
        made.append([f.key for f in fields])
        return real(fields)

    monkeypatch.setattr(prepared, "build_form_class", counting)
    prepared.clear_cache()
    yield made
    prepared.clear_cache()


def _token(html: str) -> str:
    return re.search(r'name="submission_token"[^>]*value="([0-9a-f]+)"', html).group(1)


def _confirm(client, form, data, headers=JAPANESE):
    token = _token(client.get(f"/f/{form.slug}", headers=headers).get_data(as_text=True))
    return client.post(
        f"/f/{form.slug}",
        data={**data, "submission_token": token, "action": "confirm"},
        headers=headers,
    )


def test_the_form_class_is_built_once_and_reused_across_requests(client, make_form, builds):
    form = make_form()
    for _ in range(3):
        assert client.get(f"/f/{form.slug}", headers=JAPANESE).status_code == 200
    confirm = _confirm(client, form, {"f_name": "一関 太郎", "f_age": "30"})
    assert confirm.status_code == 200 and "入力内容の確認" in confirm.get_data(as_text=True)
    submitted = client.post(
        f"/f/{form.slug}",
        data={"f_name": "一関 太郎", "f_age": "30", "submission_token": "a1", "action": "submit"},
        headers=JAPANESE,
    )
    assert submitted.status_code == 303
    assert len(builds) == 1


def test_publishing_replaces_the_prepared_version(client, make_form, staff, builds):
    form = make_form()
    assert "氏名" in client.get(f"/f/{form.slug}", headers=JAPANESE).get_data(as_text=True)
    document = copy.deepcopy(ELECTION)
    document["fields"][0]["label"] = "お名前"
    document["fields"].append({"key": "phone_note", "type": "text", "label": "連絡メモ"})
    operations.save_draft(form, document)
    operations.publish(form, staff)

    page = client.get(f"/f/{form.slug}", headers=JAPANESE).get_data(as_text=True)
    assert "お名前" in page and "連絡メモ" in page and "氏名" not in page
    assert len(builds) == 2 and "phone_note" in builds[-1]
    # the new version's answers are checked and stored by the new class
    confirm = _confirm(client, form, {"f_name": "一関 太郎", "f_phone_note": "午後に電話"})
    assert "午後に電話" in confirm.get_data(as_text=True)
    assert len(builds) == 2


def test_labels_and_messages_follow_the_language_of_each_request(client, make_form, builds):
    form = make_form()
    english = client.get(f"/f/{form.slug}", headers=ENGLISH).get_data(as_text=True)
    japanese = client.get(f"/f/{form.slug}", headers=JAPANESE).get_data(as_text=True)
    again = client.get(f"/f/{form.slug}", headers=ENGLISH).get_data(as_text=True)
    assert "Optional" in english and "任意" not in english
    assert "任意" in japanese and "Optional" not in japanese
    assert again == english.replace(_token(english), _token(again))

    missing_en = _confirm(client, form, {"f_age": "30"}, headers=ENGLISH)
    missing_ja = _confirm(client, form, {"f_age": "30"}, headers=JAPANESE)
    assert missing_en.status_code == missing_ja.status_code == 422
    assert "This item is required." in missing_en.get_data(as_text=True)
    assert "この項目は必須です。" in missing_ja.get_data(as_text=True)
    assert "This item is required." not in missing_ja.get_data(as_text=True)
    assert len(builds) == 2  # one class per language


def test_wtforms_messages_follow_the_request_language(app):
    for language, expected in (("en", "Not a valid choice."), ("ja", "選択肢が正しくありません。")):
        with app.test_request_context(headers={"Accept-Language": language}):
            from renderer.wtforms_messages import translations

            assert translations.gettext("Not a valid choice.") == expected


def test_the_cache_keeps_a_bounded_number_of_versions(client, make_form, monkeypatch, builds):
    monkeypatch.setattr(prepared, "CACHE_SIZE", 2)
    forms = []
    for n in range(4):
        document = copy.deepcopy(ELECTION)
        document["slug"] = f"form-{n}"
        forms.append(make_form(document))
    for form in forms:
        assert client.get(f"/f/{form.slug}", headers=JAPANESE).status_code == 200
    assert prepared.cache_size() == 2
    # a version that was let go is prepared again when asked for
    assert client.get(f"/f/{forms[0].slug}", headers=JAPANESE).status_code == 200
    assert len(builds) == 5
