"""Demo data: a department, an administrator and the three sample forms."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.forms import operations
from app.models import Department, Form, User
from app.passwords import generate_password, hash_password

SEED_DIR = Path(__file__).parent
DEMO_DEPARTMENT = "総務課"
DEMO_ADMIN = "admin"


def sample_documents() -> list[dict]:
    """The sample form definitions shipped with Atsume (also offered as starting points)."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SEED_DIR.glob("*.json"))]


def seed_demo() -> list[str]:
    """Create what is missing of the demo; return lines to print."""
    lines = []
    department = db.session.scalar(sa.select(Department).where(Department.name == DEMO_DEPARTMENT))
    if department is None:
        department = Department(name=DEMO_DEPARTMENT)
        db.session.add(department)
        db.session.commit()
        lines.append(f"Created department {DEMO_DEPARTMENT}.")
    admin = db.session.scalar(sa.select(User).where(User.username == DEMO_ADMIN))
    if admin is None:
        password = generate_password()
        admin = User(
            username=DEMO_ADMIN,
            display_name="管理者",
            is_admin=True,
            department_id=department.id,
            password_hash=hash_password(password),
            must_change_password=True,
        )
        db.session.add(admin)
        db.session.commit()
        lines.append("=" * 60)
        lines.append(f"Staff log-in: user '{DEMO_ADMIN}', one-time password: {password}")
        lines.append("=" * 60)
    for document in sample_documents():
        exists = db.session.scalar(sa.select(Form.id).where(Form.slug == document["slug"]))
        if exists is None:
            form = operations.create_form(document, admin, department.id)
            operations.publish(form, admin)
            lines.append(f"Published sample form /f/{form.slug} ({form.title}).")
    return lines
