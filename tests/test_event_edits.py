"""A staff edit of an application's answers moves its seats and its one-per answer as the
applicant's own change would: a full choice or a taken answer refuses the edit."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from app.events import seats
from app.records import editing
from tests.event_forms import event
from tests.record_world import edit_page_fields
from tests.test_waitlist import _apply, _status


def _columns(form) -> dict[str, str]:
    return {e["key"]: e["column"] for e in form.storage if not e["retired"]}


def _edit(form, staff, record, **values):
    columns = _columns(form)
    access = editing.editor(staff, form)
    return editing.save(
        access, record.id, {columns[k]: v for k, v in values.items()}, expected=None
    )


def test_changing_the_choice_moves_the_seat(make_form, staff):
    form = make_form(event())
    record = _apply(form, session="am")
    assert seats.taken(form)["session=am"] == 1
    _edit(form, staff, record, session="pm")
    assert seats.taken(form)["session=am"] == 0
    assert seats.taken(form)["session=pm"] == 1


def test_a_change_to_a_full_choice_is_refused_and_changes_nothing(make_form, staff):
    form = make_form(event())
    _apply(form, session="am"), _apply(form, session="am")  # 午前の部 has 2 seats
    record = _apply(form, session="pm")
    with pytest.raises(editing.EditRefused) as refused:
        _edit(form, staff, record, session="am", name="変更後")
    assert list(refused.value.errors) == ["session"]
    assert "午前の部" in refused.value.messages[0]
    assert seats.taken(form) == {**seats.taken(form), "session=am": 2, "session=pm": 1}
    stored = editing.editor(staff, form).get(record.id)
    assert stored.values[_columns(form)["session"]] == "pm"
    assert stored.values[_columns(form)["name"]] == "a"  # the whole edit was refused


def test_more_people_than_seats_left_is_refused(make_form, staff):
    form = make_form(event(3, count_field="participants"))
    record = _apply(form, participants=2)
    with pytest.raises(editing.EditRefused) as refused:
        _edit(form, staff, record, participants=4)
    assert list(refused.value.errors) == ["participants"]
    _edit(form, staff, record, participants=3)
    assert seats.taken(form)["form"] == 3


def test_a_waiting_application_takes_no_seat_when_edited(make_form, staff):
    form = make_form(event(1, waitlist=True))
    _apply(form)
    waiting = _apply(form, session="am")
    assert _status(form, waiting) == "waitlisted"
    _edit(form, staff, waiting, session="pm")
    assert seats.taken(form).get("session=pm", 0) == 0


def test_an_answer_held_by_another_application_is_refused(make_form, staff):
    form = make_form(event(one_per="email"))
    _apply(form, email="a@example.jp")
    record = _apply(form, email="b@example.jp")
    with pytest.raises(editing.EditRefused) as refused:
        _edit(form, staff, record, email="A@example.jp")
    assert list(refused.value.errors) == ["email"]
    _edit(form, staff, record, email="c@example.jp")
    assert _apply(form, email="b@example.jp").id  # the old answer is free again


def test_the_edit_page_and_the_api_say_why(client, make_form, staff, login, api):
    form = make_form(event())
    _apply(form, session="am"), _apply(form, session="am")
    record = _apply(form, session="pm")
    response = api.patch(
        f"/api/v1/forms/{form.id}/records/{record.id}", json={"values": {"session": "am"}}
    )
    assert response.status_code == 409
    assert "午前の部" in response.get_json()["errors"]["session"][0]

    login(staff)
    url = f"/staff/forms/{form.id}/records/{record.id}/edit"
    data = edit_page_fields(client.get(url).get_data(as_text=True))
    data["f_session"] = ["am"]
    refused = client.post(url, data=MultiDict([(k, v) for k, vs in data.items() for v in vs]))
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert "field-error" in html and "午前の部は満員です" in html
    assert "ほかの職員" not in html
