"""Staff edit a record through the public form's rules: only changes are stored, each
with a history entry; a stale page, bad input and other people's fields change nothing."""

from __future__ import annotations

import copy
import datetime as dt
import threading
from decimal import Decimal

from werkzeug.datastructures import MultiDict

from app import rights
from app.extensions import db
from app.forms import operations
from app.records import history, workflow
from app.records.submission import submit
from tests.conftest import log_in
from tests.record_world import DOCUMENT, edit_page_fields, grant, make_world, stored


def _url(form, record) -> str:
    return f"/staff/forms/{form.id}/records/{record.id}/edit"


def _page(client, form, record) -> dict:
    response = client.get(_url(form, record))
    assert response.status_code == 200
    return edit_page_fields(response.get_data(as_text=True))


def _post(client, form, record, data: dict):
    return client.post(
        _url(form, record), data=MultiDict([(k, v) for k, values in data.items() for v in values])
    )


def test_edit_page_is_filled_with_the_stored_values(staff_client, make_form):
    form, record = make_world(make_form)
    data = _page(staff_client, form, record)
    assert data["f_name"] == ["山田太郎"]
    assert data["f_age"] == ["41"]
    assert data["f_fee"] == ["1200.5"]
    assert data["f_ward"] == ["一関"]
    assert data["f_days"] == ["d1", "d3"]
    assert data["f_day"] == ["2026-06-01"]
    assert data["revision"][0]


def test_saving_stores_only_changes_and_notes_them(staff_client, staff, make_form):
    form, record = make_world(make_form)
    data = _page(staff_client, form, record)
    data.update(f_name=["山田花子"], f_days=["d2"], f_fee=["99.9"], f_day=["2026-07-01"])
    response = _post(staff_client, form, record, data)
    assert response.status_code == 302
    values = stored(form, staff, record.id)
    assert values["name"] == "山田花子"
    assert values["days"] == ["d2"]
    assert values["fee"] == Decimal("99.9")
    assert values["day"] == dt.date(2026, 7, 1)
    assert values["age"] == 41 and values["ward"] == "一関"
    [entry] = history.entries(form, record.id)
    assert entry.kind == history.EDITED and entry.user_id == staff.id
    assert entry.changes == {
        "f_name": ["山田太郎", "山田花子"],
        "f_days": [["d1", "d3"], ["d2"]],
        "f_fee": ["1200.5", "99.9"],
        "f_day": ["2026-06-01", "2026-07-01"],
    }


def test_saving_without_changes_notes_nothing(staff_client, make_form):
    form, record = make_world(make_form)
    response = _post(staff_client, form, record, _page(staff_client, form, record))
    assert response.status_code == 302
    assert history.entries(form, record.id) == []


def test_bad_input_shows_messages_and_changes_nothing(staff_client, staff, make_form):
    form, record = make_world(make_form)
    data = _page(staff_client, form, record)
    data.update(f_name=[""], f_age=["200"], f_ward=["京都"], f_memo=["新しいメモ"])
    response = _post(staff_client, form, record, data)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'id="f_name-error"' in text and 'id="f_age-error"' in text
    assert 'id="f_ward-error"' in text
    assert "error-summary" in text
    assert stored(form, staff, record.id)["memo"] == "秘密のメモ"
    assert history.entries(form, record.id) == []


def test_stale_edit_is_refused_showing_the_other_change(
    staff_client, staff, make_user, make_form, app
):
    form, record = make_world(make_form)
    mine = _page(staff_client, form, record)
    other = make_user("kimura")
    other_client = app.test_client()
    log_in(other_client, other)
    theirs = _page(other_client, form, record)
    theirs["f_age"] = ["42"]
    assert _post(other_client, form, record, theirs).status_code == 302

    mine["f_name"] = ["山田一郎"]
    response = _post(staff_client, form, record, mine)
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Nothing was saved" in text or "保存していません" in text
    assert "kimura" in text and "41" in text and "42" in text
    assert "山田一郎" in text  # what was not saved is shown
    values = stored(form, staff, record.id)
    assert values["name"] == "山田太郎" and values["age"] == 42
    assert len(history.entries(form, record.id)) == 1
    # the page is filled with the current record, and saving it now works
    again = edit_page_fields(text)
    assert again["f_age"] == ["42"]
    again["f_name"] = ["山田一郎"]
    assert _post(staff_client, form, record, again).status_code == 302
    assert stored(form, staff, record.id)["name"] == "山田一郎"


