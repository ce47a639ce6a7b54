"""Staff status changes on an event form keep the seats right, as the applicant's own
cancellation does: cancelling frees seats and promotes, bringing one back takes a seat."""

from __future__ import annotations

import pytest

from app.events import seats
from app.forms import operations
from app.records import trash, workflow
from tests.event_forms import event
from tests.test_waitlist import _apply, _status


def test_a_staff_cancellation_frees_the_seat_and_promotes_the_first_waiting(make_form, staff):
    form = make_form(event(2, waitlist=True))
    first, second = _apply(form), _apply(form)
    third = _apply(form)
    assert workflow.change_status(form, [first.id], "cancelled", staff) == 1
    assert _status(form, first) == "cancelled"
    assert _status(form, third) == "new"  # promoted from the waiting list
    assert seats.taken(form)["form"] == 2
    assert _status(form, second) == "new"


def test_bringing_back_a_cancelled_application_needs_a_free_seat(make_form, staff):
    form = make_form(event(2))
    first, _second = _apply(form), _apply(form)
    workflow.change_status(form, [first.id], "cancelled", staff)
    assert seats.taken(form)["form"] == 1
    _apply(form)  # someone takes the freed seat
    with pytest.raises(workflow.TransitionRefused, match="full|満席"):
        workflow.change_status(form, [first.id], "new", staff)
    assert _status(form, first) == "cancelled"  # nothing changed
    assert seats.taken(form)["form"] == 2


def test_a_record_moved_to_the_trash_frees_its_seat_and_promotes_the_waiting(make_form, staff):
    form = make_form(event(2, waitlist=True))
    first, second, third = _apply(form), _apply(form), _apply(form)
    assert third.status == "waitlisted"
    assert trash.move_to_trash(form, [first.id], staff) == 1
    assert _status(form, third) == "new"  # promoted into the freed seat
    assert seats.taken(form)["form"] == 2
    assert _status(form, first) == "new"  # the trashed record keeps its own status
    assert _status(form, second) == "new"


def test_a_restore_takes_the_seat_again_or_is_refused_when_the_event_is_full(make_form, staff):
    form = make_form(event(2))
    first, _second = _apply(form), _apply(form)
    trash.move_to_trash(form, [first.id], staff)
    assert seats.taken(form)["form"] == 1
    assert trash.restore(form, [first.id], staff) == 1
    assert seats.taken(form)["form"] == 2

    trash.move_to_trash(form, [first.id], staff)
    _apply(form)  # someone takes the freed seat
    with pytest.raises(trash.RestoreRefused, match="full|満席"):
        trash.restore(form, [first.id], staff)
    assert seats.taken(form)["form"] == 2  # nothing changed: still in the trash
    assert trash.trashed(form)[0] == 1


def test_a_trashed_application_gives_back_its_one_per_answer(make_form, staff):
    form = make_form(event(one_per="email"))
    first = _apply(form, email="a@example.jp")
    trash.move_to_trash(form, [first.id], staff)
    again = _apply(form, email="a@example.jp")  # the same person may apply again
    assert again.id != first.id
    with pytest.raises(trash.RestoreRefused, match="same answer|同じ"):
        trash.restore(form, [first.id], staff)


def test_the_trash_page_says_why_a_restore_was_refused(client, make_form, staff, login):
    form = make_form(event(1))
    first = _apply(form)
    trash.move_to_trash(form, [first.id], staff)
    _apply(form)
    login(staff)
    page = client.post(
        f"/staff/forms/{form.id}/trash/restore", data={"record": str(first.id)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "復元しませんでした" in page and "満席" in page
    assert first.receipt_no in page
    assert trash.trashed(form)[0] == 1


def test_a_republish_counts_no_seat_for_a_record_in_the_trash(make_form, staff):
    form = make_form(event(2))
    first, _second = _apply(form), _apply(form)
    trash.move_to_trash(form, [first.id], staff)
    operations.save_draft(form, event(3))
    operations.publish(form, staff)
    assert seats.taken(form)["form"] == 1
    assert trash.restore(form, [first.id], staff) == 1
    assert seats.taken(form)["form"] == 2
