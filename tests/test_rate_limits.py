"""Public form submissions are rate-limited per client address (behind a proxy too)."""

import pytest

from app.extensions import limiter
from app.records import store

LIMITED = {"RATELIMIT_ENABLED": True, "ATSUME_SUBMIT_RATE": "2 per minute"}


def _post(client, slug, name, forwarded_for=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    data = {"f_name": name, "submission_token": name.encode().hex(), "action": "submit"}
    return client.post(f"/f/{slug}", data=data, headers=headers)


@pytest.mark.parametrize("overrides", [LIMITED])
def test_a_flood_from_one_address_is_refused_and_stores_nothing(client, make_form):
    limiter.reset()
    form = make_form()
    assert _post(client, form.slug, "a").status_code == 303
    assert _post(client, form.slug, "b").status_code == 303
    refused = _post(client, form.slug, "c")
    assert refused.status_code == 429
    assert "1分ほど待って" in refused.get_data(as_text=True)
    assert store.count(form) == 2
    assert client.get(f"/f/{form.slug}").status_code == 200  # reading the form is not limited


@pytest.mark.parametrize("overrides", [LIMITED | {"ATSUME_PROXIES": 1}])
def test_behind_a_proxy_each_citizen_has_their_own_limit(client, make_form):
    limiter.reset()
    form = make_form()
    for name in ("a", "b"):
        assert _post(client, form.slug, name, "203.0.113.7").status_code == 303
    assert _post(client, form.slug, "c", "203.0.113.7").status_code == 429
    assert _post(client, form.slug, "d", "198.51.100.20").status_code == 303
    assert store.count(form) == 3
