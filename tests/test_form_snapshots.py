"""Public pages read a recent copy of the form; an answer is stored only on the form as it
is: a change made by another server process is found in the insert's transaction."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.forms import operations, snapshots
from app.models import Form
from app.records import store

ANSWER = {"f_name": "一関 太郎", "f_age": "30"}


def _confirmed(client, slug: str) -> dict:
    """Open the form and send it to the confirmation page; what its form carries."""
    assert client.get(f"/f/{slug}").status_code == 200
    page = client.post(f"/f/{slug}", data={**ANSWER, "action": "confirm"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    carried = {}
    for tag in re.findall(r"<input\b[^>]*>", html):
        attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
        if attributes.get("type") == "hidden":
            carried[attributes["name"]] = attributes.get("value", "")
    assert carried["f_name"] == ANSWER["f_name"] and carried["submission_token"]
    return {**carried, "action": "submit"}


def _changed_elsewhere(form_id: int, **values) -> None:
    """Change the form's row as another server process does (this one is not told)."""
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(Form.__table__)
            .where(Form.__table__.c.id == form_id)
            .values(**values, updated_at=dt.datetime.now(dt.UTC).replace(tzinfo=None))
        )


def test_a_form_closed_by_another_process_takes_no_answer(client, make_form):
    form = make_form()
    form_id, slug = form.id, form.slug
    sent = _confirmed(client, slug)
    _changed_elsewhere(form_id, is_open=False)
    response = client.post(f"/f/{slug}", data=sent)
    assert response.status_code == 410
    db.session.expire_all()
    assert store.count(db.session.get(Form, form_id)) == 0


def test_an_answer_is_stored_when_the_form_did_not_change(client, make_form):
    form = make_form()
    sent = _confirmed(client, form.slug)
    response = client.post(f"/f/{form.slug}", data=sent)
    assert response.status_code == 303
    assert store.count(form) == 1
    again = client.post(f"/f/{form.slug}", data=sent)  # the same answer sent twice
    assert again.status_code == 303 and store.count(form) == 1


def test_a_change_made_here_shows_at_once(client, make_form):
    form = make_form()
    assert client.get(f"/f/{form.slug}").status_code == 200
    operations.set_acceptance(form, False)
    db.session.commit()
    assert client.get(f"/f/{form.slug}").status_code == 410
    operations.set_acceptance(form, True)
    db.session.commit()
    assert client.get(f"/f/{form.slug}").status_code == 200


def test_the_shared_copy_stays_out_of_every_session(client, make_form):
    form = make_form()
    assert client.get(f"/f/{form.slug}").status_code == 200
    shared, _former = snapshots.form_for_public(form.slug)
    assert shared not in db.session
    # a commit expires what its session holds: the copy other requests read stays out
    with pytest.raises(RuntimeError, match="read only"):
        db.session.add(shared)
    sent = _confirmed(client, form.slug)
    assert client.post(f"/f/{form.slug}", data=sent).status_code == 303
    assert store.count(form) == 1
    assert snapshots.form_for_public(form.slug)[0] is shared and shared not in db.session


def test_an_api_record_is_not_taken_on_a_form_unpublished_by_another_process(api, make_form):
    form = make_form()
    url = f"/api/v1/forms/{form.id}/records"
    assert api.post(url, json={"name": "一関 太郎", "age": 30}).status_code == 201
    _changed_elsewhere(form.id, published_version_id=None)
    refused = api.post(url, json={"name": "花泉 花子", "age": 40})
    assert refused.status_code == 409
    db.session.expire_all()
    assert store.count(db.session.get(Form, form.id)) == 1
