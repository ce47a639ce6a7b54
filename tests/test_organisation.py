"""The organisation: nested departments, users in several departments, the administrators'
pages and the command line."""

from __future__ import annotations

import copy
import re

import pytest
import sqlalchemy as sa

from app import organisation, rights
from app.extensions import db
from app.forms.published import published_definition
from app.models import Department, Form, User
from app.organisation import OrganisationError
from app.records import store
from app.records.submission import submit
from app.tokens import create_token
from tests.conftest import ELECTION, PASSWORD

ORGANISATION_PATHS = [
    ("get", "/staff/departments"),
    ("post", "/staff/departments"),
    ("get", "/staff/departments/{department}"),
    ("post", "/staff/departments/{department}"),
    ("get", "/staff/users"),
    ("get", "/staff/users/new"),
    ("post", "/staff/users/new"),
    ("get", "/staff/users/{user}"),
    ("post", "/staff/users/{user}"),
    ("post", "/staff/users/{user}/deactivate"),
    ("post", "/staff/users/{user}/reactivate"),
    ("post", "/staff/users/{user}/reset-password"),
    ("get", "/staff/organisation/import"),
    ("post", "/staff/organisation/import"),
]


@pytest.fixture
def tree(app):
    """保健福祉部 → 福祉課 → 障害福祉係, and 総務部 beside it."""
    bu = organisation.create_department("保健福祉部")
    ka = organisation.create_department("福祉課", bu)
    kakari = organisation.create_department("障害福祉係", ka)
    other = organisation.create_department("総務部")
    return {"bu": bu, "ka": ka, "kakari": kakari, "other": other}


@pytest.fixture
def admin(make_user):
    return make_user("boss", admin=True)


@pytest.fixture
def admin_client(client, admin, login):
    login(admin)
    return client


def _form_in(department: Department, owner: User, slug: str) -> Form:
    from app.forms import operations

    document = copy.deepcopy(ELECTION) | {"title": f"{department.name}の募集", "slug": slug}
    form = operations.create_form(document, owner, department.id)
    operations.publish(form, owner)
    return form


def _one_time_passwords(html: str) -> dict[str, str]:
    rows = re.findall(
        r"<tr><td>([^<]+)</td><td>[^<]*</td><td><code class=\"one-time-password\">([^<]+)</code>",
        html,
    )
    return dict(rows)


def _log_in(client, username, password):
    return client.post("/login", data={"username": username, "password": password})


# -- departments ---------------------------------------------------------------------------


def test_sub_departments_reach_every_level_and_nothing_beside(tree):
    ids = rights.with_sub_departments({tree["bu"].id})
    assert ids == {tree["bu"].id, tree["ka"].id, tree["kakari"].id}
    assert rights.with_sub_departments({tree["ka"].id}) == {tree["ka"].id, tree["kakari"].id}
    assert rights.with_sub_departments({tree["kakari"].id}) == {tree["kakari"].id}
    assert rights.with_sub_departments(set()) == set()


def test_tree_lists_parents_before_children_with_depth(tree):
    listed = [(d.name, depth) for d, depth in organisation.department_tree()]
    assert listed == [("保健福祉部", 0), ("福祉課", 1), ("障害福祉係", 2), ("総務部", 0)]


def test_moving_a_department_takes_its_descendants_along(tree):
    organisation.update_department(tree["ka"], "福祉課", tree["other"])
    assert rights.with_sub_departments({tree["other"].id}) == {
        tree["other"].id,
        tree["ka"].id,
        tree["kakari"].id,
    }
    assert rights.with_sub_departments({tree["bu"].id}) == {tree["bu"].id}


@pytest.mark.parametrize("target", ["bu", "ka", "kakari"])
def test_a_department_cannot_move_under_itself_or_its_descendants(tree, target):
    with pytest.raises(OrganisationError) as refused:
        organisation.update_department(tree["bu"], "保健福祉部", tree[target])
    assert refused.value.field == "parent"
    db.session.expire_all()
    assert tree["bu"].parent_id is None


def test_department_names_are_unique_and_normalised(tree):
    with pytest.raises(OrganisationError) as refused:
        organisation.create_department(" 福祉課 ")
    assert refused.value.field == "name"
    with pytest.raises(OrganisationError):
        organisation.create_department("  ")
    assert organisation.create_department("ＩＴ推進課").name == "IT推進課"


