"""The public role serves only the assets public pages use; every role has a favicon."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.static_assets import PUBLIC_ASSETS

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STATIC = Path(__file__).resolve().parent.parent / "static"
#: templates that public pages are built from
PUBLIC_TEMPLATES = [TEMPLATES / "base.html", *sorted((TEMPLATES / "public").glob("*.html"))]


def _static_files_named_in(path: Path) -> set[str]:
    return set(re.findall(r"url_for\('static', filename='([^']+)'\)", path.read_text()))


def test_every_asset_of_public_pages_is_on_the_list():
    used = set().union(*(_static_files_named_in(p) for p in PUBLIC_TEMPLATES))
    assert used, "the public templates name no static file: the pattern above is out of date"
    assert used <= PUBLIC_ASSETS
    for name in PUBLIC_ASSETS:
        assert (STATIC / name).is_file(), name


@pytest.mark.parametrize("overrides", [{"ATSUME_ROLE": "public"}])
def test_public_role_serves_only_public_assets(client, make_form):
    form = make_form()
    for name in sorted(PUBLIC_ASSETS):
        assert client.get(f"/static/{name}").status_code == 200, name
    for refused in (
        "js/designer/main.js",
        "js/designer/canvas.js",
        "vendor/Sortable.min.js",
        "css/../js/designer/main.js",
        "./js/designer/main.js",
        "js//designer/main.js",
    ):
        assert client.get(f"/static/{refused}").status_code == 404, refused
    page = client.get(f"/f/{form.slug}")
    assert page.status_code == 200
    for name in re.findall(r'(?:src|href)="/static/([^"?]+)', page.get_data(as_text=True)):
        assert client.get(f"/static/{name}").status_code == 200, name


def test_full_role_serves_the_designer_script(client):
    assert client.get("/static/js/designer/main.js").status_code == 200


@pytest.mark.parametrize("overrides", [{}, {"ATSUME_ROLE": "public"}])
def test_favicon_is_served_and_linked(client, make_form):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page = client.get(f"/f/{make_form().slug}").get_data(as_text=True)
    assert '<link rel="icon" href="/favicon.ico"' in page
    assert 'href="/static/favicon.svg" type="image/svg+xml"' in page
