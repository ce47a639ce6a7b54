"""Alembic migrations build the system tables the models describe, and leave the
per-form record tables (rec_*) alone."""

from __future__ import annotations

import logging

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app import create_app
from app.extensions import db
from app.forms import operations
from app.forms.published import clear_cache, published_definition
from app.models import Department, Form, FormVersion, User
from app.passwords import hash_password
from app.records import store
from app.records.submission import submit
from app.records.tables import system_tables_only

DOCUMENT = {
    "title": "移行確認",
    "slug": "migration-check",
    "fields": [
        {"key": "name", "type": "text", "label": "氏名"},
        {"key": "days", "type": "checkboxes", "label": "希望日", "choices": ["月", "火"]},
    ],
}


@pytest.fixture
def keep_logging():
    """env.py calls logging.config.fileConfig, which disables every logger it does not
    name; put the logging set-up back so later tests still see their log records."""
    manager = logging.root.manager
    disabled = {
        name: logger.disabled
        for name, logger in manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    root_level, root_handlers = logging.root.level, list(logging.root.handlers)
    yield
    for name, logger in manager.loggerDict.items():
        if isinstance(logger, logging.Logger):
            logger.disabled = disabled.get(name, False)
    logging.root.setLevel(root_level)
    logging.root.handlers[:] = root_handlers


@pytest.fixture
def migrated(database, keep_logging):
    """An app whose database was built by the migrations only (no create_all)."""
    clear_cache()
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            **database,
        }
    )
    with application.app_context():
        assert sa.inspect(db.engine).get_table_names() == []  # really empty
        flask_migrate.upgrade()
        yield application
        db.session.remove()
        db.engine.dispose()


def _columns(inspector, table: str) -> set[str]:
    return {c["name"] for c in inspector.get_columns(table)}


def _differences(include_object=system_tables_only) -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include_object, "compare_type": True}
        )
        diffs = compare_metadata(context, db.metadata)
    if db.engine.dialect.name == "sqlite":
        # form <-> form_version refer to each other; SQLite cannot add that constraint
        # after the fact, so the migration leaves it out there (see 0001).
        diffs = [
            d for d in diffs if not (d[0] == "add_fk" and d[1].name == "fk_form_published_version")
        ]
    return diffs


def _publish_a_form_with_records() -> Form:
    department = Department(name="総務課")
    db.session.add(department)
    db.session.commit()
    user = User(
        username="admin",
        password_hash=hash_password("x" * 12),
        is_admin=True,
        department_id=department.id,
    )
    db.session.add(user)
    db.session.commit()
    form = operations.create_form(dict(DOCUMENT), user)
    operations.publish(form, user)
    submit(form, published_definition(form), {"name": "一関 太郎", "days": ["月"]})
    return form


def test_migrations_create_the_tables_and_columns_of_the_models(migrated):
    inspector = sa.inspect(db.engine)
    tables = set(inspector.get_table_names()) - {"alembic_version"}
    assert tables == set(db.metadata.tables)
    for name, table in db.metadata.tables.items():
        assert _columns(inspector, name) == {c.name for c in table.columns}, name
    assert _differences() == []


def test_the_migrated_database_runs_the_app(migrated):
    form = _publish_a_form_with_records()
    assert store.count(form) == 1
    assert migrated.test_client().get(f"/f/{form.slug}").status_code == 200


def test_record_tables_are_ignored_by_the_migrations(migrated):
    form = _publish_a_form_with_records()
    names = set(sa.inspect(db.engine).get_table_names())
    assert {f"rec_{form.id}", f"rec_{form.id}_values"} <= names

    # Without the filter, autogenerate would want to drop the record tables...
    unfiltered = _differences(include_object=lambda *args: True)
    dropped = {d[1].name for d in unfiltered if d[0] == "remove_table"}
    assert dropped == {f"rec_{form.id}", f"rec_{form.id}_values"}
    # ...with it, the record tables are invisible to migrations.
    assert _differences() == []


def test_system_tables_only_filter():
    metadata = sa.MetaData()
    record = sa.Table(
        "rec_7",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("f_name", sa.Text),
    )
    index = sa.Index("ix_rec_7_f_name", record.c.f_name)
    system = sa.Table(
        "form",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(63)),
    )
    assert system_tables_only(record, "rec_7", "table", True, None) is False
    assert system_tables_only(None, "rec_7_values", "table", True, None) is False
    assert system_tables_only(record.c.f_name, "f_name", "column", True, None) is False
    assert system_tables_only(index, "ix_rec_7_f_name", "index", True, None) is False
    assert system_tables_only(system, "form", "table", False, None) is True
    assert system_tables_only(system.c.slug, "slug", "column", False, None) is True
    assert system_tables_only(None, "record_archive", "table", False, None) is True


def test_downgrade_and_upgrade_keep_the_data(migrated):
    form = _publish_a_form_with_records()
    form_id = form.id
    db.session.remove()
    flask_migrate.downgrade(revision="-1")
    flask_migrate.upgrade()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FormVersion)) == 1
    form = db.session.get(Form, form_id)
    assert form.published_version is not None and form.published_version.number == 1
    assert store.count(form) == 1
    assert _differences() == []
