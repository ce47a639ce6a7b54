"""A log-in ends after a while without requests (idle timeout) and a while after it
began (absolute timeout), with a message on the log-in page saying why."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import LoginSession
from app.models.types import utcnow
from tests.conftest import log_in

IDLE = "操作がないまま60分たったため、ログアウトしました。"
TOO_OLD = "ログインの有効時間（最長12時間）が過ぎたため、ログアウトしました。"


def _session() -> LoginSession:
    db.session.expire_all()
    return db.session.scalar(sa.select(LoginSession))


def _age(created=None, seen=None):
    row = _session()
    if created is not None:
        row.created_at = utcnow() - created
    if seen is not None:
        row.last_seen_at = utcnow() - seen
    db.session.commit()


def test_an_idle_log_in_ends_with_a_message(client, staff):
    log_in(client, staff)
    _age(seen=dt.timedelta(minutes=61))
    response = client.get("/staff/forms")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert IDLE in page
    assert _session() is None  # ended on the server: a copy of the cookie is useless too
    assert IDLE not in client.get("/login").get_data(as_text=True)  # said once


def test_use_keeps_a_log_in_alive(client, staff):
    log_in(client, staff)
    _age(seen=dt.timedelta(minutes=59))
    assert client.get("/staff/forms").status_code == 200
    assert utcnow() - _session().last_seen_at < dt.timedelta(seconds=30)
    _age(seen=dt.timedelta(minutes=59))
    assert client.get("/staff/forms").status_code == 200


def test_last_seen_is_written_at_most_once_a_minute(client, staff):
    log_in(client, staff)
    _age(seen=dt.timedelta(seconds=30))
    before = _session().last_seen_at
    client.get("/staff/forms")
    assert _session().last_seen_at == before


def test_a_log_in_ends_after_its_longest_time_however_busy(client, staff):
    log_in(client, staff)
    _age(created=dt.timedelta(hours=12, minutes=1), seen=dt.timedelta(seconds=5))
    response = client.get("/staff/forms", follow_redirects=True)
    assert TOO_OLD in response.get_data(as_text=True)
    assert client.get("/staff/forms").status_code == 302


def test_the_designers_requests_get_a_json_answer_after_a_timeout(client, staff, make_form):
    form = make_form()
    log_in(client, staff)
    _age(seen=dt.timedelta(minutes=61))
    response = client.get(
        f"/staff/forms/{form.id}/designer", headers={"Accept": "application/json"}
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    "overrides", [{"ATSUME_SESSION_IDLE_MINUTES": 15, "ATSUME_SESSION_MAX_HOURS": 2}]
)
def test_the_timeouts_are_settings(client, staff):
    log_in(client, staff)
    _age(seen=dt.timedelta(minutes=16))
    page = client.get("/staff/forms", follow_redirects=True).get_data(as_text=True)
    assert "操作がないまま15分たったため" in page
    log_in(client, staff)
    _age(created=dt.timedelta(hours=2, minutes=1))
    page = client.get("/staff/forms", follow_redirects=True).get_data(as_text=True)
    assert "最長2時間" in page
