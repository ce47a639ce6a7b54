"""The outbox: mail is written with its record (or not at all), sent by the worker, retried
with backoff, failed for good when refused, resent by staff, and carried by RQ on Redis."""

from __future__ import annotations

import copy
import datetime as dt
import os
import uuid

import pytest
import sqlalchemy as sa
from redis import Redis

from app.extensions import db
from app.forms import operations
from app.mail import enqueue, outbox
from app.mail import worker as mail_worker
from app.mail.notify import queue_promotion_mail, submission_step
from app.models import AuditEvent, OutboxMessage
from app.models.types import utcnow
from app.records.submission import submit
from tests.mail_server import EVENT, smtp_server, smtp_settings  # noqa: F401 - fixture

VALUES = {"name": "山田太郎", "mail": "taro@example.jp", "people": 2}


@pytest.fixture
def overrides(smtp_server):  # noqa: F811 - the fixture above
    return smtp_settings(smtp_server.port) | {"ATSUME_MAIL_RETRY_SECONDS": 60}


@pytest.fixture
def event_form(make_form):
    return make_form(copy.deepcopy(EVENT))


def _messages() -> list[OutboxMessage]:
    db.session.rollback()  # a fresh read: workers may have written meanwhile
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def _send_public(client, form, values=VALUES):
    data = {f"f_{k}": str(v) for k, v in values.items()}
    data |= {"submission_token": uuid.uuid4().hex, "action": "submit"}
    response = client.post(f"/f/{form.slug}", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


def test_a_submission_queues_its_mail_and_sends_nothing_in_the_request(
    client, event_form, smtp_server  # noqa: F811
):
    _send_public(client, event_form)
    messages = _messages()
    assert [m.kind for m in messages] == ["auto_reply", "staff_notice"]
    assert all(m.status == "queued" and m.attempts == 0 for m in messages)
    assert messages[0].to == "taro@example.jp"
    assert messages[1].to == "kikaku@city.example.jp"
    assert messages[0].record_id == messages[1].record_id is not None
    assert messages[0].subject.startswith("【市民まつり参加申込】受付番号 ")
    assert "■ 氏名: 山田太郎" in messages[0].body and "■ 参加人数: 2" in messages[0].body
    assert "取り消し" not in messages[0].body  # no cancel link: its line is left out
    assert smtp_server.messages == []  # nothing was sent while the citizen waited


def test_a_rolled_back_submission_leaves_no_mail(app, event_form):
    definition = operations.load_draft(event_form)

    def refuse(record):
        raise RuntimeError("seat check failed")

    with pytest.raises(RuntimeError):
        submit(
            event_form,
            definition,
            VALUES,
            token="t1",
            after_add=[submission_step(event_form, definition), refuse],
        )
    assert _messages() == []


def test_the_api_queues_the_same_mail(api, event_form):
    response = api.post(f"/api/v1/forms/{event_form.id}/records", json=VALUES)
    assert response.status_code == 201
    assert [m.kind for m in _messages()] == ["auto_reply", "staff_notice"]


def test_a_form_without_mail_settings_queues_nothing(client, make_form):
    document = copy.deepcopy(EVENT)
    del document["settings"]["mail"]
    form = make_form(document)
    _send_public(client, form)
    assert _messages() == []


def test_the_worker_sends_and_marks_sent(client, runner, event_form, smtp_server):  # noqa: F811
    _send_public(client, event_form)
    result = runner.invoke(args=["atsume", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "Sent 2 messages" in result.output
    assert sorted(to for _f, tos, _m in smtp_server.recorder.received for to in tos) == [
        "kikaku@city.example.jp",
        "taro@example.jp",
    ]
    assert {m.status for m in _messages()} == {"sent"}
    assert all(m.sent_at and m.attempts == 1 for m in _messages())
    # a second pass sends nothing again
    assert mail_worker.drain() == 0 and len(smtp_server.messages) == 2


def test_a_message_is_taken_by_one_worker_only(client, event_form):
    _send_public(client, event_form)
    first = _messages()[0]
    assert outbox.claim(first.id, 0) is True
    assert outbox.claim(first.id, 0) is False  # the second worker, or a repeated job
    assert _messages()[0].status == "sending"


def _make_due():
    db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=utcnow()))
    db.session.commit()


def test_a_refusing_server_is_retried_with_backoff_then_succeeds(
    client, event_form, smtp_server  # noqa: F811
):
    _send_public(client, event_form)
    smtp_server.recorder.reply = "451 4.3.0 Try again later"
    before = utcnow()
    assert mail_worker.drain() == 0
    messages = _messages()
    assert {m.status for m in messages} == {"queued"}
    assert all(m.attempts == 1 and "451" in m.last_error for m in messages)
    waits = [m.next_attempt_at - before for m in messages]
    assert all(dt.timedelta(seconds=59) <= w <= dt.timedelta(seconds=65) for w in waits)
    assert mail_worker.drain() == 0  # not due yet: nothing is tried

    _make_due()
    assert mail_worker.drain() == 0
    messages = _messages()
    assert all(m.attempts == 2 for m in messages)
    second_waits = [m.next_attempt_at - utcnow() for m in messages]
    assert all(w > dt.timedelta(seconds=110) for w in second_waits)  # doubled

    smtp_server.recorder.reply = None
    _make_due()
    assert mail_worker.drain() == 2
    assert {m.status for m in _messages()} == {"sent"}
    assert len(smtp_server.messages) == 2


def test_a_server_that_is_down_is_retried(client, event_form, smtp_server):  # noqa: F811
    _send_public(client, event_form)
    smtp_server.stop()
    assert mail_worker.drain() == 0
    messages = _messages()
    assert all(m.status == "queued" and m.attempts == 1 for m in messages)
    assert all("Connection" in m.last_error or "refused" in m.last_error for m in messages)
    smtp_server.start()
    _make_due()
    assert mail_worker.drain() == 2


@pytest.mark.parametrize("overrides", [{"ATSUME_MAIL_MAX_ATTEMPTS": 2}], indirect=False)
def test_after_the_last_try_a_message_fails(app, client, make_form, smtp_server):  # noqa: F811
    app.config.update(smtp_settings(smtp_server.port))
    form = make_form(copy.deepcopy(EVENT))
    _send_public(client, form)
    smtp_server.recorder.reply = "421 4.7.0 Too busy"
    mail_worker.drain()
    _make_due()
    mail_worker.drain()
    assert {(m.status, m.attempts) for m in _messages()} == {("failed", 2)}


def test_a_permanent_refusal_fails_at_once_and_staff_resend_it(
    client, staff, login, event_form, smtp_server  # noqa: F811
):
    _send_public(client, event_form)
    smtp_server.recorder.reply = "550 5.1.1 No such user here"
    mail_worker.drain()
    messages = _messages()
    assert {(m.status, m.attempts) for m in messages} == {("failed", 1)}
    assert "550" in messages[0].last_error

    login(staff)
    page = client.get("/staff/outbox?status=failed")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "550 5.1.1 No such user here" in text and "taro@example.jp" in text
    record_page = client.get(f"/staff/forms/{event_form.id}/records/{messages[0].record_id}")
    assert "550 5.1.1 No such user here" in record_page.get_data(as_text=True)
    form_page = client.get(f"/staff/forms/{event_form.id}").get_data(as_text=True)
    assert "このフォームのメールのうち2件を送信できませんでした。" in form_page

    smtp_server.recorder.reply = None
    response = client.post(f"/staff/outbox/{messages[0].id}/resend")
    assert response.status_code == 303
    again = _messages()[0]
    assert (again.status, again.attempts) == ("queued", 0)
    assert mail_worker.drain() == 1
    assert _messages()[0].status == "sent"
    # resending a message that is not failed changes nothing
    assert client.post(f"/staff/outbox/{messages[0].id}/resend").status_code == 409
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "mail.resend"))
    assert [e.detail["message"] for e in events] == [messages[0].id]


