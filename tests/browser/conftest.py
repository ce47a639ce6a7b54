"""Real-browser fixtures: the app served on a free port, Debian's Chromium driven by Playwright.

The app is the one built by the ``app`` fixture of tests/conftest.py (isolated SQLite file, or a
PostgreSQL schema when ATSUME_TEST_DATABASE_URL is set) with CSRF protection switched back on,
seeded with the demo forms and served by werkzeug in a background thread.

Without /usr/bin/chromium these tests are skipped, unless ATSUME_REQUIRE_BROWSER=1 or CI=true,
in which case they fail: a CI run must not pass by skipping its browser tests.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from app.extensions import db
from app.models import Department, Form, User
from app.seed import DEMO_DEPARTMENT, seed_demo

CHROMIUM = os.environ.get("ATSUME_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "output" / "screenshots"
#: how long a locator action or expectation may wait before the test fails
TIMEOUT_MS = 10_000

#: the start of the console message CSP_REPORTER writes for each blocked thing
CSP_MARK = "CSP violation:"
CSP_REPORTER = (
    'document.addEventListener("securitypolicyviolation", function (e) {'
    f'  console.error("{CSP_MARK} " + e.violatedDirective + " blocked " +'
    '    (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);'
    "});"
)

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "ja-JP",
    "timezone_id": "Asia/Tokyo",
}
PC = {
    "viewport": {"width": 1280, "height": 900},
    "locale": "ja-JP",
    "timezone_id": "Asia/Tokyo",
}


def _browser_required() -> bool:
    return (
        os.environ.get("ATSUME_REQUIRE_BROWSER") == "1"
        or os.environ.get("CI", "").lower() == "true"
    )


def _unavailable(reason: str):
    if _browser_required():
        pytest.fail(
            f"browser tests required (ATSUME_REQUIRE_BROWSER=1 or CI=true) but {reason}",
            pytrace=False,
        )
    pytest.skip(reason)


# --- the browser ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright():
    if not os.path.exists(CHROMIUM):
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev extra installs it
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright):
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    instance = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
    yield instance
    instance.close()


# --- the app on a live server ---------------------------------------------------------------


@pytest.fixture
def app_config(app_config):
    """The shared test settings, with CSRF protection on as in production."""
    return {**app_config, "WTF_CSRF_ENABLED": True}


@dataclass
class LiveServer:
    url: str
    app: object
    seed_lines: list[str]
    admin_password: str | None
    errors: list[str] = field(default_factory=list)

    def form(self, slug: str) -> Form:
        """The form with this slug, read afresh (the server thread changes the database)."""
        db.session.rollback()
        db.session.expire_all()  # also what a commit that kept objects loaded left behind
        return db.session.scalar(sa.select(Form).where(Form.slug == slug))


@pytest.fixture
def live_server(app):
    """The app (its context pushed by the ``app`` fixture) seeded and served on a free port."""
    lines = seed_demo(with_answers=False)  # demo answers take seconds; tests add their own
    found = next(
        (
            re.search(r"one-time password: (\S+)", line)
            for line in lines
            if "one-time password" in line
        ),
        None,
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True
    )
    thread.start()
    try:
        yield LiveServer(
            url=f"http://127.0.0.1:{server.server_port}",
            app=app,
            seed_lines=lines,
            admin_password=found.group(1) if found else None,
        )
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        db.session.remove()


@pytest.fixture
def clerk(live_server, make_user):
    """A staff member of the department owning the demo forms, who must choose a password."""
    department = db.session.scalar(sa.select(Department).where(Department.name == DEMO_DEPARTMENT))
    user = make_user("suzuki", dept=department)
    user.display_name = "鈴木 花子"
    user.must_change_password = True
    db.session.commit()
    return db.session.get(User, user.id)


# --- browser contexts -----------------------------------------------------------------------


def _context(browser, live_server, request, **options):
    context = browser.new_context(base_url=live_server.url, accept_downloads=True, **options)
    context.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    # Every page reports what the Content-Security-Policy blocked, so that each test also
    # checks that its pages work with the policy on.
    context.add_init_script(CSP_REPORTER)

    def console(page, message):
        if message.type == "error" and (
            CSP_MARK in message.text or "Content Security Policy" in message.text
        ):
            problems.append(f"Blocked by the Content-Security-Policy on {page.url}: {message.text}")

    def watch(page):
        page.on("pageerror", lambda exc: problems.append(f"JavaScript error on {page.url}: {exc}"))
        page.on("console", lambda message: console(page, message))
        page.on(
            "response",
            lambda r: problems.append(f"HTTP {r.status} for {r.url}") if r.status >= 500 else None,
        )

    context.on("page", watch)
    yield context
    context.close()
    if problems and not (hasattr(request.node, "rep_call") and request.node.rep_call.failed):
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def phone(browser, live_server, request):
    """A smartphone (390x844, touch, Japanese)."""
    yield from _context(browser, live_server, request, **PHONE)


@pytest.fixture
def pc(browser, live_server, request):
    """An office PC (1280x900, Japanese)."""
    yield from _context(browser, live_server, request, **PC)


@pytest.fixture
def second_pc(browser, live_server, request):
    """Another office PC (its own cookies): a colleague, or a citizen at a desk."""
    yield from _context(browser, live_server, request, **PC)


@pytest.fixture
def english_phone(browser, live_server, request):
    """A smartphone whose browser prefers English."""
    options = PHONE | {"locale": "en-US", "extra_http_headers": {"Accept-Language": "en"}}
    yield from _context(browser, live_server, request, **options)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's report on the item, so fixtures know whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


# --- screenshots ----------------------------------------------------------------------------


@pytest.fixture
def shot(request):
    """shot(page, "step") saves tests/output/screenshots/<test-name>-<step>.png (full page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)

    def take(page, step: str) -> Path:
        path = SCREENSHOTS / f"{test_name}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
