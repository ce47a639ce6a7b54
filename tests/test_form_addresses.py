"""A published form's former addresses keep leading to it, and no other form may take them;
changing the address or closing a form with answers is confirmed first."""

from __future__ import annotations

import copy
import json
import re

import pytest

from app.extensions import db
from app.forms import operations
from app.forms.published import published_definition
from app.models import Form
from app.records import store
from app.records.submission import submit
from tests.conftest import ELECTION
from tests.test_form_settings import _confirmation, _current, _save

OLD_TAKEN = "アドレス「senkyo-staff」は以前に別のフォームで使われていて"


def _fresh(form_id) -> Form:
    db.session.expire_all()
    return db.session.get(Form, form_id)


def _move(form: Form, slug: str) -> Form:
    return operations.save_draft(form, dict(copy.deepcopy(form.draft), slug=slug))


def _answer(form: Form, name="一関 太郎") -> None:
    submit(form, published_definition(form), {"name": name})


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# -- forwarding ---------------------------------------------------------------------------------


def test_a_former_address_forwards_to_the_same_page_at_the_current_one(app, make_form):
    citizen = app.test_client()
    form = _move(make_form(), "sanin-2026")

    page = citizen.get("/f/senkyo-staff?lang=en&src=qr")
    assert page.status_code == 301
    assert page.headers["Location"] == "/f/sanin-2026?lang=en&src=qr"
    assert page.cache_control.max_age == 3600  # the address may be taken back later
    assert citizen.get("/f/senkyo-staff", follow_redirects=True).status_code == 200

    odd = citizen.get("/f/senkyo-staff?_external=1&slug=x&ticket=y&q=%E9%AB%99")
    assert odd.headers["Location"] == "/f/sanin-2026?_external=1&slug=x&ticket=y&q=%E9%AB%99"

    thanks = citizen.get("/f/senkyo-staff/thanks/some-ticket")
    assert thanks.status_code == 301
    assert thanks.headers["Location"] == "/f/sanin-2026/thanks/some-ticket"

    # An answer sent from a page opened before the change still arrives (308 keeps the POST).
    sent = citizen.post("/f/senkyo-staff", data={"f_name": "一関 太郎", "action": "submit"})
    assert sent.status_code == 308 and sent.headers["Location"] == "/f/sanin-2026"
    followed = citizen.post(
        "/f/senkyo-staff",
        data={"f_name": "一関 太郎", "action": "submit", "submission_token": "a" * 32},
        follow_redirects=True,
    )
    assert followed.status_code == 200
    assert store.count(_fresh(form.id)) == 1


def test_every_former_address_forwards_and_a_form_may_take_one_back(app, make_form):
    citizen = app.test_client()
    form = make_form()
    _move(form, "second")
    _move(form, "third")
    for old in ("senkyo-staff", "second"):
        assert citizen.get(f"/f/{old}").headers["Location"] == "/f/third"

    _move(form, "senkyo-staff")  # back to the printed address
    assert citizen.get("/f/senkyo-staff").status_code == 200
    assert citizen.get("/f/third").headers["Location"] == "/f/senkyo-staff"
    assert sorted(a.slug for a in _fresh(form.id).former_addresses) == ["second", "third"]


def test_a_draft_that_was_never_published_keeps_no_former_address(app, make_form):
    form = _move(make_form(publish=False), "renamed")
    assert _fresh(form.id).former_addresses == []
    other = operations.create_form(copy.deepcopy(ELECTION), None)
    assert other.slug == "senkyo-staff"


def test_unknown_addresses_stay_not_found(app, make_form):
    _move(make_form(), "sanin-2026")
    assert app.test_client().get("/f/never-used").status_code == 404


# -- no other form may take a former address ------------------------------------------------


@pytest.fixture
def moved(make_form):
    """A published form that moved from senkyo-staff to sanin-2026."""
    return _move(make_form(), "sanin-2026")


