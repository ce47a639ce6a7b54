"""The office's identity on public pages: its name, its logo and whom citizens contact.

The name and the logo are site settings that administrators change in the UI; the contact
(department, phone, e-mail, hours) belongs to the department that owns a form. The logo is
checked by its content, never by its name, and stored under ``instance/identity/`` with a
name of our own.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import filetype
from flask import current_app, g

from app import audit
from app.extensions import db
from app.models import Department, Form, SiteSetting
from app.transactions import write_transaction

ORGANISATION = "organisation"
#: the logo types a browser shows everywhere; SVG is refused because it can carry script
LOGO_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
LOGO_MAX_BYTES = 300 * 1024
NAME_MAX = 100
#: how long a worker reuses the identity it read (it is on every public page)
IDENTITY_SECONDS = 5.0
_KEPT = "atsume_identity"
_CONTACTS = "atsume_contacts"


class LogoRefused(ValueError):
    """The uploaded file cannot be the logo; the message says why."""


@dataclass(frozen=True)
class Identity:
    #: the office's name (e.g. 〇〇市), shown at the top of every public page
    name: str
    #: the stored logo's file name (its content hash), or None
    logo: str | None
    logo_type: str | None


@dataclass(frozen=True)
class Contact:
    department: str
    phone: str
    email: str
    hours: str


def current() -> Identity:
    """The site's identity: read at most once per request, and reused by the worker for
    IDENTITY_SECONDS (a change made through this worker shows at once, in the others
    within that time)."""
    if "atsume_identity" not in g:
        now = time.monotonic()
        kept = current_app.extensions.get(_KEPT)
        if kept is None or kept[0] <= now:
            setting = db.session.get(SiteSetting, ORGANISATION)
            value = setting.value if setting else {}
            made = Identity(
                name=value.get("name", ""),
                logo=value.get("logo"),
                logo_type=value.get("logo_type"),
            )
            kept = current_app.extensions[_KEPT] = (now + IDENTITY_SECONDS, made)
        g.atsume_identity = kept[1]
    return g.atsume_identity


def _store(value: dict) -> None:
    setting = db.session.get(SiteSetting, ORGANISATION)
    if setting is None:
        db.session.add(SiteSetting(key=ORGANISATION, value=value))
    else:
        setting.value = value
    g.pop("atsume_identity", None)
    current_app.extensions.pop(_KEPT, None)


def _value() -> dict:
    identity = current()
    return {"name": identity.name, "logo": identity.logo, "logo_type": identity.logo_type}


def set_name(name: str) -> None:
    """Change the office's name (in the caller's write transaction)."""
    _store(dict(_value(), name=name.strip()[:NAME_MAX]))


def logo_folder() -> Path:
    return Path(current_app.instance_path) / "identity"


def set_logo(data: bytes) -> None:
    """Check and store a new logo (in the caller's write transaction); LogoRefused says
    why a file cannot be one."""
    if not data:
        raise LogoRefused("empty")
    if len(data) > LOGO_MAX_BYTES:
        raise LogoRefused("too_large")
    kind = filetype.guess(data)
    if kind is None or kind.mime not in LOGO_TYPES:
        raise LogoRefused("type")
    name = f"logo-{hashlib.sha256(data).hexdigest()[:16]}.{LOGO_TYPES[kind.mime]}"
    folder = logo_folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    _store(dict(_value(), logo=name, logo_type=kind.mime))


def remove_logo() -> None:
    """Stop showing a logo (the file stays until the next upload replaces the setting)."""
    _store(dict(_value(), logo=None, logo_type=None))


def logo_path(identity: Identity) -> Path | None:
    """Where the current logo is stored, if there is one on disk."""
    if not identity.logo:
        return None
    path = logo_folder() / identity.logo
    return path if path.is_file() else None


def contact_for(form: Form | None) -> Contact | None:
    """Whom citizens contact about *form*: its department and the department's contact
    (reused by the worker for IDENTITY_SECONDS, like the identity)."""
    if form is None or form.department_id is None:
        return None
    kept = current_app.extensions.setdefault(_CONTACTS, {})
    now = time.monotonic()
    found = kept.get(form.department_id)
    if found is None or found[0] <= now:
        # read through the session: *form* may be a shared copy, read before the change
        department = db.session.get(Department, form.department_id)
        contact = None
        if department is not None:
            contact = Contact(
                department=department.name,
                phone=department.contact_phone or "",
                email=department.contact_email or "",
                hours=department.contact_hours or "",
            )
        found = kept[form.department_id] = (now + IDENTITY_SECONDS, contact)
    return found[1]


def forget_contacts() -> None:
    """Read departments' contacts again (one changed through this worker)."""
    current_app.extensions.pop(_CONTACTS, None)


@write_transaction
def change(name: str, logo: bytes | None = None, remove: bool = False) -> None:
    """Change the office's name, and its logo when one is given (or remove it).

    LogoRefused leaves everything as it was."""
    before = _value()
    if logo:
        set_logo(logo)
    elif remove:
        remove_logo()
    set_name(name)
    audit.record(audit.SITE_IDENTITY, detail=audit.changes(before, _value()))
