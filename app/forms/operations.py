"""State changes of forms. Each function takes domain objects and validated data and commits."""

from __future__ import annotations

import re
import secrets

import sqlalchemy as sa

from app.extensions import db
from app.models import Form, FormVersion, User
from app.models.types import utcnow
from app.records import tables as record_tables
from builder import definition as definitions
from builder import storage_plan
from builder.fields import registry
from builder.i18n import N_


class ConflictError(RuntimeError):
    """The draft was saved by someone else since it was loaded."""


class SlugTaken(ValueError):
    """Another form already has this URL."""


def _free_slug(wanted: str | None, form_id: int | None = None) -> str:
    slug = wanted or "form-" + secrets.token_hex(3)
    clash = db.session.scalar(sa.select(Form.id).where(Form.slug == slug))
    if clash is not None and clash != form_id:
        raise SlugTaken(slug)
    return slug


def create_form(document: dict, user: User | None, department_id: int | None = None) -> Form:
    """Validate *document* and store it as the draft of a new form."""
    loaded = definitions.load(document)
    slug = _free_slug(loaded.document.get("slug"))
    loaded.document["slug"] = slug
    form = Form(
        slug=slug,
        title=loaded.title,
        draft=loaded.document,
        department_id=department_id
        if department_id is not None
        else (user.department_id if user else None),
        created_by_id=user.id if user else None,
        storage=[],
    )
    db.session.add(form)
    db.session.commit()
    return form


def save_draft(form: Form, document: dict, expected_revision: int | None = None) -> Form:
    """Replace the draft; refuse if it changed since *expected_revision* was read."""
    loaded = definitions.load(document)
    slug = _free_slug(loaded.document.get("slug") or form.slug, form.id)
    loaded.document["slug"] = slug
    updated = db.session.execute(
        sa.update(Form)
        .where(Form.id == form.id)
        .where(Form.draft_revision == (expected_revision or form.draft_revision))
        .values(
            draft=loaded.document,
            title=loaded.title,
            slug=slug,
            draft_revision=Form.draft_revision + 1,
            updated_at=utcnow(),
        )
    )
    if updated.rowcount != 1:
        db.session.rollback()
        raise ConflictError(form.id)
    db.session.commit()
    db.session.refresh(form)
    return form


def _plan(form: Form) -> tuple[definitions.Definition, list, storage_plan.Plan]:
    loaded = definitions.load(form.draft)
    if not loaded.fields():
        # an empty draft is fine to keep, but a public form needs something to fill in
        raise definitions.DefinitionError({"fields": [N_("Add at least one item to publish.")]})
    fields = [registry.bind(spec) for spec in loaded.fields()]
    documents = {doc["key"]: doc for doc in definitions.leaf_documents(loaded.document)}
    old = {}
    if form.published_version:
        old = {d["key"]: d for d in definitions.leaf_documents(form.published_version.document)}
    plan = storage_plan.plan(form.storage or [], fields, documents, old)
    if form.published_version:
        published = form.published_version.document
        plan.changes[:0] = storage_plan.settings_changes(published, loaded.document)
    return loaded, fields, plan


def preview_publish(form: Form) -> storage_plan.Plan:
    """What publishing the current draft would change, without changing anything."""
    return _plan(form)[2]


def publish(form: Form, user: User | None = None) -> FormVersion:
    """Publish the draft: evolve the record table and add a version, in one transaction."""
    loaded, fields, plan = _plan(form)
    try:
        # Lock the form row so that two publishes of one form run one after the other.
        db.session.execute(sa.select(Form.id).where(Form.id == form.id).with_for_update())
        number = (
            db.session.scalar(
                sa.select(sa.func.max(FormVersion.number)).where(FormVersion.form_id == form.id)
            )
            or 0
        ) + 1
        record_tables.apply(
            db.session.connection(),
            form.id,
            plan.catalogue(),
            [{k: v for k, v in c.items() if k != "_new"} for c in plan.new_columns],
            {ft.key: ft.indexed for ft in fields},
        )
        version = FormVersion(
            form_id=form.id,
            number=number,
            document=loaded.document,
            changes=[vars(c) for c in plan.changes],
            published_by_id=user.id if user else None,
        )
        db.session.add(version)
        db.session.flush()
        form.published_version_id = version.id
        form.storage = plan.catalogue()
        form.title = loaded.title
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return version


def slugify_title(title: str) -> str:
    """An ASCII URL part from a title, or a random one for Japanese titles."""
    ascii_part = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return ascii_part[:40] if len(ascii_part) >= 2 else "form-" + secrets.token_hex(3)


class LayoutError(ValueError):
    """A reorder request that does not list exactly the draft's items."""


def reorder_draft(form: Form, layout: dict[str, list[str]], expected_revision: int) -> Form:
    """Put the draft's items in a new order, moves between sections included.

    *layout* maps ``"root"`` and each section key to the item keys it holds, in order
    (what the designer's drag and drop sends). Sections stay at the root.
    """
    items = {}
    sections = {}
    for item in form.draft["fields"]:
        items[item["key"]] = item
        if item["type"] == definitions.SECTION:
            sections[item["key"]] = item
            for child in item["fields"]:
                items[child["key"]] = child
    listed = [key for keys in layout.values() for key in keys]
    if not all(isinstance(key, str) for key in listed):
        raise LayoutError("item keys must be strings")
    if set(layout) - {"root"} - set(sections) or "root" not in layout:
        raise LayoutError("unknown container")
    if sorted(listed) != sorted(items) or len(set(listed)) != len(listed):
        raise LayoutError("the layout must list every item exactly once")
    if any(key in sections for name, keys in layout.items() if name != "root" for key in keys):
        raise LayoutError("sections cannot be placed inside sections")
    document = dict(form.draft)
    document["fields"] = []
    for key in layout["root"]:
        item = dict(items[key])
        if key in sections:
            item["fields"] = [items[child] for child in layout.get(key, [])]
        document["fields"].append(item)
    return save_draft(form, document, expected_revision)


def restore_version(form: Form, number: int, expected_revision: int | None = None) -> Form:
    """Make published version *number* the draft again (the published form is unchanged)."""
    version = db.session.scalar(
        sa.select(FormVersion).where(FormVersion.form_id == form.id, FormVersion.number == number)
    )
    if version is None:
        raise LookupError(number)
    document = dict(version.document, slug=form.slug)
    return save_draft(form, document, expected_revision)
