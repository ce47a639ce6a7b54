"""Who may see and do what. Every read path asks here; nothing else decides.

A form's rights are granted (``app.models.Grant``) to a department (optionally with its
sub-departments), a user, or every logged-in staff member. A user's rights on a form are
the union of the grants that match them; system administrators may do everything.
Each grant may also set, per field, ``hidden``, ``read`` or ``edit``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Department, Form, Grant, User, department_member

#: rights a grant gives
VIEW_RECORDS = "view_records"
ADD_RECORDS = "add_records"
EDIT_RECORDS = "edit_records"
DELETE_RECORDS = "delete_records"
EXPORT = "export"
IMPORT = "import"
#: design, settings, publish and rights
MANAGE = "manage"
RIGHTS = (VIEW_RECORDS, ADD_RECORDS, EDIT_RECORDS, DELETE_RECORDS, EXPORT, IMPORT, MANAGE)
#: what the department that creates a form gets
CREATOR_RIGHTS = RIGHTS

#: seeing that the form exists (its page, definition and versions): any right gives it
VIEW_FORM = "view_form"
#: the designer, the settings and the draft
EDIT_FORM = MANAGE
PUBLISH = MANAGE
SUBMIT_AS_STAFF = ADD_RECORDS
ACTIONS = (VIEW_FORM, *RIGHTS)

#: field access levels, least to most permissive
HIDDEN = "hidden"
READ = "read"
EDIT = "edit"
ACCESS_LEVELS = (HIDDEN, READ, EDIT)
_RANK = {level: rank for rank, level in enumerate(ACCESS_LEVELS)}


def _is_staff(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def member_department_ids(user: User | None) -> set[int]:
    """The departments *user* belongs to (their memberships; not the departments below)."""
    if not _is_staff(user):
        return set()
    ids = set(
        db.session.scalars(
            sa.select(department_member.c.department_id).where(
                department_member.c.user_id == user.id
            )
        )
    )
    if user.department_id is not None:  # the primary one counts even without its row
        ids.add(user.department_id)
    return ids


def with_sub_departments(department_ids: set[int]) -> set[int]:
    """*department_ids* and every department below them, at any depth."""
    if not department_ids:
        return set()
    tree = (
        sa.select(Department.id)
        .where(Department.id.in_(department_ids))
        .cte("department_tree", recursive=True)
    )
    below = aliased(Department)
    # UNION (not UNION ALL) drops ids already found, so even a damaged cycle ends.
    tree = tree.union(sa.select(below.id).join(tree, below.parent_id == tree.c.id))
    return set(db.session.scalars(sa.select(tree.c.id)))


def _matches(grant: Grant, user: User, members: set[int]) -> bool:
    if grant.everyone or (grant.user_id is not None and grant.user_id == user.id):
        return True
    if grant.department_id is None:
        return False
    if grant.department_id in members:
        return True
    return grant.include_children and bool(with_sub_departments({grant.department_id}) & members)


def matching_grants(user: User | None, form: Form) -> list[Grant]:
    """The grants of *form* that apply to *user*, in the order they were made."""
    if not _is_staff(user):
        return []
    members = member_department_ids(user)
    grants = db.session.scalars(
        sa.select(Grant).where(Grant.form_id == form.id).order_by(Grant.id)
    ).all()
    return [g for g in grants if _matches(g, user, members)]


def rights_of(user: User | None, form: Form) -> set[str]:
    """Every right *user* has on *form*."""
    if not _is_staff(user):
        return set()
    if user.is_admin:
        return set(RIGHTS)
    return {r for g in matching_grants(user, form) for r in g.rights if r in RIGHTS}


def _allows(rights: set[str], action: str) -> bool:
    if action == VIEW_FORM:
        return bool(rights)
    if action == EXPORT:  # an export shows records, so it needs seeing them too
        return {EXPORT, VIEW_RECORDS} <= rights
    return action in rights


def can(user: User | None, action: str, form: Form) -> bool:
    """Whether *user* may do *action* (a right, or VIEW_FORM) on *form*."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    return _allows(rights_of(user, form), action)