def test_import_cannot_take_a_former_address(staff_client, moved):
    response = staff_client.post(
        "/staff/forms/import",
        data={"definition": json.dumps(ELECTION, ensure_ascii=False)},
    )
    assert response.status_code == 422
    assert OLD_TAKEN in response.get_data(as_text=True)
    assert db.session.query(Form).count() == 1


def test_api_cannot_take_a_former_address(api, make_form, moved):
    created = api.post("/api/v1/forms", json=ELECTION)
    assert created.status_code == 409
    assert OLD_TAKEN in created.get_json()["error"]

    other = make_form(dict(copy.deepcopy(ELECTION), slug="other"), publish=False)
    changed = api.put(
        f"/api/v1/forms/{other.id}/draft",
        json=dict(copy.deepcopy(other.draft), slug="senkyo-staff"),
    )
    assert changed.status_code == 409
    assert _fresh(other.id).slug == "other"


def test_designer_and_settings_cannot_take_a_former_address(staff_client, make_form, moved):
    other = make_form(dict(copy.deepcopy(ELECTION), slug="other"), publish=False)
    saved = staff_client.put(
        f"/staff/forms/{other.id}/designer/draft",
        json={
            "document": dict(copy.deepcopy(other.draft), slug="senkyo-staff"),
            "revision": other.draft_revision,
        },
    )
    assert saved.status_code == 422
    assert OLD_TAKEN in saved.get_json()["problems"][0]["message"]

    page = _save(staff_client, other, slug="senkyo-staff")
    assert page.status_code == 422
    assert OLD_TAKEN in page.get_data(as_text=True)
    assert _fresh(other.id).slug == "other"


def test_copies_get_a_fresh_address(staff_client, moved):
    response = staff_client.post(f"/staff/forms/{moved.id}/duplicate", data={"title": "写し"})
    assert response.status_code == 302
    copy_form = db.session.query(Form).filter(Form.id != moved.id).one()
    assert copy_form.slug not in ("senkyo-staff", "sanin-2026")


# -- the settings page warns first --------------------------------------------------------------


def test_settings_page_explains_a_change_of_address_before_making_it(app, staff_client, make_form):
    form = make_form()
    page = _text(staff_client.get(f"/staff/forms/{form.id}/settings"))
    assert "変更しても、今のアドレスはこのフォームへの転送先として残ります。" in page

    response = _save(staff_client, form, slug="sanin-2026")
    assert response.status_code == 200
    html = _text(response)
    assert "まだ何も保存されていません。" in html
    assert (
        "公開アドレスが http://localhost/f/senkyo-staff から http://localhost/f/sanin-2026 に"
        "変わります。" in html
    )
    assert "古いアドレスも引き続き使えます。" in html
    assert _fresh(form.id).slug == "senkyo-staff"
    assert app.test_client().get("/f/senkyo-staff").status_code == 200

    # A confirmation for another address does not cover this one.
    token = _confirmation(response)
    assert _save(staff_client, form, slug="sanin-2026", confirmed="other|1").status_code == 200
    assert _save(staff_client, form, slug="other-2026", confirmed=token).status_code == 200
    assert _save(staff_client, form, slug="sanin-2026", confirmed=token).status_code == 302
    assert _fresh(form.id).slug == "sanin-2026"

    listed = _text(staff_client.get(f"/staff/forms/{form.id}/settings"))
    assert "以前のアドレス（このフォームに転送されます）" in listed
    assert "http://localhost/f/senkyo-staff" in listed


def test_a_draft_address_changes_without_a_confirmation(staff_client, make_form):
    form = make_form(publish=False)
    assert _save(staff_client, form, slug="sanin-2026").status_code == 302
    assert _fresh(form.id).slug == "sanin-2026"


def test_the_address_help_shows_a_readable_address(staff_client, make_form):
    """No percent-encoded placeholder (…) in the address help or elsewhere on staff pages."""
    form = make_form()
    for path in ("settings", "", "designer"):
        html = staff_client.get(f"/staff/forms/{form.id}/{path}".rstrip("/")).get_data(as_text=True)
        assert "%E2" not in html, path
    settings = _text(staff_client.get(f"/staff/forms/{form.id}/settings"))
    assert "公開アドレスは http://localhost/f/senkyo-staff" in settings


