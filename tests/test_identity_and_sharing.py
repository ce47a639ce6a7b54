"""The office's name, logo and contact on public pages; QR codes and embedding per form."""

from __future__ import annotations

import io
import re

import pytest

from app.extensions import db
from app.models import AuditEvent, Department, SiteSetting
from tests.conftest import ELECTION, log_in

# the smallest valid PNG (1×1 pixel)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f6d0000000049454e44ae426082"
)
CITY = "https://www.city.example.jp"
ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def admin_client(client, make_user):
    log_in(client, make_user("admin", admin=True))
    return client


def _save_identity(client, name="みどり市", logo=None, **extra):
    data = {"name": name, **extra}
    if logo is not None:
        data["logo"] = (io.BytesIO(logo[1]), logo[0])
    return client.post(
        "/staff/identity", data=data, content_type="multipart/form-data", headers=ENGLISH
    )


def _error(response, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="{name}-error">([^<]*)</p>', response.text)
    return found.group(1) if found else ""


def test_the_office_name_and_logo_show_on_every_public_page(admin_client, make_form):
    form = make_form()
    response = _save_identity(admin_client, logo=("logo.png", PNG))
    assert response.status_code == 302
    page = admin_client.get(f"/f/{form.slug}").get_data(as_text=True)
    assert "みどり市" in page
    logo = re.search(r'src="(/identity/logo\?v=[^"]+)"', page).group(1)
    served = admin_client.get(logo.replace("&amp;", "&"))
    assert served.status_code == 200
    assert served.mimetype == "image/png"
    assert served.data == PNG
    # the form's title is the page's heading, and is not repeated in the header
    assert page.count(form.title) == 2  # <title> and <h1>
    closed = admin_client.get("/f/no-such-form")
    assert "みどり市" in closed.get_data(as_text=True)


def test_a_logo_is_checked_by_its_content_not_its_name(admin_client, make_form):
    response = _save_identity(admin_client, logo=("logo.png", b"<svg onload=alert(1)>"))
    assert response.status_code == 422
    assert "PNG, JPEG or WebP" in _error(response, "logo")
    assert db.session.get(SiteSetting, "organisation") is None  # nothing changed
    too_big = PNG + b"\0" * (300 * 1024)
    response = _save_identity(admin_client, logo=("big.png", too_big))
    assert response.status_code == 422
    assert "larger than 300 KB" in _error(response, "logo")


def test_only_administrators_set_the_identity(staff_client):
    assert staff_client.get("/staff/identity").status_code == 403
    assert _save_identity(staff_client).status_code == 403


def test_the_identity_change_is_audited(admin_client):
    _save_identity(admin_client, name="みどり市")
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "site.identity")
    ).one()
    assert event.detail["name"] == ["", "みどり市"]


def test_the_department_contact_shows_on_its_forms_and_the_closed_page(
    admin_client, make_form, department
):
    response = admin_client.post(
        f"/staff/departments/{department.id}",
        data={
            "part": "contact",
            "contact_phone": "０３－１２３４－５６７８",
            "contact_email": "kikaku@city.example.jp",
            "contact_hours": "平日 8:30〜17:15",
        },
    )
    assert response.status_code == 302
    form = make_form()
    page = admin_client.get(f"/f/{form.slug}").get_data(as_text=True)
    assert department.name in page
    assert "03-1234-5678" in page  # full-width digits normalised
    assert 'href="tel:0312345678"' in page
    assert "平日 8:30〜17:15" in page
    form.is_open = False
    db.session.commit()
    closed = admin_client.get(f"/f/{form.slug}")
    assert closed.status_code == 410
    assert "03-1234-5678" in closed.get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contact_phone", "call me", "digits and hyphens"),
        ("contact_email", "not-an-address", "e-mail address"),
        ("contact_hours", "x" * 201, "At most 200"),
    ],
)
def test_a_bad_contact_is_refused_next_to_its_field(
    admin_client, department, field, value, message
):
    data = {"part": "contact", "contact_phone": "", "contact_email": "", "contact_hours": ""}
    data[field] = value
    response = admin_client.post(
        f"/staff/departments/{department.id}", data=data, headers=ENGLISH
    )
    assert response.status_code == 422
    assert message in _error(response, field)
    db.session.expire_all()
    saved = db.session.get(Department, department.id)
    assert (saved.contact_phone, saved.contact_email, saved.contact_hours) == (None, None, None)


def test_the_qr_code_carries_the_public_address(staff_client, make_form):
    form = make_form()
    png = staff_client.get(f"/staff/forms/{form.id}/qr-code?format=png&download=1")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.data.startswith(b"\x89PNG")
    assert "attachment" in png.headers["Content-Disposition"]
    svg = staff_client.get(f"/staff/forms/{form.id}/qr-code?format=svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    unpublished = make_form(dict(ELECTION, slug="draft-only"), publish=False)
    assert staff_client.get(f"/staff/forms/{unpublished.id}/qr-code").status_code == 404
    assert staff_client.get(f"/staff/forms/{form.id}/qr-code?format=gif").status_code == 404


def test_the_qr_code_is_for_staff_of_the_form_only(client, other_staff, make_form):
    form = make_form()
    assert client.get(f"/staff/forms/{form.id}/qr-code").status_code in (302, 401)
    log_in(client, other_staff)
    assert client.get(f"/staff/forms/{form.id}/qr-code").status_code == 403


def _frame_ancestors(response) -> str:
    header = response.headers["Content-Security-Policy"]
    return dict(p.strip().split(" ", 1) for p in header.split(";"))["frame-ancestors"]


def test_a_form_may_be_embedded_by_the_sites_it_lists(staff_client, client, make_form):
    form = make_form()
    other = make_form(dict(ELECTION, slug="other-form"))
    assert _frame_ancestors(client.get(f"/f/{form.slug}")) == "'none'"
    response = staff_client.post(
        f"/staff/forms/{form.id}/share", data={"embed_origins": f"{CITY}/\n\n{CITY}"}
    )
    assert response.status_code == 302
    assert _frame_ancestors(client.get(f"/f/{form.slug}")) == CITY
    assert _frame_ancestors(client.get(f"/f/{other.slug}")) == "'none'"
    page = staff_client.get(f"/staff/forms/{form.id}/share").get_data(as_text=True)
    assert f"&lt;iframe src=&#34;http://localhost/f/{form.slug}&#34;" in page


def test_a_bad_embedding_site_is_refused_and_nothing_changes(staff_client, make_form):
    form = make_form()
    response = staff_client.post(
        f"/staff/forms/{form.id}/share",
        data={"embed_origins": f"{CITY}\nhttps://evil.example/path 'unsafe-inline'"},
        headers=ENGLISH,
    )
    assert response.status_code == 422
    assert "is not a site address" in _error(response, "origins")
    db.session.refresh(form)
    assert form.embed_origins is None
