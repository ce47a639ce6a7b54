"""Importing departments and users from CSV: a dry run that shows every row's problems,
then one transaction that writes everything."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from app import organisation, rights
from app.extensions import db
from app.models import Department, User

DEPARTMENTS = "name,parent\n保健福祉部,\n福祉課,保健福祉部\n障害福祉係,福祉課\n"
USERS = (
    "username,display_name,departments,admin\n"
    "sato,佐藤 花子,福祉課;障害福祉係,0\n"
    "suzuki,鈴木 一郎,保健福祉部|選挙管理委員会,1\n"
)


@pytest.fixture
def admin_client(client, make_user, login):
    login(make_user("boss", admin=True))
    return client


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _post(client, action="check", departments="", users="", files=None):
    data = {"action": action, "departments_csv": departments, "users_csv": users}
    for kind, content in (files or {}).items():
        data[f"{kind}_file"] = (io.BytesIO(content), f"{kind}.csv")
    return client.post("/staff/organisation/import", data=data, content_type="multipart/form-data")


def _row_problems(html: str, line: int) -> str:
    """The problems cell of the preview row of file line *line*."""
    match = re.search(
        rf'<tr class="row--problem">\s*<td class="num">{line}</td>'
        r'.*?<ul class="row-problems">(.*?)</ul>',
        html,
        re.S,
    )
    return match.group(1) if match else ""


def test_the_page_documents_the_columns(admin_client):
    html = admin_client.get("/staff/organisation/import").get_data(as_text=True)
    for column in ("name", "parent", "username", "display_name", "departments", "admin"):
        assert f"<code>{column}</code>" in html
    assert "cp932" in html


def test_dry_run_writes_nothing_and_offers_the_import(admin_client):
    before = (_count(Department), _count(User))
    response = _post(admin_client, departments=DEPARTMENTS, users=USERS)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="import"' in html
    assert html.count('<span class="badge badge--ok">') == 5
    assert (_count(Department), _count(User)) == before


def test_import_writes_the_tree_and_users_and_shows_passwords_once(admin_client, client):
    response = _post(admin_client, "import", DEPARTMENTS, USERS)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    passwords = dict(
        re.findall(
            r"<tr><td>([^<]+)</td><td>[^<]*</td><td><code class=\"one-time-password\">([^<]+)<",
            response.get_data(as_text=True),
        )
    )
    assert set(passwords) == {"sato", "suzuki"}

    bu = organisation.department_named("保健福祉部")
    assert {
        d.name
        for d in db.session.scalars(
            sa.select(Department).where(Department.id.in_(rights.with_sub_departments({bu.id})))
        )
    } == {"保健福祉部", "福祉課", "障害福祉係"}
    sato = organisation.user_named("sato")
    assert [d.name for d in sato.departments] == ["福祉課", "障害福祉係"]
    assert sato.department.name == "福祉課" and not sato.is_admin
    suzuki = organisation.user_named("suzuki")
    assert suzuki.is_admin and suzuki.display_name == "鈴木 一郎"
    assert {d.name for d in suzuki.departments} == {"保健福祉部", "選挙管理委員会"}

    admin_client.post("/logout")
    login = client.post("/login", data={"username": "sato", "password": passwords["sato"]})
    assert login.status_code == 302


def test_every_row_problem_is_shown_next_to_its_row(admin_client):
    departments = (
        "name,parent\n"
        "福祉課,無い部\n"  # 2: unknown parent
        "選挙管理委員会,\n"  # 3: exists already
        "甲,乙\n"  # 4: cycle
        "乙,甲\n"  # 5: cycle
        "丙,\n"  # 6: fine
        "丙,\n"  # 7: duplicate of line 6
    )
    users = (
        "username,display_name,departments,admin\n"
        "a b,悪い名前,丙,0\n"  # 2: bad user name
        "sato,佐藤,丁,0\n"  # 3: unknown department
        "sato,佐藤,丙,0\n"  # 4: duplicate of line 3
        "boss,既存,丙,0\n"  # 5: exists already
        "kato,加藤,丙,maybe\n"  # 6: bad admin flag
        "ito,伊藤,,0\n"  # 7: no department
        "ok,問題なし,丙;選挙管理委員会,\n"  # 8: fine
    )
    response = _post(admin_client, departments=departments, users=users)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    dept_html = html.split('id="departments-csv"')[1].split('id="users-csv"')[0]
    user_html = html.split('id="users-csv"')[1]
    assert "無い部" in _row_problems(dept_html, 2)
    assert "選挙管理委員会" in _row_problems(dept_html, 3)
    assert "cycle" in _row_problems(dept_html, 4) or "循環" in _row_problems(dept_html, 4)
    assert _row_problems(dept_html, 5)
    assert _row_problems(dept_html, 6) == ""
    assert "6" in _row_problems(dept_html, 7)
    assert _row_problems(user_html, 2)
    assert "丁" in _row_problems(user_html, 3)
    assert "3" in _row_problems(user_html, 4)
    assert "boss" in _row_problems(user_html, 5)
    assert "maybe" in _row_problems(user_html, 6)
    assert _row_problems(user_html, 7)
    assert _row_problems(user_html, 8) == ""
    assert 'value="import"' not in html


def test_import_with_problems_is_refused_and_writes_nothing(admin_client):
    before = (_count(Department), _count(User))
    users = USERS + "a b,悪い,福祉課,0\n"
    response = _post(admin_client, "import", DEPARTMENTS, users)
    assert response.status_code == 422
    assert (_count(Department), _count(User)) == before


def test_cp932_files_from_excel_are_read(admin_client):
    departments = "部署名,上位部署\r\n保健福祉部,\r\n福祉課,保健福祉部\r\n".encode("cp932")
    users = "ユーザー名,氏名,所属部署,管理者\r\nsato,髙橋 﨑子,福祉課,0\r\n".encode("cp932")
    response = _post(admin_client, "import", files={"departments": departments, "users": users})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert organisation.department_named("福祉課").parent.name == "保健福祉部"
    assert organisation.user_named("sato").display_name == "髙橋 﨑子"


def test_utf8_with_bom_is_read(admin_client):
    response = _post(
        admin_client, "import", files={"departments": ("\ufeff" + DEPARTMENTS).encode()}
    )
    assert response.status_code == 200
    assert organisation.department_named("保健福祉部") is not None


def test_a_file_in_another_encoding_is_refused_with_a_message(admin_client):
    response = _post(admin_client, files={"departments": b"name\n\xff\xfe\x81\x00\n"})
    assert response.status_code == 422
    assert 'id="departments_file-error"' in response.get_data(as_text=True)


def test_a_missing_column_is_named(admin_client):
    response = _post(admin_client, users="login,name\nsato,佐藤\n")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "username" in html.split('id="users-csv"')[1]
    assert _count(User) == 1


def test_old_mac_line_endings_are_read(admin_client):
    response = _post(
        admin_client, "import", departments="name,parent\r保健福祉部,\r福祉課,保健福祉部\r"
    )
    assert response.status_code == 200
    assert organisation.department_named("福祉課").parent.name == "保健福祉部"


def test_a_file_that_is_not_csv_is_refused_with_a_message(admin_client):
    response = _post(admin_client, departments="name\n" + "x" * 200_000 + "\n")
    assert response.status_code == 422
    assert _count(Department) == 1
    section = response.get_data(as_text=True).split('id="departments-csv"')[1]
    assert "2行目はCSVとして読めません。" in section
