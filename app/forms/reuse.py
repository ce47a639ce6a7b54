"""Reusing forms: copies (within or across departments) and templates."""

from __future__ import annotations

import copy

import sqlalchemy as sa

from app import rights
from app.extensions import db
from app.forms import operations
from app.models import Form, Template, User
from app.seed import sample_documents
from app.transactions import write_transaction
from builder import definition as definitions

SAMPLE_PREFIX = "sample-"


def _fresh(document: dict, title: str | None = None) -> dict:
    """A copy of *document* for a new form: new address, same field keys."""
    fresh = copy.deepcopy(document)
    fresh.pop("slug", None)
    if title:
        fresh["title"] = title
    return fresh


def duplicate_form(form: Form, user: User, department_id: int | None, title: str) -> Form:
    """A new draft form with the same definition as *form*'s draft."""
    document = _fresh(form.draft, title)
    return operations.create_form(
        document, user, department_id, kept_keys=definitions.keys_of(document)
    )


@write_transaction
def save_template(form: Form, user: User, title: str, description: str, shared: bool) -> Template:
    """Keep *form*'s draft as a template for the department (or everyone if *shared*)."""
    template = Template(
        title=title,
        description=description,
        document=_fresh(form.draft),
        department_id=None if shared else form.department_id,
        created_by_id=user.id,
    )
    db.session.add(template)
    db.session.commit()
    return template


def gallery(user: User) -> list[dict]:
    """Templates *user* can start from: the built-in samples, then saved templates."""
    entries = [
        {
            "id": f"{SAMPLE_PREFIX}{n}",
            "title": doc["title"],
            "description": doc.get("description", ""),
            "fields": len(doc["fields"]),
            "builtin": True,
            "document": doc,
        }
        for n, doc in enumerate(sample_documents())
    ]
    query = sa.select(Template).order_by(Template.created_at.desc())
    if not user.is_admin:
        query = query.where(
            sa.or_(
                Template.department_id.is_(None),
                Template.department_id.in_(rights.member_department_ids(user)),
            )
        )
    for template in db.session.scalars(query):
        entries.append(
            {
                "id": str(template.id),
                "title": template.title,
                "description": template.description,
                "fields": len(template.document.get("fields", [])),
                "builtin": False,
                "document": template.document,
            }
        )
    return entries


def start_from(entry_id: str, user: User, department_id: int | None, title: str | None) -> Form:
    """A new draft form from a gallery entry."""
    entry = next((e for e in gallery(user) if e["id"] == entry_id), None)
    if entry is None:
        raise LookupError(entry_id)
    document = _fresh(entry["document"], title)
    return operations.create_form(
        document, user, department_id, kept_keys=definitions.keys_of(document)
    )


def blank_form(user: User, department_id: int | None, title: str, first_label: str) -> Form:
    """A new draft with one short-text field, to build on in the designer."""
    document = {"title": title, "fields": [{"type": "text", "label": first_label}]}
    return operations.create_form(document, user, department_id)
