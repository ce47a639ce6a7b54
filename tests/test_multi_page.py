"""Multi-page forms: per-page checks, back and next keep answers, skipped pages, one submit."""

from __future__ import annotations

import re

from app.records import store

FORM = {
    "title": "市民講座申込",
    "slug": "koza",
    "fields": [
        {"key": "name", "type": "text", "label": "氏名", "required": True},
        {
            "key": "kind",
            "type": "radio",
            "label": "参加方法",
            "required": True,
            "choices": [
                {"value": "venue", "label": "会場"},
                {"value": "online", "label": "オンライン"},
            ],
        },
        {
            "key": "venue_page",
            "type": "section",
            "label": "会場での参加",
            "page": True,
            "show_if": {"field": "kind", "op": "eq", "value": "venue"},
            "fields": [{"key": "seat", "type": "text", "label": "希望の席", "required": True}],
        },
        {
            "key": "contact_page",
            "type": "section",
            "label": "連絡先",
            "page": True,
            "fields": [
                {"key": "email", "type": "email", "label": "メールアドレス", "required": True},
                {
                    "key": "days",
                    "type": "checkboxes",
                    "label": "参加日",
                    "choices": [
                        {"value": "d1", "label": "1日目"},
                        {"value": "d2", "label": "2日目"},
                    ],
                },
            ],
        },
    ],
}


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
    return found.group(1) if found else ""


class Applicant:
    """A citizen going through the pages with the test client."""

    def __init__(self, client, slug="koza"):
        self.client = client
        self.slug = slug
        self.html = client.get(f"/f/{slug}").get_data(as_text=True)
        self.status = 200

    def send(self, action: str, answers: dict | None = None):
        data = {
            "submission_token": _hidden(self.html, "submission_token"),
            "action": action,
            **(answers or {}),
        }
        for name in ("page", "page_state"):
            if f'name="{name}"' in self.html:
                data[name] = _hidden(self.html, name)
        if 'id="confirm-form"' in self.html:  # the confirmation page posts every answer
            carried: dict[str, list[str]] = {}
            pattern = r'<input type="hidden" name="(f_\w+)" value="([^"]*)">'
            for name, value in re.findall(pattern, self.html):
                carried.setdefault(name, []).append(value)
            data = {**carried, **data}
        response = self.client.post(f"/f/{self.slug}", data=data)
        self.status = response.status_code
        self.location = response.headers.get("Location")
        self.html = response.get_data(as_text=True)
        return self


def test_the_first_page_shows_its_questions_and_progress(client, make_form):
    make_form(FORM)
    html = Applicant(client).html
    assert "氏名" in html and "希望の席" not in html and "メールアドレス" not in html
    # the venue page applies only once "会場" is chosen: counted when it applies
    assert "1 / 2" in html
    assert '<progress max="2" value="1"' in html
    assert 'value="next"' in html and 'value="previous"' not in html


def test_each_page_is_checked_on_its_own(client, make_form):
    make_form(FORM)
    person = Applicant(client).send("next", {"f_name": "一関 花子"})
    assert person.status == 422
    assert "参加方法" in person.html and "field-error" in person.html
    assert "メールアドレス" not in person.html  # a later page's questions are not checked yet
    assert 'value="一関 花子"' in person.html


def test_back_and_next_keep_the_answers(client, make_form):
    make_form(FORM)
    person = Applicant(client).send("next", {"f_name": "一関 花子", "f_kind": "venue"})
    assert person.status == 200
    assert "希望の席" in person.html and "2 / 3" in person.html
    person.send("next", {"f_seat": "前方"})
    assert "メールアドレス" in person.html and "3 / 3" in person.html
    person.send("previous", {"f_email": "hanako@example.jp", "f_days": ["d2"]})
    assert 'value="前方"' in person.html  # the seat, as typed
    person.send("previous", {"f_seat": "前方"})
    assert 'value="一関 花子"' in person.html
    assert re.search(r'checked[^>]*value="venue"', person.html)
    person.send("next", {"f_name": "一関 花子", "f_kind": "venue"})
    person.send("next", {"f_seat": "前方"})
    assert 'value="hanako@example.jp"' in person.html  # the last page's answers came back
    assert re.search(r'value="d2"[^>]*checked|checked[^>]*value="d2"', person.html)


def test_a_page_hidden_by_the_answers_is_skipped(client, make_form):
    make_form(FORM)
    person = Applicant(client).send("next", {"f_name": "一関 花子", "f_kind": "online"})
    assert "メールアドレス" in person.html and "希望の席" not in person.html
    assert "2 / 2" in person.html  # the skipped page is not counted
    person.send("previous", {"f_email": "hanako@example.jp"})
    assert 'value="一関 花子"' in person.html


