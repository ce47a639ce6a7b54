"""Seats under real concurrency: the app under gunicorn with several worker processes,
200+ simultaneous API submissions, on the test database (a SQLite file, or PostgreSQL
when ATSUME_TEST_DATABASE_URL is set: the server uses the test's own schema)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.events import links, seats
from app.extensions import db
from app.models import RecordRevision
from app.records import store
from app.tokens import create_token
from tests.event_forms import event

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 3
SUBMISSIONS = 200

pytestmark = pytest.mark.skipif(
    shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None,
    reason="gunicorn is not installed",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_database_url(app_config) -> str:
    """The test's database as a URL the server process can use (search_path included)."""
    url = app_config["SQLALCHEMY_DATABASE_URI"]
    options = app_config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {})
    if options.get("options"):
        url += "?" + urllib.parse.urlencode({"options": options["options"]})
    return url


@contextlib.contextmanager
def gunicorn(app_config, tmp_path):
    """The app served by gunicorn with WORKERS processes; yields its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "ATSUME_DATABASE_URL": _server_database_url(app_config),
        "ATSUME_SECRET_KEY": app_config["SECRET_KEY"],
        "ATSUME_SUBMIT_RATE": "100000 per minute",
    }
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers", str(WORKERS),
            "--bind", f"127.0.0.1:{port}",
            "--timeout", "60",
            "--backlog", "1024",
            "app:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((tmp_path / "gunicorn.log").read_text()) from None
                time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _post_all(url: str, token: str, bodies: list[dict]) -> list[tuple[int, dict]]:
    """POST every body at once (one thread each, released together)."""
    results: list[tuple[int, dict] | None] = [None] * len(bodies)
    start = threading.Barrier(len(bodies))

    def send(index: int, body: dict) -> None:
        request = urllib.request.Request(
            url,
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        start.wait()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                results[index] = (response.status, json.loads(response.read()))
        except urllib.error.HTTPError as error:
            results[index] = (error.code, json.loads(error.read() or b"{}"))
        except OSError as error:
            results[index] = (0, {"error": repr(error)})

    threads = [threading.Thread(target=send, args=(i, b)) for i, b in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(r is not None for r in results), "a submission got no answer"
    return results  # type: ignore[return-value]


@pytest.fixture
def server(app, app_config, tmp_path, staff, make_form):
    """(base URL, API token, make_form): forms made before the server starts."""
    token = create_token(staff)
    db.session.commit()

    @contextlib.contextmanager
    def start():
        db.session.commit()
        with gunicorn(app_config, tmp_path) as base:
            yield base, token
        db.session.rollback()  # read what the server wrote, not an older snapshot

    return start


def _cancel_all(urls: list[str]) -> list[int]:
    """Each applicant opens their cancel page and confirms, all at the same time."""
    codes: list[int] = [0] * len(urls)
    start = threading.Barrier(len(urls))

    def cancel(index: int, url: str) -> None:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        page = opener.open(url, timeout=60).read().decode()
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        data = urllib.parse.urlencode({"csrf_token": csrf.group(1)}).encode()
        start.wait()
        with opener.open(url, data=data, timeout=120) as response:
            codes[index] = response.status

    threads = [threading.Thread(target=cancel, args=(i, u)) for i, u in enumerate(urls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return codes


def _statuses(form) -> Counter:
    records = store.tables_for(form).records
    db.session.rollback()
    return Counter(db.session.execute(sa.select(records.c.status)).scalars().all())


def _body(n: int, **values) -> dict:
    return {"name": f"申込者 {n}", "session": "eve", **values}


def test_a_100_seat_form_accepts_exactly_100_of_200(server, make_form):
    form = make_form(event(100))
    with server() as (base, token):
        started = time.monotonic()
        results = _post_all(
            f"{base}/api/v1/forms/{form.id}/records", token,
            [_body(n) for n in range(SUBMISSIONS)],
        )
        assert time.monotonic() - started < 60
    codes = Counter(code for code, _body in results)
    assert codes == {201: 100, 409: 100}, codes
    assert all(body["error"] == "full" for code, body in results if code == 409)
    assert _statuses(form) == {"new": 100}
    assert seats.taken(form)["form"] == 100


def test_count_field_under_concurrency(server, make_form):
    form = make_form(event(100, count_field="participants"))
    bodies = [_body(n, participants=2 if n % 2 else 3) for n in range(SUBMISSIONS)]
    with server() as (base, token):
        results = _post_all(f"{base}/api/v1/forms/{form.id}/records", token, bodies)
    accepted = [bodies[i] for i, (code, _b) in enumerate(results) if code == 201]
    assert {code for code, _b in results} <= {201, 409}
    held = sum(b["participants"] for b in accepted)
    assert 98 <= held <= 100  # the last seats may be fewer than an application needs
    assert seats.taken(form)["form"] == held
    assert _statuses(form) == {"new": len(accepted)}


def test_per_choice_limits_under_concurrency(server, make_form):
    document = event()
    document["fields"][2]["choices"][0]["capacity"] = 40
    document["fields"][2]["choices"][1]["capacity"] = 25
    form = make_form(document)
    bodies = [_body(n, session="am" if n % 2 else "pm") for n in range(SUBMISSIONS + 20)]
    with server() as (base, token):
        results = _post_all(f"{base}/api/v1/forms/{form.id}/records", token, bodies)
    accepted = Counter(bodies[i]["session"] for i, (c, _b) in enumerate(results) if c == 201)
    assert accepted == {"am": 40, "pm": 25}
    assert Counter(code for code, _b in results) == {201: 65, 409: len(bodies) - 65}
    taken = seats.taken(form)
    assert (taken["session=am"], taken["session=pm"]) == (40, 25)


def test_waitlist_under_concurrency_and_cancelling_promotes_in_order(server, make_form):
    form = make_form(event(100, waitlist=True))
    with server() as (base, token):
        results = _post_all(
            f"{base}/api/v1/forms/{form.id}/records", token,
            [_body(n) for n in range(SUBMISSIONS)],
        )
        assert Counter(code for code, _b in results) == {201: SUBMISSIONS}
        statuses = Counter(body["status"] for _code, body in results)
        assert statuses == {"new": 100, "waitlisted": 100}
        waiting = sorted(body["id"] for _c, body in results if body["status"] == "waitlisted")
        accepted = sorted(body["id"] for _c, body in results if body["status"] == "new")
        # 10 applicants cancel through their private links at once, while the server keeps
        # taking new applications
        db.session.rollback()
        links_of = [links.entry_token(form, record_id) for record_id in accepted[:10]]
        late = threading.Thread(
            target=_post_all,
            args=(f"{base}/api/v1/forms/{form.id}/records", token, [_body(n) for n in range(20)]),
        )
        late.start()
        codes = _cancel_all([f"{base}/f/{form.slug}/entry/{t}/cancel" for t in links_of])
        late.join(timeout=120)
    assert codes == [200] * 10
    db.session.rollback()
    promoted = sorted(
        e.record_id
        for e in db.session.scalars(
            sa.select(RecordRevision).where(
                RecordRevision.form_id == form.id, RecordRevision.kind == "promoted"
            )
        )
    )
    assert promoted == waiting[:10]
    assert _statuses(form) == {"new": 100, "cancelled": 10, "waitlisted": 110}
    assert seats.taken(form)["form"] == 100
