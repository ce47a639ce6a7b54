"""`flask --app app atsume ...`: accounts, API tokens and the demo seed."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.extensions import db
from app.forms import operations
from app.models import ApiToken, Department, Form, FormVersion, User
from app.passwords import check_password
from app.records import store
from app.seed import DEMO_ADMIN, DEMO_DEPARTMENT, answers, sample_documents
from app.seed.answers import demo_answers
from tests.conftest import PASSWORD

SAMPLE_SLUGS = ("senkyo-staff", "shokuin-survey", "event-entry")
#: the sample forms only staff answer
STAFF_SURVEYS = {"shokuin-survey"}


def _one_time_password(output: str) -> str:
    return re.search(r"one-time password: (\S+)", output, re.IGNORECASE).group(1)


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _log_in(client, username, password):
    return client.post("/login", data={"username": username, "password": password})


def test_create_admin_prints_a_one_time_password(runner, client):
    result = runner.invoke(args=["atsume", "create-admin", "boss"])
    assert result.exit_code == 0, result.output
    password = _one_time_password(result.output)
    assert len(password) >= 12
    user = db.session.scalar(sa.select(User).where(User.username == "boss"))
    assert user.is_admin and user.must_change_password
    assert user.password_hash.startswith("$argon2id$") and password not in user.password_hash

    assert _log_in(client, "boss", password).status_code == 302
    forced = client.get("/staff/forms")
    assert forced.status_code == 302
    assert forced.headers["Location"] == "/staff/account/password"
    changed = client.post(
        "/staff/account/password",
        data={"current": password, "new": "my own password", "repeat": "my own password"},
    )
    assert changed.status_code == 302
    assert client.get("/staff/forms").status_code == 200
    client.post("/logout")

    # The one-time password was good for that first log-in only.
    again = _log_in(client, "boss", password)
    assert again.status_code == 422
    assert _log_in(client, "boss", "my own password").status_code == 302


def test_create_admin_twice_fails_and_keeps_the_first(runner):
    first = runner.invoke(args=["atsume", "create-admin", "boss"])
    second = runner.invoke(args=["atsume", "create-admin", "boss"])
    assert second.exit_code != 0
    assert "already exists" in second.output
    assert _count(User) == 1
    user = db.session.scalar(sa.select(User))
    assert check_password(user.password_hash, _one_time_password(first.output))


def test_create_user_in_a_department(runner, client):
    result = runner.invoke(args=["atsume", "create-user", "clerk", "--department", "市民課"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.username == "clerk"))
    assert not user.is_admin and user.department.name == "市民課"
    assert _log_in(client, "clerk", _one_time_password(result.output)).status_code == 302


def test_create_token_prints_a_working_bearer_token(runner, client, staff):
    result = runner.invoke(args=["atsume", "create-token", "staff", "--name", "集計スクリプト"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    response = client.get("/api/v1/forms", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    stored = db.session.scalar(sa.select(ApiToken))
    assert stored.name == "集計スクリプト" and token not in stored.token_hash
    wrong = client.get("/api/v1/forms", headers={"Authorization": f"Bearer {token}x"})
    assert wrong.status_code == 401


def test_create_token_for_an_unknown_user_fails(runner):
    result = runner.invoke(args=["atsume", "create-token", "ghost"])
    assert result.exit_code != 0
    assert _count(ApiToken) == 0


def test_seed_creates_the_demo_once(runner, client):
    result = runner.invoke(args=["atsume", "seed", "--without-answers"])
    assert result.exit_code == 0, result.output
    password = _one_time_password(result.output)

    department = db.session.scalar(sa.select(Department).where(Department.name == DEMO_DEPARTMENT))
    admin = db.session.scalar(sa.select(User).where(User.username == DEMO_ADMIN))
    assert department is not None
    assert admin.is_admin and admin.must_change_password and admin.department_id == department.id
    forms = {f.slug: f for f in db.session.scalars(sa.select(Form))}
    assert set(forms) == set(SAMPLE_SLUGS)
    titles = {doc["slug"]: doc["title"] for doc in sample_documents()}
    for slug in SAMPLE_SLUGS:
        assert forms[slug].is_published and forms[slug].department_id == department.id
        page = client.get(f"/f/{slug}")
        if slug in STAFF_SURVEYS:  # behind the staff log-in
            assert page.status_code == 302 and page.headers["Location"].startswith("/login")
        else:
            assert page.status_code == 200, slug
            assert titles[slug] in page.get_data(as_text=True)
        assert f"/f/{slug}" in result.output

    assert _log_in(client, DEMO_ADMIN, password).status_code == 302

    counts = (_count(Department), _count(User), _count(Form), _count(FormVersion))
    again = runner.invoke(args=["atsume", "seed", "--without-answers"])
    assert again.exit_code == 0, again.output
    assert not re.search(r"one-time password: ", again.output)  # printed once, never again
    after = (_count(Department), _count(User), _count(Form), _count(FormVersion))
    assert after == counts == (1, 1, 3, 3)


def test_a_second_seed_says_where_the_log_in_stands_and_how_to_reset_it(runner, client):
    first = runner.invoke(args=["atsume", "seed", "--without-answers"])
    again = runner.invoke(args=["atsume", "seed", "--without-answers"])
    assert "user 'admin' still has the one-time password printed when it was created" in (
        again.output
    )
    assert "flask --app app atsume reset-password admin" in again.output
    for slug in SAMPLE_SLUGS:
        assert f"Sample form /f/{slug} " in again.output

    reset = runner.invoke(args=["atsume", "reset-password", "admin"])
    assert reset.exit_code == 0, reset.output
    new = _one_time_password(reset.output)
    assert _log_in(client, DEMO_ADMIN, _one_time_password(first.output)).status_code == 422
    assert _log_in(client, DEMO_ADMIN, new).status_code == 302
    forced = client.get("/staff/forms")
    assert forced.headers["Location"] == "/staff/account/password"  # a one-time password again


def test_reset_password_after_the_user_chose_one(runner, client, staff):
    staff.must_change_password = False
    db.session.commit()
    reset = runner.invoke(args=["atsume", "reset-password", "staff"])
    assert reset.exit_code == 0, reset.output
    db.session.expire_all()
    assert db.session.get(User, staff.id).must_change_password is True
    assert _log_in(client, "staff", PASSWORD).status_code == 422
    assert _log_in(client, "staff", _one_time_password(reset.output)).status_code == 302


def test_reset_password_of_an_unknown_user_fails(runner):
    result = runner.invoke(args=["atsume", "reset-password", "ghost"])
    assert result.exit_code != 0 and "no user 'ghost'" in result.output


def test_seed_stores_realistic_demo_answers_the_same_way_every_time(runner, client, monkeypatch):
    full = {slug: count for slug, (count, _make) in answers.DEMO_ANSWERS.items()}
    assert full == {"senkyo-staff": 48, "shokuin-survey": 300, "event-entry": 36}
    assert len(list(demo_answers("shokuin-survey"))) == 300
    # A tenth of them keeps this test fast; the path is the same.
    for slug, (count, make) in list(answers.DEMO_ANSWERS.items()):
        monkeypatch.setitem(answers.DEMO_ANSWERS, slug, (count // 10, make))

    result = runner.invoke(args=["atsume", "seed"])
    assert result.exit_code == 0, result.output
    forms = {f.slug: f for f in db.session.scalars(sa.select(Form))}
    assert {slug: store.count(forms[slug]) for slug in SAMPLE_SLUGS} == {
        "senkyo-staff": 4,
        "shokuin-survey": 30,
        "event-entry": 3,
    }
    assert "Stored 30 demo answers." in result.output
    # Deterministic: the stored answers are the generator's, which gives the same every time.
    assert list(demo_answers("shokuin-survey")) == list(demo_answers("shokuin-survey"))
    first_token, first_values = next(demo_answers("senkyo-staff"))
    stored = store.find_by_token(forms["senkyo-staff"], first_token)
    assert stored.values["f_name"] == first_values["name"]
    assert stored.values["f_days"] == first_values["days"]
    assert stored.receipt_no

    # They show in the staff list like any answers.
    admin = db.session.scalar(sa.select(User).where(User.username == DEMO_ADMIN))
    admin.must_change_password = False
    db.session.commit()
    assert _log_in(client, DEMO_ADMIN, _one_time_password(result.output)).status_code == 302
    page = client.get(f"/staff/forms/{forms['shokuin-survey'].id}/records")
    assert page.status_code == 200 and "30" in page.get_data(as_text=True)

    # Seeding again stores nothing twice.
    again = runner.invoke(args=["atsume", "seed"])
    assert again.exit_code == 0 and "demo answers" not in again.output
    assert store.count(forms["shokuin-survey"]) == 30


def test_seed_without_answers(runner):
    result = runner.invoke(args=["atsume", "seed", "--without-answers"])
    assert result.exit_code == 0, result.output
    assert all(store.count(f) == 0 for f in db.session.scalars(sa.select(Form)))


def test_seed_finds_a_sample_form_that_moved_to_another_address(runner):
    runner.invoke(args=["atsume", "seed", "--without-answers"])
    form = db.session.scalar(sa.select(Form).where(Form.slug == "event-entry"))
    operations.save_draft(form, dict(form.draft, slug="natsu-matsuri"))
    again = runner.invoke(args=["atsume", "seed", "--without-answers"])
    assert again.exit_code == 0, again.output
    assert "Sample form /f/natsu-matsuri " in again.output
    assert _count(Form) == 3
