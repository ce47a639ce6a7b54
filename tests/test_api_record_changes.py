"""The API contract for changing records: PATCH values (and status), GET history, DELETE
to the trash."""

from __future__ import annotations

from app import rights
from app.extensions import db
from app.records import history, trash, workflow
from app.tokens import create_token
from tests.record_world import grant, make_world, stored


def _url(form, record, tail: str = "") -> str:
    return f"/api/v1/forms/{form.id}/records/{record.id}{tail}"


def test_patch_changes_given_values_and_returns_the_record(api, staff, make_form):
    form, record = make_world(make_form)
    response = api.patch(_url(form, record), json={"values": {"age": 42, "days": ["d2"]}})
    assert response.status_code == 200
    body = response.get_json()
    same_shape = api.get(_url(form, record)).get_json()
    assert body == same_shape
    assert body["values"]["age"] == 42 and body["values"]["days"] == ["d2"]
    assert body["values"]["name"] == "山田太郎"  # left out: unchanged
    [entry] = history.entries(form, record.id)
    assert entry.changes == {"f_age": [41, 42], "f_days": [["d1", "d3"], ["d2"]]}
    assert entry.user_id == staff.id


def test_patch_is_validated_like_post_and_changes_nothing_on_error(api, staff, make_form):
    form, record = make_world(make_form)
    for values, bad in [
        ({"age": 500, "name": "x"}, {"age"}),
        ({"name": "", "age": 1}, {"name"}),
        ({"ward": "京都"}, {"ward"}),
        ({"days": "d1"}, {"days"}),
        ({"nope": 1, "age": 2}, {"nope"}),
        ({"day": "2026-02-30"}, {"day"}),
    ]:
        response = api.patch(_url(form, record), json={"values": values})
        assert response.status_code == 422, values
        assert set(response.get_json()["errors"]) == bad, values
    assert stored(form, staff, record.id)["age"] == 41
    assert history.entries(form, record.id) == []


def test_patch_refuses_hidden_and_read_only_keys(client, make_user, make_form, other_department):
    form, record = make_world(make_form)
    clerk = make_user("clerk", dept=other_department)
    grant(
        form,
        clerk,
        {rights.VIEW_RECORDS, rights.EDIT_RECORDS},
        {"memo": rights.HIDDEN, "age": rights.READ},
    )
    headers = {"Authorization": f"Bearer {create_token(clerk)}"}
    response = client.patch(
        _url(form, record),
        headers=headers,
        json={"values": {"memo": "x", "age": 3, "name": "山田花子"}},
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"memo", "age"}
    assert history.entries(form, record.id) == []
    ok = client.patch(_url(form, record), headers=headers, json={"values": {"name": "山田花子"}})
    assert ok.status_code == 200 and "memo" not in ok.get_json()["values"]


def test_patch_needs_the_edit_right(client, make_user, make_form, other_department):
    form, record = make_world(make_form)
    viewer = make_user("viewer", dept=other_department)
    grant(form, viewer, {rights.VIEW_RECORDS})
    headers = {"Authorization": f"Bearer {create_token(viewer)}"}
    response = client.patch(_url(form, record), headers=headers, json={"values": {"age": 1}})
    assert response.status_code == 403


def test_patch_unknown_members_and_records(api, make_form):
    form, record = make_world(make_form)
    response = api.patch(_url(form, record), json={"value": {"age": 1}})
    assert response.status_code == 422 and "value" in response.get_json()["errors"]
    missing = api.patch(f"/api/v1/forms/{form.id}/records/999", json={"values": {}})
    assert missing.status_code == 404


def test_history_contract(api, staff, make_form):
    form, record = make_world(make_form)
    api.patch(_url(form, record), json={"values": {"fee": "10.25", "day": "2026-07-01"}})
    api.patch(_url(form, record), json={"values": {"ward": "花泉"}})
    response = api.get(_url(form, record, "/history"))
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert len(items) == 2
    first, second = items
    assert set(first) >= {"at", "user", "changes"}
    assert first["user"] == staff.username
    assert first["at"].endswith("Z")
    assert first["changes"] == {"fee": ["1200.5", "10.25"], "day": ["2026-06-01", "2026-07-01"]}
    assert second["changes"] == {"ward": ["一関", "花泉"]}
    assert first["kind"] == "edited"