def test_outbox_is_shown_only_to_managers(
    client, make_user, other_department, event_form, login
):
    _send_public(client, event_form)
    stranger = make_user("stranger", dept=other_department)
    login(stranger)
    text = client.get("/staff/outbox").get_data(as_text=True)
    assert "taro@example.jp" not in text
    message = _messages()[0]
    assert client.post(f"/staff/outbox/{message.id}/resend").status_code == 404


def test_a_stuck_message_is_taken_back(client, event_form):
    _send_public(client, event_form)
    message = _messages()[0]
    assert outbox.claim(message.id, 0)
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message.id)
        .values(claimed_at=utcnow() - dt.timedelta(hours=1))
    )
    db.session.commit()
    assert outbox.take_back_stuck() == 1
    assert _messages()[0].status == "queued"


def test_promotion_mail_goes_to_the_applicant(app, event_form):
    definition = operations.load_draft(event_form)
    record, _new = submit(event_form, definition, VALUES, token="p1")
    assert queue_promotion_mail(event_form, record, lambda form, rec: "https://x.example/c/1")
    db.session.commit()
    promotion = _messages()[-1]
    assert promotion.kind == "promotion" and promotion.to == "taro@example.jp"
    assert "https://x.example/c/1" in promotion.body


def _redis_or_skip() -> Redis:
    connection = Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        connection.ping()
    except Exception:  # noqa: BLE001
        pytest.skip("no Redis at 127.0.0.1:6379")
    return connection


