"""The organisation: nested departments (部 → 課 → 係) and the staff who belong to them.

Every change is a plain function in a write transaction. Bad input raises
:class:`OrganisationError`, naming the field at fault, and changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from app import accounts, audit, identity
from app.extensions import db
from app.models import Department, User
from app.passwords import generate_password, hash_password
from app.rights import with_sub_departments
from app.transactions import write_transaction

NAME_LENGTH = 200
USERNAME_LENGTH = 80
#: letters, digits and . _ @ - (an e-mail address works), starting with a letter or digit
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]*\Z")


class OrganisationError(ValueError):
    """A change refused; *field* names the input at fault."""

    def __init__(self, field: str, message) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def clean_name(text: str | None) -> str:
    """A name as typed, normalised (full-width letters and digits to half-width, NFKC)
    and trimmed."""
    return unicodedata.normalize("NFKC", text or "").strip()


def username_problem(username: str):
    """Why *username* (already cleaned) cannot be a user name, or None."""
    if not username:
        return _l("Enter a user name.")
    if len(username) > USERNAME_LENGTH:
        return _l("A user name has at most %(n)d characters.", n=USERNAME_LENGTH)
    if not USERNAME_PATTERN.match(username):
        return _l(
            "A user name uses letters a-z, digits and . _ @ - only, "
            "and starts with a letter or digit."
        )
    return None


def department_name_problem(name: str):
    """Why *name* (already cleaned) cannot be a department's name, or None."""
    if not name:
        return _l("Enter the department's name.")
    if len(name) > NAME_LENGTH:
        return _l("A name has at most %(n)d characters.", n=NAME_LENGTH)
    return None


def department_named(name: str) -> Department | None:
    return db.session.scalar(sa.select(Department).where(Department.name == clean_name(name)))


def user_named(username: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == clean_name(username)))


def department_tree() -> list[tuple[Department, int]]:
    """Every department with its depth (0 at the top), parents before their children,
    siblings by name."""
    departments = list(db.session.scalars(sa.select(Department).order_by(Department.name)))
    children: dict[int | None, list[Department]] = {}
    for department in departments:
        children.setdefault(department.parent_id, []).append(department)
    ordered: list[tuple[Department, int]] = []
    seen: set[int] = set()

    def walk(parent_id: int | None, depth: int) -> None:
        for department in children.get(parent_id, []):
            if department.id not in seen:
                seen.add(department.id)
                ordered.append((department, depth))
                walk(department.id, depth + 1)

    walk(None, 0)
    return ordered


def _check_new_name(name: str, department: Department | None = None) -> str:
    name = clean_name(name)
    problem = department_name_problem(name)
    if problem:
        raise OrganisationError("name", problem)
    existing = department_named(name)
    if existing is not None and existing is not department:
        raise OrganisationError(
            "name", _l("A department named %(name)s already exists.", name=name)
        )
    return name


def _check_parent(department: Department, parent: Department | None) -> None:
    if parent is not None and parent.id in with_sub_departments({department.id}):
        raise OrganisationError(
            "parent",
            _l(
                "%(name)s cannot be placed under itself or a department below it.",
                name=department.name,
            ),
        )


@write_transaction
def create_department(name: str, parent: Department | None = None) -> Department:
    """Create a department, at the top or under *parent*."""
    department = Department(name=_check_new_name(name), parent_id=parent.id if parent else None)
    db.session.add(department)
    db.session.flush()
    audit.record(
        audit.DEPARTMENT_CREATE,
        detail={"department": department.name, "parent": parent.name if parent else None},
    )
    return department


def _department_facts(department: Department) -> dict:
    parent = db.session.get(Department, department.parent_id) if department.parent_id else None
    return {"name": department.name, "parent": parent.name if parent else None}


@write_transaction
def update_department(department: Department, name: str, parent: Department | None) -> None:
    """Rename *department* and move it (with everything below it) under *parent*
    (None: to the top). Moving it under itself or its own descendants is refused."""
    name = _check_new_name(name, department)
    _check_parent(department, parent)
    before = _department_facts(department)
    department.name = name
    department.parent_id = parent.id if parent else None
    identity.forget_contacts()
    audit.record(
        audit.DEPARTMENT_CHANGE,
        detail={"department": before["name"]}
        | audit.changes(before, _department_facts(department)),
    )


def _check_user_fields(display_name: str, departments: list[Department], admin: bool) -> str:
    display_name = clean_name(display_name)
    if len(display_name) > NAME_LENGTH:
        raise OrganisationError(
            "display_name", _l("A name has at most %(n)d characters.", n=NAME_LENGTH)
        )
    if not departments and not admin:
        raise OrganisationError("departments", _l("Choose at least one department."))
    return display_name