# -- users and the rights seams ------------------------------------------------------------


def test_a_user_belongs_to_several_departments_and_the_first_is_primary(tree):
    user, password = organisation.create_user(
        "sato", [tree["ka"], tree["other"]], display_name="佐藤 花子"
    )
    assert user.department_id == tree["ka"].id
    assert rights.member_department_ids(user) == {tree["ka"].id, tree["other"].id}
    assert user.must_change_password and len(password) >= 12


def test_memberships_decide_which_forms_a_user_sees(tree, make_user, staff):
    welfare = _form_in(tree["ka"], staff, "fukushi")
    general = _form_in(tree["other"], staff, "somu")
    user, _ = organisation.create_user("sato", [tree["ka"]])

    def seen():
        return {f.slug for f in db.session.scalars(rights.visible_forms(user))}

    assert seen() == {"fukushi"}
    assert rights.can(user, rights.VIEW_RECORDS, welfare)
    assert not rights.can(user, rights.VIEW_RECORDS, general)

    organisation.update_user(
        user, display_name="佐藤", departments=[tree["ka"], tree["other"]], admin=False
    )
    assert seen() == {"fukushi", "somu"}
    assert rights.can(user, rights.VIEW_RECORDS, general)

    organisation.update_user(user, display_name="佐藤", departments=[tree["other"]], admin=False)
    assert seen() == {"somu"}
    assert user.department_id == tree["other"].id  # the primary one left with the membership


def test_a_user_needs_a_department_unless_administrator(tree):
    with pytest.raises(OrganisationError) as refused:
        organisation.create_user("sato", [])
    assert refused.value.field == "departments"
    admin, _ = organisation.create_user("root", [], admin=True)
    assert admin.is_admin and admin.department_id is None


@pytest.mark.parametrize("username", ["", "a b", "-dash", "名前", "x" * 81, "semi;colon"])
def test_bad_user_names_are_refused(tree, username):
    with pytest.raises(OrganisationError) as refused:
        organisation.create_user(username, [tree["ka"]])
    assert refused.value.field == "username"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_deactivation_keeps_records_and_stops_log_in_and_tokens(client, tree, staff):
    user, password = organisation.create_user("sato", [tree["ka"]])
    form = _form_in(tree["ka"], user, "fukushi")
    submit(form, published_definition(form), {"name": "一関 太郎", "age": 30})
    token = create_token(user)
    organisation.deactivate_user(user)

    db.session.expire_all()
    assert db.session.get(Form, form.id).created_by_id == user.id
    assert store.count(form) == 1
    assert db.session.get(User, user.id) is not None
    assert _log_in(client, "sato", password).status_code == 422
    response = client.get("/api/v1/forms", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401

    organisation.reactivate_user(user)
    assert _log_in(client, "sato", password).status_code == 302
    response = client.get("/api/v1/forms", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


# -- command line ----------------------------------------------------------------------------


def test_cli_creates_nested_departments(runner):
    assert runner.invoke(args=["atsume", "create-department", "保健福祉部"]).exit_code == 0
    result = runner.invoke(args=["atsume", "create-department", "福祉課", "--parent", "保健福祉部"])
    assert result.exit_code == 0, result.output
    assert "under 保健福祉部" in result.output
    ka = organisation.department_named("福祉課")
    assert ka.parent.name == "保健福祉部"


def test_cli_refuses_unknown_parent_and_duplicates(runner):
    result = runner.invoke(args=["atsume", "create-department", "福祉課", "--parent", "無い部"])
    assert result.exit_code != 0 and "無い部" in result.output
    runner.invoke(args=["atsume", "create-department", "福祉課"])
    again = runner.invoke(args=["atsume", "create-department", "福祉課"])
    assert again.exit_code != 0 and "already exists" in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Department)) == 1


