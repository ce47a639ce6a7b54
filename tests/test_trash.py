"""The trash: move, restore, expiry, the trash page, and record tables from before it."""

from __future__ import annotations

import datetime as dt

import flask_migrate
import pytest
import sqlalchemy as sa

from app import rights
from app.extensions import db
from app.forms.published import published_definition
from app.models import Form, Grant, RecordRevision
from app.models.types import utcnow
from app.records import history, trash, workflow
from app.records.access import NotAllowed, RecordAccess
from app.records.submission import submit
from tests.test_migrations import keep_logging, migrated  # noqa: F401


@pytest.fixture
def form(make_form):
    return make_form()


def _add(form, n=1, **values):
    values = {"name": "山田", "days": ["d1"], **values}
    return [submit(form, published_definition(form), values)[0].id for _ in range(n)]


def _count_rows(table: str, **where) -> int:
    condition = " AND ".join(f"{k} = :{k}" for k in where) or "1 = 1"
    return db.session.execute(
        sa.text(f"SELECT count(*) FROM {table} WHERE {condition}"), where
    ).scalar()


def test_trash_and_restore(app, form, staff):
    ids = _add(form, 3)
    access = RecordAccess(staff, form)
    assert trash.move_to_trash(form, ids[:2], staff) == 2
    assert access.count() == 1
    assert [r.id for r in access.page([]).records] == ids[2:]
    assert list(r.id for r in access.iterate([])) == ids[2:]
    assert access.get(ids[0]) is None  # not through the ordinary door
    trashed = access.get(ids[0], trashed=True)
    assert trashed.deleted_at is not None
    assert history.entries(form, ids[0])[-1].kind == history.DELETED
    # a second move does nothing to records already there
    assert trash.move_to_trash(form, ids[:2], staff) == 0
    total, listed = trash.trashed(form)
    assert total == 2 and {r.id for r in listed} == set(ids[:2])
    assert listed[0].deleted_by == staff.id

    assert trash.restore(form, ids[:1], staff) == 1
    assert access.get(ids[0]).deleted_at is None
    assert access.count() == 2
    assert history.entries(form, ids[0])[-1].kind == history.RESTORED
    assert trash.restore(form, ids[2:], staff) == 0  # not in the trash


def test_trash_needs_the_delete_right(app, form, make_user, other_department):
    editor = make_user("editor", dept=other_department)
    db.session.add(
        Grant(form_id=form.id, user_id=editor.id, rights=[rights.VIEW_RECORDS, rights.EDIT_RECORDS])
    )
    db.session.commit()
    ids = _add(form)
    with pytest.raises(NotAllowed):
        trash.move_to_trash(form, ids, editor)
    with pytest.raises(NotAllowed):
        trash.delete_now(form, ids, editor)


def test_empty_expired_deletes_old_trash_with_choices_and_history(app, form, staff):
    old, recent, kept = _add(form, 3)
    workflow.change_status(form, [old], "done", staff)
    trash.move_to_trash(form, [old, recent], staff)
    records = f"rec_{form.id}"
    db.session.execute(
        sa.text(f"UPDATE {records} SET deleted_at = :at WHERE id = :id"),
        {"at": utcnow() - dt.timedelta(days=31), "id": old},
    )
    db.session.commit()
    assert _count_rows(f"{records}_values", record_id=old) == 1

    assert trash.empty_expired() == 1
    assert _count_rows(records, id=old) == 0
    assert _count_rows(f"{records}_values", record_id=old) == 0
    assert db.session.scalar(
        sa.select(sa.func.count()).where(RecordRevision.record_id == old)
    ) == 0
    assert _count_rows(records, id=recent) == 1
    assert _count_rows(records, id=kept) == 1
    # forty days on, the recent one has expired too
    assert trash.empty_expired(utcnow() + dt.timedelta(days=40)) == 1
    assert _count_rows(records) == 1


@pytest.mark.parametrize("overrides", [{"ATSUME_TRASH_DAYS": 5}])
def test_trash_days_is_a_setting(app, form, staff, runner):
    ids = _add(form, 1)
    trash.move_to_trash(form, ids, staff)
    assert trash.empty_expired(utcnow() + dt.timedelta(days=4)) == 0
    result = runner.invoke(args=["atsume", "empty-trash"])
    assert result.exit_code == 0 and "Deleted 0 records" in result.output
    assert trash.empty_expired(utcnow() + dt.timedelta(days=6)) == 1


def test_empty_trash_command(app, form, staff, runner):
    ids = _add(form, 2)
    trash.move_to_trash(form, ids[:1], staff)
    db.session.execute(
        sa.text(f"UPDATE rec_{form.id} SET deleted_at = :at"),
        {"at": utcnow() - dt.timedelta(days=60)},
    )
    db.session.commit()
    result = runner.invoke(args=["atsume", "empty-trash"])
    assert result.exit_code == 0, result.output
    assert "Deleted 2 records" in result.output
    assert "30 days" in result.output


def test_delete_now_only_takes_trashed_records(app, form, staff):
    ids = _add(form, 2)
    trash.move_to_trash(form, ids[:1], staff)
    assert trash.delete_now(form, ids, staff) == 1
    assert RecordAccess(staff, form).count() == 1


