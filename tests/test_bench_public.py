"""The public-form benchmark keeps measuring what it says: the hand-written baseline's
form, confirmation, submit and API work, and the benchmark's client reads Atsume's pages
and the baseline's alike (tokens, confirmation page, 303 after the submit)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.records import store
from bench import public_baseline, public_flow
from bench.public_forms import ANSWER, API_ANSWER, DOCUMENT, SLUG

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


def _visit(client, path: str) -> str:
    """A visit as the benchmark's client makes it; the thank-you address."""
    page = client.get(path).get_data(as_text=True)
    assert public_flow.FORM_MARKER in page
    carried = public_flow.form_inputs(page, ANSWER)
    assert {"csrf_token", "submission_token"} <= {name for name, _value in carried}
    body = MultiDict([*carried, *public_flow.answer_pairs(), ("action", "confirm")])
    confirm = client.post(path, data=body)
    review = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and public_flow.CONFIRM_MARKER in review
    done = client.post(
        path, data=MultiDict([*public_flow.form_inputs(review), ("action", "submit")])
    )
    assert done.status_code == 303
    return done.headers["Location"]


def test_the_client_reads_the_baselines_pages(baseline):
    app, engine = baseline
    assert "/thanks/" in _visit(app.test_client(), f"/f/{SLUG}")
    assert _stored(engine) == [("一関 太郎", 42, 2)]


@pytest.mark.parametrize("overrides", [{"WTF_CSRF_ENABLED": True}])
def test_the_client_reads_atsumes_pages(client, make_form, api):
    form = make_form(DOCUMENT)
    assert form.slug == SLUG
    assert "/thanks/" in _visit(client, f"/f/{SLUG}")
    assert client.post(f"/f/{SLUG}", data={**ANSWER, "action": "confirm"}).status_code == 400
    assert api.post(f"/api/v1/forms/{form.id}/records", json=API_ANSWER).status_code == 201
    records = store.tables_for(form).records
    with db.engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(records)) == 2
