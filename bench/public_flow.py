"""A citizen's visit, as a browser makes it: open the form, send it to the confirmation
page, submit. Used to take the tokens the wrk scripts reuse, and to measure whole visits
with a few concurrent clients.

The client reads the inputs each page carries (CSRF token, submission token, the
confirmation page's hidden answers …) the same way for both apps, so each app's own
tokens are followed.
"""

from __future__ import annotations

import html
import http.client
import json
import re
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from bench.public_forms import ANSWER, API_ANSWER
from bench.public_wrk import Target

FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.S | re.I)
INPUT = re.compile(r"<input\b([^>]*)>", re.I)
ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
#: what the form page and the confirmation page must contain (both apps)
FORM_MARKER = 'name="csrf_token"'
CONFIRM_MARKER = 'id="confirm-form"'


class FlowError(Exception):
    """A page answered other than a browser's visit expects."""


@dataclass
class Client:
    """One browser: its cookies, sent back on every request to one server."""

    base: str
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, body: str = "", headers=None):
        url = urlsplit(self.base)
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body.encode() if body else None, sent)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _eq, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.headers, text


def form_inputs(page: str, answer_fields=()) -> list[tuple[str, str]]:
    """The (name, value) pairs a browser sends from the page's POST form, leaving out the
    answer fields (*answer_fields*), which the visitor fills in."""
    found = FORM.search(page)
    if not found:
        raise FlowError("no form on the page: " + page[:300])
    pairs = []
    for tag in INPUT.findall(found.group(1)):
        attrs = dict(ATTRIBUTE.findall(tag))
        name, kind = attrs.get("name"), attrs.get("type", "text")
        if not name or name in answer_fields or kind in ("radio", "checkbox", "file"):
            continue
        pairs.append((name, html.unescape(attrs.get("value", ""))))
    return pairs


def answer_pairs() -> list[tuple[str, str]]:
    """The bench answer as the (name, value) pairs a browser posts."""
    return [
        (name, item)
        for name, value in ANSWER.items()
        for item in (value if isinstance(value, list) else [value])
    ]


FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


def open_form(client: Client, path: str) -> list[tuple[str, str]]:
    status, _headers, page = client.request("GET", path)
    if status != 200:
        raise FlowError(f"GET {path}: {status}")
    return form_inputs(page, ANSWER)


def confirm(client: Client, path: str, carried) -> tuple[str, list[tuple[str, str]]]:
    """Send the answer to the confirmation page; return the body sent and what the
    confirmation page's form carries."""
    body = urlencode([*carried, *answer_pairs(), ("action", "confirm")])
    status, _headers, page = client.request("POST", path, body, FORM_HEADERS)
    if status != 200 or CONFIRM_MARKER not in page:
        raise FlowError(f"confirm {path}: {status} {page[:300]}")
    return body, form_inputs(page)


def submit(client: Client, path: str, carried) -> str:
    """Press "submit" on the confirmation page; return the thank-you address."""
    body = urlencode([*carried, ("action", "submit")])
    status, headers, page = client.request("POST", path, body, FORM_HEADERS)
    if status != 303:
        raise FlowError(f"submit {path}: {status} {page[:300]}")
    return headers["Location"]


def visit(base: str, path: str) -> str:
    """One citizen's whole visit with a new browser; return the thank-you address."""
    client = Client(base)
    _body, carried = confirm(client, path, open_form(client, path))
    return submit(client, path, carried)


def targets(base: str, path: str, api_path: str, api_token: str) -> dict[str, Target]:
    """The requests wrk repeats, taken from one real visit: the form, the confirmation POST
    (the visit's cookie and CSRF token), the final submit (the same, with a new submission
    token per request) and the API POST."""
    client = Client(base)
    confirm_body, carried = confirm(client, path, open_form(client, path))
    cookie = {"Cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items())}
    without_token = [(k, v) for k, v in carried if k != "submission_token"]
    submit_body = urlencode([*without_token, ("action", "submit"), ("submission_token", "")])
    return {
        "get": Target("GET", path, 200, {}, marker=FORM_MARKER),
        "confirm": Target(
            "POST", path, 200, {**FORM_HEADERS, **cookie}, confirm_body, marker=CONFIRM_MARKER
        ),
        "submit": Target(
            "POST", path, 303, {**FORM_HEADERS, **cookie}, submit_body, token_per_request=True
        ),
        "api": Target(
            "POST",
            api_path,
            201,
            {"Content-Type": "application/json", "Authorization": f"Bearer {api_token}"},
            json.dumps(API_ANSWER, ensure_ascii=False),
        ),
    }


@dataclass
class FlowRun:
    flows: int
    seconds: float
    errors: int
    first_error: str

    @property
    def rate(self) -> float:
        return self.flows / self.seconds if self.seconds else 0.0


def run_flows(base: str, path: str, seconds: float, clients: int) -> FlowRun:
    """Whole visits by *clients* concurrent browsers for *seconds*."""
    deadline = time.monotonic() + seconds
    counts = {"flows": 0, "errors": 0, "first": ""}
    lock = threading.Lock()

    def browse():
        while time.monotonic() < deadline:
            try:
                visit(base, path)
                outcome = "flows"
            except (FlowError, OSError) as exc:
                outcome = "errors"
                with lock:
                    counts["first"] = counts["first"] or str(exc)[:300]
            with lock:
                counts[outcome] += 1

    start = time.monotonic()
    workers = [threading.Thread(target=browse) for _ in range(clients)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - start
    return FlowRun(counts["flows"], elapsed, counts["errors"], counts["first"])
