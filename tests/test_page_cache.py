"""An empty public form is rendered once and served again with new tokens: every visitor
gets their own tokens, and what staff change shows at once."""

from __future__ import annotations

import copy
import re

import pytest
from flask import g

from app import identity, organisation
from app.extensions import db
from app.forms import operations
from app.models import Department
from app.records import store
from renderer import prepared
from tests.conftest import ELECTION
from tests.event_forms import event

CSRF_ON = [{"WTF_CSRF_ENABLED": True}]
ANSWER = {"f_name": "一関 太郎", "f_age": "30"}


@pytest.fixture(autouse=True)
def fresh_cache():
    prepared.clear_cache()
    yield
    prepared.clear_cache()


def _value(html: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    return found.group(1) if found else ""


def _tokens(html: str) -> tuple[str, str, str]:
    return (
        _value(html, "csrf_token"),
        _value(html, "submission_token"),
        _value(html, "started"),
    )


def _visit(visitor, url: str) -> str:
    # a server gives each request its own ``g``; the tests share one app context
    g.pop("csrf_token", None)
    return visitor.get(url).get_data(as_text=True)


def _kept_pages() -> int:
    return sum(len(p.pages) for p in prepared._cache.values())


@pytest.mark.parametrize("overrides", CSRF_ON)
def test_each_visitor_gets_own_tokens_and_can_send_the_form(app, make_form):
    form = make_form()
    visitors = [app.test_client() for _ in range(3)]
    pages = [_visit(v, f"/f/{form.slug}") for v in visitors]
    assert _kept_pages() == 1  # the second and third page came from the kept copy
    tokens = [_tokens(page) for page in pages]
    assert all(all(t) for t in tokens)
    for kind in range(2):  # the signed opening time is the same within one second
        assert len({t[kind] for t in tokens}) == 3, "a token was shared between visitors"
    # apart from the tokens, the pages are the same
    blank = [
        page.replace(t[0], "").replace(t[1], "").replace(t[2], "")
        for page, t in zip(pages, tokens, strict=True)
    ]
    assert blank[0] == blank[1] == blank[2]
    for visitor, (csrf, submission, started) in zip(visitors, tokens, strict=True):
        g.pop("csrf_token", None)
        sent = visitor.post(
            f"/f/{form.slug}",
            data={
                **ANSWER,
                "csrf_token": csrf,
                "submission_token": submission,
                "started": started,
                "action": "submit",
            },
        )
        assert sent.status_code == 303, sent.get_data(as_text=True)[:500]
    assert store.count(form) == 3


@pytest.mark.parametrize("overrides", CSRF_ON)
def test_a_token_of_another_visitor_is_refused(app, make_form):
    form = make_form()
    first, second = app.test_client(), app.test_client()
    _visit(first, f"/f/{form.slug}")
    csrf = _tokens(_visit(second, f"/f/{form.slug}"))[0]
    g.pop("csrf_token", None)
    sent = first.post(
        f"/f/{form.slug}", data={**ANSWER, "csrf_token": csrf, "action": "submit"}
    )
    assert sent.status_code != 303 and store.count(form) == 0


def test_the_office_name_and_contact_show_at_once(client, make_form, department):
    form = make_form()
    client.get(f"/f/{form.slug}")
    identity.change("一関市役所")
    db.session.commit()
    organisation.set_department_contact(
        db.session.get(Department, department.id), "0191-21-2111", "", ""
    )
    page = client.get(f"/f/{form.slug}").get_data(as_text=True)
    assert "一関市役所" in page and "0191-21-2111" in page


def test_the_seats_left_are_those_of_the_moment(client, make_form):
    form = make_form(event(5, show_remaining=True))
    assert "残り5席" in client.get(f"/f/{form.slug}").get_data(as_text=True)
    assert client.post(
        f"/f/{form.slug}",
        data={"f_name": "a", "f_session": "eve", "submission_token": "t1", "action": "submit"},
    ).status_code == 303
    assert "残り4席" in client.get(f"/f/{form.slug}").get_data(as_text=True)


def test_a_new_version_and_a_closed_form_show_at_once(client, make_form, staff):
    form = make_form()
    client.get(f"/f/{form.slug}")
    document = copy.deepcopy(ELECTION)
    document["title"] = "選挙事務スタッフ募集（第2回）"
    operations.save_draft(form, document)
    operations.publish(form, staff)
    assert "（第2回）" in client.get(f"/f/{form.slug}").get_data(as_text=True)
    operations.set_acceptance(form, False)
    assert client.get(f"/f/{form.slug}").status_code == 410


def test_address_arguments_and_the_language_are_not_mixed_up(client, make_form):
    form = make_form()
    japanese = client.get(f"/f/{form.slug}").get_data(as_text=True)
    prefilled = client.get(f"/f/{form.slug}?name=山田").get_data(as_text=True)
    english = client.get(f"/f/{form.slug}", headers={"Accept-Language": "en"})
    assert 'value="山田"' in prefilled and 'value="山田"' not in japanese
    assert "Optional" in english.get_data(as_text=True)
    assert 'value="山田"' not in client.get(f"/f/{form.slug}").get_data(as_text=True)


def test_a_logged_in_person_gets_a_page_of_their_own(client, make_form, staff, login):
    form = make_form()
    client.get(f"/f/{form.slug}")
    kept = _kept_pages()
    login(staff)
    client.get(f"/f/{form.slug}")
    assert _kept_pages() == kept


def test_confirmation_pages_share_the_shell_and_show_each_visitors_answers(client, make_form):
    form = make_form()
    pages = []
    for name in ("一関 太郎", "花泉 花子"):
        sent = client.post(
            f"/f/{form.slug}",
            data={"f_name": name, "f_age": "30", "submission_token": name, "action": "confirm"},
        )
        assert sent.status_code == 200
        pages.append(sent.get_data(as_text=True))
    assert "一関 太郎" in pages[0] and "花泉 花子" not in pages[0]
    assert "花泉 花子" in pages[1] and "一関 太郎" not in pages[1]
    for name, page in zip(("一関 太郎", "花泉 花子"), pages, strict=True):
        # each page carries its own visitor's answers and submission token to the submit
        assert _value(page, "f_name") == name and _value(page, "submission_token") == name
    assert all("入力内容の確認" in page and "</html>" in page for page in pages)
    english = client.post(
        f"/f/{form.slug}",
        data={"f_name": "x", "f_age": "30", "action": "confirm"},
        headers={"Accept-Language": "en"},
    ).get_data(as_text=True)
    assert "Review your answers" in english and "入力内容の確認" not in english
