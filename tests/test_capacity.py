"""Seats: a whole-form limit, per-choice limits, a count field; full is full."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.events import seats
from app.extensions import db
from app.forms import operations
from app.models import SeatPool
from app.records import store
from builder import definition as definitions
from tests.event_forms import apply, event


def _statuses(form):
    records = store.tables_for(form).records
    return db.session.execute(sa.select(records.c.status).order_by(records.c.id)).scalars().all()


def test_definition_contract_is_accepted_and_kept():
    loaded = definitions.load(event(100, count_field="participants", one_per="email"))
    settings = loaded.document["settings"]
    assert settings["capacity"] == {"limit": 100, "count_field": "participants", "waitlist": False}
    assert settings["one_per"] == "email"
    choices = loaded.document["fields"][2]["choices"]
    assert choices[0] == {"value": "am", "label": "午前の部", "capacity": 2}
    assert "capacity" not in choices[2]


def _capacity(**changes):
    return lambda document: document["settings"]["capacity"].update(changes)


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (_capacity(limit=0), ("capacity", "limit"), "1"),
        (_capacity(count_field="name"), ("capacity", "count_field"), "number"),
        (_capacity(count_field="nope"), ("capacity", "count_field"), "nope"),
        (lambda d: d["settings"].update(one_per="session"), ("one_per",), "session"),
        (lambda d: d["settings"].update(one_per="ghost"), ("one_per",), "ghost"),
        (lambda d: d["fields"][2]["choices"][0].update(capacity=0), None, "1 or more"),
        (lambda d: d["fields"][2]["choices"][0].update(capacity="5"), None, "whole number"),
    ],
)
def test_bad_event_settings_are_refused_with_clear_messages(change, path, words):
    document = event(10)
    change(document)
    with pytest.raises(definitions.DefinitionError) as raised:
        definitions.load(document)
    errors = raised.value.errors
    if path is None:
        text = str(errors["fields"])
    else:
        found = errors["settings"]
        for part in path:
            found = found[part]
        text = str(found)
    assert words in text


def test_whole_form_limit_refuses_when_full_and_shows_the_full_page(client, make_form):
    form = make_form(event(2))
    assert apply(client, form).status_code == 303
    assert apply(client, form).status_code == 303
    refused = apply(client, form)
    assert refused.status_code == 409
    assert _statuses(form) == ["new", "new"]
    page = client.get(f"/f/{form.slug}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="public-form"' not in text
    assert "This event is full" in text or "定員" in text


def test_count_field_takes_that_many_seats(client, make_form):
    form = make_form(event(5, count_field="participants"))
    assert apply(client, form, participants="3").status_code == 303
    lost = apply(client, form, participants="3")
    assert lost.status_code == 409  # only 2 left: the confirmation step says so
    assert "山田 花子" in lost.get_data(as_text=True)  # the answers are kept
    assert apply(client, form, participants="2").status_code == 303
    assert seats.taken(form)["form"] == 5
    assert len(_statuses(form)) == 2


def test_count_field_bounds(client, make_form):
    form = make_form(event(5, count_field="participants"))
    too_many = apply(client, form, participants="7")
    assert too_many.status_code == 422
    assert "At most 5" in too_many.get_data(as_text=True) or "5" in too_many.get_data(as_text=True)
    assert _statuses(form) == []
    assert apply(client, form).status_code == 303  # not answered: one seat
    assert seats.taken(form)["form"] == 1


def test_full_choice_shows_full_and_disabled_and_a_tampered_post_is_refused(client, make_form):
    form = make_form(event())
    for _ in range(2):
        assert apply(client, form, session="am").status_code == 303
    page = client.get(f"/f/{form.slug}").get_data(as_text=True)
    assert "午前の部（" in page
    assert 'value="am" disabled' in page or ('disabled' in page and 'value="am"' in page)
    assert "午後の部（" in page  # seats left shown
    tampered = apply(client, form, session="am", action="confirm")
    assert tampered.status_code == 422
    assert "午前の部" in tampered.get_data(as_text=True)
    assert len(_statuses(form)) == 2
    assert apply(client, form, session="pm").status_code == 303


def test_race_lost_at_submit_keeps_answers_on_the_confirmation_step(client, make_form, app):
    form = make_form(event())
    # the page was validated when seats were left; another applicant took the last one
    db.session.execute(
        sa.update(SeatPool).where(SeatPool.pool == "session=am").values(taken=2)
    )
    db.session.commit()
    response = apply(client, form, session="am")
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert 'id="confirm-form"' in text and 'role="alert"' in text
    assert 'name="f_name" value="山田 花子"' in text  # the answers are kept
    assert len(_statuses(form)) == 0


def test_whole_form_filled_since_the_confirmation_page(client, make_form):
    form = make_form(event(1))
    confirm = apply(client, form, action="confirm")
    assert confirm.status_code == 200
    assert apply(client, form, name="先客").status_code == 303
    lost = apply(client, form)
    assert lost.status_code == 409
    text = lost.get_data(as_text=True)
    assert 'id="confirm-form"' in text and 'role="alert"' in text
    assert len(_statuses(form)) == 1


def test_full_step_refuses_inside_the_insert_transaction(app, make_form):
    from app.events import registration
    from app.forms.published import published_definition
    from app.records.submission import submit

    form = make_form(event())
    definition = published_definition(form)
    steps = registration.after_add_steps(form, definition)
    values = {"name": "a", "session": "am"}
    submit(form, definition, values, after_add=steps)
    submit(form, definition, values, after_add=steps)
    with pytest.raises(registration.Full) as raised:
        submit(form, definition, values, after_add=steps)
    assert raised.value.pool == "session=am"
    assert len(_statuses(form)) == 2
    assert seats.taken(form)["session=am"] == 2


def test_checkbox_choices_take_seats_in_each_chosen_pool(app, make_form):
    from app.events import registration
    from app.forms.published import published_definition
    from app.records.submission import submit

    document = event()
    document["fields"].append(
        {
            "key": "days",
            "type": "checkboxes",
            "label": "日程",
            "choices": [
                {"value": "d1", "label": "1日目", "capacity": 1},
                {"value": "d2", "label": "2日目", "capacity": 5},
            ],
        }
    )
    form = make_form(document)
    definition = published_definition(form)
    steps = registration.after_add_steps(form, definition)
    submit(form, definition, {"name": "a", "days": ["d1", "d2"]}, after_add=steps)
    with pytest.raises(registration.Full):
        submit(form, definition, {"name": "b", "days": ["d1", "d2"]}, after_add=steps)
    assert seats.taken(form)["days=d2"] == 1  # the partial take was given back
    submit(form, definition, {"name": "c", "days": ["d2"]}, after_add=steps)
    assert seats.taken(form)["days=d2"] == 2


def test_republish_recounts_and_a_lowered_limit_cancels_nothing(client, make_form, staff):
    form = make_form(event(10, count_field="participants"))
    for n in ("3", "3", "2"):
        assert apply(client, form, participants=n).status_code == 303
    assert seats.taken(form)["form"] == 8
    document = event(5, count_field="participants")
    operations.save_draft(form, document)
    operations.publish(form, staff)
    assert seats.taken(form)["form"] == 8
    assert seats.left(form)["form"] == -3
    assert _statuses(form) == ["new", "new", "new"]
    assert apply(client, form).status_code == 409
    # counting by people no more: each application is one seat
    operations.save_draft(form, event(5))
    operations.publish(form, staff)
    assert seats.taken(form)["form"] == 3
    # a choice limit added later counts the applications already there
    document = event(5)
    document["fields"][2]["choices"][2]["capacity"] = 4
    operations.save_draft(form, document)
    operations.publish(form, staff)
    assert seats.taken(form)["session=eve"] == 3


def test_remaining_seats_are_shown_when_the_form_says_so(client, make_form):
    form = make_form(event(3))
    apply(client, form)
    text = client.get(f"/f/{form.slug}").get_data(as_text=True)
    assert "seats-left" in text


def test_api_answers_409_full_with_nothing_stored(api, make_form):
    form = make_form(event(1))
    first = api.post(f"/api/v1/forms/{form.id}/records", json={"name": "a", "session": "eve"})
    assert first.status_code == 201, first.get_json()
    second = api.post(f"/api/v1/forms/{form.id}/records", json={"name": "b", "session": "eve"})
    assert second.status_code == 409
    assert second.get_json()["error"] == "full"
    assert len(_statuses(form)) == 1


def test_settings_page_edits_the_event_settings(staff_client, make_form):
    from tests.test_form_settings import _current, _fresh

    form = make_form(event())
    data = _current(staff_client, form)
    data.update(
        capacity_limit="30",
        count_field="participants",
        waitlist="y",
        one_per="email",
        cancel_link="y",
        cancel_until="2026-12-24T17:00",
        changeable_fields=["session", "participants"],
    )
    response = staff_client.post(f"/staff/forms/{form.id}/settings", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    settings = _fresh(form.id).draft["settings"]
    assert settings["capacity"] == {"limit": 30, "count_field": "participants", "waitlist": True}
    assert settings["one_per"] == "email"
    assert settings["cancel_until"] == "2026-12-24T17:00"
    assert settings["changeable_fields"] == ["session", "participants"]
    page = staff_client.get(f"/staff/forms/{form.id}/settings").get_data(as_text=True)
    assert 'value="30"' in page
    # a bad value is shown next to its input, nothing saved
    data.update(capacity_limit="0")
    refused = staff_client.post(f"/staff/forms/{form.id}/settings", data=data)
    assert refused.status_code == 422
    assert 'id="capacity_limit-error"' in refused.get_data(as_text=True)
    data.update(capacity_limit="30", changeable_fields=["email"])
    refused = staff_client.post(f"/staff/forms/{form.id}/settings", data=data)
    assert refused.status_code == 422
    assert _fresh(form.id).draft["settings"]["changeable_fields"] == ["session", "participants"]


def test_staff_see_the_seats_taken_on_the_form_page(staff_client, make_form):
    form = make_form(event(3, waitlist=True))
    for _n in range(4):
        apply(staff_client, form)
    page = staff_client.get(f"/staff/forms/{form.id}").get_data(as_text=True)
    assert 'id="seat-facts"' in page
    assert "3 / 3" in page or "3 of 3" in page


def test_settings_page_adds_no_event_settings_to_a_form_without_them(staff_client, make_form):
    from tests.conftest import ELECTION
    from tests.test_form_settings import _current, _fresh

    form = make_form(ELECTION)
    data = _current(staff_client, form)
    response = staff_client.post(f"/staff/forms/{form.id}/settings", data=data)
    assert response.status_code == 302
    settings = _fresh(form.id).draft["settings"]
    assert not {"capacity", "one_per", "cancel_link", "changeable_fields"} & set(settings)


def test_publish_preview_names_capacity_changes(make_form):
    form = make_form(event(10))
    operations.save_draft(form, event(20))
    changes = [c for c in operations.preview_publish(form).changes if c.action == "setting"]
    assert [(c.key, c.detail) for c in changes] == [("settings.capacity.limit", "10 → 20")]


def test_api_refuses_a_full_choice_and_too_many_people(api, make_form):
    form = make_form(event(4, count_field="participants"))
    url = f"/api/v1/forms/{form.id}/records"
    for _n in range(2):
        assert api.post(url, json={"name": "a", "session": "am"}).status_code == 201
    full = api.post(url, json={"name": "b", "session": "am"})
    assert full.status_code == 409
    body = full.get_json()
    assert body["error"] == "full" and body["pool"] == "session=am"
    assert "session" in body["errors"]
    too_many = api.post(url, json={"name": "c", "session": "pm", "participants": 5})
    assert too_many.status_code == 422
    assert "participants" in too_many.get_json()["errors"]
    assert len(_statuses(form)) == 2


def test_full_option_of_a_drop_down_is_disabled(client, make_form):
    document = event()
    document["fields"][2]["type"] = "select"
    form = make_form(document)
    for _n in range(2):
        assert apply(client, form, session="am").status_code == 303
    page = client.get(f"/f/{form.slug}").get_data(as_text=True)
    option = re.search(r'<option[^>]*value="am"[^>]*>([^<]*)</option>', page)
    assert option and "disabled" in option.group(0)
    assert "満員" in option.group(1)
