"""Log-in sessions are kept on the server: log-out, a password change, "log out
everywhere", a password reset and a deactivation end them, copied cookies included."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import LoginSession
from app.tokens import create_token
from tests.conftest import PASSWORD, log_in

NEW_PASSWORD = "a much better passphrase"


def _logged_in(client) -> bool:
    return client.get("/staff/forms").status_code == 200


def _copy_of(app, client):
    """Another browser that holds a copy of *client*'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_logout_ends_the_session_for_a_copied_cookie_too(app, client, staff):
    log_in(client, staff)
    copy = _copy_of(app, client)
    assert _logged_in(copy)
    assert client.post("/logout").status_code == 302
    assert not _logged_in(client)
    assert not _logged_in(copy)
    response = copy.get("/staff/forms")
    assert response.headers["Location"].startswith("/login")


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, client, staff):
    office = log_in(client, staff)
    phone = log_in(app.test_client(), staff)
    page = office.get("/staff/account/password").get_data(as_text=True)
    assert "ほかに1台の端末・ブラウザーでログインしています。" in page
    changed = office.post(
        "/staff/account/password",
        data={"current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert _logged_in(office)
    assert not _logged_in(phone)
    assert "ほかの端末ではログインしていません。" in office.get("/staff/account/password").get_data(
        as_text=True
    )


def test_log_out_everywhere_ends_every_session(app, client, staff, make_user):
    colleague = make_user("colleague")
    office = log_in(client, staff)
    phone = log_in(app.test_client(), staff)
    copy = _copy_of(app, phone)
    theirs = log_in(app.test_client(), colleague)
    page = office.get("/staff/account/password").get_data(as_text=True)
    assert "全端末からログアウト" in page
    response = office.post("/logout/everywhere", follow_redirects=True)
    assert "すべての端末からログアウトしました。" in response.get_data(as_text=True)
    assert not any(_logged_in(c) for c in (office, phone, copy))
    assert _logged_in(theirs)  # other accounts are not touched
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession)) == 1


def test_the_user_menu_leads_to_the_account_page(client, staff):
    page = log_in(client, staff).get("/staff/forms").get_data(as_text=True)
    assert 'href="/staff/account/password"' in page


def test_a_password_reset_ends_the_sessions_and_gives_a_one_time_password(
    app, client, staff, runner
):
    log_in(client, staff)
    result = runner.invoke(args=["atsume", "reset-password", "staff"])
    assert result.exit_code == 0, result.output
    assert not _logged_in(client)
    password = result.output.split(": ")[1].split()[0]
    fresh = log_in(app.test_client(), staff, password)
    assert fresh.get("/staff/forms").headers["Location"] == "/staff/account/password"
    assert runner.invoke(args=["atsume", "reset-password", "nobody"]).exit_code != 0


def test_deactivation_ends_sessions_and_api_tokens(client, staff, runner):
    token = create_token(staff)
    log_in(client, staff)
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/forms", headers=bearer).status_code == 200
    result = runner.invoke(args=["atsume", "deactivate-user", "staff"])
    assert result.exit_code == 0, result.output
    assert not _logged_in(client)
    assert client.get("/api/v1/forms", headers=bearer).status_code == 401
    refused = client.post("/login", data={"username": "staff", "password": PASSWORD})
    assert refused.status_code == 422
