"""The audit log's one door: ``record()`` notes who did what, when and from where.

Writing the log never blocks or fails the person's action:

- an entry is written on a connection and in a transaction of its own, never in the
  request's session, so a failing write cannot roll the action back;
- called inside a write transaction, the entry waits until that transaction commits (and
  is dropped if it rolls back: the action did not happen). This also keeps SQLite from
  waiting on the write lock its own request holds;
- the write waits for the database at most ``ATSUME_AUDIT_WAIT_MS`` (SQLite busy timeout,
  PostgreSQL lock and statement timeouts). Entries that could not be written are kept in
  memory and written with the next entry; each failure is logged with the entries.
"""

from __future__ import annotations

import collections
import getpass
import json
import logging
import socket
from collections.abc import Iterable, Iterator

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.extensions import SQLITE_BEGIN_IMMEDIATE, db
from app.models import AuditEvent
from app.models.types import utcnow
from app.transactions import in_write_transaction

log = logging.getLogger(__name__)

# What people do. Names are namespaced: a search for "record" finds every "record.*".
LOGIN = "login"
LOGIN_FAILED = "login.failed"
LOGOUT = "logout"
LOGOUT_EVERYWHERE = "logout.everywhere"
PASSWORD_CHANGE = "password.change"
PASSWORD_RESET = "password.reset"
USER_CREATE = "user.create"
USER_CHANGE = "user.change"
USER_DEACTIVATE = "user.deactivate"
DEPARTMENT_CREATE = "department.create"
DEPARTMENT_CHANGE = "department.change"
TOKEN_CREATE = "token.create"
PERMISSION_CHANGE = "permission.change"
FORM_CREATE = "form.create"
FORM_IMPORT = "form.import"
FORM_PUBLISH = "form.publish"
FORM_SETTINGS = "form.settings"
FORM_ADDRESS = "form.address"
FORM_OPEN = "form.open"
FORM_CLOSE = "form.close"
RECORD_LIST = "record.list"
RECORD_VIEW = "record.view"
RECORD_CREATE = "record.create"
RECORD_EDIT = "record.edit"
RECORD_DELETE = "record.delete"
RECORD_IMPORT = "record.import"
RECORD_EXPORT = "record.export"
RECORD_COMMENT = "record.comment"
RECORD_STATUS = "record.status"
RECORD_ASSIGN = "record.assign"
RECORD_RESTORE = "record.restore"
RECORD_PURGE = "record.purge"
RECORD_FILE = "record.file"
WORKFLOW_CHANGE = "form.workflow"
#: written when an export begins, with the rows to expect: an export whose ending entry
#: (RECORD_EXPORT, with the rows written) is missing was cut off
RECORD_EXPORT_START = "record.export.start"
AUDIT_EXPORT = "audit.export"
AUDIT_PRUNE = "audit.prune"
SITE_IDENTITY = "site.identity"
FORM_EMBEDDING = "form.embedding"
MAIL_RESEND = "mail.resend"

ACTION_LABELS = {
    LOGIN: _l("Log-in"),
    LOGIN_FAILED: _l("Failed log-in"),
    LOGOUT: _l("Log-out"),
    LOGOUT_EVERYWHERE: _l("Log-out on every device"),
    PASSWORD_CHANGE: _l("Password change"),
    PASSWORD_RESET: _l("Password reset"),
    USER_CREATE: _l("User created"),
    USER_CHANGE: _l("User changed"),
    USER_DEACTIVATE: _l("User deactivated"),
    DEPARTMENT_CREATE: _l("Department created"),
    DEPARTMENT_CHANGE: _l("Department changed"),
    TOKEN_CREATE: _l("API token created"),
    PERMISSION_CHANGE: _l("Permissions changed"),
    FORM_CREATE: _l("Form created"),
    FORM_IMPORT: _l("Form imported"),
    FORM_PUBLISH: _l("Form published"),
    FORM_SETTINGS: _l("Form settings changed"),
    FORM_ADDRESS: _l("Form address changed"),
    FORM_OPEN: _l("Form opened"),
    FORM_CLOSE: _l("Form closed"),
    RECORD_LIST: _l("Records listed"),
    RECORD_VIEW: _l("Record viewed"),
    RECORD_CREATE: _l("Record added"),
    RECORD_EDIT: _l("Record edited"),
    RECORD_DELETE: _l("Record deleted"),
    RECORD_IMPORT: _l("Records imported"),
    RECORD_EXPORT: _l("Records exported"),
    RECORD_COMMENT: _l("Comment on a record"),
    RECORD_STATUS: _l("Record status changed"),
    RECORD_ASSIGN: _l("Record assigned"),
    RECORD_RESTORE: _l("Record restored from the trash"),
    RECORD_PURGE: _l("Records deleted from the trash"),
    RECORD_FILE: _l("Attached file downloaded"),
    WORKFLOW_CHANGE: _l("Workflow changed"),
    RECORD_EXPORT_START: _l("Export started"),
    AUDIT_EXPORT: _l("Audit log exported"),
    AUDIT_PRUNE: _l("Old audit entries removed"),
    SITE_IDENTITY: _l("Office name or logo changed"),
    FORM_EMBEDDING: _l("Sites that may embed the form changed"),
    MAIL_RESEND: _l("E-mail sent again"),
}