def test_record_page_shows_a_trashed_record_with_restore(app, form, staff, staff_client):
    ids = _add(form)
    page = staff_client.get(f"/staff/forms/{form.id}/records/{ids[0]}").get_data(as_text=True)
    assert "trash-banner" not in page
    response = staff_client.post(f"/staff/forms/{form.id}/records/{ids[0]}/trash")
    assert response.status_code == 303
    page = staff_client.get(f"/staff/forms/{form.id}/records/{ids[0]}").get_data(as_text=True)
    assert "trash-banner" in page
    listing = staff_client.get(f"/staff/forms/{form.id}/records").get_data(as_text=True)
    assert f"/records/{ids[0]}\"" not in listing
    trash_page = staff_client.get(f"/staff/forms/{form.id}/trash")
    assert trash_page.status_code == 200
    assert RecordAccess(staff, form).get(ids[0], trashed=True).receipt_no in trash_page.get_data(
        as_text=True
    )
    response = staff_client.post(
        f"/staff/forms/{form.id}/trash/restore", data={"record": ids[0], "back": "record"}
    )
    assert response.status_code == 303 and response.location.endswith(f"/records/{ids[0]}")
    assert RecordAccess(staff, form).get(ids[0]) is not None


def test_delete_now_asks_first(app, form, staff, staff_client):
    ids = _add(form, 1)
    trash.move_to_trash(form, ids, staff)
    url = f"/staff/forms/{form.id}/trash/delete"
    confirm = staff_client.post(url, data={"record": ids})
    assert confirm.status_code == 200 and "1" in confirm.get_data(as_text=True)
    assert RecordAccess(staff, form).get(ids[0], trashed=True) is not None
    done = staff_client.post(url, data={"record": ids, "confirmed": "1"})
    assert done.status_code == 303
    assert RecordAccess(staff, form).get(ids[0], trashed=True) is None


def test_api_does_not_show_trashed_records(app, form, staff, api):
    ids = _add(form, 2)
    trash.move_to_trash(form, ids[:1], staff)
    base = f"/api/v1/forms/{form.id}/records"
    assert api.get(f"{base}/{ids[0]}").status_code == 404
    assert [item["id"] for item in api.get(base).get_json()["items"]] == ids[1:]


@pytest.mark.usefixtures("migrated")
def test_record_tables_from_before_the_trash_get_its_columns():
    """A record table made before 0010 gains the system columns on upgrade, and works."""
    flask_migrate.downgrade(revision="0009_staff_forms")
    with db.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO form (id, slug, title, draft, draft_revision, storage, is_open,"
                " created_at, updated_at) VALUES (7, 'old', '古い', '{}', 1,"
                " '[{\"key\": \"name\", \"column\": \"f_name\", \"kind\": \"text\","
                " \"retired\": false}]', true, '2026-01-01', '2026-01-01')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO form_version (id, form_id, number, document, changes, published_at)"
                " VALUES (1, 7, 1, '{}', '[]', '2026-01-01')"
            )
        )
        connection.execute(sa.text("UPDATE form SET published_version_id = 1 WHERE id = 7"))
        connection.execute(
            sa.text(
                "CREATE TABLE rec_7 (id INTEGER PRIMARY KEY, receipt_no VARCHAR(60) UNIQUE,"
                " status VARCHAR(40) NOT NULL DEFAULT 'new', created_at TIMESTAMP NOT NULL,"
                " updated_at TIMESTAMP NOT NULL, created_by INTEGER, updated_by INTEGER,"
                " form_version INTEGER NOT NULL, idempotency_token VARCHAR(64) UNIQUE,"
                " f_name TEXT)"
            )
        )
        connection.execute(
            sa.text(
                "CREATE TABLE rec_7_values (id INTEGER PRIMARY KEY, record_id INTEGER NOT NULL"
                " REFERENCES rec_7(id) ON DELETE CASCADE, field VARCHAR(70) NOT NULL,"
                " value VARCHAR(200) NOT NULL)"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO rec_7 (id, receipt_no, created_at, updated_at, form_version, f_name)"
                " VALUES (1, 'R-1', '2026-01-02', '2026-01-02', 1, '昔の人')"
            )
        )
    flask_migrate.upgrade()
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("rec_7")}
    assert {"assignee_id", "source", "deleted_at", "deleted_by"} <= columns
    indexes = {i["name"] for i in sa.inspect(db.engine).get_indexes("rec_7")}
    assert {"ix_rec_7_assignee_id", "ix_rec_7_deleted_at"} <= indexes
    form = db.session.get(Form, 7)
    assert workflow.statuses(form)[0].key == "new"  # the new workflow column, unset
    row = db.session.execute(sa.text("SELECT source, deleted_at FROM rec_7")).one()
    assert row.source == "web" and row.deleted_at is None

    class Admin:  # the trash functions ask the rights of whoever acts
        id = None
        is_admin = is_authenticated = is_active = True

    assert trash.move_to_trash(form, [1], Admin()) == 1
    assert trash.restore(form, [1], Admin()) == 1
    assert workflow.change_status(form, [1], "done", Admin()) == 1
