"""The audit log: what is recorded, who may read it, that nothing edits it, that writing
it never fails or holds up the person's action, and retention."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from app import audit, audit_retention
from app.extensions import SQLITE_BEGIN_IMMEDIATE, db
from app.models import AuditEvent
from app.models.types import utcnow
from app.tokens import create_token
from app.transactions import write_transaction
from tests.conftest import PASSWORD, log_in

ITEM_KEYS = {"at", "user", "action", "form", "record", "detail", "ip"}


def entries(action: str | None = None) -> list[AuditEvent]:
    """The log as the database holds it now, oldest first."""
    db.session.rollback()  # read what other connections wrote since
    query = sa.select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def only(action: str) -> AuditEvent:
    found = entries(action)
    assert len(found) == 1, [(e.action, e.detail) for e in entries()]
    return found[0]


@pytest.fixture
def admin(make_user):
    return make_user("admin", admin=True)


@pytest.fixture
def form(make_form):
    return make_form()


@pytest.fixture
def admin_api(client, admin):
    headers = {"Authorization": f"Bearer {create_token(admin)}"}
    return lambda url, **kw: client.get(url, headers=headers, **kw)


def _add_record(api, form, name="一関 太郎") -> dict:
    response = api.post(f"/api/v1/forms/{form.id}/records", json={"name": name, "age": 30})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# ------------------------------------------------------------------ what is recorded


def test_log_ins_are_recorded_with_who_when_and_from_where(client, staff):
    before = utcnow()
    wrong = client.post(
        "/login",
        data={"username": "staff", "password": "not the password"},
        headers={"User-Agent": "TestBrowser/1.0"},
    )
    assert wrong.status_code == 422
    log_in(client, staff)

    failed = only(audit.LOGIN_FAILED)
    assert failed.username == "staff" and failed.user_id is None
    assert failed.ip == "127.0.0.1" and failed.user_agent == "TestBrowser/1.0"
    assert failed.via == "web" and failed.at >= before
    ok = only(audit.LOGIN)
    assert (ok.user_id, ok.username, ok.ip) == (staff.id, "staff", "127.0.0.1")
    for entry in entries():  # the password typed is never stored
        assert "not the password" not in repr(entry.detail) and PASSWORD not in repr(entry.detail)


def test_an_unknown_user_name_tried_at_log_in_is_recorded(client, staff):
    client.post("/login", data={"username": "intruder", "password": "guess"})
    assert only(audit.LOGIN_FAILED).username == "intruder"


def test_log_out_and_password_change_are_recorded(staff_client, staff):
    response = staff_client.post(
        "/staff/account/password",
        data={"current": PASSWORD, "new": "a much longer secret", "repeat": "a much longer secret"},
    )
    assert response.status_code == 302
    assert only(audit.PASSWORD_CHANGE).username == "staff"
    staff_client.post("/logout")
    assert only(audit.LOGOUT).user_id == staff.id


def test_record_views_lists_and_exports_are_recorded(staff_client, staff, api, form):
    first = _add_record(api, form, "一関 太郎")
    _add_record(api, form, "花泉 花子")
    _add_record(api, form, "一関 次郎")
    created = entries(audit.RECORD_CREATE)
    assert [e.record_id for e in created][0] == first["id"] and created[0].via == "api"

    assert staff_client.get(f"/staff/forms/{form.id}/records/{first['id']}").status_code == 200
    view = only(audit.RECORD_VIEW)
    assert (view.username, view.form_id, view.record_id) == ("staff", form.id, first["id"])
    assert view.detail == {"receipt_no": first["receipt_no"]}

    listed = staff_client.get(f"/staff/forms/{form.id}/records?f_name.contains=一関")
    assert listed.status_code == 200
    shown = only(audit.RECORD_LIST)
    assert shown.detail["filter"] == {"f_name.contains": "一関"}
    assert shown.detail["total"] == 2

    csv_file = staff_client.get(f"/staff/forms/{form.id}/records.csv?f_name.contains=一関")
    assert csv_file.status_code == 200 and csv_file.get_data()  # read it all
    exported = only(audit.RECORD_EXPORT)
    assert exported.form_id == form.id and exported.username == "staff"
    assert exported.detail["filter"] == {"f_name.contains": "一関"}
    assert exported.detail["rows"] == 2 and exported.detail["complete"] is True


def test_api_reads_are_recorded_as_coming_through_the_api(api, form, staff):
    record = _add_record(api, form)
    assert api.get(f"/api/v1/forms/{form.id}/records/{record['id']}").status_code == 200
    view = only(audit.RECORD_VIEW)
    assert (view.via, view.username, view.record_id) == ("api", "staff", record["id"])
    assert api.get(f"/api/v1/forms/{form.id}/records?limit=5").status_code == 200
    assert only(audit.RECORD_LIST).detail["filter"] == {"limit": "5"}


def test_import_publish_settings_address_and_closing_are_recorded(staff_client, api, staff):
    document = (
        '{"title": "取り込み", "slug": "imported",'
        ' "fields": [{"key": "name", "type": "text", "label": "氏名"}]}'
    )
    response = staff_client.post("/staff/forms/import", data={"definition": document})
    assert response.status_code == 302
    imported = only(audit.FORM_IMPORT)
    assert imported.detail == {"title": "取り込み", "slug": "imported"}
    form_id = imported.form_id

    assert staff_client.post(f"/staff/forms/{form_id}/publish").status_code == 302
    published = only(audit.FORM_PUBLISH)
    assert published.form_id == form_id and published.detail["version"] == 1
    assert published.detail["changes"]

    assert api.post(f"/api/v1/forms/{form_id}/publish").status_code == 200
    assert [e.detail["version"] for e in entries(audit.FORM_PUBLISH)] == [1, 2]
    assert entries(audit.FORM_PUBLISH)[1].via == "api"

    settings = staff_client.post(
        f"/staff/forms/{form_id}/settings",
        data={
            "title": "取り込み（改）",
            "slug": "imported-2",
            "receipt_format": "SK-{seq:04d}",
            "confirm_page": "y",
            "confirmed": "imported-2|0|None|None",
        },
    )
    assert settings.status_code == 302, settings.get_data(as_text=True)[:3000]
    changed = only(audit.FORM_SETTINGS).detail["changed"]
    assert changed["title"] == ["取り込み", "取り込み（改）"]
    assert changed["slug"] == ["imported", "imported-2"]
    assert only(audit.FORM_ADDRESS).detail == {"from": "imported", "to": "imported-2"}
    assert only(audit.FORM_CLOSE).form_id == form_id

    assert staff_client.post(f"/staff/forms/{form_id}/open", data={"open": "1"}).status_code == 302
    assert only(audit.FORM_OPEN).username == "staff"


def test_command_line_account_changes_are_recorded(runner, app):
    made = runner.invoke(args=["atsume", "create-user", "sato", "--department", "福祉課"])
    assert made.exit_code == 0
    assert runner.invoke(args=["atsume", "create-admin", "boss"]).exit_code == 0
    assert runner.invoke(args=["atsume", "reset-password", "sato"]).exit_code == 0
    assert runner.invoke(args=["atsume", "create-token", "sato", "--name", "集計"]).exit_code == 0
    assert runner.invoke(args=["atsume", "deactivate-user", "sato"]).exit_code == 0
    made = entries(audit.USER_CREATE)
    assert [e.detail for e in made] == [
        {"user": "sato", "display_name": "sato", "admin": False, "departments": ["福祉課"]},
        {"user": "boss", "display_name": "boss", "admin": True, "departments": []},
    ]
    assert only(audit.DEPARTMENT_CREATE).detail == {"department": "福祉課", "parent": None}
    assert made[0].via == "cli" and made[0].ip is None
    assert made[0].user_agent.startswith("command line: ")
    assert only(audit.PASSWORD_RESET).detail == {"user": "sato"}
    assert only(audit.TOKEN_CREATE).detail == {"user": "sato", "name": "集計"}
    assert only(audit.USER_DEACTIVATE).detail == {"user": "sato"}


# ------------------------------------------------------------------------ the API


def test_api_contract_shape_and_filters(client, admin_api, api, staff, admin, form, make_form):
    record = _add_record(api, form)
    api.get(f"/api/v1/forms/{form.id}/records/{record['id']}")
    client.post("/login", data={"username": "staff", "password": "wrong"})
    other = make_form({**form.draft, "slug": "other-form"}, user=admin)

    body = admin_api("/api/v1/audit?user=&form=&action=&since=&until=").get_json()
    assert set(body) == {"total", "items"}
    assert body["total"] == len(entries()) == len(body["items"])
    for item in body["items"]:
        assert set(item) == ITEM_KEYS
    newest = body["items"][0]
    assert newest["action"] == audit.LOGIN_FAILED and newest["user"] == "staff"
    assert newest["ip"] == "127.0.0.1" and newest["at"].endswith("Z")
    assert dt.datetime.fromisoformat(newest["at"])

    view = admin_api(f"/api/v1/audit?action=record.view&form={form.id}").get_json()
    assert view["total"] == 1
    assert view["items"][0] | {"at": None} == {
        "at": None,
        "user": "staff",
        "action": "record.view",
        "form": form.id,
        "record": record["id"],
        "detail": {"receipt_no": record["receipt_no"]},
        "ip": "127.0.0.1",
    }
    audit.record(audit.FORM_SETTINGS, user=admin, form=other, detail={"changed": {}})
    db.session.rollback()  # the test shares one session with the requests: read anew
    by_address = admin_api("/api/v1/audit?form=other-form").get_json()
    assert [(i["form"], i["user"]) for i in by_address["items"]] == [(other.id, "admin")]
    body = admin_api("/api/v1/audit").get_json()

    # "record" finds every record.* action; "login" finds failed log-ins too
    actions = {i["action"] for i in admin_api("/api/v1/audit?action=record").get_json()["items"]}
    assert actions == {"record.create", "record.view"}
    logins = admin_api("/api/v1/audit?action=login&user=staff").get_json()["items"]
    assert [i["action"] for i in logins] == ["login.failed"]

    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=9))).date()
    total = body["total"]
    assert admin_api(f"/api/v1/audit?since={today}&until={today}").get_json()["total"] == total
    tomorrow = today + dt.timedelta(days=1)
    assert admin_api(f"/api/v1/audit?since={tomorrow}").get_json()["total"] == 0
    assert admin_api(f"/api/v1/audit?until={today - dt.timedelta(days=1)}").get_json()["total"] == 0
    assert admin_api("/api/v1/audit?since=2000-01-01T00:00:00Z").get_json()["total"] == total
    assert admin_api("/api/v1/audit?limit=2&offset=1").get_json()["items"] == body["items"][1:3]


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("since=2026-02-30", "since"),
        ("until=yesterday", "until"),
        ("since=99999-01-01", "since"),
        ("since=2026-05-01&until=2026-04-01", "until"),
        ("form=no-such-form", "form"),
        ("action=record%25", "action"),
        ("limit=0", "limit"),
        ("who=staff", "who"),
    ],
)
def test_api_bad_filters_are_a_400_naming_them(admin_api, query, path):
    response = admin_api(f"/api/v1/audit?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert [e["path"] for e in body["errors"]] == [path]
    assert body["errors"][0]["message"]


def test_api_is_for_administrators_only(api, client, staff):
    assert api.get("/api/v1/audit").status_code == 403
    assert client.get("/api/v1/audit").status_code == 401


# ------------------------------------------------------------------- the admin page


def test_page_and_csv_are_for_administrators_only(staff_client):
    assert staff_client.get("/staff/audit").status_code == 403
    assert staff_client.get("/staff/audit.csv").status_code == 403
    assert "/staff/audit" not in staff_client.get("/staff/forms").get_data(as_text=True)


def test_admin_page_searches_the_log(client, admin, staff, form):
    client.post("/login", data={"username": "staff", "password": "wrong"})
    log_in(client, admin)
    assert 'href="/staff/audit"' in client.get("/staff/forms").get_data(as_text=True)
    page = client.get("/staff/audit")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "ログイン失敗" in text and "127.0.0.1" in text
    filtered = client.get("/staff/audit?user=staff&action=login").get_data(as_text=True)
    assert "ログイン失敗" in filtered and ">admin<" not in filtered
    bad = client.get("/staff/audit?since=2026-13-01")
    assert bad.status_code == 422
    assert 'aria-invalid="true"' in bad.get_data(as_text=True)


def test_csv_export_is_excel_ready_neutralised_and_recorded(client, admin, staff):
    client.post("/login", data={"username": '=HYPERLINK("x")', "password": "x"})
    log_in(client, admin)
    db.session.rollback()  # the test shares one session with the requests: read anew
    response = client.get("/staff/audit.csv?action=login")
    assert response.status_code == 200
    raw = response.get_data()
    assert raw.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0][:3] == ["日時", "ユーザー", "操作"]
    users = {row[1] for row in rows[1:]}
    assert users == {"admin", '\'=HYPERLINK("x")'}
    exported = only(audit.AUDIT_EXPORT)
    assert exported.detail == {"filter": {"action": "login"}, "rows": 2, "complete": True}


# ------------------------------------------------------------------------ append-only


def test_no_route_changes_the_log(app):
    audit_rules = [
        r for r in app.url_map.iter_rules() if "audit" in r.rule or "audit" in r.endpoint
    ]
    assert {r.rule for r in audit_rules} == {"/staff/audit", "/staff/audit.csv", "/api/v1/audit"}
    for rule in audit_rules:
        assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


def test_the_database_refuses_to_change_entries(app, staff):
    audit.record(audit.LOGIN, user=staff)
    entry = only(audit.LOGIN)
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(sa.update(AuditEvent).values(username="someone else"))
        db.session.flush()
    db.session.rollback()
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(sa.exc.DatabaseError):
            db.session.execute(sa.delete(AuditEvent))
        db.session.rollback()
        with pytest.raises(sa.exc.DatabaseError):
            db.session.execute(sa.text("TRUNCATE audit_event"))
        db.session.rollback()
    assert only(audit.LOGIN).username == entry.username == "staff"


# ------------------------------------------------------------------ failure isolation


@pytest.mark.parametrize("error", [RuntimeError("broken"), OperationalError("x", {}, Exception())])
def test_a_failing_log_never_fails_the_action(monkeypatch, client, staff, api, form, error):
    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(audit, "_insert", fail)
    log_in(client, staff)
    record = _add_record(api, form)
    assert client.get(f"/staff/forms/{form.id}/records/{record['id']}").status_code == 200
    exported = client.get(f"/staff/forms/{form.id}/records.csv")
    assert exported.status_code == 200 and "一関" in exported.get_data().decode("utf-8-sig")
    assert client.post(f"/staff/forms/{form.id}/publish").status_code == 302
    assert entries() == []
    monkeypatch.undo()
    audit.record(audit.LOGOUT, user=staff)
    # entries kept while the database was busy are written with the next one (log-in,
    # record added, viewed, export started and ended, publish, log-out)
    expected = 7 if isinstance(error, OperationalError) else 1
    assert len(entries()) == expected


@pytest.mark.parametrize("overrides", [{"ATSUME_AUDIT_WAIT_MS": 300}])
def test_a_locked_log_holds_the_action_up_only_briefly(app, staff_client, staff, api, form):
    record = _add_record(api, form)
    # another writer holds the SQLite file, or the PostgreSQL table, meanwhile
    blocker = db.engine.connect().execution_options(**{SQLITE_BEGIN_IMMEDIATE: True})
    blocker.begin()
    if blocker.dialect.name == "postgresql":
        blocker.exec_driver_sql("LOCK TABLE audit_event IN ACCESS EXCLUSIVE MODE")
    try:
        started = time.monotonic()
        response = staff_client.get(f"/staff/forms/{form.id}/records/{record['id']}")
        took = time.monotonic() - started
    finally:
        blocker.rollback()
        blocker.close()
    assert response.status_code == 200
    assert took < 2, took
    assert entries(audit.RECORD_VIEW) == []
    audit.record(audit.LOGOUT, user=staff)
    assert len(entries(audit.RECORD_VIEW)) == 1


def test_an_entry_refused_by_the_database_never_fails_its_record(monkeypatch, api, form):
    # the API writes its entry in the record's own transaction
    refused = sa.text(
        "INSERT INTO audit_event (at, action, via, detail) VALUES (:at, NULL, :via, :detail)"
    ).bindparams(sa.bindparam("detail", type_=AuditEvent.__table__.c.detail.type))
    monkeypatch.setattr(audit, "_INSERT", refused)
    record = _add_record(api, form)
    monkeypatch.undo()
    assert entries(audit.RECORD_CREATE) == []
    assert api.get(f"/api/v1/forms/{form.id}/records/{record['id']}").status_code == 200


@pytest.mark.parametrize("overrides", [{"ATSUME_AUDIT_WAIT_MS": 300}])
def test_a_locked_log_holds_an_api_record_up_only_briefly(app, staff, api, form):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's write lock is the whole file: the record itself would wait")
    blocker = db.engine.connect()
    blocker.begin()
    blocker.exec_driver_sql("LOCK TABLE audit_event IN ACCESS EXCLUSIVE MODE")
    try:
        started = time.monotonic()
        _add_record(api, form)
        took = time.monotonic() - started
    finally:
        blocker.rollback()
        blocker.close()
    assert took < 2, took
    assert entries(audit.RECORD_CREATE) == []
    audit.record(audit.LOGOUT, user=staff)
    assert len(entries(audit.RECORD_CREATE)) == 1


def test_entries_of_a_write_transaction_wait_for_its_commit(app, staff):
    @write_transaction
    def succeed():
        audit.record(audit.USER_CHANGE, user=staff, detail={"ok": True})
        with db.engine.connect() as other:  # not written before the commit
            assert other.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0

    @write_transaction
    def fail():
        audit.record(audit.USER_CHANGE, user=staff, detail={"ok": False})
        raise ValueError("refused")

    with pytest.raises(ValueError):
        fail()
    succeed()
    assert [e.detail for e in entries(audit.USER_CHANGE)] == [{"ok": True}]


def test_hostile_details_are_stored_cleanly(app, staff):
    audit.record(
        audit.RECORD_LIST,
        username="x\x00\udc80" + "y" * 200,
        detail={"filter": {"q": "\x00\udc80", "when": dt.date(2026, 4, 1)}, "big": "z" * 20000},
    )
    entry = only(audit.RECORD_LIST)
    assert len(entry.username) == 80 and "\x00" not in entry.username
    assert entry.detail["truncated"] is True and len(entry.detail["summary"]) == audit.MAX_DETAIL


# -------------------------------------------------------------------------- retention


def _old_entry(days_ago: int) -> None:
    db.session.execute(
        sa.insert(AuditEvent).values(
            at=utcnow() - dt.timedelta(days=days_ago),
            action=audit.LOGIN,
            username=f"old-{days_ago}",
            detail={},
            via="web",
        )
    )
    db.session.commit()


@pytest.mark.parametrize("overrides", [{"ATSUME_AUDIT_RETENTION_DAYS": 30}])
def test_prune_removes_only_entries_past_the_retention_and_is_recorded(runner, app):
    for days in (400, 31, 29, 0):
        _old_entry(days)
    result = runner.invoke(args=["atsume", "prune-audit"])
    assert result.exit_code == 0, result.output
    assert "Removed 2 audit entries older than 30 days." in result.output
    assert [e.username for e in entries(audit.LOGIN)] == ["old-29", "old-0"]
    pruned = only(audit.AUDIT_PRUNE)
    assert pruned.detail["deleted"] == 2 and pruned.detail["days"] == 30 and pruned.via == "cli"


@pytest.mark.parametrize("overrides", [{"ATSUME_AUDIT_RETENTION_DAYS": 0}])
def test_retention_zero_keeps_everything(runner, app):
    _old_entry(100_000)
    result = runner.invoke(args=["atsume", "prune-audit"])
    assert result.exit_code == 0 and "kept forever" in result.output
    assert len(entries(audit.LOGIN)) == 1
    assert audit_retention.prune(0) == 0


def test_organisation_and_permission_changes_are_recorded(app, admin, form):
    from app import organisation
    from app.forms import grants

    with app.test_request_context():
        welfare = organisation.create_department("福祉課")
        section = organisation.create_department("高齢福祉係", welfare)
        user, _password = organisation.create_user("sato", [welfare], display_name="佐藤")
        organisation.update_user(user, display_name="佐藤 花子", departments=[section], admin=False)
        organisation.update_department(section, "高齢者福祉係", welfare)
        grants.replace(
            form, grants.parse({"grants": [{"user": "sato", "rights": ["view_records"]}]}, form)
        )
    assert only(audit.USER_CREATE).detail["departments"] == ["福祉課"]
    assert only(audit.USER_CHANGE).detail == {
        "user": "sato",
        "display_name": ["佐藤", "佐藤 花子"],
        "departments": [["福祉課"], ["高齢福祉係"]],
    }
    assert only(audit.DEPARTMENT_CHANGE).detail == {
        "department": "高齢福祉係",
        "name": ["高齢福祉係", "高齢者福祉係"],
    }
    changed = only(audit.PERMISSION_CHANGE)
    assert changed.form_id == form.id
    assert changed.detail["after"] == [{"user": "sato", "rights": ["view_records"], "fields": {}}]
    assert changed.detail["before"] != changed.detail["after"]
