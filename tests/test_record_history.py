"""A record's history: its creation first, each revision as old → new with names and
labels, hidden fields' changes never shown, and restoring a revision's values."""

from __future__ import annotations

import copy

from app import rights
from app.extensions import db
from app.forms import operations
from app.records import editing, history, trash
from tests.conftest import log_in
from tests.record_world import grant, make_world, stored


def _edit(user, form, record, **values):
    """Change field values (by key) as *user* would on the edit page."""
    access = editing.editor(user, form)
    columns = {e["key"]: e["column"] for e in form.storage if not e["retired"]}
    current = editing.live_record(access, record.id)
    return editing.save(
        access,
        record.id,
        {columns[k]: v for k, v in values.items()},
        expected=editing.revision_token(form, current),
    )


def _history(client, form, record) -> str:
    response = client.get(f"/staff/forms/{form.id}/records/{record.id}/history")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _restore(client, form, record, number: int, token: str | None = None):
    if token is None:
        token = editing.revision_token(form, record)
    return client.post(
        f"/staff/forms/{form.id}/records/{record.id}/restore",
        data={"number": number, "revision": token},
    )


def test_history_shows_creation_first_then_each_change_readably(staff_client, staff, make_form):
    form, record = make_world(make_form)
    _edit(staff, form, record, ward="花泉", days=["d2"])
    text = _history(staff_client, form, record)
    received = text.index("timeline-entry--creation")
    edited = text.index("timeline-entry--edited")
    assert received < edited
    assert "#1" in text
    # labels and choice labels, not columns and values
    assert "地区" in text and "花泉" in text and "一関" in text
    assert "希望日" in text and "6月30日、7月2日" in text and "7月1日" in text
    assert "f_ward" not in text.split("<main", 1)[1].split("restore", 1)[0]
    assert staff.display_name in text


def test_other_kinds_and_user_names_are_shown(staff_client, staff, make_user, make_form):
    form, record = make_world(make_form)
    colleague = make_user("kato")
    colleague.display_name = "加藤係長"
    db.session.commit()
    history.note(form, record.id, history.STATUS, {"status": ["new", "new"]}, user_id=staff.id)
    history.note(
        form,
        record.id,
        history.ASSIGNED,
        {"assignee_id": [None, colleague.id]},
        user_id=staff.id,
    )
    history.note(form, record.id, history.DELETED, user_id=staff.id)
    history.note(form, record.id, history.RESTORED, user_id=staff.id)
    db.session.commit()
    text = _history(staff_client, form, record)
    for kind in ("status", "assigned", "deleted", "restored"):
        assert f"timeline-entry--{kind}" in text
    assert "加藤係長" in text


def test_hidden_fields_changes_never_reach_the_reader(
    app, client, staff, make_user, make_form, other_department
):
    form, record = make_world(make_form)
    _edit(staff, form, record, memo="新しい秘密")
    _edit(staff, form, record, memo="もっと秘密", name="山田花子")
    reader = make_user("reader", dept=other_department)
    grant(form, reader, {rights.VIEW_RECORDS}, {"memo": rights.HIDDEN})
    log_in(client, reader)
    text = _history(client, form, record)
    assert "秘密" not in text and "職員メモ" not in text
    assert "山田花子" in text
    assert "#1" not in text  # a revision with only hidden changes is left out


def test_restore_sets_the_values_after_the_revision(staff_client, staff, make_form):
    form, record = make_world(make_form)
    _edit(staff, form, record, name="二番目", days=["d2"])
    current = _edit(staff, form, record, name="三番目", days=["d1", "d2", "d3"])
    response = _restore(staff_client, form, record, 1, editing.revision_token(form, current))
    assert response.status_code == 302
    values = stored(form, staff, record.id)
    assert values["name"] == "二番目" and values["days"] == ["d2"]
    entries = history.entries(form, record.id)
    assert len(entries) == 3
    assert entries[-1].kind == history.EDITED and entries[-1].note == "restored from #1"
    assert entries[-1].changes["f_name"] == ["三番目", "二番目"]
    text = _history(staff_client, form, record)
    assert "#1" in text and ("Restored from #1" in text or "#1 から復元" in text)


