"""Who may see and do what. Every read path asks here; nothing else decides.

Today: a system administrator may do everything; staff may work with the forms of
their own department. Per-form grants and per-field rights extend these functions
without changing their callers.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Department, Form, User

#: actions on a form
VIEW_FORM = "view_form"
EDIT_FORM = "edit_form"
PUBLISH = "publish"
VIEW_RECORDS = "view_records"
EXPORT = "export"
SUBMIT_AS_STAFF = "submit"
ACTIONS = (VIEW_FORM, EDIT_FORM, PUBLISH, VIEW_RECORDS, EXPORT, SUBMIT_AS_STAFF)


def _is_staff(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def member_department_ids(user: User | None) -> set[int]:
    """The departments *user* belongs to."""
    if not _is_staff(user) or user.department_id is None:
        return set()
    return {user.department_id}


def with_sub_departments(department_ids: set[int]) -> set[int]:
    """*department_ids* and every department below them (departments do not nest yet)."""
    return set(department_ids)


def visible_forms(user: User | None) -> sa.Select:
    """A query of the forms *user* may see, newest first."""
    query = sa.select(Form).order_by(Form.updated_at.desc(), Form.id.desc())
    if not _is_staff(user):
        return query.where(sa.false())
    if user.is_admin:
        return query
    return query.where(Form.department_id.in_(member_department_ids(user)))


def can(user: User | None, action: str, form: Form) -> bool:
    """Whether *user* may do *action* on *form*."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if not _is_staff(user):
        return False
    if user.is_admin:
        return True
    return form.department_id is not None and form.department_id in member_department_ids(user)


def visible_columns(user: User | None, form: Form) -> list[dict]:
    """The catalogue entries of *form* whose values *user* may see, in display order.

    Retired columns (fields removed from the form) are shown to those who may edit it.
    """
    if not can(user, VIEW_RECORDS, form):
        return []
    catalogue = form.storage or []
    active = [c for c in catalogue if not c["retired"]]
    if can(user, EDIT_FORM, form):
        return active + [c for c in catalogue if c["retired"]]
    return active


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