# -- closing a form with answers ---------------------------------------------------------------

CLOSED_MESSAGE = "このフォームは現在受付を行っていません。"


def test_closing_a_form_with_answers_is_confirmed_first(app, staff_client, make_form):
    form = make_form()
    _answer(form)
    clicked = staff_client.post(f"/staff/forms/{form.id}/open", data={"open": "0"})
    assert clicked.status_code == 303
    assert clicked.headers["Location"] == f"/staff/forms/{form.id}/close"
    assert _fresh(form.id).is_open is True

    page = _text(staff_client.get(f"/staff/forms/{form.id}/close"))
    assert "受付を終了しますか？" in page
    assert "http://localhost/f/senkyo-staff を開いた市民には次のメッセージが表示され" in page
    assert CLOSED_MESSAGE in page
    assert "これまでに受け付けた回答は 1 件です。" in page
    assert app.test_client().get("/f/senkyo-staff").status_code == 200

    confirmed = staff_client.post(
        f"/staff/forms/{form.id}/open", data={"open": "0", "confirmed": "1"}
    )
    assert confirmed.status_code == 302
    assert _fresh(form.id).is_open is False
    assert app.test_client().get("/f/senkyo-staff").status_code == 410


def test_closing_a_form_without_answers_needs_no_confirmation(staff_client, make_form):
    form = make_form()
    assert staff_client.post(f"/staff/forms/{form.id}/open", data={"open": "0"}).status_code == 302
    assert _fresh(form.id).is_open is False
    # reopening is never held up
    assert staff_client.post(f"/staff/forms/{form.id}/open", data={"open": "1"}).status_code == 302
    assert _fresh(form.id).is_open is True


def test_closing_on_the_settings_page_is_confirmed_first(staff_client, make_form):
    form = make_form()
    _answer(form)
    response = _save(staff_client, form, is_open=None)
    assert response.status_code == 200
    html = _text(response)
    assert CLOSED_MESSAGE in html and "これまでに受け付けた回答は 1 件です。" in html
    assert _fresh(form.id).is_open is True
    token = _confirmation(response)
    assert _save(staff_client, form, is_open=None, confirmed=token).status_code == 302
    assert _fresh(form.id).is_open is False


def test_a_colleagues_save_before_the_confirmation_is_not_overwritten(staff_client, make_form):
    form = make_form()
    opened = _current(staff_client, form)  # the settings page as the person opened it
    operations.save_draft(form, dict(copy.deepcopy(form.draft), title="同僚の変更"))

    data = dict(opened, slug="sanin-2026", thank_you="私の文面")
    shown = staff_client.post(f"/staff/forms/{form.id}/settings", data=data)
    kept = re.search(r'name="revision" value="(\d+)"', shown.get_data(as_text=True)).group(1)
    assert kept == opened["revision"]

    confirmed = staff_client.post(
        f"/staff/forms/{form.id}/settings",
        data=dict(data, revision=kept, confirmed=_confirmation(shown)),
    )
    assert "この間に他の人がフォームを保存しました。" in confirmed.get_data(as_text=True)
    stored = _fresh(form.id)
    assert stored.title == "同僚の変更" and stored.slug == "senkyo-staff"


def test_ending_the_acceptance_period_now_is_confirmed_like_closing(staff_client, make_form):
    form = make_form()
    _answer(form)
    past = "2020-04-01T09:00"
    response = _save(staff_client, form, closes_at=past, opens_at="2020-03-01T09:00")
    assert response.status_code == 200
    assert CLOSED_MESSAGE in _text(response)
    assert _fresh(form.id).closes_at is None
    token = _confirmation(response)
    saved = _save(staff_client, form, closes_at=past, opens_at="2020-03-01T09:00", confirmed=token)
    assert saved.status_code == 302
    assert _fresh(form.id).closes_at is not None
    # a period still running needs no confirmation
    assert _save(staff_client, form, closes_at="2099-04-01T09:00").status_code == 302
