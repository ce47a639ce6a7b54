"""Staff pages of the workflow: settings, the list's statuses, bulk actions, entry on behalf."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import rights
from app.extensions import db
from app.forms.published import published_definition
from app.models import AuditEvent, Grant, User
from app.records import history, time_limit, trash, workflow
from app.records.access import RecordAccess
from app.records.submission import submit


@pytest.fixture
def form(make_form):
    return make_form()


def _add(form, n=1, **values):
    values = {"name": "山田", **values}
    return [submit(form, published_definition(form), values)[0].id for _ in range(n)]


def _settings(client, form, **extra):
    data = {"row": ["new", "in_review", "done", "cancelled"]}
    data.update(extra)
    return client.post(f"/staff/forms/{form.id}/workflow", data=data)


# -- settings ------------------------------------------------------------------------------


def test_settings_page_shows_the_default_workflow(app, form, staff_client):
    page = staff_client.get(f"/staff/forms/{form.id}/workflow")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for key in ("new", "in_review", "done", "cancelled"):
        assert f'id="row-{key}"' in html


def test_rename_reorder_add_and_close(app, form, staff_client):
    response = _settings(
        staff_client,
        form,
        row=["new", "done", "in_review", "cancelled"],
        **{
            "label-new": "申込受付",
            "closed-done": "on",
            "closed-cancelled": "on",
            "add-key": "waiting_docs",
            "add-label": "書類待ち",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.refresh(form)
    assert [s.key for s in workflow.statuses(form)] == [
        "new",
        "done",
        "in_review",
        "cancelled",
        "waiting_docs",
    ]
    assert workflow.status_label(form, "waiting_docs", str) == "書類待ち"
    assert db.session.query(AuditEvent).filter_by(action="form.workflow").count() == 1


def test_rename_a_reserved_status(app, form, staff_client):
    assert _settings(staff_client, form, **{"label-new": "申込受付"}).status_code == 303
    db.session.refresh(form)
    assert workflow.status_label(form, "new", str) == "申込受付"


def test_arrow_button_moves_a_row_without_script(app, form, staff_client):
    response = _settings(staff_client, form, move="done:up")
    assert response.status_code == 303 and response.location.endswith("#row-done")
    db.session.refresh(form)
    assert [s.key for s in workflow.statuses(form)][:3] == ["new", "done", "in_review"]


def test_bad_key_and_missing_label_are_shown_next_to_the_culprit(app, form, staff_client):
    response = _settings(staff_client, form, **{"add-key": "書類", "add-label": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="err-add-key"' in html and 'aria-describedby="err-add-key"' in html
    db.session.refresh(form)
    assert form.workflow is None


def test_removing_a_used_status_is_refused_with_the_count(app, form, staff, staff_client):
    ids = _add(form, 2)
    workflow.change_status(form, ids, "in_review", staff)
    response = _settings(staff_client, form, **{"remove-in_review": "on"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="err-remove-in_review"' in html and "2" in html
    # an unused one goes
    assert _settings(staff_client, form, **{"remove-cancelled": "on"}).status_code == 303
    db.session.refresh(form)
    assert "cancelled" not in [s.key for s in workflow.statuses(form)]


def test_transitions_and_who_may_are_saved(app, form, staff, staff_client, department):
    response = _settings(
        staff_client,
        form,
        restrict="on",
        allow=["new>in_review", "in_review>done"],
        **{
            "users:in_review>done": [str(staff.id)],
            "departments:new>in_review": [str(department.id)],
        },
    )
    assert response.status_code == 303
    db.session.refresh(form)
    moves = {(t.source, t.target): t for t in workflow.transitions(form)}
    assert set(moves) == {("new", "in_review"), ("in_review", "done")}
    assert moves[("in_review", "done")].users == (staff.id,)
    assert moves[("new", "in_review")].departments == (department.id,)
    page = staff_client.get(f"/staff/forms/{form.id}/workflow").get_data(as_text=True)
    assert 'value="new&gt;in_review" id="allow-new&gt;in_review" checked' in page
    # unticking "restrict" makes every move free again
    assert _settings(staff_client, form).status_code == 303
    db.session.refresh(form)
    assert workflow.transitions(form) is None


def test_settings_need_the_manage_right(app, form, make_user, other_department, client, login):
    editor = make_user("editor", dept=other_department)
    db.session.add(
        Grant(form_id=form.id, user_id=editor.id, rights=[rights.VIEW_RECORDS, rights.EDIT_RECORDS])
    )
    db.session.commit()
    login(editor)
    assert client.get(f"/staff/forms/{form.id}/workflow").status_code == 403


# -- the list ------------------------------------------------------------------------------


def test_list_shows_status_column_chips_and_filters(app, form, staff, staff_client):
    ids = _add(form, 3)
    _add(form, 1, ward="花泉")
    workflow.change_status(form, ids[:2], "done", staff)
    workflow.assign(form, ids[:1], staff.id, staff)
    base = f"/staff/forms/{form.id}/records"
    html = staff_client.get(base).get_data(as_text=True)
    assert 'class="status-chips"' in html
    assert "status--done" in html
    # counts respect the other filters, not the status filter itself
    html = staff_client.get(f"{base}?f_ward=花泉&status=done").get_data(as_text=True)
    assert "該当するレコードはありません" in html
    assert 'chip-count">0</span>' in html and 'chip-count">1</span>' in html
    html = staff_client.get(f"{base}?status=done&status=new").get_data(as_text=True)
    assert html.count('name="record" value=') == 4
    html = staff_client.get(f"{base}?assignee=me").get_data(as_text=True)
    assert html.count('name="record" value=') == 1
    html = staff_client.get(f"{base}?assignee=none&status=done").get_data(as_text=True)
    assert html.count('name="record" value=') == 1
    assert staff_client.get(f"{base}?assignee=x").status_code == 422


def test_status_filter_reaches_the_csv_export(app, form, staff, staff_client):
    ids = _add(form, 2, name="佐藤")
    workflow.change_status(form, ids[:1], "done", staff)
    text = staff_client.get(
        f"/staff/forms/{form.id}/records.csv?status=done"
    ).get_data().decode("utf-8-sig")
    assert len(text.strip().splitlines()) == 2


# -- bulk actions --------------------------------------------------------------------------


def _bulk(client, form, **data):
    return client.post(f"/staff/forms/{form.id}/records/bulk", data=data)


def test_bulk_status_change_asks_first_then_changes_in_one_go(app, form, staff, staff_client):
    ids = _add(form, 3)
    confirm = _bulk(staff_client, form, action="status:in_review", record=ids[:2])
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert "2" in html and 'name="confirmed" value="1"' in html
    assert _status_all(form, staff) == ["new", "new", "new"]  # nothing yet
    done = _bulk(staff_client, form, action="status:in_review", record=ids[:2], confirmed="1")
    assert done.status_code == 303
    assert _status_all(form, staff) == ["in_review", "in_review", "new"]
    assert history.entries(form, ids[0])[-1].changes == {"status": ["new", "in_review"]}
    event = db.session.query(AuditEvent).filter_by(action="record.status").one()
    assert event.detail["changed"] == 2


def _status_all(form, user):
    records = RecordAccess(user, form).page([]).records
    return [r.status for r in sorted(records, key=lambda r: r.id)]


def test_bulk_on_the_filtered_set(app, form, staff, staff_client):
    _add(form, 2, ward="一関")
    _add(form, 1, ward="花泉")
    done = _bulk(
        staff_client,
        form,
        action="status:done",
        scope="filtered",
        filter="f_ward=一関",
        confirmed="1",
    )
    assert done.status_code == 303 and "f_ward=" in done.location
    assert sorted(_status_all(form, staff)) == ["done", "done", "new"]


def test_bulk_on_the_filtered_set_keeps_the_status_filter(app, form, staff, staff_client):
    ids = _add(form, 3)
    workflow.change_status(form, ids[:1], "in_review", staff)
    page = staff_client.get(f"/staff/forms/{form.id}/records?status=in_review&page=1")
    assert 'name="filter" value="status=in_review"' in page.get_data(as_text=True)
    done = _bulk(
        staff_client, form, action="status:done", scope="filtered", filter="status=in_review",
        confirmed="1",
    )
    assert done.status_code == 303
    assert _status_all(form, staff) == ["done", "new", "new"]


def test_refused_bulk_change_names_the_records_and_changes_nothing(app, form, staff, staff_client):
    form.workflow = {
        "statuses": workflow.default_document()["statuses"],
        "transitions": [{"from": "new", "to": "in_review"}, {"from": "in_review", "to": "done"}],
    }
    db.session.commit()
    ids = _add(form, 2)
    workflow.change_status(form, ids[:1], "in_review", staff)
    receipt = RecordAccess(staff, form).get(ids[1]).receipt_no
    response = _bulk(staff_client, form, action="status:done", record=ids, confirmed="1")
    assert response.status_code == 409
    assert receipt in response.get_data(as_text=True)
    assert _status_all(form, staff) == ["in_review", "new"]


def test_bulk_assign_trash_and_export(app, form, staff, staff_client):
    ids = _add(form, 3, name="鈴木")
    assert _bulk(
        staff_client, form, action=f"assign:{staff.id}", record=ids[:2], confirmed="1"
    ).status_code == 303
    assert [RecordAccess(staff, form).get(i).assignee_id for i in ids] == [staff.id, staff.id, None]
    export = _bulk(staff_client, form, action="export", record=ids[1:], confirmed="1")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert len(export.get_data().decode("utf-8-sig").strip().splitlines()) == 3
    trashed = _bulk(staff_client, form, action="trash", record=ids[:1], confirmed="1")
    assert trashed.status_code == 303
    assert RecordAccess(staff, form).count() == 2
    assert trash.trashed(form)[0] == 1


def test_bulk_action_needs_its_right(app, form, make_user, other_department, client, login):
    reader = make_user("reader", dept=other_department)
    db.session.add(Grant(form_id=form.id, user_id=reader.id, rights=[rights.VIEW_RECORDS]))
    db.session.commit()
    ids = _add(form)
    login(reader)
    assert _bulk(client, form, action="status:done", record=ids).status_code == 403
    assert _bulk(client, form, action="trash", record=ids).status_code == 403
    assert _bulk(client, form, action="export", record=ids).status_code == 403


def test_nothing_selected(app, form, staff_client):
    _add(form)
    response = _bulk(staff_client, form, action="status:done", confirmed="1")
    assert response.status_code == 200
    assert "confirmed" not in response.get_data(as_text=True)


# -- entry on behalf -----------------------------------------------------------------------


def test_add_a_record_on_behalf_of_a_citizen(app, form, staff, staff_client):
    url = f"/staff/forms/{form.id}/records/new"
    page = staff_client.get(url)
    assert page.status_code == 200 and 'name="f_name"' in page.get_data(as_text=True)
    refused = staff_client.post(url, data={"f_name": "", "submission_token": "t1"})
    assert refused.status_code == 422  # the public form's validation
    added = staff_client.post(
        url, data={"f_name": "電話 太郎", "f_age": "４０", "submission_token": "t2"}
    )
    assert added.status_code == 303
    record = RecordAccess(staff, form).page([]).records[0]
    assert record.source == "staff" and record.created_by == staff.id
    assert record.values["f_age"] == 40  # normalised like the public form
    detail = staff_client.get(added.location).get_data(as_text=True)
    assert "source--staff" in detail
    listing = staff_client.get(f"/staff/forms/{form.id}/records").get_data(as_text=True)
    assert "source--staff" in listing
    # the same page sent twice stores one record
    staff_client.post(url, data={"f_name": "電話 太郎", "submission_token": "t2"})
    assert RecordAccess(staff, form).count() == 1


def test_entry_on_behalf_leaves_out_fields_the_user_may_not_set(
    app, form, make_user, other_department, client, login
):
    clerk = make_user("clerk", dept=other_department)
    db.session.add(
        Grant(
            form_id=form.id,
            user_id=clerk.id,
            rights=[rights.ADD_RECORDS],
            fields={"age": rights.READ},
        )
    )
    db.session.commit()
    login(clerk)
    url = f"/staff/forms/{form.id}/records/new"
    html = client.get(url).get_data(as_text=True)
    assert 'name="f_age"' not in html and 'name="f_name"' in html
    added = client.post(url, data={"f_name": "窓口 花子", "f_age": "50", "submission_token": "x"})
    assert added.status_code == 303  # no view right: back to an empty form
    db.session.expire_all()
    admin = User.query.filter_by(username="staff").one()
    record = RecordAccess(admin, form).page([]).records[0]
    assert record.values["f_age"] is None


# -- counting within a time limit -----------------------------------------------------------

SLOW = sa.text(
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000000)"
    " SELECT count(*) FROM n"
)


def test_a_slow_count_is_stopped_and_the_transaction_goes_on(app, form, staff):
    ids = _add(form, 2)
    with pytest.raises(time_limit.TimeLimitExceeded):
        with time_limit.limited(20):
            db.session.execute(SLOW)
    # the request's work goes on afterwards, and without the limit
    assert RecordAccess(staff, form).status_counts([], 1000) == {"new": 2}
    with time_limit.limited(0):
        assert db.session.execute(sa.text("SELECT 1")).scalar() == 1
    assert RecordAccess(staff, form).get(ids[0]) is not None


def test_list_without_counts_when_counting_is_too_slow(app, form, staff_client, monkeypatch):
    _add(form, 1)
    monkeypatch.setattr(RecordAccess, "status_counts", lambda self, conditions, limit: None)
    html = staff_client.get(f"/staff/forms/{form.id}/records").get_data(as_text=True)
    assert "chip-count" not in html and "chip-note" in html