def test_the_confirmation_comes_at_the_end_and_the_submit_stores_once(client, make_form):
    form = make_form(FORM)
    person = Applicant(client).send("next", {"f_name": "一関 花子", "f_kind": "venue"})
    person.send("next", {"f_seat": "前方"})
    person.send("confirm", {"f_email": "hanako@example.jp", "f_days": ["d1", "d2"]})
    assert person.status == 200
    assert "入力内容の確認" in person.html
    for text in ("一関 花子", "前方", "hanako@example.jp", "1日目、2日目"):
        assert text in person.html
    assert store.count(form) == 0
    confirm_page = person.html
    person.send("submit")
    assert person.status == 303
    again = Applicant(client)
    again.html = confirm_page
    again.send("submit")  # the same page sent twice
    assert again.status == 303
    assert store.count(form) == 1
    record = store.query(form, []).records[0]
    columns = {e["key"]: e["column"] for e in form.storage}
    assert record.values[columns["seat"]] == "前方"
    assert record.values[columns["days"]] == ["d1", "d2"]


def test_back_from_the_confirmation_returns_to_the_last_page(client, make_form):
    make_form(FORM)
    person = Applicant(client).send("next", {"f_name": "一関 花子", "f_kind": "online"})
    person.send("confirm", {"f_email": "hanako@example.jp"})
    assert "入力内容の確認" in person.html
    person.send("back")
    assert "メールアドレス" in person.html and 'value="hanako@example.jp"' in person.html
    assert "2 / 2" in person.html
    person.send("previous", {"f_email": "hanako@example.jp"})
    assert 'value="一関 花子"' in person.html


def test_a_hidden_page_answer_is_not_stored(client, make_form):
    form = make_form(FORM)
    person = Applicant(client).send("next", {"f_name": "一関 花子", "f_kind": "venue"})
    person.send("next", {"f_seat": "前方"})
    person.send("previous", {"f_email": "a@example.jp"})
    person.send("previous", {"f_seat": "前方"})
    person.send("next", {"f_name": "一関 花子", "f_kind": "online"})  # changed her mind
    assert "メールアドレス" in person.html
    person.send("confirm", {"f_email": "a@example.jp"})
    assert "前方" not in person.html
    person.send("submit")
    record = store.query(form, []).records[0]
    columns = {e["key"]: e["column"] for e in form.storage}
    assert record.values[columns["seat"]] is None


def test_a_forged_page_state_brings_nothing(client, make_form):
    form = make_form(FORM)
    person = Applicant(client).send("next", {"f_name": "一関 花子", "f_kind": "online"})
    person.html = person.html.replace(_hidden(person.html, "page_state"), "forged")
    person.send("confirm", {"f_email": "a@example.jp"})
    assert person.status == 422  # the first page's answers are missing: shown again
    assert "氏名" in person.html and "1 / 2" in person.html
    assert store.count(form) == 0


def test_the_submit_checks_every_page_again(client, make_form):
    form = make_form(FORM)
    person = Applicant(client).send("next", {"f_name": "一関 花子", "f_kind": "online"})
    person.send("confirm", {"f_email": "hanako@example.jp"})
    person.html = person.html.replace('value="一関 花子"', 'value=""')  # tampered
    person.send("submit")
    assert person.status == 422
    assert "氏名" in person.html and "1 / 2" in person.html
    assert store.count(form) == 0


def test_the_designer_preview_shows_every_page(staff_client, make_form):
    form = make_form(FORM)
    html = staff_client.get(f"/staff/forms/{form.id}/preview").get_data(as_text=True)
    assert "%(total)dページ中" not in html
    for text in ("3ページ中 1ページ目", "3ページ中 3ページ目", "希望の席", "メールアドレス"):
        assert text in html


def test_a_page_section_starts_a_page_and_what_follows_stays_on_it():
    from renderer.form_class import Layout
    from renderer.pages import split

    def section(key, page=False):
        return Layout({"key": key, "type": "section", "page": page, "fields": []}, [])

    loose = Layout(None, [])
    pages = split([loose, section("a", page=True), loose, section("b"), section("c", page=True)])
    assert [len(p.items) for p in pages] == [1, 3, 1]
    assert [p.number for p in pages] == [1, 2, 3]
    assert len(split([section("a", page=True), loose])) == 1  # a first page needs no break
    assert len(split([loose, section("b")])) == 1
