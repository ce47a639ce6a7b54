"""Importing departments and users from CSV: read (UTF-8 or cp932), check every row,
and write everything in one transaction only when no row has a problem."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from app import organisation
from app.models import Department, User
from app.transactions import write_transaction

#: rows per file; an office's organisation fits many times over
MAX_ROWS = 5000

#: accepted headers (lower-cased) for each column
DEPARTMENT_COLUMNS = {
    "name": ("name", "部署名", "部署"),
    "parent": ("parent", "上位部署", "親部署"),
}
USER_COLUMNS = {
    "username": ("username", "ユーザー名", "ログイン名"),
    "display_name": ("display_name", "display name", "氏名", "表示名"),
    "departments": ("departments", "department", "所属部署", "部署"),
    "admin": ("admin", "管理者"),
}
REQUIRED = {"name", "username", "departments"}
DEPARTMENT_SEPARATORS = re.compile(r"[;|；｜]")
YES = {"1", "yes", "y", "true", "はい", "○", "〇"}
NO = {"", "0", "no", "n", "false", "いいえ", "×"}


class UnreadableFile(ValueError):
    """The upload is not text in UTF-8 or cp932."""


def decode(data: bytes) -> str:
    """The text of an uploaded CSV: UTF-8 (with or without BOM), else cp932 (Shift_JIS
    as saved by Excel)."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(
        _l("This file is neither UTF-8 nor Shift_JIS (cp932). Save it as CSV (UTF-8).")
    )


@dataclass
class Row:
    number: int  # line in the file, counting the header as 1
    values: dict[str, str]
    problems: list = field(default_factory=list)


@dataclass
class Sheet:
    """One CSV checked: its rows, and problems of the file as a whole."""

    columns: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not any(row.problems for row in self.rows)


@dataclass
class Plan:
    departments: Sheet
    users: Sheet

    @property
    def ok(self) -> bool:
        return self.departments.ok and self.users.ok

    @property
    def empty(self) -> bool:
        return not self.departments.rows and not self.users.rows


def _read(text: str, columns: dict[str, tuple[str, ...]]) -> Sheet:
    sheet = Sheet(columns=list(columns))
    reader = csv.reader(io.StringIO(text.strip("\ufeff"), newline=None))
    try:
        lines = [line for line in reader if any(cell.strip() for cell in line)]
    except csv.Error:
        sheet.problems.append(_l("Line %(line)d is not valid CSV.", line=reader.line_num))
        return sheet
    if not lines:
        return sheet
    header = [organisation.clean_name(cell).lower() for cell in lines[0]]
    positions: dict[str, int] = {}
    for key, names in columns.items():
        for index, name in enumerate(header):
            if name in names and key not in positions:
                positions[key] = index
    missing = [key for key in columns if key in REQUIRED and key not in positions]
    if missing:
        sheet.problems.append(
            _l(
                "The first line must name the columns; %(columns)s is missing.",
                columns=", ".join(missing),
            )
        )
        return sheet
    if len(lines) - 1 > MAX_ROWS:
        sheet.problems.append(_l("A file may have at most %(n)d rows.", n=MAX_ROWS))
        return sheet
    for number, line in enumerate(lines[1:], start=2):
        values = {
            key: (line[index].strip() if index < len(line) else "")
            for key, index in positions.items()
        }
        sheet.rows.append(Row(number, {key: values.get(key, "") for key in columns}))
    return sheet


