"""Japanese by default, English on request, and a complete Japanese catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "app" / "translations" / "ja" / "LC_MESSAGES" / "messages.po"


def _token(html: str) -> str:
    return re.search(r'name="submission_token"[^>]*value="([0-9a-f]+)"', html).group(1)


def _lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def _confirm(client, form, data, **kwargs):
    page = client.get(f"/f/{form.slug}", **kwargs)
    token = _token(page.get_data(as_text=True))
    return client.post(
        f"/f/{form.slug}", data={**data, "action": "confirm", "submission_token": token}, **kwargs
    )


def test_japanese_by_default(client, make_form):
    form = make_form()
    page = client.get(f"/f/{form.slug}")
    assert _lang(page.get_data(as_text=True)) == "ja"
    confirm = _confirm(client, form, {"f_name": "一関 太郎", "f_age": "30"})
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert _lang(html) == "ja"
    assert "入力内容の確認" in html and "Review your answers" not in html
    invalid = _confirm(client, form, {"f_name": "", "f_age": "12"})
    html = invalid.get_data(as_text=True)
    assert invalid.status_code == 422
    assert "この項目は必須です。入力してください。" in html
    assert "18から99までの数値を入力してください。" in html
    assert "This item is required." not in html


def test_english_when_the_browser_asks(client, make_form):
    form = make_form()
    english = {"headers": {"Accept-Language": "en-GB,en;q=0.9"}}
    page = client.get(f"/f/{form.slug}", **english)
    assert _lang(page.get_data(as_text=True)) == "en"
    confirm = _confirm(client, form, {"f_name": "Taro", "f_age": "30"}, **english)
    html = confirm.get_data(as_text=True)
    assert "Review your answers" in html and "入力内容の確認" not in html
    invalid = _confirm(client, form, {"f_name": "", "f_age": "12"}, **english)
    html = invalid.get_data(as_text=True)
    assert "This item is required." in html
    assert "Enter a number from 18 to 99." in html
    assert "必須" not in html


def test_japanese_browser_preference_wins_over_english(client, make_form):
    form = make_form()
    page = client.get(f"/f/{form.slug}", headers={"Accept-Language": "ja,en-US;q=0.8"})
    assert _lang(page.get_data(as_text=True)) == "ja"
    page = client.get(f"/f/{form.slug}", headers={"Accept-Language": "fr,de;q=0.8"})
    assert _lang(page.get_data(as_text=True)) == "ja"  # unsupported: Japanese


def test_lang_parameter_switches_and_is_remembered(client, make_form):
    form = make_form()
    switched = client.get(f"/f/{form.slug}?lang=en")
    assert _lang(switched.get_data(as_text=True)) == "en"
    # Later pages, without the parameter and even with a Japanese browser, stay English.
    html = _confirm(
        client, form, {"f_name": "Taro", "f_age": "30"}, headers={"Accept-Language": "ja"}
    ).get_data(as_text=True)
    assert _lang(html) == "en" and "Review your answers" in html
    back = client.get(f"/f/{form.slug}?lang=ja", headers={"Accept-Language": "en"})
    assert _lang(back.get_data(as_text=True)) == "ja"
    assert _lang(client.get(f"/f/{form.slug}").get_data(as_text=True)) == "ja"
    ignored = client.get(f"/f/{form.slug}?lang=xx")
    assert _lang(ignored.get_data(as_text=True)) == "ja"


def test_language_switch_link_keeps_the_page(client, make_form):
    form = make_form()
    html = client.get(f"/f/{form.slug}").get_data(as_text=True)
    link = re.search(r'<a class="lang-switch" href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert link.group(2) == "English"
    assert link.group(1).startswith(f"/f/{form.slug}") and "lang=en" in link.group(1)
    html = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert _lang(html) == "en"


def test_staff_pages_and_api_errors_follow_the_language(client, staff, api, make_form):
    form = make_form()
    ja = client.post("/login", data={"username": "staff", "password": "nope"})
    assert "ユーザー名またはパスワードが正しくありません。" in ja.get_data(as_text=True)
    en = client.post(
        "/login", data={"username": "staff", "password": "nope"}, headers={"Accept-Language": "en"}
    )
    assert "The user name or password is not correct." in en.get_data(as_text=True)
    response = api.post(
        f"/api/v1/forms/{form.id}/records", json={"name": ""}, headers={"Accept-Language": "en"}
    )
    assert response.get_json()["errors"]["name"] == ["This item is required."]


# -- the catalogue ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalogue():
    with PO.open("rb") as handle:
        return read_po(handle, locale="ja")


def test_every_message_has_a_japanese_translation(catalogue):
    missing, fuzzy = [], []
    for message in catalogue:
        if not message.id:
            continue  # the header
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if not all(s and s.strip() for s in strings):
            missing.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert len(catalogue) > 100
    assert missing == [], f"untranslated: {missing}"
    assert fuzzy == [], f"fuzzy (needs review): {fuzzy}"


def test_translations_keep_the_placeholders(catalogue):
    # "%(name)s" and "{name}" / "{name:02d}" (the format spec may differ: 4月 vs 04)
    pattern = re.compile(r"%\((\w+)\)[sd]|\{(\w+)(?::[^}]*)?\}")
    wrong = []
    for message in catalogue:
        if not message.id or isinstance(message.id, (list, tuple)):
            continue
        if set(pattern.findall(message.id)) != set(pattern.findall(message.string or "")):
            wrong.append((message.id, message.string))
    assert wrong == []


def test_every_ui_string_is_in_the_catalogue(catalogue):
    """A string marked for translation in code or templates but not extracted into
    messages.po (``make messages``) would show in English to Japanese users."""
    method_map = [
        ("app/**.py", "python"),
        ("builder/**.py", "python"),
        ("renderer/**.py", "python"),
        ("templates/**.html", "jinja2"),
    ]
    keywords = {
        "_": None,
        "gettext": None,
        "ngettext": (1, 2),
        "lazy_gettext": None,
        "_l": None,
        "N_": None,
    }
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id}
    missing, found = set(), 0
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map,
        keywords=keywords,
        options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        msgid = message if isinstance(message, str) else message[0]
        found += 1
        if msgid and msgid not in known:
            missing.add(f"{filename}: {msgid}")
    assert found > 200  # the extraction really read the code and templates
    assert sorted(missing) == []


def test_switching_language_on_the_confirmation_page_keeps_the_answers(client, make_form):
    from tests.test_public_form import _fill

    form = make_form()
    confirm = _fill(client, form.slug, {"f_name": "一関 太郎", "f_age": "30"}, "confirm")
    html = confirm.get_data(as_text=True)
    assert 'formaction="/f/senkyo-staff?lang=en"' in html
    token = re.search(r'name="submission_token"[^>]*value="([0-9a-f]+)"', html).group(1)
    switched = client.post(
        "/f/senkyo-staff?lang=en",
        data={"f_name": "一関 太郎", "f_age": "30", "submission_token": token, "action": "back"},
    )
    page = switched.get_data(as_text=True)
    assert switched.status_code == 200
    assert "Review your answers" in page and 'value="一関 太郎"' in page
