"""Deployment roles: the public role serves citizens' forms only, the internal role the
staff side only, both on one shared database; an unknown role stops start-up."""

from __future__ import annotations

import re

import pytest

from app import create_app
from app.tokens import create_token
from tests.conftest import PASSWORD, log_in

CITIZEN = {"f_name": "一関 太郎", "f_age": "30", "f_ward": "花泉", "f_days": ["d1"]}


def _role_app(app_config, role):
    return create_app({**app_config, "ATSUME_ROLE": role})


def _submit(client, slug) -> str:
    page = client.get(f"/f/{slug}")
    assert page.status_code == 200
    token = re.search(r'name="submission_token"[^>]*value="([0-9a-f]+)"', page.get_data(True))
    data = {**CITIZEN, "submission_token": token.group(1), "action": "submit"}
    done = client.post(f"/f/{slug}", data=data)
    assert done.status_code == 303, done.get_data(as_text=True)
    thanks = client.get(done.headers["Location"])
    assert thanks.status_code == 200
    return done.headers["Location"]


def test_public_and_internal_roles_side_by_side_on_one_database(app_config, make_form, staff):
    form = make_form()
    token = create_token(staff)
    public = _role_app(app_config, "public").test_client()
    internal = _role_app(app_config, "internal").test_client()

    # A citizen answers on the public server...
    thanks_url = _submit(public, form.slug)

    # ...and staff see the answer on the internal server.
    log_in(internal, staff)
    records = internal.get(f"/staff/forms/{form.id}/records")
    assert records.status_code == 200
    assert "一関 太郎" in records.get_data(as_text=True)
    api = internal.get(
        f"/api/v1/forms/{form.id}/records", headers={"Authorization": f"Bearer {token}"}
    )
    assert api.status_code == 200 and api.get_json()["total"] == 1

    # The public server has no staff side at all...
    for url in (
        "/login",
        "/login/code",
        "/logout",
        "/staff/forms",
        f"/staff/forms/{form.id}/records",
        "/staff/account/password",
        "/staff/account/two-factor",
        f"/staff/forms/{form.id}/designer",
        "/api/v1/forms",
    ):
        assert public.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 404, url
    assert public.get("/static/js/designer/model.js").status_code == 404

    # ...and the internal server no citizens' forms, nor their thank-you pages.
    assert internal.get(f"/f/{form.slug}").status_code == 404
    assert internal.post(f"/f/{form.slug}", data={**CITIZEN, "action": "submit"}).status_code == 404
    assert internal.get(thanks_url).status_code == 404
    # Staff still preview the form they design there.
    assert internal.get(f"/staff/forms/{form.id}/preview").status_code == 200
    assert internal.get("/static/js/public-form.js").status_code == 200


def test_the_internal_roles_home_is_the_log_in(app_config):
    internal = _role_app(app_config, "internal").test_client()
    home = internal.get("/")
    assert home.status_code == 302 and home.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", ["intranet", "", "PUBLIC"])
def test_an_unknown_role_stops_start_up_naming_the_setting(app_config, role):
    with pytest.raises(ValueError, match="ATSUME_ROLE.*full, public, internal"):
        _role_app(app_config, role)


def test_the_full_role_serves_both_sides(client, make_form, staff):
    form = make_form()
    assert client.get(f"/f/{form.slug}").status_code == 200
    log_in(client, staff, PASSWORD)
    assert client.get(f"/staff/forms/{form.id}/records").status_code == 200
