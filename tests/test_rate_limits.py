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
    assert 0 < int(refused.headers["Retry-After"]) <= 60  # when to try again
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


def test_the_default_store_counts_and_expires_without_a_thread_per_hit(monkeypatch):
    import threading
    import time

    from limits import RateLimitItemPerSecond
    from limits.strategies import FixedWindowRateLimiter

    from app import limiter_storage

    storage = limiter_storage.SweptMemoryStorage()
    limiter = FixedWindowRateLimiter(storage)
    limit = RateLimitItemPerSecond(3)
    threads = threading.active_count()
    assert [limiter.hit(limit, "10.0.0.1") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(limit, "10.0.0.2")  # another address counts on its own
    assert threading.active_count() == threads
    time.sleep(1.1)
    assert limiter.hit(limit, "10.0.0.1")  # the window has passed
    # unused counters are dropped by the next sweep
    monkeypatch.setattr(limiter_storage, "SWEEP_SECONDS", 0)
    storage._next_sweep = 0
    time.sleep(1.1)
    limiter.hit(limit, "10.0.0.3")
    assert "10.0.0.2" not in "".join(storage.storage)