#: the longest summary kept (JSON text); a longer one is cut and marked "truncated"
MAX_DETAIL = 8000
#: entries kept in memory while the database cannot take them
MAX_BACKLOG = 10_000
_PENDING = "atsume_audit_pending"
_BACKLOG = "atsume_audit_backlog"
_INSERT = sa.insert(AuditEvent)


def record(
    action: str,
    *,
    user=None,
    username: str | None = None,
    form=None,
    record_id: int | None = None,
    detail: dict | None = None,
    with_action: bool = False,
) -> None:
    """Note that *user* (default: the person making this request) did *action*.

    *username* names who tried when there is no user (a failed log-in); *form* is a Form
    or its id; *detail* summarises what was changed or read. Never raises.

    With *with_action*, an entry made inside a write transaction is written in that
    transaction, under a savepoint, rather than after its commit: it is stored exactly
    when the action is, with no commit of its own, and a failing write still fails only
    the entry (kept for later as any other).
    """
    try:
        entry = _entry(action, user, username, form, record_id, detail)
        if in_write_transaction():
            if with_action and not _backlog():
                _write([entry], joined=True)
            else:
                db.session().info.setdefault(_PENDING, []).append(entry)
            return
        _end_read_snapshot()
        _write([entry])
    except Exception:  # noqa: BLE001 - the person's action must go on whatever happens here
        log.exception("could not record the audit entry %r", action)


def changes(before: dict, after: dict) -> dict:
    """``{name: [old, new]}`` for each value that differs between *before* and *after*."""
    return {
        name: [before.get(name), after.get(name)]
        for name in dict.fromkeys([*before, *after])
        if before.get(name) != after.get(name)
    }


def counting(items: Iterable, action: str, *, form=None, detail: dict | None = None) -> Iterator:
    """Yield *items*; when they run out (or the reader stops), record *action* with how
    many were handed out as ``rows`` and whether all were (``complete``)."""
    handed = 0
    complete = False
    try:
        for item in items:
            yield item
            handed += 1
        complete = True
    finally:
        record(action, form=form, detail={**(detail or {}), "rows": handed, "complete": complete})


def publication(version) -> dict:
    """The summary of a publication: the version and what it changed."""
    return {"version": version.number, "changes": version.changes or []}


def query_summary(args, leave_out: Iterable[str] = ()) -> dict:
    """The query-string values of a request that decide what was read (filters, sort)."""
    skip = {"page", "lang", *leave_out}
    return {name: args.get(name) for name in args if name not in skip and args.get(name)}


# ---------------------------------------------------------------------------- writing


def _clip(text, length: int) -> str | None:
    if text is None:
        return None
    clean = str(text).encode("utf-8", "replace").decode("utf-8").replace("\x00", "")
    return clean[:length]


def _clean_detail(detail: dict | None) -> dict:
    text = json.dumps(detail or {}, ensure_ascii=False, default=str, sort_keys=True)
    # Lone surrogates and NUL cannot be stored (PostgreSQL refuses \u0000 in JSON).
    text = text.encode("utf-8", "replace").decode("utf-8").replace("\\u0000", "\\ufffd")
    if len(text) > MAX_DETAIL:
        return {"summary": text[:MAX_DETAIL], "truncated": True}
    return json.loads(text)


def _actor(user):
    if user is not None or not has_request_context():
        return user
    api_user = g.get("api_user")
    if api_user is not None:
        return api_user
    return current_user if current_user.is_authenticated else None


def _origin() -> tuple[str, str | None, str | None]:
    """How the action came (web, api, cli), the client's address and its user agent."""
    if has_request_context():
        via = "api" if request.blueprint == "api" else "web"
        return via, _clip(request.remote_addr, 45), _clip(request.user_agent.string, 300)
    try:
        who = f"{getpass.getuser()}@{socket.gethostname()}"
    except (OSError, KeyError):
        who = socket.gethostname()
    return "cli", None, _clip(f"command line: {who}", 300)


def _entry(action, user, username, form, record_id, detail) -> dict:
    actor = _actor(user)
    via, ip, agent = _origin()
    return {
        "at": utcnow(),
        "user_id": actor.id if actor is not None else None,
        "username": _clip(actor.username if actor is not None else username, 80),
        "action": _clip(action, 40),
        "form_id": getattr(form, "id", form),
        "record_id": record_id,
        "detail": _clean_detail(detail),
        "ip": ip,
        "user_agent": agent,
        "via": via,
    }


