"""Staff status changes on an event form keep the seats right, as the applicant's own
cancellation does: cancelling frees seats and promotes, bringing one back takes a seat."""

from __future__ import annotations

import pytest

from app.events import seats
from app.records import workflow
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
