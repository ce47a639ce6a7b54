"""The form settings page: title, address, messages, receipt numbers, acceptance period."""

from __future__ import annotations

import copy
import datetime as dt
import html as html_lib
import re
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.forms import operations
from app.models import Department, Form
from app.records import store
from tests.conftest import ELECTION, PASSWORD

JST = ZoneInfo("Asia/Tokyo")
CLOSED = "このフォームは現在受付を行っていません。"
SLUG_TAKEN = "アドレス「taken-by-other」は別のフォームで使われています。"
BAD_SLUG = "半角英小文字・数字・ハイフンで2〜63文字にしてください。"
NO_SEQ = "受付番号には {seq} を含めてください。"
END_BEFORE_START = "終了日時は開始日時より後にしてください。"


def _fresh(form_id) -> Form:
    db.session.expire_all()
    return db.session.get(Form, form_id)


def _current(client, form) -> dict:
    """What the settings page shows, as the browser would send it back."""
    html = client.get(f"/staff/forms/{form.id}/settings").get_data(as_text=True)
    values = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        if 'type="checkbox"' in tag:
            if "checked" in tag:
                values[name.group(1)] = "y"
        elif 'type="radio"' in tag:
            if "checked" in tag:
                values[name.group(1)] = html_lib.unescape(value.group(1))
        else:
            values[name.group(1)] = html_lib.unescape(value.group(1)) if value else ""
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        values[name] = html_lib.unescape(text).strip("\r\n")
    return values


def _save(client, form, **changes):
    data = _current(client, form)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)  # an unticked check box is not sent
        else:
            data[name] = value
    return client.post(f"/staff/forms/{form.id}/settings", data=data)


def _confirmation(response) -> str:
    """The value of the confirmation button of a settings page that asks to confirm."""
    html = response.get_data(as_text=True)
    return html_lib.unescape(re.search(r'name="confirmed" value="([^"]*)"', html).group(1))


