"""One application per value of a field (an e-mail address), held atomically."""

from __future__ import annotations

import sqlalchemy as sa

from app.events import registration
from app.extensions import db
from app.forms.published import published_definition
from app.models import OnePerValue
from app.records import access
from app.records.submission import submit
from tests.event_forms import apply, event


def _count(form):
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(OnePerValue).where(OnePerValue.form_id == form.id)
    )


def test_second_application_with_the_same_email_is_refused_next_to_the_field(client, make_form):
    form = make_form(event(one_per="email"))
    assert apply(client, form, email="Hanako@Example.jp").status_code == 303
    again = apply(client, form, email="hanako@example.jp", action="confirm")
    assert again.status_code == 422
    text = again.get_data(as_text=True)
    assert "field-error" in text and ("already" in text or "すでに" in text)
    assert apply(client, form, email="other@example.jp").status_code == 303
    assert _count(form) == 2


def test_the_hold_at_submit_decides_even_without_the_early_check(make_form):
    form = make_form(event(one_per="email"))
    definition = published_definition(form)
    steps = registration.after_add_steps(form, definition)
    submit(form, definition, {"name": "a", "email": "a@example.jp"}, after_add=steps)
    try:
        submit(form, definition, {"name": "b", "email": "A@EXAMPLE.JP "}, after_add=steps)
    except registration.Duplicate as exc:
        assert exc.field_key == "email"
    else:
        raise AssertionError("a second application with the same address was stored")
    records = access.application(form, 2)
    assert records is None


def test_cancelling_frees_the_value(client, make_form):
    form = make_form(event(one_per="email"))
    definition = published_definition(form)
    steps = registration.after_add_steps(form, definition)
    first, _ = submit(form, definition, {"name": "a", "email": "a@example.jp"}, after_add=steps)
    registration.release_and_promote(form, first, None)
    assert _count(form) == 0
    assert apply(client, form, email="a@example.jp").status_code == 303


def test_unanswered_value_is_not_held(client, make_form):
    form = make_form(event(one_per="email"))
    assert apply(client, form).status_code == 303
    assert apply(client, form).status_code == 303
    assert _count(form) == 0


def test_api_refuses_a_duplicate(api, make_form):
    form = make_form(event(one_per="email"))
    url = f"/api/v1/forms/{form.id}/records"
    assert api.post(url, json={"name": "a", "session": "eve", "email": "a@x.jp"}).status_code == 201
    second = api.post(url, json={"name": "b", "session": "eve", "email": "A@x.jp"})
    assert second.status_code == 422
    assert "email" in second.get_json()["errors"]


def test_one_per_chosen_later_counts_the_applications_already_there(client, make_form, staff):
    from app.forms import operations

    form = make_form(event())
    assert apply(client, form, email="a@example.jp").status_code == 303
    assert apply(client, form, email="a@example.jp").status_code == 303  # allowed then
    operations.save_draft(form, event(one_per="email"))
    operations.publish(form, staff)
    assert _count(form) == 1
    assert apply(client, form, email="A@example.jp", action="confirm").status_code == 422


def test_a_refusal_at_submit_shows_the_page_of_the_item_refused(client, make_form, monkeypatch):
    document = event(one_per="email")
    name, email, session, people = document["fields"]
    document["fields"] = [
        name,
        email,
        {"key": "choice_page", "type": "section", "label": "参加", "page": True,
         "fields": [session, people]},
    ]
    form = make_form(document)
    assert apply(client, form, email="hanako@example.jp").status_code == 303
    # the early check passed before the other application arrived: the submit decides
    monkeypatch.setattr("app.events.view.check_answers", lambda *args: {})
    refused = apply(client, form, email="hanako@example.jp")
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert 'id="f_email"' in html and 'name="f_session"' not in html  # the first page
    assert "1 / 2" in html and "field-error" in html
    assert "hanako@example.jp" in html  # the answer is kept
