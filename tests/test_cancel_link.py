"""The applicant's private link: view, change (seats re-checked), cancel; forged or
expired links change nothing."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from app.events import links, seats
from app.forms import operations
from app.records import access, history
from tests.event_forms import apply, event


def _applied(client, form, **answers):
    done = apply(client, form, **answers)
    assert done.status_code == 303, done.get_data(as_text=True)
    thanks = client.get(done.headers["Location"]).get_data(as_text=True)
    link = re.search(r'href="([^"]+/entry/[^"]+)"', thanks)
    assert link, "the thank-you page shows the private link"
    return link.group(1).replace("http://localhost", "")


def _only_record(form):
    return access.application(form, 1)


def test_thanks_page_shows_the_link_and_it_opens_the_application(client, make_form):
    form = make_form(event())
    url = _applied(client, form, session="am")
    page = client.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "山田 花子" in text and "午前の部" in text
    assert links.cancel_url(form, _only_record(form)) is not None


def test_cancel_needs_confirmation_then_frees_the_seats(client, make_form):
    form = make_form(event())
    url = _applied(client, form, session="am")
    assert seats.taken(form)["session=am"] == 1
    confirm = client.get(url + "/cancel")
    assert confirm.status_code == 200
    assert seats.taken(form)["session=am"] == 1  # nothing yet
    done = client.post(url + "/cancel")
    assert done.status_code == 200
    record = _only_record(form)
    assert record.status == "cancelled"
    assert seats.taken(form)["session=am"] == 0
    entries = history.entries(form, record.id)
    assert [(e.kind, e.user_id) for e in entries] == [("cancelled", None)]
    again = client.post(url + "/cancel")
    assert again.status_code == 200
    assert len(history.entries(form, record.id)) == 1


def test_forged_or_altered_link_is_refused_and_changes_nothing(client, make_form):
    form = make_form(event())
    url = _applied(client, form, session="am")
    token = url.rsplit("/", 1)[1]
    forged = url[: -len(token)] + token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for target in (forged, forged + "/cancel", f"/f/{form.slug}/entry/abc.def/cancel"):
        response = client.post(target) if target.endswith("cancel") else client.get(target)
        assert response.status_code == 404
        assert "not valid" in response.get_data(as_text=True) or "無効" in response.get_data(
            as_text=True
        )
    assert _only_record(form).status == "new"
    # another form's link does not open this form's record
    other = make_form(dict(event(), slug="other-koza"))
    assert client.get(url.replace(form.slug, other.slug)).status_code == 404


def test_expired_link_changes_nothing(client, make_form, staff):
    form = make_form(event())
    url = _applied(client, form, session="am")
    past = (dt.datetime.now(ZoneInfo("Asia/Tokyo")) - dt.timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    operations.save_draft(form, event(cancel_until=past, changeable_fields=["session"]))
    operations.publish(form, staff)
    response = client.post(url + "/cancel")
    assert response.status_code == 410
    assert _only_record(form).status == "new"
    assert client.post(url + "/change", data={"f_session": "pm"}).status_code == 410
    view = client.get(url)
    assert view.status_code == 200
    assert "deadline" in view.get_data(as_text=True) or "期限" in view.get_data(as_text=True)


def test_change_retakes_seats_atomically(client, make_form):
    form = make_form(event(changeable_fields=["session", "participants"]))
    url = _applied(client, form, session="am")
    page = client.get(url + "/change")
    assert page.status_code == 200
    moved = client.post(url + "/change", data={"f_session": "pm", "f_participants": "1"})
    assert moved.status_code == 303
    assert seats.taken(form)["session=am"] == 0
    assert seats.taken(form)["session=pm"] == 1
    record = _only_record(form)
    entries = history.entries(form, record.id)
    assert [e.kind for e in entries] == ["edited"]
    # fill the morning session, then try to move there
    apply(client, form, session="am")
    apply(client, form, session="am")
    refused = client.post(url + "/change", data={"f_session": "am"})
    assert refused.status_code in (409, 422)
    assert _only_record(form).values["f_session"] == "pm"
    assert seats.taken(form)["session=pm"] == 1
    assert seats.taken(form)["session=am"] == 2


def test_only_changeable_fields_can_change(client, make_form):
    form = make_form(event(changeable_fields=["participants"]))
    url = _applied(client, form, session="am")
    client.post(url + "/change", data={"f_participants": "2", "f_session": "pm", "f_name": "x"})
    record = _only_record(form)
    assert record.values["f_session"] == "am"
    assert record.values["f_name"] == "山田 花子"
    assert record.values["f_participants"] == 2


def test_no_link_when_the_form_offers_none(client, make_form):
    form = make_form(event(cancel_link=False))
    done = apply(client, form)
    thanks = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "/entry/" not in thanks
    assert links.cancel_url(form, _only_record(form)) is None


def test_links_stop_changing_anything_when_the_form_no_longer_offers_them(
    client, make_form, staff
):
    form = make_form(event())
    url = _applied(client, form, session="am")
    operations.save_draft(form, event(cancel_link=False))
    operations.publish(form, staff)
    assert client.post(url + "/cancel").status_code == 410
    assert _only_record(form).status == "new"
    assert client.get(url).status_code == 200
