"""State changes of forms. Each function takes domain objects and validated data, and
commits in a write transaction of its own (see app.transactions)."""

from __future__ import annotations

import datetime as dt
import re
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import defer

from app import rights
from app.events import registration, seats
from app.events.rules import Rules
from app.extensions import db
from app.models import Form, FormAddress, FormVersion, Grant, User
from app.models.types import utcnow
from app.records import tables as record_tables
from app.transactions import write_transaction
from app.url_ids import MAX_ID
from builder import definition as definitions
from builder import storage_plan
from builder.fields import registry
from builder.i18n import N_, Msg


class ConflictError(RuntimeError):
    """The draft was saved by someone else since it was loaded."""


class SlugTaken(ValueError):
    """Another form has this address now, or had it before (it still forwards there)."""

    def __init__(self, slug: str, former: bool = False):
        super().__init__(slug)
        self.slug, self.former = slug, former

    def __str__(self) -> str:
        return self.slug

    @property
    def message(self) -> Msg:
        """What to tell the person who chose the address (translate with builder.i18n)."""
        if self.former:
            return Msg(
                N_(
                    "The address “%(slug)s” was used by another form before and still leads "
                    "to it (printed flyers and QR codes may carry it). Choose another address."
                ),
                slug=self.slug,
            )
        return Msg(N_("The address “%(slug)s” is used by another form."), slug=self.slug)


def form_at_address(
    slug: str, for_public: bool = False, populate_existing: bool = False
) -> tuple[Form | None, bool]:
    """The form that has *slug* as its address now or had it before, and whether before.

    *for_public* leaves out the draft (the published version comes from
    ``app.forms.published``, the contact from ``app.identity``). *populate_existing*
    reads the row again even when the session holds the form already."""
    query = sa.select(Form).where(Form.slug == slug)
    if for_public:
        query = query.options(defer(Form.draft))  # the draft being edited is not public
    if populate_existing:
        query = query.execution_options(populate_existing=True)
    form = db.session.scalar(query)
    if form is not None:
        return form, False
    former = db.session.scalar(sa.select(FormAddress).where(FormAddress.slug == slug))
    return (former.form, True) if former is not None else (None, False)


def free_slug(wanted: str | None, form_id: int | None = None) -> str:
    """*wanted* if no other form has or had it; a new random address when none is wanted."""
    while not wanted:
        candidate = "form-" + secrets.token_hex(3)
        if form_at_address(candidate)[0] is None:
            return candidate
    owner, former = form_at_address(wanted)
    if owner is not None and owner.id != form_id:
        raise SlugTaken(wanted, former)
    return wanted


def _move_address(form: Form, old: str, new: str) -> None:
    """Keep the published form's *old* address as a forwarding address to it."""
    if old == new:
        return
    db.session.execute(
        sa.delete(FormAddress).where(FormAddress.form_id == form.id, FormAddress.slug == new)
    )
    if form.is_published:
        db.session.add(FormAddress(slug=old, form_id=form.id))


@write_transaction
def create_form(
    document: dict,
    user: User | None,
    department_id: int | None = None,
    kept_keys: frozenset[str] | set[str] = frozenset(),
) -> Form:
    """Validate *document* and store it as the draft of a new form.

    *kept_keys* are keys a copied form or template already had (reserved names included).
    """
    loaded = definitions.load(document, kept_keys=kept_keys)
    slug = free_slug(loaded.document.get("slug"))
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
    if form.department_id is not None:
        # The creating department runs the form: it may manage it and do all with records.
        db.session.flush()
        db.session.add(
            Grant(
                form_id=form.id,
                department_id=form.department_id,
                rights=list(rights.CREATOR_RIGHTS),
                fields={},
            )
        )
    db.session.commit()
    return form


@write_transaction
def save_draft(form: Form, document: dict, expected_revision: int | None = None) -> Form:
    """Replace the draft; refuse if it changed since *expected_revision* was read."""
    if expected_revision is not None and not 0 <= expected_revision <= MAX_ID:
        raise ConflictError(form.id)  # no draft has such a revision
    loaded = definitions.load(document, kept_keys=existing_keys(form))
    old_slug = form.slug
    slug = free_slug(loaded.document.get("slug") or old_slug, form.id)
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
    _move_address(form, old_slug, slug)
    db.session.commit()
    db.session.refresh(form)
    return form


def existing_keys(form: Form) -> set[str]:
    """Keys the form already has (in its draft or its record table): they stay accepted."""
    return definitions.keys_of(form.draft) | {entry["key"] for entry in form.storage or []}


def load_draft(form: Form) -> definitions.Definition:
    """The form's saved draft, loaded (raises DefinitionError when it has problems)."""
    return definitions.load(form.draft, kept_keys=existing_keys(form))


def _plan(form: Form) -> tuple[definitions.Definition, list, storage_plan.Plan]:
    loaded = load_draft(form)
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
        plan.changes += storage_plan.section_changes(published, loaded.document)
    return loaded, fields, plan


def preview_publish(form: Form) -> storage_plan.Plan:
    """What publishing the current draft would change, without changing anything."""
    return _plan(form)[2]


@write_transaction
def publish(form: Form, user: User | None = None) -> FormVersion:
    """Publish the draft: evolve the record table and add a version, in one transaction."""
    # Lock the form row (PostgreSQL; on SQLite the write transaction is exclusive already)
    # so that two publishes of one form run one after the other, each on the current draft.
    db.session.execute(
        sa.select(Form)
        .where(Form.id == form.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    loaded, fields, plan = _plan(form)
    try:
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
        seats.sync(form, Rules.of(loaded))
        registration.sync_one_per(form, loaded)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return version


@write_transaction
def set_acceptance(form: Form, is_open: bool, **period: dt.datetime | None) -> None:
    """Open or close *form* for applications; ``opens_at``/``closes_at`` (naive UTC) in
    *period*, if given, set its acceptance period too."""
    unknown = set(period) - {"opens_at", "closes_at"}
    if unknown:
        raise TypeError(f"unknown period settings {unknown}")
    form.is_open = is_open
    for name, value in period.items():
        setattr(form, name, value)


def slugify_title(title: str) -> str:
    """An ASCII URL part from a title, or a random one for Japanese titles."""
    ascii_part = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return ascii_part[:40] if len(ascii_part) >= 2 else "form-" + secrets.token_hex(3)


class LayoutError(ValueError):
    """A reorder request that does not list exactly the draft's items."""


@write_transaction
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


@write_transaction
def restore_version(form: Form, number: int, expected_revision: int | None = None) -> Form:
    """Make published version *number* the draft again (the published form is unchanged)."""
    version = db.session.scalar(
        sa.select(FormVersion).where(FormVersion.form_id == form.id, FormVersion.number == number)
    )
    if version is None:
        raise LookupError(number)
    document = dict(version.document, slug=form.slug)
    return save_draft(form, document, expected_revision)
