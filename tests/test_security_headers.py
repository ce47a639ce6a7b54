"""Security headers: a strict Content-Security-Policy, nosniff, Referrer-Policy and HSTS."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app import create_app

ROOT = Path(__file__).resolve().parent.parent
CITY = "https://www.city.example.jp"


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def test_every_page_gets_the_headers(client, staff_client, make_form):
    form = make_form()
    for url in ("/login", f"/f/{form.slug}", "/staff/forms", "/static/css/atsume.css", "/nope"):
        response = client.get(url)
        policy = _policy(response)
        assert policy["script-src"] == "'self'"
        assert policy["style-src"] == "'self'"
        assert policy["object-src"] == "'none'"
        assert policy["base-uri"] == "'none'"
        assert "unsafe" not in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in response.headers


def test_staff_pages_cannot_be_framed_and_previews_only_by_the_designer(staff_client, make_form):
    form = make_form()
    detail = staff_client.get(f"/staff/forms/{form.id}")
    assert _policy(detail)["frame-ancestors"] == "'none'"
    assert detail.headers["X-Frame-Options"] == "DENY"
    preview = staff_client.get(f"/staff/forms/{form.id}/preview")
    assert _policy(preview)["frame-ancestors"] == "'self'"
    assert preview.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_public_forms_are_not_framed_by_default(client, make_form):
    response = client.get(f"/f/{make_form().slug}")
    assert _policy(response)["frame-ancestors"] == "'none'"


@pytest.mark.parametrize(
    "overrides", [{"ATSUME_FRAME_ANCESTORS": f"{CITY}  https://*.example.org"}]
)
def test_public_forms_may_be_framed_by_the_configured_sites(client, staff_client, make_form):
    form = make_form()
    public = client.get(f"/f/{form.slug}")
    assert _policy(public)["frame-ancestors"] == f"{CITY} https://*.example.org"
    assert "X-Frame-Options" not in public.headers
    assert _policy(staff_client.get("/staff/forms"))["frame-ancestors"] == "'none'"


@pytest.mark.parametrize("setting", ["*", "'unsafe-inline'", "javascript:alert(1)", "city.jp"])
def test_a_bad_frame_ancestors_setting_stops_start_up(app_config, setting):
    with pytest.raises(ValueError, match="ATSUME_FRAME_ANCESTORS"):
        create_app({**app_config, "ATSUME_FRAME_ANCESTORS": setting})


@pytest.mark.parametrize("overrides", [{"SESSION_COOKIE_SECURE": True}])
def test_https_sites_send_hsts(client):
    assert client.get("/login").headers["Strict-Transport-Security"] == "max-age=31536000"


def test_templates_and_scripts_have_nothing_inline():
    """What the policy would block: inline scripts, event-handler attributes, style attributes."""
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        for script in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in script or 'type="application/json"' in script, (path, script)
        assert not re.search(r"\son[a-z]+\s*=", text), path
        assert not re.search(r"\sstyle\s*=", text), path
        assert "<style" not in text, path
        assert "javascript:" not in text, path
    for path in sorted((ROOT / "static" / "js").rglob("*.js")):
        text = path.read_text()
        assert not re.search(r"setAttribute\(\s*[\"'](style|on[a-z]+)[\"']", text), path
        assert "eval(" not in text and "new Function" not in text, path