def test_cli_creates_a_user_in_several_departments(runner, client):
    runner.invoke(args=["atsume", "create-department", "福祉課"])
    runner.invoke(args=["atsume", "create-department", "総務部"])
    result = runner.invoke(
        args=["atsume", "create-user", "sato", "--department", "福祉課", "--department", "総務部"]
    )
    assert result.exit_code == 0, result.output
    user = organisation.user_named("sato")
    assert {d.name for d in user.departments} == {"福祉課", "総務部"}
    assert user.department.name == "福祉課"
    password = result.output.rsplit("One-time password: ", 1)[1].split()[0]
    assert _log_in(client, "sato", password).status_code == 302


def test_cli_refuses_a_bad_user_name(runner):
    result = runner.invoke(args=["atsume", "create-user", "a b", "--department", "福祉課"])
    assert result.exit_code != 0 and "user name" in result.output
    assert organisation.user_named("a b") is None


# -- administrators' pages -----------------------------------------------------------------


@pytest.mark.parametrize("method, path", ORGANISATION_PATHS)
def test_organisation_pages_are_for_administrators_only(staff_client, staff, method, path):
    url = path.format(department=staff.department_id, user=staff.id)
    before = (staff.display_name, staff.active, staff.password_hash)
    response = getattr(staff_client, method)(url, data={"name": "x", "display_name": "y"})
    assert response.status_code == 403
    db.session.expire_all()
    staff = db.session.get(User, staff.id)
    assert (staff.display_name, staff.active, staff.password_hash) == before


def test_every_organisation_route_is_checked(app):
    """A new page of the organisation modules must be added to the 403 check above."""
    known = {re.sub(r"\{\w+\}", "", p) for _, p in ORGANISATION_PATHS}
    for rule in app.url_map.iter_rules():
        module = app.view_functions[rule.endpoint].__module__
        if module.startswith("app.staff.organisation"):
            assert re.sub(r"<[^>]+>", "", rule.rule) in known, rule.rule


def test_staff_menu_links_organisation_for_administrators_only(client, staff, admin, login):
    login(staff)
    assert "/staff/users" not in client.get("/staff/forms").get_data(as_text=True)
    client.post("/logout")
    login(admin)
    html = client.get("/staff/forms").get_data(as_text=True)
    assert 'href="/staff/users"' in html and 'href="/staff/departments"' in html


def test_admin_builds_and_moves_the_tree(admin_client):
    admin_client.post("/staff/departments", data={"name": "保健福祉部"})
    bu = organisation.department_named("保健福祉部")
    response = admin_client.post("/staff/departments", data={"name": "福祉課", "parent": bu.id})
    assert response.status_code == 302
    ka = organisation.department_named("福祉課")
    html = admin_client.get("/staff/departments").get_data(as_text=True)
    assert re.search(r'tree-depth-1"><span class="tree-branch"[^>]*>└</span>福祉課', html)

    # Moving 保健福祉部 under its own 課 is refused, next to the field, and changes nothing.
    refused = admin_client.post(
        f"/staff/departments/{bu.id}", data={"name": "保健福祉部", "parent": ka.id}
    )
    assert refused.status_code == 422
    assert 'id="parent-error"' in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Department, bu.id).parent_id is None
    # ...and the page offers only possible parents.
    page = admin_client.get(f"/staff/departments/{bu.id}").get_data(as_text=True)
    assert f'<option value="{ka.id}"' not in page

    admin_client.post("/staff/departments", data={"name": "総務部"})
    somu = organisation.department_named("総務部")
    moved = admin_client.post(
        f"/staff/departments/{ka.id}", data={"name": "福祉課", "parent": somu.id}
    )
    assert moved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Department, ka.id).parent_id == somu.id


def test_duplicate_department_name_is_shown_next_to_the_field(admin_client, department):
    response = admin_client.post("/staff/departments", data={"name": department.name})
    assert response.status_code == 422
    assert 'id="name-error"' in response.get_data(as_text=True)