def _unique(departments: Iterable[Department]) -> list[Department]:
    seen: dict[int, Department] = {}
    for department in departments:
        seen.setdefault(department.id, department)
    return list(seen.values())


@write_transaction
def create_user(
    username: str,
    departments: list[Department],
    *,
    display_name: str = "",
    admin: bool = False,
) -> tuple[User, str]:
    """Create a user in *departments* with a generated one-time password; return the user
    and the password. The first department is their primary one, where their new forms
    go; only an administrator may belong to none."""
    username = clean_name(username)
    problem = username_problem(username)
    if problem:
        raise OrganisationError("username", problem)
    if user_named(username) is not None:
        raise OrganisationError(
            "username", _l("A user named %(name)s already exists.", name=username)
        )
    departments = _unique(departments)
    display_name = _check_user_fields(display_name, departments, admin)
    password = generate_password()
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        is_admin=admin,
        must_change_password=True,
        department_id=departments[0].id if departments else None,
        departments=departments,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(audit.USER_CREATE, detail={"user": username} | _user_facts(user))
    return user, password


def _user_facts(user: User) -> dict:
    return {
        "display_name": user.display_name,
        "departments": [d.name for d in user.departments],
        "admin": user.is_admin,
    }


@write_transaction
def update_user(
    user: User,
    *,
    display_name: str,
    departments: list[Department],
    admin: bool,
    by: User | None = None,
) -> None:
    """Change *user*'s name, departments and administrator flag. Their primary department
    stays if they still belong to it; otherwise the first of *departments* becomes it.
    Administrators cannot take their own administrator rights away."""
    departments = _unique(departments)
    display_name = _check_user_fields(display_name, departments, admin)
    if by is not None and by.id == user.id and user.is_admin and not admin:
        raise OrganisationError(
            "is_admin", _l("You cannot take away your own administrator rights.")
        )
    before = _user_facts(user)
    user.display_name = display_name or user.username
    user.is_admin = admin
    user.departments = departments
    if user.department_id not in {d.id for d in departments}:
        user.department_id = departments[0].id if departments else None
    audit.record(
        audit.USER_CHANGE, detail={"user": user.username} | audit.changes(before, _user_facts(user))
    )


@write_transaction
def deactivate_user(user: User, by: User | None = None) -> None:
    """Stop *user* from logging in (their log-ins end, their API tokens stop working).
    Their forms, records and history stay."""
    if by is not None and by.id == user.id:
        raise OrganisationError("active", _l("You cannot deactivate your own account."))
    accounts.deactivate(user)
    audit.record(audit.USER_DEACTIVATE, detail={"user": user.username})


@write_transaction
def reactivate_user(user: User) -> None:
    """Let a deactivated user log in again (with their password as it was)."""
    user.active = True
    audit.record(audit.USER_CHANGE, detail={"user": user.username, "active": [False, True]})


def reset_password(user: User) -> str:
    """A new one-time password for *user*; their log-ins end."""
    password = accounts.reset_password(user)
    audit.record(audit.PASSWORD_RESET, detail={"user": user.username})
    return password


def members(department: Department) -> list[User]:
    """The users who belong to *department*, by user name."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.departments.any(Department.id == department.id))
            .order_by(User.username)
        )
    )


PHONE_PATTERN = re.compile(r"\A\+?[0-9()\- ]{4,40}\Z")


@write_transaction
def set_department_contact(department: Department, phone: str, email: str, hours: str) -> None:
    """Change how citizens reach *department* (shown on its public forms)."""
    phone = clean_name(phone)
    email = (email or "").strip()
    hours = (hours or "").strip()
    if phone and not PHONE_PATTERN.match(phone):
        raise OrganisationError(
            "contact_phone", _l("Enter a phone number of digits and hyphens, e.g. 03-1234-5678.")
        )
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            raise OrganisationError(
                "contact_email", _l("Enter an e-mail address such as info@city.example.jp.")
            ) from None
    if len(hours) > 200:
        raise OrganisationError("contact_hours", _l("At most %(n)d characters.", n=200))
    before = _contact_facts(department)
    department.contact_phone = phone or None
    department.contact_email = email or None
    department.contact_hours = hours or None
    identity.forget_contacts()
    audit.record(
        audit.DEPARTMENT_CHANGE,
        detail={"department": department.name}
        | audit.changes(before, _contact_facts(department)),
    )


def _contact_facts(department: Department) -> dict:
    return {
        "contact_phone": department.contact_phone,
        "contact_email": department.contact_email,
        "contact_hours": department.contact_hours,
    }
def display_names(user_ids) -> dict[int, str]:
    """user id -> the name to show (display name, else username), for the ids given."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(User.id, User.display_name, User.username).where(User.id.in_(ids))
    )
    return {row.id: row.display_name or row.username for row in rows}