def _error_of(html: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', html)
    return html_lib.unescape(match.group(1)) if match else ""


def _submit(client, slug, data, action="submit"):
    page = client.get(f"/f/{slug}").get_data(as_text=True)
    token = re.search(r'name="submission_token"[^>]*value="([0-9a-f]+)"', page).group(1)
    payload = {**data, "submission_token": token}
    if action:
        payload["action"] = action
    return client.post(f"/f/{slug}", data=payload)


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(JST).strftime("%Y-%m-%dT%H:%M")


# -- the page ---------------------------------------------------------------------------------


def test_settings_page_shows_the_current_values(staff_client, make_form):
    document = copy.deepcopy(ELECTION)
    document["settings"] = {
        "thank_you": "ご応募ありがとうございました。",
        "receipt_format": "SK-{seq:04d}",
        "confirm_page": False,
    }
    form = make_form(document)
    form.opens_at = dt.datetime(2030, 4, 1, 0, 0)  # UTC: 09:00 in Japan
    form.is_open = True
    db.session.commit()

    response = staff_client.get(f"/staff/forms/{form.id}/settings")

    assert response.status_code == 200
    values = _current(staff_client, form)
    assert values["title"] == "選挙事務スタッフ募集"
    assert values["description"] == "…"
    assert values["slug"] == "senkyo-staff"
    assert values["thank_you"] == "ご応募ありがとうございました。"
    assert values["receipt_format"] == "SK-{seq:04d}"
    assert values["opens_at"] == "2030-04-01T09:00"
    assert values["closes_at"] == ""
    assert values["is_open"] == "y"
    assert "confirm_page" not in values  # unticked
    assert values["revision"] == str(form.draft_revision)


def test_saving_title_description_address_and_messages(app, staff_client, staff, make_form):
    citizen = app.test_client()
    form = make_form()
    old_slug = form.slug

    changes = dict(
        title="選挙事務スタッフ募集（参院選）",
        description="7月の参議院議員通常選挙",
        slug="sanin-2026",
        thank_you="担当者から連絡します。",
        receipt_format="EV{yyyy}-{seq:05d}",
    )
    # A published form's new address is confirmed first (see test_form_addresses.py).
    client_page = _save(staff_client, form, **changes)
    assert client_page.status_code == 200
    assert _fresh(form.id).slug == old_slug
    response = _save(staff_client, form, **changes, confirmed=_confirmation(client_page))

    assert response.status_code == 302
    assert response.headers["Location"] == f"/staff/forms/{form.id}"
    stored = _fresh(form.id)
    assert stored.slug == "sanin-2026"
    assert stored.draft["title"] == stored.title == "選挙事務スタッフ募集（参院選）"
    assert stored.draft["description"] == "7月の参議院議員通常選挙"
    assert stored.draft["settings"]["thank_you"] == "担当者から連絡します。"
    assert stored.draft["settings"]["receipt_format"] == "EV{yyyy}-{seq:05d}"
    assert [f["key"] for f in stored.draft["fields"]] == ["name", "age", "ward", "days"]
    # the address changes now (the old one forwards) ...
    assert citizen.get(f"/f/{old_slug}").headers["Location"] == "/f/sanin-2026"
    page = citizen.get("/f/sanin-2026")
    assert page.status_code == 200
    # ... the words when the draft is published
    assert "（参院選）" not in page.get_data(as_text=True)
    operations.publish(stored, staff)
    page = citizen.get("/f/sanin-2026").get_data(as_text=True)
    assert "選挙事務スタッフ募集（参院選）" in page and "7月の参議院議員通常選挙" in page

    done = _submit(citizen, "sanin-2026", {"f_name": "一関 太郎"})
    assert done.status_code == 303
    thanks = citizen.get(done.headers["Location"]).get_data(as_text=True)
    receipt = store.query(stored, []).records[0].receipt_no
    year = dt.datetime.now(JST).year
    assert re.fullmatch(rf"EV{year}-\d{{5}}", receipt)
    assert receipt in thanks
    assert "担当者から連絡します。" in thanks


def test_receipt_numbers_follow_the_new_format_after_publishing(
    app, staff_client, staff, make_form
):
    citizen = app.test_client()
    form = make_form()
    _submit(citizen, form.slug, {"f_name": "前"})
    assert _save(staff_client, form, receipt_format="EV{yyyy}-{seq:05d}").status_code == 302
    operations.publish(_fresh(form.id), staff)
    _submit(citizen, form.slug, {"f_name": "後"})

    numbers = (
        db.session.execute(sa.text(f"SELECT receipt_no FROM rec_{form.id} ORDER BY id"))
        .scalars()
        .all()
    )
    year = dt.datetime.now(JST).year
    assert not numbers[0].startswith("EV")
    assert numbers[1] == f"EV{year}-00002"


def test_without_a_confirmation_page_the_form_submits_directly(app, staff_client, staff, make_form):
    citizen = app.test_client()
    form = make_form()
    assert _save(staff_client, form, confirm_page=None).status_code == 302
    stored = _fresh(form.id)
    assert stored.draft["settings"]["confirm_page"] is False
    operations.publish(stored, staff)

    page = citizen.get(f"/f/{form.slug}").get_data(as_text=True)
    assert 'value="submit"' in page and 'value="confirm"' not in page
    response = _submit(citizen, form.slug, {"f_name": "一関 太郎"}, action=None)

    assert response.status_code == 303
    assert "/thanks/" in response.headers["Location"]
    assert store.count(stored) == 1


def test_with_the_confirmation_page_answers_are_reviewed_first(app, staff_client, make_form):
    citizen = app.test_client()
    form = make_form()
    response = _submit(citizen, form.slug, {"f_name": "一関 太郎"}, action=None)
    assert response.status_code == 200
    assert "入力内容の確認" in response.get_data(as_text=True)
    assert store.count(form) == 0


# -- acceptance -------------------------------------------------------------------------------


def test_acceptance_period_is_entered_in_japan_time_and_stored_in_utc(staff_client, make_form):
    form = make_form()
    response = _save(staff_client, form, opens_at="2030-04-01T09:00", closes_at="2030-04-30T17:15")
    assert response.status_code == 302
    stored = _fresh(form.id)
    assert stored.opens_at == dt.datetime(2030, 4, 1, 0, 0)
    assert stored.closes_at == dt.datetime(2030, 4, 30, 8, 15)
    values = _current(staff_client, stored)
    assert (values["opens_at"], values["closes_at"]) == ("2030-04-01T09:00", "2030-04-30T17:15")


@pytest.mark.parametrize(
    "period, accepting",
    [
        pytest.param((-2, -1), False, id="ended"),
        pytest.param((1, 2), False, id="not-yet"),
        pytest.param((-1, 1), True, id="inside"),
        pytest.param((None, 1), True, id="until-only"),
        pytest.param((-1, None), True, id="from-only"),
    ],
)
def test_public_form_answers_only_inside_the_period(
    app, staff_client, make_form, period, accepting
):
    citizen = app.test_client()
    form = make_form()
    now = dt.datetime.now(dt.UTC)
    opens, closes = (
        None if hours is None else _local(now + dt.timedelta(hours=hours)) for hours in period
    )
    saved = _save(staff_client, form, opens_at=opens or "", closes_at=closes or "")
    assert saved.status_code == 302

    page = citizen.get(f"/f/{form.slug}")
    if accepting:
        assert page.status_code == 200
        assert _submit(citizen, form.slug, {"f_name": "一関 太郎"}).status_code == 303
        assert store.count(form) == 1
    else:
        assert page.status_code == 410
        assert CLOSED in page.get_data(as_text=True)
        response = citizen.post(
            f"/f/{form.slug}",
            data={"f_name": "一関 太郎", "action": "submit", "submission_token": "a" * 32},
        )
        assert response.status_code == 410
        assert store.count(form) == 0


def test_closing_and_reopening_the_form(app, staff_client, make_form):
    citizen = app.test_client()
    form = make_form()
    assert _save(staff_client, form, is_open=None).status_code == 302
    assert _fresh(form.id).is_open is False
    closed = citizen.get(f"/f/{form.slug}")
    assert closed.status_code == 410 and CLOSED in closed.get_data(as_text=True)

    assert _save(staff_client, form, is_open="y").status_code == 302
    assert _fresh(form.id).is_open is True
    assert citizen.get(f"/f/{form.slug}").status_code == 200


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, field, message",
    [
        pytest.param({"slug": "taken-by-other"}, "slug", SLUG_TAKEN, id="slug-taken"),
        pytest.param({"slug": "Bad Slug!"}, "slug", BAD_SLUG, id="bad-slug"),
        pytest.param({"slug": "x"}, "slug", BAD_SLUG, id="short-slug"),
        pytest.param({"receipt_format": "EV{yyyy}"}, "receipt_format", NO_SEQ, id="no-seq"),
        pytest.param(
            {"opens_at": "2030-05-01T09:00", "closes_at": "2030-04-01T09:00"},
            "closes_at",
            END_BEFORE_START,
            id="ends-before-start",
        ),
        pytest.param({"title": ""}, "title", "タイトルを入力してください。", id="no-title"),
    ],
)
def test_bad_input_is_shown_next_to_its_input_and_nothing_is_saved(
    staff_client, make_form, changes, field, message
):
    make_form(
        copy.deepcopy(ELECTION) | {"slug": "taken-by-other", "title": "別のフォーム"}, publish=False
    )
    form = make_form()
    before = copy.deepcopy(_fresh(form.id).draft)
    revision = _fresh(form.id).draft_revision

    # other settings changed in the same submission must not be saved either
    response = _save(
        staff_client,
        form,
        is_open=None,
        thank_you="保存されないはず",
        **({"opens_at": "2030-04-01T09:00"} | changes),
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in _error_of(html, field)
    assert f'id="{field}-error"' in html
    # the page keeps what was typed
    if "slug" in changes:
        assert f'value="{html_lib.escape(changes["slug"])}"' in html
    stored = _fresh(form.id)
    assert stored.draft == before
    assert stored.draft_revision == revision
    assert stored.slug == "senkyo-staff"
    assert stored.is_open is True
    assert stored.opens_at is None and stored.closes_at is None


def test_settings_saved_over_a_colleagues_change_are_refused(staff_client, make_form):
    form = make_form()
    data = _current(staff_client, form)
    stored = _fresh(form.id)
    document = copy.deepcopy(stored.draft)
    document["fields"][0]["label"] = "お名前"
    operations.save_draft(stored, document, stored.draft_revision)

    response = staff_client.post(
        f"/staff/forms/{form.id}/settings", data=data | {"title": "上書き"}
    )

    assert "この間に他の人がフォームを保存しました。" in response.get_data(as_text=True)
    stored = _fresh(form.id)
    assert stored.draft["title"] == "選挙事務スタッフ募集"
    assert stored.draft["fields"][0]["label"] == "お名前"


def test_settings_of_another_department_are_refused(app, make_user, make_form):
    department = Department(name="教育委員会")
    db.session.add(department)
    db.session.commit()
    outsider = make_user("teacher", dept=department)
    form = make_form()
    client = app.test_client()
    assert (
        client.post(
            "/login", data={"username": outsider.username, "password": PASSWORD}
        ).status_code
        == 302
    )
    assert client.get(f"/staff/forms/{form.id}/settings").status_code == 403
    response = client.post(
        f"/staff/forms/{form.id}/settings",
        data={"title": "x", "slug": "stolen", "receipt_format": "{seq}"},
    )
    assert response.status_code == 403
    assert _fresh(form.id).slug == "senkyo-staff"