def test_restore_refuses_a_value_that_no_longer_validates(staff_client, staff, make_form):
    form, record = make_world(make_form)
    current = _edit(staff, form, record, ward="花泉")
    current = _edit(staff, form, record, ward="千厩")
    document = copy.deepcopy(form.draft)
    for field in document["fields"]:
        if field["key"] == "ward":
            field["choices"] = ["一関", "千厩"]
    operations.save_draft(form, document, form.draft_revision)
    operations.publish(form)
    response = _restore(staff_client, form, record, 1, editing.revision_token(form, current))
    assert response.status_code == 302
    assert stored(form, staff, record.id)["ward"] == "千厩"
    assert len(history.entries(form, record.id)) == 2
    text = _history(staff_client, form, record)
    assert "notice--error" in text and "花泉" in text


def test_restore_on_a_stale_page_changes_nothing(staff_client, staff, make_form):
    form, record = make_world(make_form)
    old_page = _edit(staff, form, record, name="二番目")
    _edit(staff, form, record, name="三番目")
    token = editing.revision_token(form, old_page)
    response = _restore(staff_client, form, record, 1, token)
    assert response.status_code == 302
    assert stored(form, staff, record.id)["name"] == "三番目"
    assert len(history.entries(form, record.id)) == 2


def test_restore_needs_the_edit_right(client, staff, make_user, make_form, other_department):
    form, record = make_world(make_form)
    current = _edit(staff, form, record, name="二番目")
    viewer = make_user("viewer", dept=other_department)
    grant(form, viewer, {rights.VIEW_RECORDS})
    log_in(client, viewer)
    assert "restore" not in _history(client, form, record).split("<main", 1)[1]
    response = _restore(client, form, record, 1, editing.revision_token(form, current))
    assert response.status_code == 403


def test_a_trashed_records_history_stays_readable_but_it_cannot_change(
    staff_client, staff, make_form
):
    form, record = make_world(make_form)
    _edit(staff, form, record, name="二番目")
    trash.move_to_trash(form, [record.id], staff)
    text = _history(staff_client, form, record)
    assert "timeline-entry--deleted" in text and "二番目" in text
    assert "/restore" not in text
    detail = staff_client.get(f"/staff/forms/{form.id}/records/{record.id}")
    assert f"/records/{record.id}/edit" not in detail.get_data(as_text=True)
    assert staff_client.get(f"/staff/forms/{form.id}/records/{record.id}/edit").status_code == 404
    response = staff_client.post(
        f"/staff/forms/{form.id}/records/{record.id}/comments", data={"body": "x"}
    )
    assert response.status_code == 404


def test_restore_is_offered_only_for_changes_the_reader_may_make(
    client, staff, make_user, make_form, other_department
):
    form, record = make_world(make_form)
    _edit(staff, form, record, memo="新しい秘密", name="二番目")
    current = _edit(staff, form, record, name="三番目")
    clerk = make_user("clerk", dept=other_department)
    grant(form, clerk, {rights.VIEW_RECORDS, rights.EDIT_RECORDS}, {"memo": rights.HIDDEN})
    log_in(client, clerk)
    text = _history(client, form, record)
    assert "秘密" not in text
    assert 'name="number" value="2"' in text and 'name="number" value="1"' not in text
    response = _restore(client, form, record, 1, editing.revision_token(form, current))
    assert response.status_code == 302
    assert stored(form, staff, record.id)["name"] == "三番目"


def test_a_long_text_shows_the_part_that_changed(staff_client, staff, make_form):
    form, record = make_world(make_form)
    before = "窓口で受け付けました。書類は後日郵送で提出されます。担当は市民課です。"
    after = "窓口で受け付けました。書類は本日持参で提出されました。担当は市民課です。"
    _edit(staff, form, record, memo=before)
    _edit(staff, form, record, memo=after)
    text = _history(staff_client, form, record)
    assert "<del>後日郵送</del>" in text or "<del>後日郵送で</del>" in text
    assert "<ins>本日持参</ins>" in text or "<ins>本日持参で</ins>" in text


def test_an_import_noted_by_field_key_can_be_restored(staff_client, staff, make_form):
    form, record = make_world(make_form)
    history.note(form, record.id, history.IMPORTED, {"age": [41, 55]}, user_id=staff.id)
    db.session.commit()
    text = _history(staff_client, form, record)
    assert "timeline-entry--imported" in text and "55" in text
    response = _restore(staff_client, form, record, 1, editing.revision_token(form, record))
    assert response.status_code == 302
    assert stored(form, staff, record.id)["age"] == 55