def test_a_removed_choice_is_shown_and_kept_when_untouched(staff_client, staff, make_form):
    form, record = make_world(make_form, ward="花泉", days=["d1", "d2"])
    document = copy.deepcopy(form.draft)
    for field in document["fields"]:
        if field["key"] == "ward":
            field["choices"] = ["一関", "千厩"]
        if field["key"] == "days":
            field["choices"] = [c for c in field["choices"] if c["value"] != "d2"]
    operations.save_draft(form, document, form.draft_revision)
    operations.publish(form)

    response = staff_client.get(_url(form, record))
    text = response.get_data(as_text=True)
    assert "花泉" in text and "7月1日" in text
    data = edit_page_fields(text)
    assert data["f_ward"] == ["花泉"] and sorted(data["f_days"]) == ["d1", "d2"]
    data["f_name"] = ["山田次郎"]
    assert _post(staff_client, form, record, data).status_code == 302
    values = stored(form, staff, record.id)
    assert values["ward"] == "花泉" and values["days"] == ["d1", "d2"]
    assert values["name"] == "山田次郎"
    # dropping the removed choice is a change like any other
    data = _page(staff_client, form, record)
    data["f_days"] = ["d1"]
    assert _post(staff_client, form, record, data).status_code == 302
    assert stored(form, staff, record.id)["days"] == ["d1"]


def test_field_rights_on_edit(app, client, make_user, make_form, other_department):
    form, record = make_world(make_form)
    clerk = make_user("clerk", dept=other_department)
    grant(
        form,
        clerk,
        {rights.VIEW_RECORDS, rights.EDIT_RECORDS},
        {"memo": rights.HIDDEN, "age": rights.READ},
    )
    log_in(client, clerk)
    response = client.get(_url(form, record))
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "秘密のメモ" not in text and "f_memo" not in text
    assert 'name="f_age"' not in text and "41" in text  # shown, not editable
    data = edit_page_fields(text)
    data.update(f_memo=["書き換え"], f_age=["99"], f_name=["山田三郎"])
    assert _post(client, form, record, data).status_code == 302
    admin_view = stored(form, make_user("boss", admin=True), record.id)
    assert admin_view["memo"] == "秘密のメモ" and admin_view["age"] == 41
    assert admin_view["name"] == "山田三郎"


def test_viewer_without_edit_right_cannot_edit(client, make_user, make_form, other_department):
    form, record = make_world(make_form)
    viewer = make_user("viewer", dept=other_department)
    grant(form, viewer, {rights.VIEW_RECORDS})
    log_in(client, viewer)
    assert client.get(_url(form, record)).status_code == 403
    assert client.post(_url(form, record), data={"f_name": "x"}).status_code == 403
    detail = client.get(f"/staff/forms/{form.id}/records/{record.id}").get_data(as_text=True)
    assert _url(form, record) not in detail


def test_detail_page_links_to_edit_and_history(staff_client, make_form):
    form, record = make_world(make_form)
    detail = staff_client.get(f"/staff/forms/{form.id}/records/{record.id}")
    text = detail.get_data(as_text=True)
    assert _url(form, record) in text
    assert f"/staff/forms/{form.id}/records/{record.id}/history" in text


def test_a_status_change_meanwhile_does_not_make_the_edit_stale(staff_client, staff, make_form):
    form, record = make_world(make_form)
    data = _page(staff_client, form, record)
    workflow.change_status(form, [record.id], workflow.IN_REVIEW, staff)
    data["f_name"] = ["山田一郎"]
    assert _post(staff_client, form, record, data).status_code == 302
    assert stored(form, staff, record.id)["name"] == "山田一郎"


def test_a_default_choice_is_not_put_into_an_empty_stored_value(staff_client, staff, make_form):
    document = copy.deepcopy(DOCUMENT)
    document["slug"] = "with-default"
    for field in document["fields"]:
        if field["key"] == "ward":
            field["default"] = "千厩"
    form = make_form(document)
    record, _new = submit(form, operations.load_draft(form), {"name": "山田"})
    data = _page(staff_client, form, record)
    assert "f_ward" not in data
    data["f_name"] = ["山田二郎"]
    assert _post(staff_client, form, record, data).status_code == 302
    assert stored(form, staff, record.id)["ward"] is None


def test_two_edits_from_the_same_page_at_once_store_one(app, staff, make_user, make_form):
    """Both pages carry the same revision; the row lock (or SQLite's write lock) makes the
    second wait, see the first's change, and be refused."""
    form, record = make_world(make_form)
    clients = []
    for name in ("staff", "kimura"):
        client = app.test_client()
        log_in(client, staff if name == "staff" else make_user(name))
        clients.append(client)
    pages = [_page(client, form, record) for client in clients]
    statuses: list[int] = []

    def post(client, data, new_name):
        def work():
            response = _post(client, form, record, {**data, "f_name": [new_name]})
            statuses.append(response.status_code)

        return work

    threads = [
        threading.Thread(target=post(client, data, f"山田{n}"))
        for n, (client, data) in enumerate(zip(clients, pages, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [302, 409]
    db.session.rollback()  # read what the threads committed
    assert len(history.entries(form, record.id)) == 1
