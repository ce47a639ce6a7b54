"""`flask --app app atsume ...` commands."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask_babel import force_locale

from app import accounts, audit, audit_retention, lockout, organisation, second_factor, seed
from app.attachments import purge
from app.mail import worker as mail_worker
from app.models import Department, User
from app.records import trash
from app.tokens import create_token
from app.transactions import write_transaction

atsume = click.Group("atsume", help="Atsume administration.")


def _refused(error: organisation.OrganisationError) -> click.ClickException:
    """The error for the terminal, in English like the rest of the commands' output."""
    with force_locale("en"):
        return click.ClickException(str(error.message))


def _departments(names: tuple[str, ...]) -> tuple[list[Department], list[str]]:
    """The departments named; unknown ones are created at the top level. Return them and
    the names of those created."""
    departments, created = [], []
    for name in names:
        department = organisation.department_named(name)
        if department is None:
            department = organisation.create_department(name)
            created.append(department.name)
        departments.append(department)
    return departments, created


@write_transaction
def create_user(username: str, *, admin: bool, departments: tuple[str, ...]) -> list[str]:
    """Create a user with a generated password (to be changed at first log-in); return
    the lines to print."""
    try:
        found, created = _departments(departments)
        user, password = organisation.create_user(
            username, found, display_name=username, admin=admin
        )
    except organisation.OrganisationError as error:
        raise _refused(error) from error
    lines = [f"Created department {name} (at the top level)." for name in created]
    where = "、".join(d.name for d in found)
    kind = "administrator" if admin else "user"
    lines.append(
        f"Created {kind} {user.username}"
        + (f" in {where}" if where else "")
        + f". One-time password: {password}"
    )
    return lines


@atsume.command("create-admin")
@click.argument("username")
@click.option("--department", help="Department the administrator belongs to.")
def create_admin_command(username, department):
    """Create a system administrator and print a one-time password."""
    for line in create_user(username, admin=True, departments=(department,) if department else ()):
        click.echo(line)


@atsume.command("create-user")
@click.argument("username")
@click.option(
    "--department",
    "departments",
    required=True,
    multiple=True,
    help="A department the user belongs to; repeat for several (the first is the primary one).",
)
def create_user_command(username, departments):
    """Create a staff member of one or more departments and print a one-time password."""
    for line in create_user(username, admin=False, departments=departments):
        click.echo(line)


@atsume.command("create-department")
@click.argument("name")
@click.option("--parent", help="The department it is part of (e.g. the 部 of a 課).")
def create_department_command(name, parent):
    """Create a department, at the top level or under --parent."""
    parent_department = None
    if parent:
        parent_department = organisation.department_named(parent)
        if parent_department is None:
            raise click.ClickException(f"no department {parent!r}")
    try:
        department = organisation.create_department(name, parent_department)
    except organisation.OrganisationError as error:
        raise _refused(error) from error
    where = f" under {parent_department.name}" if parent_department else " at the top level"
    click.echo(f"Created department {department.name}{where}.")


@atsume.command("create-token")
@click.argument("username")
@click.option("--name", default="", help="What the token is for.")
def create_token_command(username, name):
    """Print a new API token for a user (sent as 'Authorization: Bearer <token>')."""
    click.echo(create_token(_user(username), name))
    audit.record(audit.TOKEN_CREATE, detail={"user": username, "name": name})


def _user(username: str) -> User:
    user = organisation.user_named(username)
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


@atsume.command("unlock-user")
@click.argument("username")
def unlock_user_command(username):
    """Unlock a user locked after repeated failed log-ins."""
    if lockout.clear(username):
        click.echo(f"Unlocked {username}.")
    else:
        click.echo(f"{username} was not locked.")


@atsume.command("reset-totp")
@click.argument("username")
def reset_totp_command(username):
    """Turn off a user's two-step verification (a lost phone) and end their log-ins."""
    user = _user(username)
    second_factor.disable(user)
    accounts.end_sessions(user)
    click.echo(
        f"Turned off two-step verification for {username} and ended their log-ins. "
        "They can set it up again on their account page."
    )


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


@atsume.command("empty-trash")
def empty_trash_command():
    """Delete the records that have been in the trash longer than ATSUME_TRASH_DAYS."""
    days = current_app.config["ATSUME_TRASH_DAYS"]
    deleted = trash.empty_expired()
    audit.record(audit.RECORD_PURGE, detail={"days": days, "deleted": deleted})
    click.echo(f"Deleted {deleted} records that were in the trash for more than {days} days.")


@atsume.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now, then exit (tests, cron).")
@click.option(
    "--interval",
    default=5.0,
    show_default=True,
    help="Seconds between passes over the outbox (with RQ: between sweeps when idle).",
)
def worker_command(once, interval):
    """Send queued e-mail from the outbox; with ATSUME_REDIS_URL set, serve its RQ queue."""
    if current_app.config["ATSUME_REDIS_URL"]:
        click.echo(f"Serving the RQ queue {current_app.config['ATSUME_RQ_QUEUE']}.")
        mail_worker.serve_rq(interval, once=once)
        return
    if once:
        sent = mail_worker.drain()
        click.echo(f"Sent {sent} messages.")
        return
    click.echo(f"Sending queued e-mail every {interval:g} seconds (Ctrl+C to stop).")
    mail_worker.poll(interval)
@atsume.command("purge-uploads")
def purge_uploads_command():
    """Delete uploads never attached to a record (after a day) and the files of records
    deleted from the trash."""
    held = purge.unattached()
    orphaned = purge.orphaned()
    click.echo(f"Deleted {held} unattached uploads and {orphaned} files of deleted records.")


def register(app: Flask) -> None:
    app.cli.add_command(atsume)
