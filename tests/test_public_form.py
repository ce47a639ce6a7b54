"""A citizen fills a public form: confirmation, receipt, errors, double submission."""

import re

import sqlalchemy as sa

from app.extensions import db
from app.records import store

VALID = {"f_name": "一関 太郎", "f_age": "３０", "f_ward": "花泉", "f_days": ["d1", "d2"]}


def _token(html: str) -> str:
    return re.search(r'name="submission_token"[^>]*value="([0-9a-f]+)"', html).group(1)


def _fill(client, slug, data, action):
    page = client.get(f"/f/{slug}")
    token = _token(page.get_data(as_text=True))
    return client.post(f"/f/{slug}", data={**data, "submission_token": token, "action": action})


def test_confirm_then_submit_shows_receipt_and_stores_one_row(client, make_form):
    form = make_form()
    confirm = _fill(client, form.slug, VALID, "confirm")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "入力内容の確認" in html
    assert "6月30日、7月1日" in html  # labels, not values
    assert store.count(form) == 0  # nothing stored before the final submit
    hidden = dict(re.findall(r'<input type="hidden" name="(f_\w+)" value="([^"]*)">', html))
    assert hidden["f_age"] == "30"  # full-width digits normalised
    token = _token(html)
    data = {**VALID, "f_age": "30", "submission_token": token, "action": "submit"}
    done = client.post(f"/f/{form.slug}", data=data)
    assert done.status_code == 303
    thanks = client.get(done.headers["Location"])
    text = thanks.get_data(as_text=True)
    receipt = store.query(form, []).records[0].receipt_no
    assert "受付番号" in text and receipt in text
    record = store.query(form, []).records[0]
    columns = {e["key"]: e["column"] for e in form.storage}
    assert record.values[columns["name"]] == "一関 太郎"
    assert record.values[columns["age"]] == 30
    assert record.values[columns["days"]] == ["d1", "d2"]


def test_double_submit_stores_one_record(client, make_form):
    form = make_form()
    page = client.get(f"/f/{form.slug}")
    token = _token(page.get_data(as_text=True))
    data = {**VALID, "submission_token": token, "action": "submit"}
    first = client.post(f"/f/{form.slug}", data=data)
    second = client.post(f"/f/{form.slug}", data=data)
    assert first.status_code == second.status_code == 303
    assert store.count(form) == 1
    receipt = store.query(form, []).records[0].receipt_no
    for response in (first, second):  # both show the one receipt number
        assert receipt in client.get(response.headers["Location"]).get_data(as_text=True)


def test_back_keeps_the_answers(client, make_form):
    form = make_form()
    back = _fill(client, form.slug, VALID, "back")
    html = back.get_data(as_text=True)
    assert 'value="一関 太郎"' in html
    assert re.search(r'value="d2"[^>]*checked|checked[^>]*value="d2"', html)
    assert store.count(form) == 0


def test_invalid_input_shows_each_error_next_to_its_field_and_stores_nothing(client, make_form):
    form = make_form()
    response = _fill(
        client,
        form.slug,
        {"f_name": "  ", "f_age": "12", "f_ward": "東京", "f_days": ["zz"]},
        "submit",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'class="error-summary"' in html
    assert "4" in re.search(r'id="error-summary-title">([^<]*)<', html).group(1)
    for name in ("f_name", "f_age", "f_ward", "f_days"):
        assert f'id="{name}-error"' in html, name
    assert 'aria-invalid="true"' in html
    assert store.count(form) == 0


def test_unknown_or_unpublished_form_is_404(client, make_form):
    draft = make_form(publish=False)
    assert client.get(f"/f/{draft.slug}").status_code == 404
    assert client.get("/f/nothing-here").status_code == 404


def test_closed_form_refuses_applications(client, make_form):
    form = make_form()
    form.is_open = False
    db.session.commit()
    assert client.get(f"/f/{form.slug}").status_code == 410
    response = client.post(
        f"/f/{form.slug}", data={**VALID, "submission_token": "a" * 32, "action": "submit"}
    )
    assert response.status_code == 410
    assert store.count(form) == 0


def test_forged_thanks_ticket_is_404(client, make_form):
    form = make_form()
    assert client.get(f"/f/{form.slug}/thanks/1").status_code == 404


def test_receipt_numbers_follow_the_form_format(client, make_form):
    document = {
        "title": "t",
        "slug": "receipt-format",
        "settings": {"receipt_format": "EV-{seq:04d}"},
        "fields": [{"key": "name", "type": "text", "label": "name"}],
    }
    form = make_form(document)
    _fill(client, form.slug, {"f_name": "a"}, "submit")
    _fill(client, form.slug, {"f_name": "b"}, "submit")
    numbers = (
        db.session.execute(sa.text(f"SELECT receipt_no FROM rec_{form.id} ORDER BY id"))
        .scalars()
        .all()
    )
    assert numbers == ["EV-0001", "EV-0002"]
