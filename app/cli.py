"""`flask --app app atsume ...` commands."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask, current_app

from app import accounts, audit, audit_retention, seed
from app.extensions import db
from app.models import Department, User
from app.passwords import generate_password, hash_password
from app.tokens import create_token
from app.transactions import write_transaction

atsume = click.Group("atsume", help="Atsume administration.")


def _department(name: str | None) -> Department | None:
    if not name:
        return None
    department = db.session.scalar(sa.select(Department).where(Department.name == name))
    if department is None:
        department = Department(name=name)
        db.session.add(department)
        db.session.flush()
    return department


@write_transaction
def create_user(username: str, *, admin: bool, department: str | None) -> str:
    """Create a user with a generated password (to be changed at first log-in); return it."""
    if db.session.scalar(sa.select(User).where(User.username == username)):
        raise click.ClickException(f"user {username!r} already exists")
    password = generate_password()
    dept = _department(department)
    db.session.add(
        User(
            username=username,
            display_name=username,
            password_hash=hash_password(password),
            is_admin=admin,
            department_id=dept.id if dept else None,
            must_change_password=True,
        )
    )
    db.session.commit()
    return password


@atsume.command("create-admin")
@click.argument("username")
@click.option("--department", help="Department the administrator belongs to.")
def create_admin_command(username, department):
    """Create a system administrator and print a one-time password."""
    password = create_user(username, admin=True, department=department)
    audit.record(
        audit.USER_CREATE, detail={"user": username, "admin": True, "department": department}
    )
    click.echo(f"Created administrator {username}. One-time password: {password}")


@atsume.command("create-user")
@click.argument("username")
@click.option("--department", required=True, help="Department the user belongs to.")
def create_user_command(username, department):
    """Create a staff member of a department and print a one-time password."""
    password = create_user(username, admin=False, department=department)
    audit.record(
        audit.USER_CREATE, detail={"user": username, "admin": False, "department": department}
    )
    click.echo(f"Created user {username} in {department}. One-time password: {password}")


@atsume.command("create-token")
@click.argument("username")
@click.option("--name", default="", help="What the token is for.")
def create_token_command(username, name):
    """Print a new API token for a user (sent as 'Authorization: Bearer <token>')."""
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    click.echo(create_token(user, name))
    audit.record(audit.TOKEN_CREATE, detail={"user": username, "name": name})


def _user(username: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    return user


@atsume.command("reset-password")
@click.argument("username")
def reset_password_command(username):
    """Print a new one-time password for a user and end all of their log-ins."""
    user = _user(username)
    password = accounts.reset_password(user)
    audit.record(audit.PASSWORD_RESET, detail={"user": username})
    click.echo(f"Reset the password of {username}. One-time password: {password}")
    click.echo("Their log-ins on every device have ended.")
    if not user.active:
        click.echo(f"Note: {username} is deactivated and cannot log in until reactivated.")


@atsume.command("deactivate-user")
@click.argument("username")
def deactivate_user_command(username):
    """Stop a user from logging in: end their log-ins; their API tokens stop working."""
    accounts.deactivate(_user(username))
    audit.record(audit.USER_DEACTIVATE, detail={"user": username})
    click.echo(f"Deactivated {username}: their log-ins ended and their API tokens stopped working.")


@atsume.command("seed")
@click.option(
    "--without-answers", is_flag=True, help="Do not store the sample forms' demo answers."
)
def seed_command(without_answers):
    """Create the demo department, administrator, sample forms and demo answers (once)."""
    for line in seed.seed_demo(with_answers=not without_answers):
        click.echo(line)


@atsume.command("prune-audit")
def prune_audit_command():
    """Remove audit entries older than ATSUME_AUDIT_RETENTION_DAYS (0: keep them all)."""
    days = current_app.config["ATSUME_AUDIT_RETENTION_DAYS"]
    if days <= 0:
        click.echo("ATSUME_AUDIT_RETENTION_DAYS is 0: audit entries are kept forever.")
        return
    deleted = audit_retention.prune(days)
    click.echo(f"Removed {deleted} audit entries older than {days} days.")


def register(app: Flask) -> None:
    app.cli.add_command(atsume)
