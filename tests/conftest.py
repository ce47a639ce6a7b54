"""Fixtures: an app on an isolated database per test (SQLite, or PostgreSQL when
ATSUME_TEST_DATABASE_URL is set), a client, a CLI runner and factories."""

from __future__ import annotations

import copy
import os
import uuid

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import g

from app import create_app
from app import passwords as password_hashing
from app.extensions import db as _db
from app.forms import operations
from app.forms.published import clear_cache
from app.models import Department, Form, User
from app.passwords import hash_password
from app.tokens import create_token

PG_URL = os.environ.get("ATSUME_TEST_DATABASE_URL")
PASSWORD = "correct horse battery"

#: the definition contract of issue 2, as written there ("a document like this stays valid")
ELECTION = {
    "title": "選挙事務スタッフ募集",
    "slug": "senkyo-staff",
    "description": "…",
    "fields": [
        {"key": "name", "type": "text", "label": "氏名", "required": True},
        {"key": "age", "type": "number", "label": "年齢", "min": 18, "max": 99},
        {"key": "ward", "type": "radio", "label": "地区", "choices": ["一関", "花泉"]},
        {
            "key": "days",
            "type": "checkboxes",
            "label": "希望日",
            "choices": [{"value": "d1", "label": "6月30日"}, {"value": "d2", "label": "7月1日"}],
        },
    ],
}


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing():
    """Real argon2, with the cheapest cost: tests hash many passwords."""
    original = password_hashing._hasher
    password_hashing._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    password_hashing._hasher = original


@pytest.fixture
def database(tmp_path):
    """Engine options for a database nobody else uses."""
    if not PG_URL:
        yield {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.db'}"}
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield {
        "SQLALCHEMY_DATABASE_URI": PG_URL,
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-csearch_path={schema}"}},
    }
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def overrides():
    """Extra settings for the app; a test changes them with @pytest.mark.parametrize."""
    return {}


@pytest.fixture
def app_config(database, overrides, tmp_path):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "ATSUME_UPLOAD_DIR": str(tmp_path / "uploads"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "ATSUME_MIN_FILL_SECONDS": 0,  # tests answer faster than a person; spam tests set it
        **database,
        **overrides,
    }


@pytest.fixture
def app(app_config):
    clear_cache()
    application = create_app(app_config)

    @application.teardown_request
    def _forget_request_globals(_exc):
        # The fixture keeps one app context (so one ``g``) for the whole test; in production
        # each request has its own. Forget the per-request caches of Flask-Babel (locale)
        # and Flask-Login (user) so that they do not leak from one request to the next.
        g.pop("_flask_babel", None)
        g.pop("_login_user", None)

    with application.app_context():
        _db.create_all()
        yield application
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def department(app):
    dept = Department(name="選挙管理委員会")
    _db.session.add(dept)
    _db.session.commit()
    return dept


@pytest.fixture
def make_user(app, department):
    def make(username="staff", *, admin=False, dept=department, password=PASSWORD):
        user = User(
            username=username,
            display_name=username,
            password_hash=hash_password(password),
            is_admin=admin,
            department_id=dept.id if dept else None,
            departments=[dept] if dept else [],
        )
        _db.session.add(user)
        _db.session.commit()
        return user

    return make


@pytest.fixture
def staff(make_user):
    return make_user("staff")


@pytest.fixture
def make_form(app, staff):
    def make(document=None, *, publish=True, user=None) -> Form:
        form = operations.create_form(copy.deepcopy(document or ELECTION), user or staff)
        if publish:
            operations.publish(form, user or staff)
        return form

    return make


def log_in(client, user, password=PASSWORD):
    """Log *user* in on *client* (the log-in must succeed)."""
    response = client.post("/login", data={"username": user.username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def login(client):
    return lambda user, password=PASSWORD: log_in(client, user, password)


@pytest.fixture
def other_department(app):
    department = Department(name="教育委員会")
    _db.session.add(department)
    _db.session.commit()
    return department


@pytest.fixture
def other_staff(make_user, other_department):
    """A staff member of another department."""
    return make_user("teacher", dept=other_department)


@pytest.fixture
def staff_client(client, staff, login):
    login(staff)
    return client


@pytest.fixture
def api(client, staff):
    """A client whose requests carry the staff member's API token."""
    token = create_token(staff)

    class Api:
        def __getattr__(self, method):
            def call(url, **kwargs):
                headers = kwargs.pop("headers", {}) | {"Authorization": f"Bearer {token}"}
                return getattr(client, method)(url, headers=headers, **kwargs)

            return call

    return Api()
