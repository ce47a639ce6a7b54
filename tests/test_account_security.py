"""Account weaknesses: user-name timing, guessing the current password, weak passwords,
and each message of the password page shown once."""

from __future__ import annotations

import statistics
import time

import pytest
from argon2 import PasswordHasher

from app import passwords as password_hashing
from app.extensions import db, limiter
from app.passwords import check_password
from tests.conftest import PASSWORD, log_in

NEW_PASSWORD = "a much better passphrase"


def _change(client, new, current=PASSWORD, repeat=None):
    data = {"current": current, "new": new, "repeat": new if repeat is None else repeat}
    return client.post("/staff/account/password", data=data)


def _login_time(client, username: str) -> float:
    started = time.perf_counter()
    response = client.post("/login", data={"username": username, "password": "wrong guess"})
    assert response.status_code == 422
    return time.perf_counter() - started


@pytest.mark.parametrize("overrides", [{"ATSUME_LOCKOUT_FAILURES": 100}])  # timing only
def test_unknown_and_inactive_users_are_answered_as_slowly_as_known_ones(
    client, staff, make_user, monkeypatch
):
    # A cost high enough to stand out from the rest of a request (production's is higher).
    monkeypatch.setattr(password_hashing, "_hasher", PasswordHasher(memory_cost=16384))
    staff.password_hash = password_hashing.hash_password(PASSWORD)
    retired = make_user("retired")
    retired.active = False
    db.session.commit()
    _login_time(client, "nobody")  # the first unknown user prepares the comparison hash
    times = {"staff": [], "nobody": [], "retired": []}
    for _ in range(7):  # in turns, so that a busy machine slows each kind alike
        for username, measured in times.items():
            measured.append(_login_time(client, username))
    known, unknown, inactive = (statistics.median(t) for t in times.values())
    # Before, an unknown user was answered in a small fraction of the time (7 ms vs 200+ ms).
    assert unknown > 0.4 * known, (unknown, known)
    assert inactive > 0.4 * known, (inactive, known)


@pytest.mark.parametrize(
    "overrides", [{"RATELIMIT_ENABLED": True, "ATSUME_PASSWORD_RATE": "3 per 15 minutes"}]
)
def test_guessing_the_current_password_is_rate_limited_per_account(
    app, client, staff, make_user
):
    limiter.reset()
    log_in(client, staff)
    for _ in range(3):  # mistakes in the new password are not guesses and do not count
        assert _change(client, "short").status_code == 422
    for _ in range(3):
        assert _change(client, NEW_PASSWORD, current="guess 1234").status_code == 422
    blocked = _change(client, NEW_PASSWORD)  # even the right one, now
    assert blocked.status_code == 429
    error = blocked.get_data(as_text=True).split('id="current-error"', 1)[1].split("</p>", 1)[0]
    assert "パスワードの誤りが続いたため、受け付けを止めています。15分後に" in error
    db.session.refresh(staff)
    assert check_password(staff.password_hash, PASSWORD)
    assert client.get("/staff/account/password").status_code == 200
    # Another account (from the same address) has its own allowance.
    other = log_in(app.test_client(), make_user("colleague"))
    assert _change(other, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("aaaaaaaaaa", "同じ文字（1〜2種類の文字）の繰り返しは推測されやすいため使えません。"),
        ("abababababab", "同じ文字（1〜2種類の文字）の繰り返しは推測されやすいため使えません。"),
        ("password123", "このパスワードはよく使われているため使えません。"),
        ("Qwertyuiop", "このパスワードはよく使われているため使えません。"),
        ("1234567890", "このパスワードはよく使われているため使えません。"),
        ("staff12345", "ユーザー名をもとにしたパスワードは使えません。"),
        ("StaffStaff!", "ユーザー名をもとにしたパスワードは使えません。"),
        ("short", "パスワードが短すぎます。10文字以上にしてください。"),
    ],
)
def test_weak_passwords_are_refused_next_to_the_field(staff_client, staff, new, message):
    response = _change(staff_client, new)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = html.split('id="new-error"', 1)[1].split("</p>", 1)[0]
    assert message in error
    db.session.refresh(staff)
    assert check_password(staff.password_hash, PASSWORD)


@pytest.mark.parametrize("new", ["staff member since 2019", "いちのせき市役所の職員", NEW_PASSWORD])
def test_good_passwords_are_accepted(staff_client, staff, new):
    assert _change(staff_client, new).status_code == 302
    db.session.refresh(staff)
    assert check_password(staff.password_hash, new)


def test_the_password_page_shows_each_message_once(staff_client):
    response = _change(staff_client, "short", repeat="other")
    html = response.get_data(as_text=True)
    hint = (
        "10文字以上。よく使われるパスワード、同じ文字の繰り返し、"
        "ユーザー名をもとにしたものは使えません。"
    )
    assert html.count("10文字以上にしてください。") == 1  # the error, and not the hint again
    assert html.count(hint) == 1
    assert html.count("新しいパスワードが一致しません。") <= 1
    assert 'aria-describedby="new-help new-error"' in html
