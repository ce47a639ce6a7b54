"""The organisation migration moves each user's department into their memberships."""

from __future__ import annotations

import flask_migrate
import pytest
import sqlalchemy as sa

from app import rights
from app.extensions import db
from app.models import User
from tests.test_migrations import _differences, keep_logging, migrated  # noqa: F401


@pytest.mark.usefixtures("migrated")
def test_existing_users_keep_their_department_as_a_membership():
    flask_migrate.downgrade(revision="0004_form_address")
    with db.engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO department (id, name) VALUES (1, '総務課')"))
        connection.execute(
            sa.text(
                "INSERT INTO user_account (id, username, display_name, password_hash, is_admin,"
                " must_change_password, active, department_id, created_at)"
                " VALUES (1, 'clerk', '', 'x', false, false, true, 1, '2026-01-01'),"
                " (2, 'root', '', 'x', true, false, true, NULL, '2026-01-01')"
            )
        )
    flask_migrate.upgrade()
    assert _differences() == []
    clerk = db.session.get(User, 1)
    assert [d.name for d in clerk.departments] == ["総務課"]
    assert db.session.get(User, 2).departments == []
    assert rights.with_sub_departments({1}) == {1}