def _check_departments(sheet: Sheet) -> dict[str, Row]:
    """Check the department rows; return the new departments by name."""
    new: dict[str, Row] = {}
    for row in sheet.rows:
        name = organisation.clean_name(row.values["name"])
        problem = organisation.department_name_problem(name)
        if problem:
            row.problems.append(problem)
        elif name in new:
            row.problems.append(
                _l("%(name)s is also on line %(line)d.", name=name, line=new[name].number)
            )
        elif organisation.department_named(name) is not None:
            row.problems.append(_l("A department named %(name)s already exists.", name=name))
        else:
            new[name] = row
    for name, row in new.items():
        parent = organisation.clean_name(row.values["parent"])
        if not parent:
            continue
        if parent not in new and organisation.department_named(parent) is None:
            row.problems.append(_l("Unknown parent department %(name)s.", name=parent))
            continue
        # Existing departments have existing parents, so only new ones can close a cycle.
        seen = {name}
        while parent in new:
            if parent in seen:
                row.problems.append(
                    _l("%(name)s would end up under itself (a cycle of parents).", name=name)
                )
                break
            seen.add(parent)
            parent = organisation.clean_name(new[parent].values["parent"])
    return new


def _split_departments(text: str) -> list[str]:
    names = (organisation.clean_name(part) for part in DEPARTMENT_SEPARATORS.split(text))
    return [name for name in names if name]


def _admin_flag(text: str) -> bool | None:
    value = organisation.clean_name(text).lower()
    if value in YES:
        return True
    if value in NO:
        return False
    return None


def _check_users(sheet: Sheet, new_departments: dict[str, Row]) -> None:
    seen: dict[str, int] = {}
    for row in sheet.rows:
        username = organisation.clean_name(row.values["username"])
        problem = organisation.username_problem(username)
        if problem:
            row.problems.append(problem)
        elif username in seen:
            row.problems.append(
                _l("%(name)s is also on line %(line)d.", name=username, line=seen[username])
            )
        elif organisation.user_named(username) is not None:
            row.problems.append(_l("A user named %(name)s already exists.", name=username))
        else:
            seen[username] = row.number
        if len(organisation.clean_name(row.values["display_name"])) > organisation.NAME_LENGTH:
            row.problems.append(
                _l("A name has at most %(n)d characters.", n=organisation.NAME_LENGTH)
            )
        admin = _admin_flag(row.values["admin"])
        if admin is None:
            row.problems.append(
                _l(
                    "Write 1 (administrator) or 0 in the admin column, not %(value)s.",
                    value=row.values["admin"],
                )
            )
        names = _split_departments(row.values["departments"])
        if not names and not admin:
            row.problems.append(_l("Name at least one department."))
        for name in names:
            if name not in new_departments and organisation.department_named(name) is None:
                row.problems.append(_l("Unknown department %(name)s.", name=name))


def check(departments_csv: str, users_csv: str) -> Plan:
    """Read and check both CSV texts; nothing is written."""
    plan = Plan(_read(departments_csv, DEPARTMENT_COLUMNS), _read(users_csv, USER_COLUMNS))
    new = _check_departments(plan.departments)
    _check_users(plan.users, new)
    return plan


@write_transaction
def apply(plan: Plan) -> list[tuple[User, str]]:
    """Create what a problem-free *plan* describes, parents before children, all in one
    transaction; return the new users with their one-time passwords."""
    if not plan.ok:
        raise ValueError("a plan with problems cannot be applied")
    rows = {organisation.clean_name(r.values["name"]): r for r in plan.departments.rows}
    created: dict[str, Department] = {}

    def make(name: str) -> Department:
        if name in created:
            return created[name]
        parent_name = organisation.clean_name(rows[name].values["parent"])
        parent = None
        if parent_name:
            parent = (
                make(parent_name)
                if parent_name in rows
                else organisation.department_named(parent_name)
            )
        created[name] = organisation.create_department(name, parent)
        return created[name]

    for name in rows:
        make(name)
    users = []
    for row in plan.users.rows:
        departments = [
            created.get(name) or organisation.department_named(name)
            for name in _split_departments(row.values["departments"])
        ]
        users.append(
            organisation.create_user(
                row.values["username"],
                departments,
                display_name=row.values["display_name"],
                admin=bool(_admin_flag(row.values["admin"])),
            )
        )
    return users