def test_with_redis_a_job_is_queued_at_commit_and_an_rq_worker_sends(
    app, client, event_form, smtp_server  # noqa: F811
):
    connection = _redis_or_skip()
    name = f"atsume-test-{uuid.uuid4().hex[:10]}"
    app.config.update(ATSUME_REDIS_URL="redis://127.0.0.1:6379/0", ATSUME_RQ_QUEUE=name)
    queue = enqueue.rq_queue(app.config["ATSUME_REDIS_URL"], name)
    try:
        # a rolled-back submission queues no job
        definition = operations.load_draft(event_form)
        with pytest.raises(RuntimeError):
            submit(
                event_form,
                definition,
                VALUES,
                after_add=[submission_step(event_form, definition), _fail],
            )
        assert queue.count == 0
        _send_public(client, event_form)
        assert queue.count == 2  # one job per message, queued at commit
        assert all(m.next_attempt_at > utcnow() for m in _messages())  # the jobs' lease
        mail_worker.serve_rq(interval=1, once=True)
        assert {m.status for m in _messages()} == {"sent"}
        assert len(smtp_server.messages) == 2

        # a lost job: the sweep queues it again once the lease is over
        _send_public(client, event_form)
        queue.empty()
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.status == "queued")
            .values(next_attempt_at=utcnow())
        )
        db.session.commit()
        mail_worker.serve_rq(interval=1, once=True)
        assert {m.status for m in _messages()} == {"sent"}
        assert len(smtp_server.messages) == 4
    finally:
        queue.delete(delete_jobs=True)
        connection.close()


def _fail(record):
    raise RuntimeError("refused")


def test_an_event_auto_reply_carries_the_private_link_and_promotion_mails_follow(
    app, client, make_form
):
    from app.events import registration
    from app.forms.published import published_definition
    from app.records import store
    from tests.event_forms import apply, event

    document = event(1, waitlist=True, cancel_link=True)
    document["settings"]["mail"] = {"auto_reply": {"enabled": True, "field": "email"}}
    form = make_form(document)
    assert apply(client, form, email="first@example.jp").status_code == 303
    assert apply(client, form, email="second@example.jp").status_code == 303
    first, second = _messages()
    assert first.to == "first@example.jp" and second.to == "second@example.jp"
    assert f"/f/{form.slug}/entry/" in first.body  # the link to see, change or cancel
    # {{status}}: the second one is on the waiting list (its label comes from the statuses)
    assert "状態: 受付" in first.body and "状態: 受付" not in second.body

    entry_path = first.body.split("http://localhost", 1)[1].split()[0]
    assert client.get(entry_path).status_code == 200  # the link in the mail opens

    records = sorted({m.record_id for m in (first, second)})
    cancelled = store.get(form, records[0])
    with app.test_request_context():  # as on the applicant's cancel page
        promoted = registration.release_and_promote(
            form, cancelled, None, published_definition(form)
        )
    assert [r.id for r in promoted] == [records[1]]
    promotion = _messages()[-1]
    assert promotion.kind == "promotion" and promotion.to == "second@example.jp"
    assert f"/f/{form.slug}/entry/" in promotion.body


