"""Demo data: a department, an administrator, the three sample forms and their answers."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from app import identity
from app.extensions import db
from app.forms import operations
from app.forms.published import published_definition
from app.models import Department, Form, SiteSetting, User
from app.passwords import generate_password, hash_password
from app.records import store
from app.records.submission import submit
from app.seed.answers import demo_answers

SEED_DIR = Path(__file__).parent
DEMO_DEPARTMENT = "総務課"
DEMO_OFFICE = "みどり市（デモ）"
DEMO_CONTACT = {
    "contact_phone": "000-000-0000",
    "contact_email": "somu@city.example.jp",
    "contact_hours": "平日 8:30〜17:15",
}
DEMO_ADMIN = "admin"
#: how the seed output names the command that gives a user a new one-time password
RESET_COMMAND = "flask --app app atsume reset-password {username}"


def sample_documents() -> list[dict]:
    """The sample form definitions shipped with Atsume (also offered as starting points)."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SEED_DIR.glob("*.json"))]


def seed_demo(with_answers: bool = True) -> list[str]:
    """Create what is missing of the demo; return lines to print.

    *with_answers* also stores the sample forms' demo answers (deterministic, once).
    """
    lines = []
    department = db.session.scalar(sa.select(Department).where(Department.name == DEMO_DEPARTMENT))
    if department is None:
        department = Department(name=DEMO_DEPARTMENT, **DEMO_CONTACT)
        db.session.add(department)
        db.session.commit()
        lines.append(f"Created department {DEMO_DEPARTMENT}.")
    if db.session.get(SiteSetting, identity.ORGANISATION) is None:
        db.session.add(SiteSetting(key=identity.ORGANISATION, value={"name": DEMO_OFFICE}))
        db.session.commit()
    admin = db.session.scalar(sa.select(User).where(User.username == DEMO_ADMIN))
    if admin is None:
        password = generate_password()
        admin = User(
            username=DEMO_ADMIN,
            display_name="管理者",
            is_admin=True,
            department_id=department.id,
            departments=[department],
            password_hash=hash_password(password),
            must_change_password=True,
        )
        db.session.add(admin)
        db.session.commit()
        lines.append("=" * 60)
        lines.append(f"Staff log-in: user '{DEMO_ADMIN}', one-time password: {password}")
        lines.append("=" * 60)
    else:
        lines.extend(_log_in_state(admin))
    for document in sample_documents():
        form, _former = operations.form_at_address(document["slug"])
        if form is None:
            form = operations.create_form(document, admin, department.id)
            operations.publish(form, admin)
            lines.append(f"Published sample form /f/{form.slug} ({form.title}).")
        else:
            lines.append(f"Sample form /f/{form.slug} ({form.title}) is there.")
        if with_answers and form.is_published:
            added = _add_demo_answers(form, document["slug"])
            if added:
                lines.append(f"  Stored {added} demo answers.")
    return lines


def _log_in_state(admin: User) -> list[str]:
    """Where the demo log-in stands, and how to get in again (passwords are not kept)."""
    reset = RESET_COMMAND.format(username=admin.username)
    if not admin.active:
        state = f"Staff log-in: user '{admin.username}' is deactivated."
    elif admin.must_change_password:
        state = (
            f"Staff log-in: user '{admin.username}' still has the one-time password printed "
            "when it was created (it is not stored, so it cannot be shown again)."
        )
    else:
        state = f"Staff log-in: user '{admin.username}' has chosen their own password."
    return [state, f"Lost the password? Print a new one-time password with: {reset}"]


def _add_demo_answers(form: Form, sample_slug: str) -> int:
    """Store the sample form's demo answers not stored yet; return how many were added."""
    answers = list(demo_answers(sample_slug))
    if not answers or store.find_by_token(form, answers[-1][0]) is not None:
        return 0
    definition = published_definition(form)
    return sum(submit(form, definition, values, token=token)[1] for token, values in answers)