def visible_forms(user: User | None) -> sa.Select:
    """A query of the forms *user* has any right on, newest first."""
    query = sa.select(Form).order_by(Form.updated_at.desc(), Form.id.desc())
    if not _is_staff(user):
        return query.where(sa.false())
    if user.is_admin:
        return query
    members = member_department_ids(user)
    candidates = db.session.scalars(
        sa.select(Grant).where(
            sa.or_(
                Grant.everyone,
                Grant.user_id == user.id,
                Grant.department_id.in_(members),
                Grant.include_children,
            )
        )
    ).all()
    form_ids = {g.form_id for g in candidates if g.rights and _matches(g, user, members)}
    return query.where(Form.id.in_(form_ids))


@dataclass(frozen=True)
class FieldAccess:
    """What one user may do with each field of one form, by field key.

    Each list holds, per grant, its named levels and the level of the fields it does not
    name; a field gets the most permissive level among those grants.
    """

    #: grants giving view_records: a field unnamed there is editable with edit_records
    reading: list[tuple[dict, str]] = field(default_factory=list)
    #: grants giving add_records: what a new record may be given
    adding: list[tuple[dict, str]] = field(default_factory=list)
    #: grants giving edit_records: what an edit may change
    editing: list[tuple[dict, str]] = field(default_factory=list)

    @staticmethod
    def _best(grants: list[tuple[dict, str]], key: str) -> str:
        return max(
            (named.get(key, unnamed) for named, unnamed in grants),
            key=_RANK.__getitem__,
            default=HIDDEN,
        )

    def level(self, key: str) -> str:
        """``hidden``, ``read`` or ``edit``: what the user sees of *key* in records."""
        return self._best(self.reading, key)

    def can_read(self, key: str) -> bool:
        return self.level(key) != HIDDEN

    def can_set_on_add(self, key: str) -> bool:
        """Whether a record the user adds may carry a value for *key*."""
        return self._best(self.adding, key) == EDIT

    def can_change(self, key: str) -> bool:
        """Whether an edit or import by the user may change *key* of a record."""
        return self._best(self.editing, key) == EDIT and self.can_read(key)


_EVERYTHING = [({}, EDIT)]


def field_access(user: User | None, form: Form) -> FieldAccess:
    """The user's access to each field of *form*."""
    if not _is_staff(user):
        return FieldAccess()
    if user.is_admin:
        return FieldAccess(_EVERYTHING, _EVERYTHING, _EVERYTHING)
    return _field_access(matching_grants(user, form))


def _field_access(grants: list[Grant]) -> FieldAccess:
    def levels(right: str, unnamed) -> list[tuple[dict, str]]:
        return [(g.fields or {}, unnamed(g)) for g in grants if right in g.rights]

    return FieldAccess(
        reading=levels(VIEW_RECORDS, lambda g: EDIT if EDIT_RECORDS in g.rights else READ),
        adding=levels(ADD_RECORDS, lambda g: EDIT),
        editing=levels(EDIT_RECORDS, lambda g: EDIT),
    )


def visible_columns(user: User | None, form: Form) -> list[dict]:
    """The catalogue entries of *form* whose values *user* may see, in display order.

    Retired columns (fields removed from the form) are shown to those who manage it.
    """
    return standing(user, form).visible_columns(form)


