"""An account is locked for a while after repeated failed log-ins, counted in the
database per user name; unknown names get exactly the same answers."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.models import LoginThrottle
from tests.conftest import PASSWORD

LOCKED = "このユーザー名ではログインの失敗が続いたため、15分間ロックしています。"
WRONG = "ユーザー名またはパスワードが正しくありません。"


def _try(client, username, password="wrong guess"):
    response = client.post("/login", data={"username": username, "password": password})
    text = response.get_data(as_text=True)
    message = LOCKED if LOCKED in text else WRONG if WRONG in text else None
    return response.status_code, message


def _logs_in(client, password=PASSWORD) -> bool:
    response = client.post("/login", data={"username": "staff", "password": password})
    return response.status_code == 302


def test_five_failures_lock_the_account_even_against_the_right_password(client, staff):
    answers = [_try(client, "staff") for _ in range(5)]
    assert answers[:4] == [(422, WRONG)] * 4
    assert answers[4] == (429, LOCKED)  # the fifth failure locks at once
    assert _try(client, "staff", PASSWORD) == (429, LOCKED)
    assert client.get("/staff/forms").status_code == 302  # not logged in


def test_the_lock_ends_after_its_minutes(client, staff):
    for _ in range(5):
        _try(client, "staff")
    row = db.session.scalar(sa.select(LoginThrottle))
    row.locked_until = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=1)
    db.session.commit()
    assert _logs_in(client)


def test_an_unknown_user_name_gets_the_same_answers_as_an_account(client, staff):
    known = [_try(client, "staff") for _ in range(6)]
    unknown = [_try(client, "nobody") for _ in range(6)]
    assert known == unknown
    assert unknown[-1] == (429, LOCKED)


def test_a_completed_log_in_forgets_earlier_failures(client, staff):
    for _ in range(4):
        _try(client, "staff")
    assert _logs_in(client)
    client.post("/logout")
    assert [_try(client, "staff") for _ in range(4)] == [(422, WRONG)] * 4


def test_failures_on_several_servers_add_up(app_config, client, staff):
    other_server = create_app(app_config).test_client()
    for _ in range(3):
        _try(client, "staff")
    for _ in range(2):
        _try(other_server, "staff")
    assert _try(client, "staff", PASSWORD) == (429, LOCKED)


def test_failures_outside_the_window_start_the_count_anew(client, staff):
    for _ in range(4):
        _try(client, "staff")
    row = db.session.scalar(sa.select(LoginThrottle))
    row.first_failure_at -= dt.timedelta(minutes=16)
    db.session.commit()
    assert _try(client, "staff") == (422, WRONG)
    assert _logs_in(client)


def test_the_user_name_typed_is_not_stored(client, staff):
    _try(client, "my secret password typed in the wrong box")
    stored = " ".join(str(v) for row in db.session.execute(sa.select(LoginThrottle)) for v in row)
    assert "secret" not in stored


def test_an_administrator_unlocks_with_the_cli(client, staff, runner):
    for _ in range(5):
        _try(client, "staff")
    result = runner.invoke(args=["atsume", "unlock-user", "staff"])
    assert result.exit_code == 0 and "Unlocked staff." in result.output
    assert _logs_in(client)
    again = runner.invoke(args=["atsume", "unlock-user", "staff"])
    assert "staff was not locked." in again.output


def test_a_password_reset_unlocks(client, staff, runner):
    for _ in range(5):
        _try(client, "staff")
    result = runner.invoke(args=["atsume", "reset-password", "staff"])
    password = result.output.split("One-time password: ")[1].split()[0]
    assert _logs_in(client, password)


@pytest.mark.parametrize(
    "overrides",
    [{"ATSUME_LOCKOUT_FAILURES": 2, "ATSUME_LOCKOUT_MINUTES": 60}],
)
def test_the_limits_are_settings(client, staff):
    assert _try(client, "staff")[0] == 422
    status, _message = _try(client, "staff")
    page = client.post("/login", data={"username": "staff", "password": PASSWORD})
    assert status == 429 and "60分間ロック" in page.get_data(as_text=True)


@pytest.mark.parametrize("value", ["0", "five", "-3"])
def test_a_bad_lockout_setting_stops_start_up(app_config, monkeypatch, value):
    monkeypatch.setenv("ATSUME_LOCKOUT_FAILURES", value)
    with pytest.raises(ValueError, match="ATSUME_LOCKOUT_FAILURES"):
        create_app(app_config)
