"""Record workflow: statuses, allowed moves, who may make them, assignees, history."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import rights
from app.extensions import db
from app.models import Department, Grant
from app.records import history, workflow
from app.records.access import NotAllowed, RecordAccess
from app.records.submission import submit


@pytest.fixture
def form(make_form):
    return make_form()


def _add(form, n=1, name="山田"):
    from app.forms.published import published_definition

    return [
        submit(form, published_definition(form), {"name": f"{name}{i}"})[0].id for i in range(n)
    ]


def _status(form, record_id, user):
    return RecordAccess(user, form).get(record_id).status


def _grant(form, user, *granted):
    db.session.add(Grant(form_id=form.id, user_id=user.id, rights=sorted(granted)))
    db.session.commit()


def _restricted(form, moves):
    form.workflow = {
        "statuses": workflow.default_document()["statuses"],
        "transitions": moves,
    }
    db.session.commit()


def test_default_statuses_and_labels(app, form):
    keys = [s.key for s in workflow.statuses(form)]
    assert keys == ["new", "in_review", "done", "cancelled"]
    assert [s.closed for s in workflow.statuses(form)] == [False, False, True, True]
    assert workflow.status_label(form, "new", lambda s: s) == "Received"
    assert workflow.status_label(form, "waitlisted", lambda s: s) == "Waitlisted"
    assert workflow.status_label(form, "mystery", lambda s: s) == "mystery"
    with app.test_request_context(headers={"Accept-Language": "ja"}):
        from flask_babel import gettext

        assert workflow.label_map(form, gettext) == {
            "new": "受付",
            "in_review": "確認中",
            "done": "完了",
            "cancelled": "取消",
            "waitlisted": "キャンセル待ち",
        }


def test_own_labels_replace_the_defaults(app, form):
    form.workflow = {
        "statuses": [
            {"key": "new", "label": "申込受付", "closed": False},
            {"key": "checked", "label": "書類確認済み", "closed": False},
            {"key": "done", "label": None, "closed": True},
        ],
        "transitions": None,
    }
    db.session.commit()
    assert workflow.status_label(form, "new", lambda s: s) == "申込受付"
    assert workflow.status_label(form, "checked", lambda s: s) == "書類確認済み"
    assert workflow.status_label(form, "done", lambda s: s) == "Done"


def test_change_status_moves_records_and_notes_history(app, form, staff):
    ids = _add(form, 3)
    assert workflow.change_status(form, ids[:2], "in_review", staff) == 2
    assert [_status(form, i, staff) for i in ids] == ["in_review", "in_review", "new"]
    entries = history.entries(form, ids[0])
    assert entries[-1].kind == history.STATUS
    assert entries[-1].changes == {"status": ["new", "in_review"]}
    assert entries[-1].user_id == staff.id
    # already there: nothing to do, no new history
    assert workflow.change_status(form, ids[:1], "in_review", staff) == 0
    assert len(history.entries(form, ids[0])) == len(entries)


def test_unknown_status_is_refused(app, form, staff):
    ids = _add(form)
    with pytest.raises(workflow.TransitionRefused):
        workflow.change_status(form, ids, "archived", staff)


def test_waitlisted_is_always_a_status(app, form, staff):
    _restricted(form, [{"from": "new", "to": "in_review"}])
    ids = _add(form)
    assert workflow.change_status(form, ids, "waitlisted", staff) == 1
    assert workflow.change_status(form, ids, "new", staff) == 1


def test_only_listed_transitions_are_allowed_and_a_refusal_changes_nothing(app, form, staff):
    _restricted(form, [{"from": "new", "to": "in_review"}, {"from": "in_review", "to": "done"}])
    first, second = _add(form, 2)
    workflow.change_status(form, [first], "in_review", staff)
    receipt = RecordAccess(staff, form).get(second).receipt_no
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.change_status(form, [first, second], "done", staff)
    assert receipt in refused.value.message
    assert refused.value.refused == [(receipt, "new")]
    # neither record moved, and no history was written for the refused change
    assert _status(form, first, staff) == "in_review"
    assert _status(form, second, staff) == "new"
    assert [e.kind for e in history.entries(form, first)].count("status") == 1
    assert workflow.change_status(form, [first], "done", staff) == 1


def test_allowed_targets_follow_the_transitions(app, form, staff):
    assert [s.key for s in workflow.allowed_targets(form, "new", staff)] == [
        "in_review",
        "done",
        "cancelled",
        "waitlisted",
    ]
    _restricted(form, [{"from": "new", "to": "in_review"}, {"from": "new", "to": "cancelled"}])
    assert [s.key for s in workflow.allowed_targets(form, "new", staff)] == [
        "in_review",
        "cancelled",
        "waitlisted",
    ]
    assert [s.key for s in workflow.allowed_targets(form, "done", staff)] == ["waitlisted"]


def test_who_may_make_a_transition(app, form, make_user, other_department):
    sub = Department(name="選挙係", parent_id=other_department.id)
    db.session.add(sub)
    db.session.commit()
    clerk = make_user("clerk", dept=other_department)
    named = make_user("named", dept=other_department)
    member = make_user("member", dept=sub)
    for user in (clerk, named, member):
        _grant(form, user, rights.VIEW_RECORDS, rights.EDIT_RECORDS)
    _restricted(
        form,
        [
            {"from": "new", "to": "in_review"},
            {"from": "in_review", "to": "done", "users": [named.id]},
            {"from": "in_review", "to": "cancelled", "departments": [other_department.id]},
        ],
    )
    ids = _add(form, 3)
    assert workflow.change_status(form, ids, "in_review", clerk) == 3
    with pytest.raises(workflow.TransitionRefused):
        workflow.change_status(form, ids[:1], "done", clerk)
    assert workflow.change_status(form, ids[:1], "done", named) == 1
    # a member of a department below the named one may
    assert workflow.change_status(form, ids[1:2], "cancelled", member) == 1
    assert "done" not in [s.key for s in workflow.allowed_targets(form, "in_review", clerk)]
    assert "done" in [s.key for s in workflow.allowed_targets(form, "in_review", named)]


def test_changing_status_needs_the_edit_right(app, form, make_user, other_department):
    reader = make_user("reader", dept=other_department)
    _grant(form, reader, rights.VIEW_RECORDS)
    ids = _add(form)
    with pytest.raises(NotAllowed):
        workflow.change_status(form, ids, "done", reader)
    assert workflow.allowed_targets(form, "new", reader) == []


def test_trashed_records_are_not_touched(app, form, staff):
    from app.records import trash

    ids = _add(form, 2)
    trash.move_to_trash(form, ids[:1], staff)
    assert workflow.change_status(form, ids, "done", staff) == 1
    assert RecordAccess(staff, form).get(ids[0], trashed=True).status == "new"


def test_assign_records(app, form, staff, make_user, other_department):
    colleague = make_user("colleague")  # same department: the creator's grant covers them
    outsider = make_user("outsider", dept=other_department)
    ids = _add(form, 2)
    assert workflow.assign(form, ids, colleague.id, staff) == 2
    assert RecordAccess(staff, form).get(ids[0]).assignee_id == colleague.id
    assert history.entries(form, ids[0])[-1].changes == {"assignee_id": [None, colleague.id]}
    assert colleague in workflow.assignable_users(form)
    assert outsider not in workflow.assignable_users(form)
    with pytest.raises(workflow.AssignmentRefused):
        workflow.assign(form, ids, outsider.id, staff)
    with pytest.raises(workflow.TransitionRefused):  # the common refusal catches it too
        workflow.assign(form, ids, 99999, staff)
    assert workflow.assign(form, ids[:1], None, staff) == 1
    assert RecordAccess(staff, form).get(ids[0]).assignee_id is None
    assert history.entries(form, ids[0])[-1].kind == history.ASSIGNED


def test_status_and_assignee_filters(app, form, staff, client, login):
    ids = _add(form, 3)
    workflow.change_status(form, ids[:1], "done", staff)
    workflow.change_status(form, ids[1:2], "in_review", staff)
    workflow.assign(form, ids[2:], staff.id, staff)
    access = RecordAccess(staff, form)

    def found(args):
        from werkzeug.datastructures import MultiDict

        parsed = access.filters(MultiDict(args))
        assert not parsed.errors
        return sorted(r.id for r in access.page(parsed.conditions).records)

    assert found([("status", "done")]) == ids[:1]
    assert found([("status", "done"), ("status", "in_review")]) == ids[:2]
    assert found([("status", "done,new")]) == [ids[0], ids[2]]
    assert found([("assignee", "me")]) == ids[2:]
    assert found([("assignee", "none")]) == ids[:2]
    assert found([("assignee", str(staff.id))]) == ids[2:]
    assert access.status_counts([]) == {"done": 1, "in_review": 1, "new": 1}


def test_api_filters_by_status(app, form, staff, api):
    ids = _add(form, 2)
    workflow.change_status(form, ids[:1], "done", staff)
    body = api.get(f"/api/v1/forms/{form.id}/records?status=done").get_json()
    assert [item["id"] for item in body["items"]] == ids[:1]
    assert body["items"][0]["status"] == "done"
    assert api.get(f"/api/v1/forms/{form.id}/records?status=new").get_json()["total"] == 1


def test_csv_export_shows_the_forms_labels(app, form, staff, staff_client):
    form.workflow = {
        "statuses": [{"key": "new", "label": "申込受付", "closed": False}],
        "transitions": None,
    }
    db.session.commit()
    _add(form)
    text = staff_client.get(f"/staff/forms/{form.id}/records.csv").get_data().decode("utf-8-sig")
    assert "申込受付" in text


def test_workflow_column_is_kept_on_the_form(app, form):
    form.workflow = workflow.default_document()
    db.session.commit()
    db.session.expire_all()
    stored = db.session.execute(sa.text("SELECT workflow FROM form")).scalar()
    assert stored is not None
