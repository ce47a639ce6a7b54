"""Reading and replacing a form's grants as a JSON document.

The document is ``{"grants": [...]}``; each grant names exactly one grantee
(``"department": name`` with optional ``"include_children"``, ``"user": username`` or
``"everyone": true``), its ``"rights"`` and optionally ``"fields"`` (key -> hidden, read
or edit). The staff page and the API both go through ``parse`` and ``replace``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from app import audit, organisation, rights
from app.extensions import db
from app.models import Form, Grant
from app.transactions import write_transaction
from builder import definition as definitions
from builder.i18n import N_, Msg

GRANTEES = ("department", "user", "everyone")
GRANT_KEYS = {*GRANTEES, "include_children", "rights", "fields"}


@dataclass
class Problem:
    path: str
    message: Msg | str


class GrantProblems(ValueError):
    """The grants document has problems; each names where."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = problems


@dataclass
class GrantSpec:
    """One validated grant, ready to store."""

    department_id: int | None = None
    user_id: int | None = None
    everyone: bool = False
    include_children: bool = False
    rights: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)


def field_keys(form: Form) -> set[str]:
    """Keys a grant may name: the draft's fields, every column the records have, and keys
    the grants name already (so that what GET returns can always be PUT back)."""
    named = db.session.scalars(sa.select(Grant.fields).where(Grant.form_id == form.id)).all()
    return (
        definitions.keys_of(form.draft)
        | {e["key"] for e in form.storage or []}
        | {key for fields in named for key in (fields or {})}
    )


def document(form: Form) -> dict:
    """The form's grants as the JSON document the API returns and accepts."""
    grants = db.session.scalars(
        sa.select(Grant).where(Grant.form_id == form.id).order_by(Grant.id)
    ).all()
    return {"grants": [grant_json(g) for g in grants]}


def grant_json(grant: Grant) -> dict:
    if grant.department_id is not None:
        head = {"department": grant.department.name, "include_children": grant.include_children}
    elif grant.user_id is not None:
        head = {"user": grant.user.username}
    else:
        head = {"everyone": True}
    ordered = [r for r in rights.RIGHTS if r in grant.rights]
    return head | {"rights": ordered, "fields": dict(grant.fields or {})}


def parse(body, form: Form) -> list[GrantSpec]:
    """Validate a grants document against *form*; raise GrantProblems naming each problem."""
    problems: list[Problem] = []
    if not isinstance(body, dict) or not isinstance(body.get("grants"), list):
        raise GrantProblems([Problem("grants", N_("Give a list of grants."))])
    for key in body:
        if key != "grants":
            problems.append(Problem(key, N_("Unknown member.")))
    keys = field_keys(form)
    specs = []
    for index, raw in enumerate(body["grants"]):
        spec = _grant(raw, f"grants[{index}]", keys, problems)
        if spec is not None:
            specs.append(spec)
    if problems:
        raise GrantProblems(problems)
    return specs


def _grant(raw, path: str, keys: set[str], problems: list[Problem]) -> GrantSpec | None:
    if not isinstance(raw, dict):
        problems.append(Problem(path, N_("A grant is an object.")))
        return None
    before = len(problems)
    for key in raw:
        if key not in GRANT_KEYS:
            problems.append(
                Problem(f"{path}.{key}", Msg(N_("Unknown member “%(name)s”."), name=key))
            )
    spec = GrantSpec()
    named = [g for g in GRANTEES if g in raw]
    if len(named) != 1:
        problems.append(Problem(path, N_("Name exactly one of: department, user or everyone.")))
    elif named[0] == "department":
        spec.department_id = _department(raw["department"], f"{path}.department", problems)
    elif named[0] == "user":
        spec.user_id = _user(raw["user"], f"{path}.user", problems)
    elif raw["everyone"] is not True:
        problems.append(Problem(f"{path}.everyone", N_("Use true.")))
    else:
        spec.everyone = True
    children = raw.get("include_children", False)
    if not isinstance(children, bool):
        problems.append(Problem(f"{path}.include_children", N_("Use true or false.")))
    else:
        spec.include_children = children and spec.department_id is not None
    spec.rights = _rights(raw.get("rights"), f"{path}.rights", problems)
    spec.fields = _fields(raw.get("fields", {}), f"{path}.fields", keys, problems)
    return spec if len(problems) == before else None


def _department(name, path: str, problems: list[Problem]) -> int | None:
    found = organisation.department_named(name) if isinstance(name, str) else None
    if found is None:
        problems.append(Problem(path, Msg(N_("Unknown department “%(name)s”."), name=str(name))))
    return found.id if found else None


def _user(name, path: str, problems: list[Problem]) -> int | None:
    found = organisation.user_named(name) if isinstance(name, str) else None
    if found is None:
        problems.append(Problem(path, Msg(N_("Unknown user “%(name)s”."), name=str(name))))
    return found.id if found else None


def _rights(raw, path: str, problems: list[Problem]) -> list[str]:
    if not isinstance(raw, list):
        problems.append(Problem(path, N_("Give a list of rights.")))
        return []
    for index, right in enumerate(raw):
        if right not in rights.RIGHTS:
            problems.append(
                Problem(f"{path}[{index}]", Msg(N_("Unknown right “%(name)s”."), name=str(right)))
            )
    return [r for r in rights.RIGHTS if r in raw]


def _fields(raw, path: str, keys: set[str], problems: list[Problem]) -> dict[str, str]:
    if not isinstance(raw, dict):
        problems.append(Problem(path, N_("Give an object of field keys and levels.")))
        return {}
    fields = {}
    for key, level in raw.items():
        if key not in keys:
            problems.append(
                Problem(f"{path}.{key}", Msg(N_("Unknown field “%(name)s”."), name=key))
            )
        elif level not in rights.ACCESS_LEVELS:
            problems.append(Problem(f"{path}.{key}", N_("Use hidden, read or edit.")))
        else:
            fields[key] = level
    return fields


@write_transaction
def replace(form: Form, specs: list[GrantSpec]) -> None:
    """Make *specs* the form's grants, all at once."""
    before = document(form)["grants"]
    db.session.execute(sa.delete(Grant).where(Grant.form_id == form.id))
    for spec in specs:
        db.session.add(
            Grant(
                form_id=form.id,
                department_id=spec.department_id,
                user_id=spec.user_id,
                everyone=spec.everyone,
                include_children=spec.include_children,
                rights=spec.rights,
                fields=spec.fields,
            )
        )
    db.session.flush()
    audit.record(
        audit.PERMISSION_CHANGE,
        form=form,
        detail={"before": before, "after": document(form)["grants"]},
    )