def test_admin_creates_a_user_whose_password_is_shown_once(admin_client, client, tree):
    response = admin_client.post(
        "/staff/users/new",
        data={
            "username": "sato",
            "display_name": "佐藤 花子",
            "departments": [tree["ka"].id, tree["other"].id],
        },
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = _one_time_passwords(response.get_data(as_text=True))["sato"]
    user = organisation.user_named("sato")
    assert {d.name for d in user.departments} == {"福祉課", "総務部"}
    assert password not in admin_client.get(f"/staff/users/{user.id}").get_data(as_text=True)
    admin_client.post("/logout")
    assert _log_in(client, "sato", password).status_code == 302


def test_new_user_problems_are_shown_and_nothing_is_created(admin_client, tree):
    response = admin_client.post("/staff/users/new", data={"username": "a b"})
    assert response.status_code == 422
    assert 'id="username-error"' in response.get_data(as_text=True)
    response = admin_client.post("/staff/users/new", data={"username": "sato"})
    assert response.status_code == 422
    assert 'id="departments-error"' in response.get_data(as_text=True)
    assert organisation.user_named("sato") is None


def test_admin_edits_departments_and_resets_a_password(admin_client, client, staff, tree):
    response = admin_client.post(
        f"/staff/users/{staff.id}",
        data={"display_name": "職員 一郎", "departments": [tree["kakari"].id]},
    )
    assert response.status_code == 302
    db.session.expire_all()
    staff = db.session.get(User, staff.id)
    assert [d.name for d in staff.departments] == ["障害福祉係"]
    assert staff.display_name == "職員 一郎"

    reset = admin_client.post(f"/staff/users/{staff.id}/reset-password")
    assert reset.headers["Cache-Control"] == "no-store"
    password = _one_time_passwords(reset.get_data(as_text=True))["staff"]
    admin_client.post("/logout")
    assert _log_in(client, "staff", PASSWORD).status_code == 422
    assert _log_in(client, "staff", password).status_code == 302


def test_admin_deactivates_and_reactivates_from_the_page(admin_client, client, staff):
    response = admin_client.post(f"/staff/users/{staff.id}/deactivate")
    assert response.status_code == 302
    listed = admin_client.get("/staff/users").get_data(as_text=True)
    assert ">staff</a>" not in listed  # the list shows active users by default
    inactive = admin_client.get("/staff/users?state=inactive").get_data(as_text=True)
    assert ">staff</a>" in inactive
    admin_client.post(f"/staff/users/{staff.id}/reactivate")
    admin_client.post("/logout")
    assert _log_in(client, "staff", PASSWORD).status_code == 302


def test_admin_cannot_deactivate_or_demote_themselves(admin_client, admin, department):
    admin_client.post(f"/staff/users/{admin.id}/deactivate")
    refused = admin_client.post(
        f"/staff/users/{admin.id}", data={"display_name": "boss", "departments": [department.id]}
    )
    assert refused.status_code == 422
    db.session.expire_all()
    admin = db.session.get(User, admin.id)
    assert admin.active and admin.is_admin


def test_user_list_filters_by_department_and_below(admin_client, tree, staff):
    organisation.create_user("sato", [tree["kakari"]])
    organisation.create_user("suzuki", [tree["other"]])
    only = admin_client.get(f"/staff/users?department={tree['bu'].id}").get_data(as_text=True)
    assert ">sato</a>" not in only
    below = admin_client.get(f"/staff/users?department={tree['bu'].id}&below=1").get_data(
        as_text=True
    )
    assert ">sato</a>" in below and ">suzuki</a>" not in below


def test_templates_of_every_department_of_a_user_are_offered(
    client, make_form, staff, department, other_department, login
):
    from app.models import Template

    form = make_form()
    db.session.add(Template(title="課内のひな形", document=form.draft, department_id=department.id))
    db.session.commit()
    user, _ = organisation.create_user("sato", [other_department, department])
    user.password_hash = staff.password_hash
    user.must_change_password = False
    db.session.commit()
    login(user)
    assert "課内のひな形" in client.get("/staff/forms/new").get_data(as_text=True)


@pytest.mark.parametrize("parent", ["99999999999999", "²", "9999", "-1"])
def test_an_unknown_parent_is_refused_next_to_the_field(admin_client, parent):
    response = admin_client.post("/staff/departments", data={"name": "福祉課", "parent": parent})
    assert response.status_code == 422
    assert 'id="parent-error"' in response.get_data(as_text=True)
    assert organisation.department_named("福祉課") is None


@pytest.mark.parametrize("value", ["99999999999999", "²", "x"])
def test_odd_department_filters_list_everyone(admin_client, value):
    response = admin_client.get(f"/staff/users?department={value}&state=all")
    assert response.status_code == 200
    assert ">boss</a>" in response.get_data(as_text=True)
