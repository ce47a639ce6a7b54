"""The Atsume side of the public-form benchmark: a database with the bench form published,
an administrator with an API token, and the environment gunicorn serves it with."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from app import create_app
from app.cli import create_user
from app.extensions import db
from app.forms import operations
from app.models import User
from app.records import store
from app.tokens import create_token
from bench.public_forms import DOCUMENT

ADMIN = "benchadmin"


@dataclass
class AtsumeSite:
    """What the load generator needs to know about the prepared Atsume instance."""

    env: dict[str, str]
    form_id: int
    slug: str
    token: str
    #: the form's record table, and the column of each field key
    records_table: str
    values_table: str
    columns: dict[str, str]


def environment(url: str, workdir: Path) -> dict[str, str]:
    """Settings for the served app: the bench database, no refusals by the rate limiter or
    the fill-time check (a load generator answers in milliseconds), files kept in *workdir*."""
    return {
        "ATSUME_DATABASE_URL": url,
        "ATSUME_SECRET_KEY": secrets.token_hex(32),
        # the limiter still counts every POST (its cost is part of the measure), but a
        # whole load generator behind one address must not be refused
        "ATSUME_SUBMIT_RATE": "100000000 per minute",
        "ATSUME_MIN_FILL_SECONDS": "0",
        "ATSUME_UPLOAD_DIR": str(workdir / "uploads"),
        "ATSUME_MAIL_DIR": str(workdir / "mail"),
        "ATSUME_MAIL_BACKEND": "file",
    }


def prepare(url: str, workdir: Path) -> AtsumeSite:
    """Create the system tables on *url*, publish the bench form and make an API token."""
    env = environment(url, workdir)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": env["ATSUME_SECRET_KEY"],
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
        create_user(ADMIN, admin=True, departments=())
        admin = db.session.scalar(sa.select(User).where(User.username == ADMIN))
        token = create_token(admin, "public-form benchmark")
        admin = db.session.scalar(sa.select(User).where(User.username == ADMIN))
        form = operations.create_form(dict(DOCUMENT), admin)
        operations.publish(form, admin)
        site = AtsumeSite(
            env=env,
            form_id=form.id,
            slug=form.slug,
            token=token,
            records_table=store.tables_for(form).records.name,
            values_table=store.tables_for(form).values.name,
            columns={e["key"]: e["column"] for e in form.storage},
        )
        db.session.remove()
        db.engine.dispose()
    return site
