"""The baseline for the public-form benchmark: the bench form written by hand in Flask and
Flask-WTF, as a developer would for one form.

The same seven fields and rules as Atsume's bench form (bench/public_forms.py), CSRF on,
Jinja templates, a confirmation page, a validated plain ``INSERT`` (with one row per chosen
day) and a JSON API. Served by gunicorn as ``bench.public_baseline:create_app()``, configured
by the environment: BENCH_BASELINE_DATABASE_URL, BENCH_BASELINE_SECRET_KEY,
BENCH_BASELINE_API_TOKEN.
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
import sqlite3
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, abort, jsonify, redirect, render_template, request, url_for
from flask_wtf import CSRFProtect, FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

from bench.public_forms import AGE_MAX, AGE_MIN, DAYS, DOCUMENT, NAME_MAX, NOTE_MAX, SLUG, WARDS

metadata = sa.MetaData()
answers = sa.Table(
    "baseline_answer",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("name", sa.String(NAME_MAX), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("ward", sa.String(20), nullable=False),
    sa.Column("age", sa.Integer, nullable=False),
    sa.Column("visit", sa.Date),
    sa.Column("note", sa.Text),
)
answer_days = sa.Table(
    "baseline_answer_day",
    metadata,
    sa.Column("answer_id", sa.Integer, sa.ForeignKey("baseline_answer.id"), nullable=False),
    sa.Column("day", sa.String(20), nullable=False),
    sa.Index("ix_baseline_answer_day_day", "day"),
)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class AnswerForm(FlaskForm):
    """The bench form's fields; names match Atsume's (``f_<key>``)."""

    f_name = StringField("氏名", [InputRequired(), Length(max=NAME_MAX)], filters=[_strip])
    f_email = EmailField("メールアドレス", [InputRequired(), Email()], filters=[_strip])
    f_ward = RadioField("地区", [InputRequired()], choices=[SelectChoice(*c) for c in WARDS])
    f_days = CheckboxesField(
        "参加できる日", [InputRequired()], choices=[SelectChoice(*c) for c in DAYS]
    )
    f_age = IntegerField("年齢", [InputRequired(), NumberRange(AGE_MIN, AGE_MAX)])
    f_visit = DateField("来庁予定日", [Optional()])
    f_note = TextAreaField("備考", [Optional(), Length(max=NOTE_MAX)])
    submission_token = HiddenField()


def _engine(url: str, options: dict | None = None) -> sa.Engine:
    engine = sa.create_engine(url, **(options or {}))
    if engine.dialect.name == "sqlite":
        # the usual settings of a SQLite web app: WAL, and wait rather than fail when busy
        @sa.event.listens_for(engine, "connect")
        def _connect(connection, _record):
            if isinstance(connection, sqlite3.Connection):
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA busy_timeout=30000")

    return engine


def create_tables(url: str, options: dict | None = None) -> None:
    """Create the baseline's two tables on *url* (once, before the workers start)."""
    engine = _engine(url, options)
    metadata.create_all(engine)
    engine.dispose()


def _store(engine: sa.Engine, form: AnswerForm) -> int:
    with engine.begin() as connection:
        answer_id = connection.execute(
            answers.insert().values(
                created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                name=form.f_name.data,
                email=form.f_email.data,
                ward=form.f_ward.data,
                age=form.f_age.data,
                visit=form.f_visit.data,
                note=form.f_note.data or None,
            )
        ).inserted_primary_key[0]
        connection.execute(
            answer_days.insert(), [{"answer_id": answer_id, "day": d} for d in form.f_days.data]
        )
    return answer_id


def _json_formdata(payload: dict) -> MultiDict:
    """The API's JSON object as the form's input (field ``key`` -> ``f_key``)."""
    data = MultiDict()
    for key, value in payload.items():
        for item in value if isinstance(value, list) else [value]:
            data.add(f"f_{key}", "" if item is None else str(item))
    return data


def create_app(config: dict | None = None) -> Flask:
    """The baseline app; *config* overrides the settings read from the environment."""
    env = os.environ.get
    app = Flask(__name__, template_folder=str(Path(__file__).with_name("templates")))
    app.config.update(
        SECRET_KEY=env("BENCH_BASELINE_SECRET_KEY", ""),
        DATABASE_URL=env("BENCH_BASELINE_DATABASE_URL", ""),
        API_TOKEN=env("BENCH_BASELINE_API_TOKEN", ""),
        DATABASE_OPTIONS={},  # SQLAlchemy engine options (tests)
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.config.update(config or {})
    engine = _engine(app.config["DATABASE_URL"], app.config["DATABASE_OPTIONS"])
    csrf = CSRFProtect(app)
    title, description = DOCUMENT["title"], DOCUMENT["description"]

    @app.route(f"/f/{SLUG}", methods=["GET", "POST"])
    def fill():
        form = AnswerForm()
        if request.method == "GET" or request.form.get("action") == "back":
            return render_template("baseline/form.html", form=form, title=title, text=description)
        if not form.validate():
            return render_template(
                "baseline/form.html", form=form, title=title, text=description
            ), 422
        if request.form.get("action") != "submit":
            return render_template("baseline/confirm.html", form=form, title=title)
        answer_id = _store(engine, form)
        return redirect(url_for("thanks", answer_id=answer_id), 303)

    @app.get(f"/f/{SLUG}/thanks/<int:answer_id>")
    def thanks(answer_id: int):
        return render_template("baseline/thanks.html", title=title, answer_id=answer_id)

    @app.post(f"/api/forms/{SLUG}/records")
    @csrf.exempt
    def api_create():
        scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
        expected = app.config["API_TOKEN"]
        if scheme != "Bearer" or not expected or not hmac.compare_digest(token, expected):
            abort(401)
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            return jsonify(error="a JSON object is required"), 400
        form = AnswerForm(formdata=_json_formdata(payload), meta={"csrf": False})
        if not form.validate():
            return jsonify(error="invalid", errors=form.errors), 422
        answer_id = _store(engine, form)
        return jsonify(id=answer_id), 201

    return app
