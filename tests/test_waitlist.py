"""The waiting list: accepted as waitlisted when full, promoted in order on cancellation."""

from __future__ import annotations

from app.events import registration, seats
from app.events.rules import Rules
from app.forms.published import published_definition
from app.records import access, history
from app.records.submission import submit
from tests.event_forms import event


def _apply(form, **values):
    definition = published_definition(form)
    record, _created = submit(
        form,
        definition,
        {"name": "a", "session": "eve", **values},
        after_add=registration.after_add_steps(form, definition),
    )
    return record


def _status(form, record):
    return access.application(form, record.id).status


def test_full_form_with_waitlist_accepts_as_waitlisted_with_positions(make_form):
    form = make_form(event(2, waitlist=True))
    first, second = _apply(form), _apply(form)
    third, fourth = _apply(form), _apply(form)
    assert [r.status for r in (first, second, third, fourth)] == [
        "new", "new", "waitlisted", "waitlisted"
    ]
    assert seats.taken(form)["form"] == 2  # waitlisted records take no seats
    assert registration.waitlist_position(form, third) == 1
    assert registration.waitlist_position(form, fourth) == 2
    assert registration.waitlist_position(form, first) is None


def test_cancelling_promotes_the_first_waitlisted_in_order(make_form, staff):
    form = make_form(event(2, waitlist=True))
    first, _second = _apply(form), _apply(form)
    third, fourth = _apply(form), _apply(form)
    promoted = registration.release_and_promote(form, first, staff)
    assert [r.id for r in promoted] == [third.id]
    assert _status(form, first) == "cancelled"
    assert _status(form, third) == "new"
    assert _status(form, fourth) == "waitlisted"
    assert registration.waitlist_position(form, access.application(form, fourth.id)) == 1
    assert seats.taken(form)["form"] == 2
    kinds = [e.kind for e in history.entries(form, third.id)]
    assert kinds == ["promoted"]
    cancelled = history.entries(form, first.id)
    assert [(e.kind, e.user_id) for e in cancelled] == [("cancelled", staff.id)]
    # cancelling twice changes nothing
    assert registration.release_and_promote(form, first, staff) == []
    assert seats.taken(form)["form"] == 2


def test_promotion_skips_an_application_that_does_not_fit(make_form):
    form = make_form(event(4, count_field="participants", waitlist=True))
    big = _apply(form, participants=3)
    _apply(form, participants=1)
    waiting_big = _apply(form, participants=2)
    waiting_small = _apply(form, participants=1)
    assert waiting_big.status == waiting_small.status == "waitlisted"
    promoted = registration.release_and_promote(form, access.application(form, big.id), None)
    # 3 seats free: the first waiting (2 people) fits, then the next (1 person)
    assert [r.id for r in promoted] == [waiting_big.id, waiting_small.id]
    assert seats.taken(form)["form"] == 4


def test_promotion_for_a_full_choice(make_form):
    form = make_form(event(waitlist=True))
    am = [_apply(form, session="am") for _ in range(3)]
    assert [r.status for r in am] == ["new", "new", "waitlisted"]
    for _ in range(3):
        _apply(form, session="pm")
    pm_waiting = _apply(form, session="pm")
    assert pm_waiting.status == "waitlisted"
    promoted = registration.release_and_promote(form, am[0], None)
    assert [r.id for r in promoted] == [am[2].id]  # the pm applicant still does not fit
    assert _status(form, pm_waiting) == "waitlisted"


def test_cancelling_a_waitlisted_application_frees_no_seats(make_form):
    form = make_form(event(1, waitlist=True))
    _apply(form)
    waiting = _apply(form)
    assert registration.release_and_promote(form, waiting, None) == []
    assert seats.taken(form)["form"] == 1


def test_promotion_steps_run_in_the_transaction(make_form):
    form = make_form(event(1, waitlist=True))
    first = _apply(form)
    waiting = _apply(form)
    told = []
    registration.promotion_steps.append(lambda f, r: told.append(r.id))
    try:
        registration.release_and_promote(form, first, None)
    finally:
        registration.promotion_steps.clear()
    assert told == [waiting.id]


def test_api_answers_201_waitlisted_when_full(api, make_form):
    form = make_form(event(1, waitlist=True))
    url = f"/api/v1/forms/{form.id}/records"
    assert api.post(url, json={"name": "a", "session": "eve"}).get_json()["status"] == "new"
    second = api.post(url, json={"name": "b", "session": "eve"})
    assert second.status_code == 201
    assert second.get_json()["status"] == "waitlisted"


def test_public_form_stays_open_and_says_applications_go_on_the_waiting_list(client, make_form):
    from tests.event_forms import apply

    form = make_form(event(1, waitlist=True))
    assert apply(client, form).status_code == 303
    page = client.get(f"/f/{form.slug}").get_data(as_text=True)
    assert 'id="public-form"' in page
    assert "notice--waitlist" in page
    done = apply(client, form)
    assert done.status_code == 303
    thanks = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "notice--waitlist" in thanks


def test_records_hold_seats_by_status(make_form, staff):
    form = make_form(event(3, waitlist=True))
    records = [_apply(form) for _ in range(4)]
    registration.release_and_promote(form, records[1], staff)
    assert seats.recount(form, Rules.of(published_definition(form))) == {"form": 3}


def _staff_sets_status(form, record, status, user):
    """What a general status change does: write the status and keep the seats right, in
    one transaction."""
    from app.transactions import write_transaction

    @write_transaction
    def change():
        before = access.application(form, record.id)
        registration._set_status(form, record.id, status, user.id)
        return registration.status_changed(form, before, status, user)

    return change()


def test_staff_status_changes_keep_the_seats_right(make_form, staff):
    import pytest

    form = make_form(event(2, waitlist=True))
    first, second = _apply(form), _apply(form)
    waiting = _apply(form)
    with pytest.raises(registration.Full):
        _staff_sets_status(form, waiting, "new", staff)  # no seat: refused, nothing changed
    assert _status(form, waiting) == "waitlisted"
    # back on the list, the first application is still the oldest there: promoted again
    promoted = _staff_sets_status(form, first, "waitlisted", staff)
    assert [r.id for r in promoted] == [first.id]
    assert seats.taken(form)["form"] == 2
    registration.release_and_promote(form, access.application(form, second.id), staff)
    assert seats.taken(form)["form"] == 2
    assert _status(form, waiting) == "new"
    # a cancelled application comes back only if there is room
    with pytest.raises(registration.Full):
        _staff_sets_status(form, access.application(form, second.id), "done", staff)
    assert _status(form, second) == "cancelled"
