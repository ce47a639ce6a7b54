"""Writes wait for each other instead of failing: citizens and API clients submit while
staff save drafts and publish, on a file database shared by real threads."""

from __future__ import annotations

import copy
import threading
import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.forms import operations
from app.models import ApiToken
from app.records import store
from app.tokens import create_token
from tests.conftest import ELECTION, PASSWORD

ROUNDS = 10
SUBMISSIONS = 30


def _run_threads(targets) -> None:
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a worker is stuck"


class Outcomes:
    """What every worker was answered, collected across threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.errors: list[str] = []
        self.tokens: list[str] = []  # acknowledged public submissions
        self.receipts: list[str] = []  # acknowledged API submissions
        self.published = 0
        self.saved = 0

    def error(self, what: str, response=None, exc: BaseException | None = None) -> None:
        detail = ""
        if response is not None:
            detail = f"{response.status_code} {response.get_data(as_text=True)[:200]}"
        with self.lock:
            self.errors.append(f"{what}: {detail}{exc!r}" if exc else f"{what}: {detail}")


def _citizen(app, slug: str, outcomes: Outcomes):
    def work():
        client = app.test_client()
        for n in range(SUBMISSIONS):
            token = uuid.uuid4().hex
            data = {"f_name": f"市民 {n}", "submission_token": token, "action": "submit"}
            try:
                response = client.post(f"/f/{slug}", data=data)
            except Exception as exc:  # noqa: BLE001 - every failure is counted
                outcomes.error("public submission", exc=exc)
                continue
            if response.status_code != 303:
                outcomes.error("public submission", response)
                continue
            with outcomes.lock:
                outcomes.tokens.append(token)

    return work


def _api_client(app, token: str, form_id: int, outcomes: Outcomes):
    def work():
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        for n in range(SUBMISSIONS):
            try:
                response = client.post(
                    f"/api/v1/forms/{form_id}/records", json={"name": f"API {n}"}, headers=headers
                )
            except Exception as exc:  # noqa: BLE001
                outcomes.error("API submission", exc=exc)
                continue
            if response.status_code != 201:
                outcomes.error("API submission", response)
                continue
            with outcomes.lock:
                outcomes.receipts.append(response.get_json()["receipt_no"])

    return work


def _designer(app, form_id: int, document: dict, revision: int, outcomes: Outcomes):
    """A staff member who adds a question, saves and publishes, again and again."""

    def work():
        client = app.test_client()
        client.post("/login", data={"username": "staff", "password": PASSWORD})
        current = revision
        for n in range(ROUNDS):
            document["fields"].append({"key": f"extra{n}", "type": "text", "label": f"追加 {n}"})
            try:
                saved = client.put(
                    f"/staff/forms/{form_id}/designer/draft",
                    json={"document": document, "revision": current},
                )
                if saved.status_code != 200:
                    outcomes.error("draft save", saved)
                    return
                current = saved.get_json()["form"]["revision"]
                published = client.post(
                    f"/staff/forms/{form_id}/designer/publish", json={"revision": current}
                )
            except Exception as exc:  # noqa: BLE001
                outcomes.error("designer", exc=exc)
                return
            if published.status_code != 200:
                outcomes.error("publish", published)
                return
            with outcomes.lock:
                outcomes.saved += 1
                outcomes.published += 1

    return work


def _api_editor(app, token: str, form_id: int, outcomes: Outcomes):
    """A script that saves and publishes another form through the API."""

    def work():
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        document = copy.deepcopy(ELECTION) | {"slug": "second-form"}
        for n in range(ROUNDS):
            document["description"] = f"第 {n} 版"
            try:
                saved = client.put(f"/api/v1/forms/{form_id}/draft", json=document, headers=headers)
                published = client.post(f"/api/v1/forms/{form_id}/publish", headers=headers)
            except Exception as exc:  # noqa: BLE001
                outcomes.error("API editor", exc=exc)
                return
            if saved.status_code != 200:
                outcomes.error("API draft save", saved)
            elif published.status_code != 200:
                outcomes.error("API publish", published)
            else:
                with outcomes.lock:
                    outcomes.saved += 1
                    outcomes.published += 1

    return work


def test_submissions_drafts_and_publishing_at_once_all_succeed(app, staff, make_form):
    form = make_form()
    second = make_form(copy.deepcopy(ELECTION) | {"slug": "second-form"})
    form_id, slug, second_id = form.id, form.slug, second.id
    document, revision = copy.deepcopy(form.draft), form.draft_revision
    tokens = [create_token(staff, f"script {n}") for n in range(3)]
    db.session.commit()  # the test's own session holds no transaction while the workers run

    outcomes = Outcomes()
    _run_threads(
        [_citizen(app, slug, outcomes) for _ in range(3)]
        + [_api_client(app, token, form_id, outcomes) for token in tokens[:2]]
        + [
            _designer(app, form_id, document, revision, outcomes),
            _api_editor(app, tokens[2], second_id, outcomes),
        ]
    )

    assert outcomes.errors == []
    assert outcomes.published == 2 * ROUNDS and outcomes.saved == 2 * ROUNDS
    db.session.expire_all()
    tables = store.tables_for(form)
    stored_tokens = set(
        db.session.scalars(sa.select(tables.records.c.idempotency_token)).all()
    )
    stored_receipts = set(db.session.scalars(sa.select(tables.records.c.receipt_no)).all())
    assert set(outcomes.tokens) <= stored_tokens
    assert set(outcomes.receipts) <= stored_receipts
    assert len(outcomes.tokens) == 3 * SUBMISSIONS and len(outcomes.receipts) == 2 * SUBMISSIONS
    assert store.count(form) == 5 * SUBMISSIONS
    assert form.published_version.number == ROUNDS + 1


def _api_token_writes(app):
    statements = []

    def note(conn, cursor, statement, *args):
        if statement.startswith("UPDATE api_token"):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    return statements


def test_a_token_s_use_is_written_at_most_once_a_minute(app, api, staff):
    writes = _api_token_writes(app)
    for _ in range(5):
        assert api.get("/api/v1/forms").status_code == 200
    assert len(writes) == 1
    assert db.session.scalar(sa.select(ApiToken.last_used_at)) is not None


def test_a_failure_to_note_a_token_s_use_does_not_fail_the_request(api, monkeypatch, caplog):
    def locked(*args, **kwargs):
        raise sa.exc.OperationalError("UPDATE api_token", {}, Exception("database is locked"))

    monkeypatch.setattr(ApiToken.__table__, "update", locked)
    assert api.get("/api/v1/forms").status_code == 200
    assert "could not record the use of API token" in caplog.text


@pytest.mark.parametrize("overrides", [{"PROPAGATE_EXCEPTIONS": False}])
def test_the_designer_answers_a_server_failure_in_json(staff_client, make_form, monkeypatch):
    form = make_form()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(operations, "save_draft", broken)
    monkeypatch.setattr(operations, "publish", broken)
    body = {"document": form.draft, "revision": form.draft_revision}
    for method, url in (
        ("put", f"/staff/forms/{form.id}/designer/draft"),
        ("post", f"/staff/forms/{form.id}/designer/publish"),
    ):
        response = getattr(staff_client, method)(url, json=body)
        assert response.status_code == 500
        assert response.is_json
        assert "保存されていません" in response.get_json()["error"]