def _end_read_snapshot() -> None:
    """End the session's read transaction on SQLite before the log writes.

    A SQLite read transaction that outlives another connection's write can no longer
    write itself ("database is locked"); ending it now, as a write transaction would
    (app.transactions), keeps the session's own later writes possible. Nothing is pending
    in it, so nothing is committed but the end of the read.
    """
    session = db.session()
    if (
        session.in_transaction()
        and session.get_bind().dialect.name == "sqlite"
        and not (session.new or session.dirty or session.deleted)
    ):
        session.commit()


def _backlog() -> collections.deque:
    return current_app.extensions.setdefault(_BACKLOG, collections.deque(maxlen=MAX_BACKLOG))


def _write(entries: list[dict], joined: bool = False) -> None:
    """Insert *entries* (and any kept from failed writes) in a transaction of their own;
    or, *joined*, *entries* alone in the session's write transaction (the kept ones are
    not bound to its fate, and wait for the next write of its own)."""
    backlog = _backlog()
    batch = []
    while backlog and not joined:
        batch.append(backlog.popleft())
    batch += entries
    if not batch:
        return
    wait_ms = int(current_app.config["ATSUME_AUDIT_WAIT_MS"])
    try:
        _insert(batch, wait_ms, joined)
    except OperationalError:  # busy, timed out or unreachable: worth another try later
        backlog.extend(batch)
        log.warning(
            "audit log busy; %d entries kept to write later: %s",
            len(batch),
            json.dumps(batch, default=str, ensure_ascii=False)[:2000],
            exc_info=True,
        )
    except Exception:  # noqa: BLE001 - never fail the action; the entries go to the log file
        log.error(
            "audit entries could not be stored: %s",
            json.dumps(batch, default=str, ensure_ascii=False),
            exc_info=True,
        )


def _insert(batch: list[dict], wait_ms: int, joined: bool = False) -> None:
    if joined:
        _insert_joined(batch, wait_ms)
        return
    with db.engine.connect().execution_options(**{SQLITE_BEGIN_IMMEDIATE: True}) as connection:
        driver = connection.connection.driver_connection
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # set on the driver: a statement through SQLAlchemy would begin first
            usual_wait = driver.execute("PRAGMA busy_timeout").fetchone()[0]
            driver.execute(f"PRAGMA busy_timeout={wait_ms}")
        try:
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        sa.text(
                            "SELECT set_config('lock_timeout', :lock, true),"
                            " set_config('statement_timeout', :statement, true)"
                        ),
                        {"lock": str(wait_ms), "statement": str(wait_ms * 5)},
                    )
                connection.execute(_INSERT, batch)
        finally:
            if sqlite:
                driver.execute(f"PRAGMA busy_timeout={usual_wait}")


#: PostgreSQL: the savepoint the entries of an action's transaction go in under. Its
#: statements go as plain text, several in one round trip (possible without parameters);
#: the session's timeouts are kept aside in the transaction, and set back after.
_SAVEPOINT = "atsume_audit_entry"
_KEEP_TIMEOUTS = (
    "SELECT set_config('atsume.lock_timeout', current_setting('lock_timeout'), true),"
    " set_config('atsume.statement_timeout', current_setting('statement_timeout'), true)"
)
_SET_TIMEOUTS = (
    "SELECT set_config('lock_timeout', '{lock}', true),"
    " set_config('statement_timeout', '{statement}', true)"
)
_RESTORE_TIMEOUTS = (
    "SELECT set_config('lock_timeout', current_setting('atsume.lock_timeout'), true),"
    " set_config('statement_timeout', current_setting('atsume.statement_timeout'), true)"
)
_PLAIN = {"no_parameters": True}


def _insert_joined(batch: list[dict], wait_ms: int) -> None:
    """Insert *batch* in the session's write transaction; a failure undoes the entries
    alone. SQLite undoes a failing statement by itself, and the transaction holds the
    write lock already. PostgreSQL would abort the whole transaction, so the entries go in
    under a savepoint, waiting at most *wait_ms* for a lock as a write of their own does."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(_INSERT, batch)
        return
    timeouts = _SET_TIMEOUTS.format(lock=int(wait_ms), statement=int(wait_ms) * 5)
    _plain(connection, f"SAVEPOINT {_SAVEPOINT}", _KEEP_TIMEOUTS, timeouts)
    try:
        connection.execute(_INSERT, batch)
    except BaseException:
        _plain(connection, f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
        raise
    _plain(connection, _RESTORE_TIMEOUTS, f"RELEASE SAVEPOINT {_SAVEPOINT}")


def _plain(connection: sa.Connection, *statements: str) -> None:
    """Run *statements* (without parameters) in one round trip."""
    connection.exec_driver_sql("; ".join(statements), execution_options=_PLAIN)


@sa.event.listens_for(Session, "after_commit")
def _write_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: the entries wait for the transaction itself
    pending = session.info.pop(_PENDING, None)
    if pending:
        try:
            _write(pending)
        except Exception:  # noqa: BLE001 - the commit has happened; never undo it
            log.exception("could not record %d audit entries", len(pending))


@sa.event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # only a savepoint was rolled back
    session.info.pop(_PENDING, None)  # the action did not happen
