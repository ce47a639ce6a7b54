"""Per-form grants: the API contract, how grants combine, the 権限 page and the migration."""

from __future__ import annotations

import importlib.util
import pathlib

import flask_migrate
import pytest
import sqlalchemy as sa

from app import rights
from app.extensions import db
from app.models import Department, Form, Grant
from app.tokens import create_token
from tests.conftest import log_in
from tests.test_migrations import keep_logging, migrated  # noqa: F401 - fixtures

CONTRACT = {
    "grants": [
        {
            "department": "福祉課",
            "include_children": True,
            "rights": ["view_records", "export"],
            "fields": {"name": "hidden", "age": "read"},
        },
        {"user": "sato", "rights": ["view_records", "edit_records"]},
        {"everyone": True, "rights": ["add_records"]},
    ]
}


@pytest.fixture
def welfare(app):
    department = Department(name="福祉課")
    db.session.add(department)
    db.session.commit()
    return department


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {create_token(user)}"}


def test_a_new_form_gives_its_department_manage_and_every_record_right(api, make_form):
    form = make_form()
    body = api.get(f"/api/v1/forms/{form.id}/permissions").get_json()
    assert body == {
        "grants": [
            {
                "department": "選挙管理委員会",
                "include_children": False,
                "rights": list(rights.RIGHTS),
                "fields": {},
            }
        ]
    }


def test_put_replaces_the_grants_and_get_returns_the_same_body(api, make_form, make_user, welfare):
    make_user("sato", dept=welfare)
    form = make_form()
    url = f"/api/v1/forms/{form.id}/permissions"
    keep = {"department": "選挙管理委員会", "include_children": False, "rights": ["manage"]}
    response = api.put(url, json={"grants": [*CONTRACT["grants"], keep]})
    assert response.status_code == 200, response.get_json()
    got = api.get(url).get_json()
    assert got["grants"][0] == CONTRACT["grants"][0]
    assert got["grants"][1] == {**CONTRACT["grants"][1], "fields": {}}
    assert got["grants"][2] == {**CONTRACT["grants"][2], "fields": {}}
    assert api.put(url, json=got).get_json() == got  # the same body round-trips


@pytest.mark.parametrize(
    ("grant", "named"),
    [
        ({"department": "存在しない課", "rights": ["view_records"]}, "存在しない課"),
        ({"user": "nobody", "rights": ["view_records"]}, "nobody"),
        ({"everyone": True, "rights": ["fly"]}, "fly"),
        ({"everyone": True, "rights": ["view_records"], "fields": {"ghost": "hidden"}}, "ghost"),
    ],
)
def test_unknown_department_user_right_or_field_is_a_422_naming_it(api, make_form, grant, named):
    form = make_form()
    url = f"/api/v1/forms/{form.id}/permissions"
    response = api.put(url, json={"grants": [grant]})
    assert response.status_code == 422
    assert named in response.get_json()["error"]
    assert named in response.get_json()["errors"][0]["message"]
    assert api.get(url).get_json()["grants"][0]["department"] == "選挙管理委員会"  # unchanged


def test_permissions_need_manage(app, make_form, make_user, other_department):
    form = make_form()
    viewer = make_user("viewer", dept=other_department)
    db.session.add(Grant(form_id=form.id, user_id=viewer.id, rights=list(rights.RIGHTS[:-1])))
    db.session.commit()
    client = app.test_client()
    url = f"/api/v1/forms/{form.id}/permissions"
    assert client.get(url, headers=bearer(viewer)).status_code == 403
    assert client.put(url, headers=bearer(viewer), json={"grants": []}).status_code == 403


