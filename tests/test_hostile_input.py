"""Every route, walked with hostile query strings and bodies, answers below 500.

The routes come from ``app.url_map``, so a new route is walked without changing this file.
The walker is logged in as an administrator and sends an API token, so that the requests
reach the code that parses them rather than stopping at the log-in.
"""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.tokens import create_token
from tests.conftest import log_in

DEEP = "[" * 100_000 + "]" * 100_000
SURROGATE = '"a\\udc80b"'

#: raw query strings (so that invalid percent-encodings and repeated names are kept)
HOSTILE_QUERIES = [
    "slug=x",
    "endpoint=x",
    "_method=DELETE",
    "form_id=1&record_id=2&number=3&ticket=x&filename=x",
    "_external=1&_anchor=x&_scheme=javascript",
    "created_at.max=9999-12-31",
    "created_at.min=0001-01-01",
    "created_at.min=2026-02-30&created_at.max=99999-01-01",
    "page=99999999999999999999",
    "page=-1",
    "page=abc",
    "limit=99999999999999999999&offset=99999999999999999999",
    "offset=-5&limit=0",
    "sort=-&dir=x",
    "sort=--id",
    "sort=f_name&dir=desc",
    "age.min=1e999999&age.max=-99999999999999999999999999",
    "f_age.min=1e999999&f_age.max=99999999999999999999999999",
    "age=NaN&f_age=Infinity",
    "name.contains=%00%ff&f_name.contains=%00",
    "receipt_no=%ED%B2%80&receipt_no.contains=%25_",
    "ward=%F0%9F%98%80&f_ward=x&days=d1&days=" + "x" * 3000,
    "lang=xx&lang=en",
    "next=//evil.example&next=%0d%0aLocation:x",
    "encoding=cp932&replace=1",
    "encoding=utf-16",
    "%ff=%fe&a[]=1&a[b]=2",
]

#: (content type, body) pairs for methods that take a body
HOSTILE_BODIES = [
    ("application/json", DEEP),
    ("application/json", '{"a": ' + DEEP + "}"),
    ("application/json", SURROGATE),
    ("application/json", '{"title": ' + SURROGATE + ', "slug": "x", "fields": []}'),
    ("application/json", '{"name": ' + SURROGATE + ', "age": 30}'),
    ("application/json", '{"document": {"title": ' + SURROGATE + '}, "revision": 1}'),
    ("application/json", '{"document": ' + DEEP + ', "revision": 1}'),
    ("application/json", '{"layout": {"root": [' + SURROGATE + ']}, "revision": 1}'),
    ("application/json", '{"revision": 99999999999999999999999999}'),
    ("application/json", '{"x": NaN, "y": 1e999}'),
    ("application/json", '{"x": ' + "9" * 5000 + "}"),
    ("application/json", "[]"),
    ("application/json", "null"),
    ("application/json", "\xff\xfe not json"),
    ("application/x-www-form-urlencoded", "definition=" + DEEP),
    ("application/x-www-form-urlencoded", "definition=" + SURROGATE.replace("\\", "%5C")),
    ("application/x-www-form-urlencoded", "definition=%ED%B2%80&name=%ff&revision=9" + "9" * 30),
    ("application/x-www-form-urlencoded", "f_age=1e999999&f_name=%00&action=submit"),
]

BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def walker(app, client, make_user, make_form):
    """A logged-in administrator's client, and real values for every URL parameter."""
    admin = make_user("admin", admin=True)
    form = make_form()
    page = client.get(f"/f/{form.slug}").get_data(as_text=True)
    token = re.search(r'name="submission_token"[^>]*value="([0-9a-f]+)"', page).group(1)
    sent = client.post(
        f"/f/{form.slug}",
        data={"f_name": "一関", "f_age": "30", "submission_token": token, "action": "submit"},
    )
    assert sent.status_code == 303, sent.get_data(as_text=True)
    values = {
        "form_id": form.id,
        "record_id": 1,
        "number": 1,
        "slug": form.slug,
        "ticket": sent.headers["Location"].rsplit("/", 1)[1],
        "filename": "css/atsume.css",
    }
    headers = {"Authorization": f"Bearer {create_token(admin)}"}

    def path(rule) -> str:
        return rule.build({name: values.get(name, 1) for name in rule.arguments})[1]

    def send(rule, method, query="", content_type=None, body=None) -> str | None:
        """Send one request after logging in again; describe it if it failed with a 5xx."""
        log_in(client, admin)
        url = path(rule)
        try:
            response = client.open(
                url,
                method=method,
                query_string=query,
                data=body,
                content_type=content_type,
                headers=headers,
            )
        except Exception as exc:  # noqa: BLE001 - every failure is reported with its request
            db.session.rollback()  # the test keeps one session across requests
            return f"{method} {url}?{query[:80]} {content_type or ''}: {exc!r:.300}"
        if response.status_code >= 500:
            return f"{method} {url}?{query[:80]} {content_type or ''}: {response.status_code}"
        return None

    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint == "auth.logout")
    return rules, send


def _methods(rule):
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def test_hostile_query_strings_never_give_5xx(walker):
    rules, send = walker
    failures = [
        failure
        for rule in rules
        for method in _methods(rule)
        for query in HOSTILE_QUERIES
        if (failure := send(rule, method, query))
    ]
    assert not failures, "\n".join(failures)


def test_hostile_bodies_never_give_5xx(walker):
    rules, send = walker
    failures = []
    for rule in rules:
        for method in set(_methods(rule)) & BODY_METHODS:
            for content_type, body in HOSTILE_BODIES:
                if failure := send(rule, method, "", content_type, body.encode("utf-8", "replace")):
                    failures.append(failure)
            upload = {"file": (io.BytesIO(DEEP.encode()), "deep.json")}
            if failure := send(rule, method, "", "multipart/form-data", upload):
                failures.append(failure)
    assert not failures, "\n".join(failures)


ARGUMENT_NAMES = [
    "page", "limit", "offset", "sort", "dir", "encoding", "replace", "lang", "next",
    "created_at.min", "created_at.max", "receipt_no", "receipt_no.contains",
    "name", "name.contains", "age", "age.min", "age.max", "ward", "days",
    "f_name", "f_name.contains", "f_age.min", "f_age.max", "f_ward", "f_days",
    "endpoint", "_method", "slug", "form_id",
]  # fmt: skip
EXTREMES = [
    "", "-", "0", "-1", "1e999999", "NaN", "-Infinity", "9" * 25, "-" + "9" * 25,
    "0001-01-01", "9999-12-31", "2026-02-30", "２０２６年４月１日", "\x00", "%", "../..",
]  # fmt: skip
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    choice=st.integers(min_value=0, max_value=10**6),
    query=st.dictionaries(
        st.sampled_from(ARGUMENT_NAMES),
        st.one_of(st.sampled_from(EXTREMES), TEXT, st.integers().map(str)),
        max_size=5,
    ),
)
def test_generated_query_strings_never_give_5xx(walker, choice, query):
    rules, send = walker
    gets = [r for r in rules if "GET" in r.methods and r.endpoint != "auth.logout"]
    rule = gets[choice % len(gets)]
    assert send(rule, "GET", query) is None