def test_history_user_is_null_for_no_user_and_hidden_fields_are_left_out(
    client, staff, make_user, make_form, other_department
):
    form, record = make_world(make_form)
    history.note(form, record.id, history.EDITED, {"f_memo": ["a", "b"], "f_age": [41, 40]})
    history.note(form, record.id, history.EDITED, {"f_memo": ["b", "c"]})

    db.session.commit()
    reader = make_user("reader", dept=other_department)
    grant(form, reader, {rights.VIEW_RECORDS}, {"memo": rights.HIDDEN})
    headers = {"Authorization": f"Bearer {create_token(reader)}"}
    items = client.get(_url(form, record, "/history"), headers=headers).get_json()["items"]
    assert items == [
        {
            "number": 1,
            "at": items[0]["at"],
            "user": None,
            "kind": "edited",
            "note": None,
            "changes": {"age": [41, 40]},
        }
    ]


def _only_moves(form, *moves: tuple[str, str]) -> None:
    """Give the form the default statuses with only these moves allowed."""
    document = workflow.default_document()
    document["transitions"] = [{"from": a, "to": b} for a, b in moves]
    form.workflow = document
    db.session.commit()


def test_patch_status_with_values_in_one_transaction(api, staff, make_form):
    form, record = make_world(make_form)
    response = api.patch(
        _url(form, record), json={"values": {"age": 50}, "status": workflow.IN_REVIEW}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == workflow.IN_REVIEW and body["values"]["age"] == 50
    items = api.get(_url(form, record, "/history")).get_json()["items"]
    assert [i["changes"] for i in items] == [
        {"age": [41, 50]},
        {"status": ["new", "in_review"]},
    ]
    only_status = api.patch(_url(form, record), json={"status": workflow.DONE})
    assert only_status.status_code == 200 and only_status.get_json()["status"] == "done"


def test_refused_status_change_changes_nothing(api, staff, make_form):
    form, record = make_world(make_form)
    _only_moves(form, ("new", "in_review"))
    response = api.patch(_url(form, record), json={"values": {"age": 50}, "status": workflow.DONE})
    assert response.status_code in (409, 422)
    assert response.get_json()["error"]
    assert stored(form, staff, record.id)["age"] == 41
    assert api.get(_url(form, record)).get_json()["status"] == "new"
    assert history.entries(form, record.id) == []
    unknown = api.patch(_url(form, record), json={"status": "nope"})
    assert unknown.status_code in (409, 422)


def test_delete_moves_to_the_trash(api, staff, make_form):
    form, record = make_world(make_form)
    response = api.delete(_url(form, record))
    assert response.status_code == 204
    assert api.get(_url(form, record)).status_code == 404
    assert api.patch(_url(form, record), json={"values": {"age": 1}}).status_code == 404
    assert api.get(_url(form, record, "/history")).status_code == 404
    assert api.delete(_url(form, record)).status_code == 404
    listing = api.get(f"/api/v1/forms/{form.id}/records").get_json()
    assert listing["total"] == 0
    [entry] = history.entries(form, record.id)
    assert entry.kind == history.DELETED and entry.user_id == staff.id
    trash.restore(form, [record.id], staff)
    assert api.get(_url(form, record)).status_code == 200


def test_delete_needs_the_delete_right(client, make_user, make_form, other_department):
    form, record = make_world(make_form)
    editor = make_user("editor", dept=other_department)
    grant(form, editor, {rights.VIEW_RECORDS, rights.EDIT_RECORDS})
    headers = {"Authorization": f"Bearer {create_token(editor)}"}
    assert client.delete(_url(form, record), headers=headers).status_code == 403
    assert client.get(_url(form, record), headers=headers).status_code == 200


def test_status_only_editor_gets_the_receipt_without_values(
    client, make_user, make_form, other_department
):
    form, record = make_world(make_form)
    mover = make_user("mover", dept=other_department)
    grant(form, mover, {rights.EDIT_RECORDS})
    headers = {"Authorization": f"Bearer {create_token(mover)}"}
    refused = client.patch(_url(form, record), headers=headers, json={"values": {"age": 1}})
    assert refused.status_code == 422
    response = client.patch(_url(form, record), headers=headers, json={"status": "done"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "done" and body["values"] == {}