def test_rights_are_the_union_and_fields_the_most_open(app, make_form, make_user, welfare):
    form = make_form()
    sato = make_user("sato", dept=welfare)
    db.session.add_all(
        [
            Grant(
                form_id=form.id,
                department_id=welfare.id,
                rights=["view_records"],
                fields={"name": "hidden", "age": "hidden"},
            ),
            Grant(form_id=form.id, user_id=sato.id, rights=["export"], fields={"name": "read"}),
            Grant(
                form_id=form.id,
                everyone=True,
                rights=["view_records", "edit_records"],
                fields={"age": "hidden", "ward": "read"},
            ),
        ]
    )
    db.session.commit()
    assert rights.rights_of(sato, form) == {"view_records", "export", "edit_records"}
    access = rights.field_access(sato, form)
    # name: hidden by the department, editable by everyone's unnamed default -> edit;
    # the user grant has no view_records, so its "read" does not count
    assert access.level("name") == rights.EDIT
    assert access.level("age") == rights.HIDDEN
    assert access.level("ward") == rights.READ  # read (everyone) beats read (department)
    assert access.level("days") == rights.EDIT
    assert not access.can_change("ward")


def test_unnamed_fields_are_readable_without_edit_records(app, make_form, make_user, welfare):
    form = make_form()
    sato = make_user("sato", dept=welfare)
    db.session.add(Grant(form_id=form.id, department_id=welfare.id, rights=["view_records"]))
    db.session.commit()
    access = rights.field_access(sato, form)
    assert access.level("name") == rights.READ and not access.can_change("name")


def test_sub_departments_come_from_the_department_seam(
    app, make_form, make_user, welfare, monkeypatch
):
    child = Department(name="福祉課 障害福祉係")
    db.session.add(child)
    db.session.commit()
    form = make_form()
    member = make_user("kakari", dept=child)
    grant = Grant(form_id=form.id, department_id=welfare.id, rights=["view_records"])
    db.session.add(grant)
    db.session.commit()
    assert not rights.can(member, rights.VIEW_RECORDS, form)
    monkeypatch.setattr(
        rights,
        "with_sub_departments",
        lambda ids: ids | ({child.id} if welfare.id in ids else set()),
    )
    assert not rights.can(member, rights.VIEW_RECORDS, form)  # the grant does not include them
    grant.include_children = True
    db.session.commit()
    assert rights.can(member, rights.VIEW_RECORDS, form)
    assert form in db.session.scalars(rights.visible_forms(member)).all()


def test_forms_list_shows_only_forms_with_a_grant(app, make_form, make_user, other_department):
    form = make_form()
    teacher = make_user("teacher", dept=other_department)
    client = log_in(app.test_client(), teacher)
    assert form.title not in client.get("/staff/forms").get_data(as_text=True)
    db.session.add(Grant(form_id=form.id, everyone=True, rights=["add_records"]))
    db.session.commit()
    page = client.get("/staff/forms").get_data(as_text=True)
    assert form.title in page
    detail = client.get(f"/staff/forms/{form.id}").get_data(as_text=True)
    assert f"/staff/forms/{form.id}/records" not in detail  # no records link without the right
    assert client.get(f"/staff/forms/{form.id}/records").status_code == 403


def test_administrators_may_do_everything(app, make_form, make_user):
    form = make_form()
    admin = make_user("admin", admin=True, dept=None)
    db.session.execute(sa.delete(Grant))
    db.session.commit()
    assert rights.rights_of(admin, form) == set(rights.RIGHTS)
    assert rights.field_access(admin, form).can_change("name")


def test_permissions_page_adds_edits_and_removes_grants(
    staff_client, make_form, make_user, other_staff
):
    form = make_form()
    url = f"/staff/forms/{form.id}/permissions"
    assert "権限" in staff_client.get(f"/staff/forms/{form.id}").get_data(as_text=True)
    response = staff_client.post(
        url,
        data={
            "action": "add",
            "grantee": "user",
            "user": "teacher",
            "rights": ["view_records"],
            "field.name": "hidden",
        },
    )
    assert response.status_code == 303
    grant = db.session.scalars(sa.select(Grant).where(Grant.user_id == other_staff.id)).one()
    assert grant.rights == ["view_records"] and grant.fields == {"name": "hidden"}
    staff_client.post(
        url, data={"action": "save", "grant": "1", "rights": ["view_records", "export"]}
    )
    db.session.expire_all()
    grant = db.session.scalars(sa.select(Grant).where(Grant.user_id == other_staff.id)).one()
    assert grant.rights == ["view_records", "export"] and grant.fields == {}
    staff_client.post(url, data={"action": "remove", "grant": "1"})
    assert db.session.scalars(sa.select(Grant).where(Grant.user_id == other_staff.id)).all() == []