@dataclass(frozen=True)
class Standing:
    """What one user may do on one form, from one reading of its grants: a request that
    asks many questions about the same user and form reads the grants once."""

    rights: frozenset[str]
    fields: FieldAccess

    def can(self, action: str) -> bool:
        """Whether the user may do *action* (a right, or VIEW_FORM) on the form."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        return _allows(self.rights, action)

    def visible_columns(self, form: Form) -> list[dict]:
        """The catalogue entries of *form* whose values the user may see (see
        ``visible_columns``)."""
        if VIEW_RECORDS not in self.rights:
            return []
        catalogue = [c for c in form.storage or [] if self.fields.can_read(c["key"])]
        active = [c for c in catalogue if not c["retired"]]
        if MANAGE in self.rights:
            return active + [c for c in catalogue if c["retired"]]
        return active


def standing(user: User | None, form: Form) -> Standing:
    """*user*'s rights and field access on *form*, with one reading of the grants."""
    if not _is_staff(user):
        return Standing(frozenset(), FieldAccess())
    if user.is_admin:
        return Standing(frozenset(RIGHTS), FieldAccess(_EVERYTHING, _EVERYTHING, _EVERYTHING))
    grants = matching_grants(user, form)
    return Standing(
        frozenset(r for g in grants for r in g.rights if r in RIGHTS), _field_access(grants)
    )


@dataclass
class Reason:
    """One right of a user on a form, and the grants (or role) that give it."""

    right: str
    granted: bool
    by: list[Grant]
    by_admin: bool = False


def explain(user: User, form: Form) -> list[Reason]:
    """For each right, whether *user* has it on *form* and which grants give it."""
    if user.is_admin and _is_staff(user):
        return [Reason(r, True, [], by_admin=True) for r in RIGHTS]
    grants = matching_grants(user, form)
    reasons = []
    for right in RIGHTS:
        by = [g for g in grants if right in g.rights]
        reasons.append(Reason(right, bool(by), by))
    return reasons


def _reading_level(grant: Grant, key: str) -> str:
    unnamed = EDIT if EDIT_RECORDS in grant.rights else READ
    return (grant.fields or {}).get(key, unnamed)


def explain_fields(user: User, form: Form, keys: list[str]) -> list[tuple[str, str, list[Grant]]]:
    """For each of *keys*: the user's access to it in records and the grants that give it."""
    access = field_access(user, form)
    if user.is_admin and _is_staff(user):
        return [(key, access.level(key), []) for key in keys]
    readers = [g for g in matching_grants(user, form) if VIEW_RECORDS in g.rights]
    explained = []
    for key in keys:
        level = access.level(key)
        by = [g for g in readers if _reading_level(g, key) == level]
        explained.append((key, level, by))
    return explained


def can_create_forms(user: User | None) -> bool:
    return _is_staff(user) and (user.is_admin or user.department_id is not None)


def departments_for_new_forms(user: User | None) -> list[Department]:
    """Departments in which *user* may create (or copy) forms."""
    if not _is_staff(user):
        return []
    query = sa.select(Department).order_by(Department.name)
    if not user.is_admin:
        query = query.where(Department.id.in_(member_department_ids(user)))
    return list(db.session.scalars(query))


def can_read_audit_log(user: User | None) -> bool:
    """Only system administrators search and export the audit log."""
    return _is_staff(user) and user.is_admin


def holders(form: Form, right: str) -> list[User]:
    """The active staff who hold *right* on *form* (administrators included), by name.

    Answered from the form's grants in a few queries, rather than asking ``can`` per user.
    """
    grants = [
        g
        for g in db.session.scalars(sa.select(Grant).where(Grant.form_id == form.id))
        if _allows({r for r in g.rights if r in RIGHTS}, right)
    ]
    query = sa.select(User).where(User.active.is_(True)).order_by(User.display_name, User.username)
    if not any(g.everyone for g in grants):
        user_ids = {g.user_id for g in grants if g.user_id is not None}
        named = [g for g in grants if g.department_id is not None]
        departments = {g.department_id for g in named if not g.include_children}
        departments |= with_sub_departments({g.department_id for g in named if g.include_children})
        members = sa.select(department_member.c.user_id).where(
            department_member.c.department_id.in_(departments)
        )
        query = query.where(
            sa.or_(
                User.is_admin.is_(True),
                User.id.in_(user_ids),
                User.id.in_(members),
                User.department_id.in_(departments),
            )
        )
    return list(db.session.scalars(query))