def test_a_mail_problem_never_loses_the_application(client, event_form, monkeypatch):
    from app.mail import compose
    from app.records import store

    def broken(*args, **kwargs):
        raise ValueError("template trouble")

    monkeypatch.setattr(compose, "submission_messages", broken)
    response = _send_public(client, event_form)
    assert response.status_code == 303
    assert store.count(event_form) == 1 and _messages() == []


def test_recipient_and_subject_are_hidden_from_whom_the_item_is_hidden(
    app, client, make_user, other_department, login, make_form
):
    from app.models import Grant

    document = copy.deepcopy(EVENT)
    document["settings"]["mail"]["auto_reply"]["subject"] = "{{name}} 様 受付 {{receipt_no}}"
    form = make_form(document)
    _send_public(client, form)
    manager = make_user("manager", dept=other_department)
    db.session.add(
        Grant(
            form_id=form.id,
            user_id=manager.id,
            rights=["manage", "view_records"],
            fields={"mail": "hidden", "name": "hidden"},
        )
    )
    db.session.commit()
    login(manager)
    reply = _messages()[0]
    for url in ("/staff/outbox", f"/staff/forms/{form.id}/records/{reply.record_id}"):
        text = client.get(url).get_data(as_text=True)
        assert "taro@example.jp" not in text and "山田太郎" not in text, url
        assert "（非表示）" in text or "(hidden)" in text, url
        assert "kikaku@city.example.jp" in text, url  # the staff notification shows no item


def test_several_workers_send_each_message_once(app, client, event_form, smtp_server):  # noqa: F811
    import threading

    for number in range(8):
        _send_public(client, event_form, VALUES | {"mail": f"p{number}@example.jp"})
    assert len(_messages()) == 16
    errors = []

    def work():
        with app.app_context():
            try:
                mail_worker.drain(limit=3)
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                db.session.remove()

    workers = [threading.Thread(target=work) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert errors == []
    ids = [m["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == 16 and len(set(ids)) == 16  # every message once, none twice
    assert {(m.status, m.attempts) for m in _messages()} == {("sent", 1)}


@pytest.mark.skipif(bool(os.environ.get("ATSUME_TEST_DATABASE_URL")), reason="a SQLite file")
def test_the_rq_worker_command_sweeps_lost_jobs_and_stops_on_sigterm(
    app, client, event_form, smtp_server, tmp_path  # noqa: F811
):
    import signal
    import subprocess
    import sys
    import time

    connection = _redis_or_skip()
    name = f"atsume-test-{uuid.uuid4().hex[:10]}"
    redis_url = "redis://127.0.0.1:6379/0"
    app.config.update(ATSUME_REDIS_URL=redis_url, ATSUME_RQ_QUEUE=name)
    queue = enqueue.rq_queue(redis_url, name)
    _send_public(client, event_form)
    queue.empty()  # the jobs are lost (Redis restarted); the rows are still queued
    _make_due()
    environment = os.environ | smtp_settings_env(smtp_server.port) | {
        "ATSUME_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "ATSUME_SECRET_KEY": "test-secret",
        "ATSUME_REDIS_URL": redis_url,
        "ATSUME_RQ_QUEUE": name,
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "atsume", "worker", "--interval", "1"],
        env=environment,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        stdout=(tmp_path / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(smtp_server.messages) < 2:
            time.sleep(0.2)
        assert len(smtp_server.messages) == 2, (tmp_path / "worker.log").read_text()
        worker.send_signal(signal.SIGTERM)  # RQ's warm shut-down: the command ends
        assert worker.wait(timeout=20) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
        queue.delete(delete_jobs=True)
        connection.close()
    assert {m.status for m in _messages()} == {"sent"}


def smtp_settings_env(port: int) -> dict:
    return {
        "ATSUME_MAIL_HOST": "127.0.0.1",
        "ATSUME_MAIL_PORT": str(port),
        "ATSUME_MAIL_SECURITY": "none",
        "ATSUME_MAIL_FROM": "noreply@city.example.jp",
    }
