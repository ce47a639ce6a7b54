"""Two-step verification (TOTP): enrolment with a QR code and recovery codes, the
second step of log-in, recovery codes, turning it off, and an office that requires it."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
import sqlalchemy as sa

from app import second_factor
from app.extensions import db
from app.models import LoginSession, RecoveryCode
from tests.conftest import PASSWORD, log_in


def _code(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def _enrol(client) -> tuple[str, list[str]]:
    """Turn two-step verification on for the logged-in *client*; return the secret and
    the recovery codes shown."""
    page = client.get("/staff/account/two-factor").get_data(as_text=True)
    secret = re.search(r'id="secret-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    done = client.post("/staff/account/two-factor", data={"code": _code(secret)})
    assert done.status_code == 200, done.get_data(as_text=True)
    codes = re.findall(r"<li><code>([a-z2-9-]+)</code></li>", done.get_data(as_text=True))
    return secret, codes


def _sessions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession))


def _password_step(client, user, password=PASSWORD, next_url=None):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    response = client.post(url, data={"username": user.username, "password": password})
    assert response.status_code == 302
    return response


def test_enrolment_shows_a_qr_code_then_ten_recovery_codes_once(staff_client, staff):
    page = staff_client.get("/staff/account/two-factor")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<img class="qr-code" src="/staff/account/two-factor/qr.svg"' in html
    qr = staff_client.get("/staff/account/two-factor/qr.svg")
    assert qr.mimetype == "image/svg+xml" and qr.headers["Cache-Control"] == "no-store"
    svg = qr.get_data(as_text=True)
    assert svg.startswith("<svg") and "<script" not in svg and "style=" not in svg

    wrong = staff_client.post("/staff/account/two-factor", data={"code": "000000"})
    assert wrong.status_code == 422
    assert "確認コードが正しくありません。" in wrong.get_data(as_text=True)
    db.session.refresh(staff)
    assert not second_factor.is_enrolled(staff)

    secret, codes = _enrol(staff_client)
    assert len(codes) == 10 and len(set(codes)) == 10
    db.session.refresh(staff)
    assert staff.totp_secret and secret not in staff.totp_secret  # stored encrypted
    stored = {row.code_hash for row in db.session.scalars(sa.select(RecoveryCode))}
    assert len(stored) == 10 and not any(code in stored for code in codes)  # hashes only
    again = staff_client.get("/staff/account/two-factor").get_data(as_text=True)
    assert secret not in again and codes[0] not in again
    assert "未使用のリカバリーコードが10個あります。" in again
    assert staff_client.get("/staff/account/two-factor/qr.svg").status_code == 404


def test_enrolment_ends_the_other_log_ins(app, staff_client, staff):
    phone = log_in(app.test_client(), staff)
    _enrol(staff_client)
    assert phone.get("/staff/forms").status_code == 302
    assert staff_client.get("/staff/forms").status_code == 200


def test_log_in_asks_for_the_code_before_any_session_exists(app, staff_client, staff):
    secret, _codes = _enrol(staff_client)
    client = app.test_client()
    step = _password_step(client, staff, next_url="/staff/account/password")
    assert step.headers["Location"] == "/login/code"
    assert _sessions() == 1  # only the enrolling browser's
    assert client.get("/staff/forms").status_code == 302  # not logged in yet
    assert "ログインの2段階目" in client.get("/login/code").get_data(as_text=True)

    wrong = client.post("/login/code", data={"code": "123456"})
    assert wrong.status_code == 422
    assert "確認コードが正しくないか、すでに使われたコードです。" in wrong.get_data(as_text=True)

    code = _code(secret, 1)
    done = client.post("/login/code", data={"code": code})
    assert done.status_code == 302 and done.headers["Location"] == "/staff/account/password"
    assert _sessions() == 2
    assert client.get("/staff/forms").status_code == 200

    replay = app.test_client()  # the same code cannot be used again
    _password_step(replay, staff)
    assert replay.post("/login/code", data={"code": code}).status_code == 422


def test_a_recovery_code_works_once(app, staff_client, staff):
    _secret, codes = _enrol(staff_client)
    client = app.test_client()
    _password_step(client, staff)
    typed = "  " + codes[3].upper().replace("-", " ") + " "  # as a person may type it
    done = client.post("/login/code", data={"code": typed}, follow_redirects=True)
    assert "リカバリーコードを使いました。残りは9個です。" in done.get_data(as_text=True)
    again = app.test_client()
    _password_step(again, staff)
    assert again.post("/login/code", data={"code": codes[3]}).status_code == 422


def test_wrong_codes_lock_the_account(app, staff_client, staff):
    secret, _codes = _enrol(staff_client)
    client = app.test_client()
    _password_step(client, staff)
    statuses = [client.post("/login/code", data={"code": "000000"}).status_code for _ in range(5)]
    assert statuses == [422] * 4 + [429]
    assert client.get("/login/code").status_code == 302  # back to the first step
    locked = client.post("/login", data={"username": "staff", "password": PASSWORD})
    assert locked.status_code == 429


def test_the_second_step_expires(app, staff_client, staff):
    _enrol(staff_client)
    client = app.test_client()
    _password_step(client, staff)
    with client.session_transaction() as cookie:
        cookie["pending_login"] = {**cookie["pending_login"], "at": time.time() - 301}
    response = client.get("/login/code", follow_redirects=True)
    assert "ログインの手続きに時間がかかりすぎました。" in response.get_data(as_text=True)


def test_the_code_step_without_a_password_goes_back_to_the_log_in(client):
    response = client.post("/login/code", data={"code": "123456"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_turning_it_off_needs_the_password(app, staff_client, staff):
    _enrol(staff_client)
    wrong = staff_client.post("/staff/account/two-factor/disable", data={"password": "nope"})
    assert wrong.status_code == 422
    assert "現在のパスワードが正しくありません。" in wrong.get_data(as_text=True)
    done = staff_client.post("/staff/account/two-factor/disable", data={"password": PASSWORD})
    assert done.status_code == 302
    db.session.refresh(staff)
    assert not second_factor.is_enrolled(staff)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    log_in(app.test_client(), staff)  # the password alone logs in again


def test_new_recovery_codes_replace_the_old_ones(app, staff_client, staff):
    _secret, old = _enrol(staff_client)
    done = staff_client.post(
        "/staff/account/two-factor/recovery-codes", data={"password": PASSWORD}
    )
    new = re.findall(r"<li><code>([a-z2-9-]+)</code></li>", done.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    client = app.test_client()
    _password_step(client, staff)
    assert client.post("/login/code", data={"code": old[0]}).status_code == 422
    assert client.post("/login/code", data={"code": new[0]}).status_code == 302


def test_an_administrator_turns_it_off_for_a_lost_phone(app, staff_client, staff, runner):
    _enrol(staff_client)
    result = runner.invoke(args=["atsume", "reset-totp", "staff"])
    assert result.exit_code == 0, result.output
    assert staff_client.get("/staff/forms").status_code == 302  # their log-ins ended
    log_in(app.test_client(), staff)


@pytest.mark.parametrize("overrides", [{"ATSUME_REQUIRE_TOTP": True}])
def test_an_office_that_requires_it_sends_users_to_enrol_first(staff_client, staff, make_form):
    form = make_form()
    for url in ("/staff/forms", f"/staff/forms/{form.id}/records", "/staff/account/password"):
        response = staff_client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"] == "/staff/account/two-factor", url
    page = staff_client.get("/staff/account/two-factor").get_data(as_text=True)
    assert "この組織では2段階認証が必須です。" in page
    _enrol(staff_client)
    assert staff_client.get(f"/staff/forms/{form.id}/records").status_code == 200
    page = staff_client.get("/staff/account/two-factor").get_data(as_text=True)
    assert "2段階認証をオフにする" not in page
    refused = staff_client.post("/staff/account/two-factor/disable", data={"password": PASSWORD})
    assert refused.status_code == 403
