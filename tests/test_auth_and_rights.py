"""Staff log-in, passwords, rights per department, CSRF, the JSON pages and the public role."""

from __future__ import annotations

import copy
import io
import json
import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from app import passwords as password_hashing
from app.extensions import db, limiter
from app.models import Form, User
from app.passwords import check_password
from app.records import store
from app.seed import sample_documents
from app.tokens import create_token
from tests.conftest import ELECTION, PASSWORD

WRONG_LOGIN = "ユーザー名またはパスワードが正しくありません。"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)


def _form_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Form))


def _logged_in(client) -> bool:
    response = client.get("/staff/forms")
    return response.status_code == 200


@pytest.fixture
def foreign_form(make_form, make_user, other_department):
    """A published form of another department, with one record."""
    owner = make_user("teacher", dept=other_department)
    document = copy.deepcopy(ELECTION) | {"title": "教育委員会の募集", "slug": "kyoiku"}
    form = make_form(document, user=owner)
    from app.forms.published import published_definition
    from app.records.submission import submit

    submit(form, published_definition(form), {"name": "秘密 太郎", "age": 40})
    return form


# -- log-in ---------------------------------------------------------------------------------------


def test_login_with_argon2_password(client, staff):
    assert staff.password_hash.startswith("$argon2id$")
    assert PASSWORD not in staff.password_hash
    response = client.post("/login", data={"username": "staff", "password": PASSWORD})
    assert response.status_code == 302
    assert _logged_in(client)


def test_wrong_password_is_422_with_message_and_not_logged_in(client, staff):
    response = client.post("/login", data={"username": "staff", "password": "wrong password"})
    assert response.status_code == 422
    assert WRONG_LOGIN in response.get_data(as_text=True)
    assert not _logged_in(client)
    # An unknown user gets the very same answer (no hint which part was wrong).
    unknown = client.post("/login", data={"username": "nobody", "password": PASSWORD})
    assert unknown.status_code == 422 and WRONG_LOGIN in unknown.get_data(as_text=True)


def test_inactive_user_cannot_log_in(client, staff):
    staff.active = False
    db.session.commit()
    response = client.post("/login", data={"username": "staff", "password": PASSWORD})
    assert response.status_code == 422
    assert WRONG_LOGIN in response.get_data(as_text=True)
    assert not _logged_in(client)


def test_deactivated_user_loses_a_running_session(staff_client, staff):
    assert _logged_in(staff_client)
    staff.active = False
    db.session.commit()
    assert not _logged_in(staff_client)


def test_old_argon2_parameters_are_upgraded_at_login(client, make_user, monkeypatch):
    monkeypatch.setattr(password_hashing, "_hasher", PasswordHasher())  # production cost
    user = make_user("veteran")
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    user.password_hash = weak
    db.session.commit()
    response = client.post("/login", data={"username": "veteran", "password": PASSWORD})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.password_hash != weak and user.password_hash.startswith("$argon2id$")
    assert not PasswordHasher().check_needs_rehash(user.password_hash)
    assert check_password(user.password_hash, PASSWORD)