def test_permissions_page_names_a_bad_grantee_and_saves_nothing(staff_client, make_form):
    form = make_form()
    response = staff_client.post(
        f"/staff/forms/{form.id}/permissions",
        data={"action": "add", "grantee": "user", "user": "ghost", "rights": ["view_records"]},
    )
    assert response.status_code == 422
    assert "ghost" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Grant)) == 1


def test_explain_says_what_a_user_may_do_and_why(staff_client, make_form, other_staff):
    form = make_form()
    db.session.add(
        Grant(
            form_id=form.id,
            user_id=other_staff.id,
            rights=["view_records"],
            fields={"name": "hidden"},
        )
    )
    db.session.commit()
    page = staff_client.get(f"/staff/forms/{form.id}/permissions?explain=teacher")
    html = page.get_data(as_text=True)
    explanation = html[html.index('id="explanation"') :]
    assert "ユーザー: teacher" in explanation  # the grant that gives view_records
    assert "非表示" in explanation  # name is hidden from them
    assert "できない" in explanation  # e.g. export


def _migration(name: str):
    path = pathlib.Path(__file__).resolve().parent.parent / "migrations" / "versions" / name
    spec = importlib.util.spec_from_file_location("grants_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_migration_keeps_what_each_department_could_do(migrated):  # noqa: F811
    before = _migration("0006_grants.py").down_revision
    flask_migrate.downgrade(revision=before)
    department = db.session.execute(
        sa.text("INSERT INTO department (name) VALUES ('総務課') RETURNING id")
    ).scalar()
    db.session.execute(
        sa.text(
            "INSERT INTO form (slug, title, department_id, draft, draft_revision, storage,"
            " is_open, created_at, updated_at)"
            " VALUES ('old', '旧', :d, '{}', 1, '[]', true, '2026-01-01', '2026-01-01')"
        ),
        {"d": department},
    )
    db.session.commit()
    flask_migrate.upgrade()
    grant = db.session.scalars(sa.select(Grant)).one()
    form = db.session.scalars(sa.select(Form)).one()
    assert grant.form_id == form.id and grant.department_id == department
    assert set(grant.rights) == set(rights.RIGHTS)


def test_a_grant_naming_a_removed_field_can_be_put_back(api, make_form):
    form = make_form(publish=False)
    db.session.add(
        Grant(form_id=form.id, everyone=True, rights=["view_records"], fields={"gone": "hidden"})
    )
    db.session.commit()
    url = f"/api/v1/forms/{form.id}/permissions"
    body = api.get(url).get_json()
    assert api.put(url, json=body).status_code == 200


def test_explain_names_the_grant_behind_each_field(app, make_form, make_user, welfare):
    form = make_form()
    sato = make_user("sato", dept=welfare)
    department = Grant(form_id=form.id, department_id=welfare.id, rights=["view_records"])
    personal = Grant(
        form_id=form.id,
        user_id=sato.id,
        rights=["view_records", "edit_records"],
        fields={"age": "hidden"},
    )
    db.session.add_all([department, personal])
    db.session.commit()
    explained = {
        key: (level, by) for key, level, by in rights.explain_fields(sato, form, ["name", "age"])
    }
    assert explained["name"] == (rights.EDIT, [personal])
    assert explained["age"] == (rights.READ, [department])
