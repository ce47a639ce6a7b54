"""The hand-written baseline of the public-form benchmark works: form, confirmation,
submit and API each do what the benchmark measures them doing."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from bench import public_baseline
from bench.public_forms import ANSWER, API_ANSWER, SLUG

TOKEN = "bench-token"


@pytest.fixture
def baseline(database):
    url = database["SQLALCHEMY_DATABASE_URI"]
    options = database.get("SQLALCHEMY_ENGINE_OPTIONS", {})
    public_baseline.create_tables(url, options)
    app = public_baseline.create_app(
        {
            "SECRET_KEY": "test",
            "DATABASE_URL": url,
            "DATABASE_OPTIONS": options,
            "API_TOKEN": TOKEN,
        }
    )
    engine = sa.create_engine(url, **options)
    yield app, engine
    engine.dispose()


def _stored(engine) -> list[tuple]:
    with engine.connect() as connection:
        return connection.execute(
            sa.select(
                public_baseline.answers.c.name,
                public_baseline.answers.c.age,
                sa.func.count(public_baseline.answer_days.c.day),
            )
            .join(public_baseline.answer_days)
            .group_by(public_baseline.answers.c.id)
        ).all()


def test_form_confirm_and_submit_store_one_answer(baseline):
    app, engine = baseline
    client = app.test_client()
    page = client.get(f"/f/{SLUG}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    assert 'name="f_days"' in html and 'type="checkbox"' in html

    refused = client.post(f"/f/{SLUG}", data={**ANSWER, "action": "confirm"})
    assert refused.status_code == 400  # no CSRF token

    confirm = client.post(f"/f/{SLUG}", data={**ANSWER, "csrf_token": csrf, "action": "confirm"})
    assert confirm.status_code == 200
    review = confirm.get_data(as_text=True)
    assert 'id="confirm-form"' in review and "南地区" in review and "6月1日、6月8日" in review
    assert _stored(engine) == []

    carried = re.findall(r'<input type="hidden" name="(f_[a-z]+)" value="([^"]*)"', review)
    data = MultiDict([*carried, ("csrf_token", csrf), ("action", "submit")])
    done = client.post(f"/f/{SLUG}", data=data)
    assert done.status_code == 303
    assert re.search(rf"/f/{SLUG}/thanks/\d+$", done.headers["Location"])
    assert _stored(engine) == [("一関 太郎", 42, 2)]


def test_invalid_answer_is_refused_and_not_stored(baseline):
    app, engine = baseline
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    answer = {**ANSWER, "f_age": "7", "action": "submit"}
    refused = client.post(f"/f/{SLUG}", data=answer)
    assert refused.status_code == 422
    assert 'class="field-error"' in refused.get_data(as_text=True)
    assert _stored(engine) == []


def test_api_post_stores_an_answer(baseline):
    app, engine = baseline
    client = app.test_client()
    url = f"/api/forms/{SLUG}/records"
    assert client.post(url, json=API_ANSWER).status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert client.post(url, json={**API_ANSWER, "email": "no"}, headers=auth).status_code == 422
    created = client.post(url, json=API_ANSWER, headers=auth)
    assert created.status_code == 201
    assert isinstance(created.get_json()["id"], int)
    assert _stored(engine) == [("一関 太郎", 42, 2)]