@pytest.mark.parametrize(
    "overrides", [{"RATELIMIT_ENABLED": True, "ATSUME_LOGIN_RATE": "3 per minute"}]
)
def test_login_is_rate_limited(client, staff):
    limiter.reset()
    for _ in range(3):
        response = client.post("/login", data={"username": "staff", "password": "guess"})
        assert response.status_code == 422
    blocked = client.post("/login", data={"username": "staff", "password": PASSWORD})
    assert blocked.status_code == 429
    assert not _logged_in(client)
    assert client.get("/login").status_code == 200  # only attempts are counted


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "http:evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_next_cannot_redirect_off_the_site(client, staff, target):
    response = client.post(
        "/login", query_string={"next": target}, data={"username": "staff", "password": PASSWORD}
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert parts.netloc in ("", "localhost"), location
    assert not location.startswith("//") and "\\" not in location and "evil" not in location


def test_next_within_the_site_is_followed(client, staff):
    response = client.post(
        "/login?next=/staff/forms%3Fx%3D1", data={"username": "staff", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/staff/forms?x=1"


def test_anonymous_users_are_sent_to_login(client, make_form):
    form = make_form()
    for url in (
        "/staff/forms",
        f"/staff/forms/{form.id}",
        f"/staff/forms/{form.id}/records",
        f"/staff/forms/{form.id}/records.csv",
        "/staff/account/password",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        location = urlsplit(response.headers["Location"])
        assert location.path == "/login", url
        assert url in location.query.replace("%2F", "/"), url
    assert client.get("/").headers["Location"].endswith("/login")


def test_logout_needs_post(staff_client):
    assert staff_client.get("/logout").status_code == 405
    assert _logged_in(staff_client)
    response = staff_client.post("/logout")
    assert response.status_code == 302
    assert not _logged_in(staff_client)


# -- passwords ------------------------------------------------------------------------------------


def test_must_change_password_comes_before_anything_else(client, staff, make_form, login):
    form = make_form()
    staff.must_change_password = True
    db.session.commit()
    response = login(staff)
    for url in (
        "/staff/forms",
        f"/staff/forms/{form.id}",
        f"/staff/forms/{form.id}/records",
        f"/staff/forms/{form.id}/records.csv",
        "/staff/forms/import",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"] == "/staff/account/password", url
    response = client.post("/staff/forms/import", data={"definition": json.dumps(ELECTION)})
    assert response.headers["Location"] == "/staff/account/password"
    page = client.get("/staff/account/password")
    assert page.status_code == 200

    too_short = client.post(
        "/staff/account/password", data={"current": PASSWORD, "new": "short", "repeat": "short"}
    )
    assert too_short.status_code == 422
    differ = client.post(
        "/staff/account/password",
        data={"current": PASSWORD, "new": "a new password", "repeat": "another one"},
    )
    assert differ.status_code == 422
    wrong = client.post(
        "/staff/account/password",
        data={"current": "not mine at all", "new": "a new password", "repeat": "a new password"},
    )
    assert wrong.status_code == 422
    same = client.post(
        "/staff/account/password", data={"current": PASSWORD, "new": PASSWORD, "repeat": PASSWORD}
    )
    assert same.status_code == 422
    assert client.get("/staff/forms").status_code == 302

    done = client.post(
        "/staff/account/password",
        data={"current": PASSWORD, "new": "a new password", "repeat": "a new password"},
    )
    assert done.status_code == 302
    assert client.get("/staff/forms").status_code == 200
    db.session.refresh(staff)
    assert not staff.must_change_password
    assert staff.password_hash.startswith("$argon2id$")
    assert "a new password" not in staff.password_hash
    assert check_password(staff.password_hash, "a new password")
    assert not check_password(staff.password_hash, PASSWORD)
    assert _form_count() == 1


# -- rights ---------------------------------------------------------------------------------------


def test_staff_see_only_their_departments_forms(staff_client, make_form, foreign_form):
    own = make_form()
    html = staff_client.get("/staff/forms").get_data(as_text=True)
    assert own.title in html
    assert foreign_form.title not in html


@pytest.mark.parametrize(
    "path, method",
    [
        ("", "get"),
        ("/records", "get"),
        ("/records.csv", "get"),
        ("/records.csv?encoding=cp932", "get"),
        ("/records/1", "get"),
        ("/definition", "get"),
        ("/definition", "post"),
        ("/definition.json", "get"),
        ("/publish", "get"),
        ("/publish", "post"),
        ("/open", "post"),
    ],
)
def test_other_departments_pages_are_403(staff_client, foreign_form, path, method):
    before = foreign_form.draft_revision
    response = getattr(staff_client, method)(
        f"/staff/forms/{foreign_form.id}{path}", data={"definition": "{}", "open": "0"}
    )
    assert response.status_code == 403
    assert "秘密" not in response.get_data(as_text=True)
    db.session.refresh(foreign_form)
    assert foreign_form.is_open and foreign_form.draft_revision == before
    assert len(foreign_form.versions) == 1
    assert store.count(foreign_form) == 1


def test_admin_sees_every_department(client, make_user, login, make_form, foreign_form):
    own = make_form()
    admin = make_user("admin", admin=True, dept=None)
    login(admin)
    html = client.get("/staff/forms").get_data(as_text=True)
    assert own.title in html and foreign_form.title in html
    assert client.get(f"/staff/forms/{foreign_form.id}/records").status_code == 200
    csv_body = client.get(f"/staff/forms/{foreign_form.id}/records.csv").get_data()
    assert "秘密 太郎".encode() in csv_body


def test_unknown_form_is_404(staff_client):
    assert staff_client.get("/staff/forms/999999").status_code == 404


# -- CSRF -----------------------------------------------------------------------------------------

CSRF_ON = [{"WTF_CSRF_ENABLED": True}]


@pytest.mark.parametrize("overrides", CSRF_ON)
def test_login_needs_the_csrf_token(client, staff):
    refused = client.post("/login", data={"username": "staff", "password": PASSWORD})
    assert refused.status_code == 400
    assert not _logged_in(client)
    token = _csrf(client.get("/login").get_data(as_text=True))
    accepted = client.post(
        "/login", data={"username": "staff", "password": PASSWORD, "csrf_token": token}
    )
    assert accepted.status_code == 302
    assert _logged_in(client)


@pytest.mark.parametrize("overrides", CSRF_ON)
def test_staff_posts_need_the_csrf_token(client, staff, make_form):
    form = make_form()
    token = _csrf(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": "staff", "password": PASSWORD, "csrf_token": token})
    document = json.dumps(copy.deepcopy(ELECTION) | {"slug": "csrf-new"})

    assert client.post("/staff/forms/import", data={"definition": document}).status_code == 400
    assert client.post(f"/staff/forms/{form.id}/open", data={"open": "0"}).status_code == 400
    assert client.post("/logout").status_code == 400
    assert _form_count() == 1
    db.session.refresh(form)
    assert form.is_open
    assert _logged_in(client)

    page = client.get("/staff/forms/import").get_data(as_text=True)
    created = client.post(
        "/staff/forms/import", data={"definition": document, "csrf_token": _csrf(page)}
    )
    assert created.status_code == 302
    assert _form_count() == 2


@pytest.mark.parametrize("overrides", CSRF_ON)
def test_public_form_needs_the_csrf_token(client, make_form):
    form = make_form()
    html = client.get(f"/f/{form.slug}").get_data(as_text=True)
    submission = re.search(r'name="submission_token"[^>]*value="([0-9a-f]+)"', html).group(1)
    data = {
        "f_name": "一関 太郎",
        "f_age": "30",
        "submission_token": submission,
        "action": "submit",
    }
    refused = client.post(f"/f/{form.slug}", data=data)
    assert refused.status_code == 400
    assert store.count(form) == 0
    accepted = client.post(f"/f/{form.slug}", data=data | {"csrf_token": _csrf(html)})
    assert accepted.status_code == 303
    assert store.count(form) == 1


# -- the JSON pages -------------------------------------------------------------------------------


def test_import_pasted_json_creates_a_draft(staff_client, staff):
    document = copy.deepcopy(ELECTION) | {"slug": "pasted"}
    response = staff_client.post(
        "/staff/forms/import", data={"definition": json.dumps(document, ensure_ascii=False)}
    )
    assert response.status_code == 302
    form = db.session.scalar(sa.select(Form).where(Form.slug == "pasted"))
    assert response.headers["Location"] == f"/staff/forms/{form.id}"
    assert form.title == ELECTION["title"] and not form.is_published
    assert form.department_id == staff.department_id
    assert [f["key"] for f in form.draft["fields"]] == ["name", "age", "ward", "days"]


def test_import_uploaded_file_creates_a_draft(staff_client):
    document = copy.deepcopy(ELECTION) | {"slug": "uploaded"}
    body = b"\xef\xbb\xbf" + json.dumps(document, ensure_ascii=False).encode()  # Excel-style BOM
    response = staff_client.post(
        "/staff/forms/import",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(body), "senkyo.json"), "definition": ""},
    )
    assert response.status_code == 302
    form = db.session.scalar(sa.select(Form).where(Form.slug == "uploaded"))
    assert form is not None and form.title == ELECTION["title"]


def test_start_from_a_sample(staff_client):
    response = staff_client.post("/staff/forms/new", data={"start": "sample-0", "title": ""})
    assert response.status_code == 302
    form = db.session.scalars(sa.select(Form)).one()
    sample = sample_documents()[0]
    assert form.title == sample["title"]
    assert [f["label"] for f in form.draft["fields"]] == [f["label"] for f in sample["fields"]]
    assert form.slug != "senkyo-staff"  # a copy gets its own address
    assert not form.is_published


def test_bad_json_shows_where_and_creates_nothing(staff_client):
    text = '{"title": "壊れた",\n "fields": [}'
    response = staff_client.post("/staff/forms/import", data={"definition": text})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "JSONとして読み取れません。" in html
    assert re.search(r"2[^<]*1[34]", html)  # line 2, column of the error
    assert "壊れた" in html  # the text is kept for correcting
    assert _form_count() == 0


def test_invalid_definition_lists_the_problems_and_creates_nothing(staff_client):
    document = {
        "title": "問題あり",
        "fields": [
            {"key": "age", "type": "number", "label": "年齢", "min": 10, "max": 5},
            {"key": "age", "type": "text", "label": "重複"},
            {"type": "hologram", "label": "謎"},
        ],
    }
    response = staff_client.post(
        "/staff/forms/import", data={"definition": json.dumps(document, ensure_ascii=False)}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    problems = re.findall(r"<li>(.*?)</li>", html[html.index('class="error-summary"') :], re.S)
    assert len(problems) == 3, problems
    assert "年齢" in problems[0] and "重複" in problems[1] and "hologram" in problems[2]
    assert _form_count() == 0


def test_stale_revision_shows_the_conflict_and_keeps_the_text(staff_client, make_form):
    form = make_form(publish=False)
    page = staff_client.get(f"/staff/forms/{form.id}/definition").get_data(as_text=True)
    revision = re.search(r'name="revision" value="(\d+)"', page).group(1)

    mine = copy.deepcopy(ELECTION) | {"title": "私の変更"}
    theirs = copy.deepcopy(ELECTION) | {"title": "他の人の変更"}
    first = staff_client.post(
        f"/staff/forms/{form.id}/definition",
        data={"definition": json.dumps(theirs, ensure_ascii=False), "revision": revision},
    )
    assert first.status_code == 302
    second = staff_client.post(
        f"/staff/forms/{form.id}/definition",
        data={"definition": json.dumps(mine, ensure_ascii=False), "revision": revision},
    )
    assert second.status_code == 422
    html = second.get_data(as_text=True)
    assert "他の人が下書きを保存しました" in html
    assert "私の変更" in html  # what was typed is still there
    db.session.refresh(form)
    assert form.draft["title"] == "他の人の変更"


def test_publish_page_lists_the_changes_before_publishing(staff_client, make_form):
    form = make_form()
    draft = copy.deepcopy(ELECTION)
    draft["fields"][0]["label"] = "お名前"
    draft["fields"].append({"key": "memo", "type": "textarea", "label": "備考"})
    del draft["fields"][2]  # ward
    staff_client.post(
        f"/staff/forms/{form.id}/definition",
        data={"definition": json.dumps(draft, ensure_ascii=False)},
    )

    page = staff_client.get(f"/staff/forms/{form.id}/publish")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<strong>追加</strong>: 備考" in html
    assert "<strong>項目名の変更</strong>: お名前" in html
    assert "地区" in html
    db.session.refresh(form)
    assert form.published_version.number == 1  # looking publishes nothing

    done = staff_client.post(f"/staff/forms/{form.id}/publish")
    assert done.status_code == 302
    db.session.refresh(form)
    assert form.published_version.number == 2
    assert "備考" in staff_client.get(f"/f/{form.slug}").get_data(as_text=True)


# -- the public-only role -------------------------------------------------------------------------


@pytest.mark.parametrize("overrides", [{"ATSUME_ROLE": "public"}])
def test_public_role_serves_only_public_forms(client, make_form, staff):
    form = make_form()
    token = create_token(staff)
    assert client.get(f"/f/{form.slug}").status_code == 200
    for url in (
        "/login",
        "/logout",
        "/staff/forms",
        f"/staff/forms/{form.id}",
        f"/staff/forms/{form.id}/records.csv",
        "/staff/account/password",
        "/api/v1/forms",
        f"/api/v1/forms/{form.id}/records",
    ):
        assert client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 404, url
    login = client.post("/login", data={"username": "staff", "password": PASSWORD})
    assert login.status_code == 404
    assert (
        client.post(
            f"/api/v1/forms/{form.id}/records",
            json={"name": "x"},
            headers={"Authorization": f"Bearer {token}"},
        ).status_code
        == 404
    )
    assert store.count(form) == 0
    home = client.get("/")
    assert home.status_code == 200 and "/login" not in home.get_data(as_text=True)
    assert db.session.scalar(sa.select(User).where(User.username == "staff")) is not None
