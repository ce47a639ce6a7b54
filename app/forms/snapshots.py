"""Forms as the public pages read them: a copy per process that lives two seconds.

A citizen's form page and confirmation page need the form's row (its published version,
period, address, frame origins) but no other request's changes within the same second.
Each process keeps the row it read last for ``SNAPSHOT_SECONDS`` and hands it to the
requests as it is, detached from any session, so a busy form is read from the database
once per process every two seconds instead of once per request. Requests read the copy
and never change it (their records name the form by its id); attaching it to a session,
whose commit would expire it under the other requests, is refused.

A change committed through this process forgets every copy at once. A change made by
another process reaches these pages within ``SNAPSHOT_SECONDS``. An answer is never
stored on the strength of a copy alone: the insert's transaction checks that the form's
row is unchanged (``unchanged_step``), and otherwise the request starts again with the
form as it is now, so a form closed a moment ago takes no answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, defer, joinedload

from app.extensions import db
from app.models import Form, FormAddress

T = TypeVar("T")

SNAPSHOT_SECONDS = 2.0
#: more addresses than this, and the copies are all dropped (each is small)
MAX_SNAPSHOTS = 1024

_SNAPSHOTS = "atsume_form_snapshots"
#: marks a shared copy (in its instance state's ``info``)
_SHARED = "atsume_shared_form_copy"
_lock = threading.Lock()
#: bumped by every forgetting: a copy of an earlier generation is not used, and a copy read
#: while a change was being made is not kept
_generation = 0
_CHANGED = "atsume_forms_changed"


def form_for_public(slug: str) -> tuple[Form | None, bool]:
    """The form that has *slug* as its address now or had it before, and whether before,
    from this process's copy when it is younger than ``SNAPSHOT_SECONDS``.

    The form is shared with this process's other requests and belongs to no session: its
    columns and published version are loaded, its draft is not. Read it only."""
    return _kept(slug, lambda session: _load(session, slug))


def form_by_id(form_id: int) -> Form | None:
    """The form with *form_id*, from this process's copy as ``form_for_public`` gives it."""
    return _kept(("id", form_id), lambda session: (_by_id(session, form_id), False))[0]


def _kept(key, load) -> tuple[Form | None, bool]:
    snapshots = current_app.extensions.setdefault(_SNAPSHOTS, {})
    now = time.monotonic()
    kept = snapshots.get(key)
    if kept is None or kept[0] <= now or kept[1] != _generation:
        kept = _read(snapshots, key, load, now)
    _expires, _generation_read, form, former = kept
    if form is None:
        return None, False
    return form, former


@event.listens_for(Session, "before_attach")
def _refuse_shared(_session, instance) -> None:
    # a shared copy in a request's session would be expired by its commit, under the
    # requests still reading it
    if isinstance(instance, Form) and sa.inspect(instance).info.get(_SHARED):
        raise RuntimeError("a shared copy of a form is read only: read it through the session")


def _read(snapshots: dict, key, load, now: float) -> tuple:
    generation = _generation
    with db.session.session_factory() as session:
        form, former = load(session)
    if form is not None:
        sa.inspect(form).info[_SHARED] = True
    kept = (now + SNAPSHOT_SECONDS, generation, form, former)
    with _lock:
        if generation == _generation:
            if len(snapshots) >= MAX_SNAPSHOTS:
                snapshots.clear()
            snapshots[key] = kept
    return kept


_PUBLIC = (
    defer(Form.draft),  # the draft being edited is not public
    # the published version is read through the form once per worker: loaded now, as
    # the copy has no session
    joinedload(Form.published_version),
)


def _load(session: Session, slug: str) -> tuple[Form | None, bool]:
    form = session.scalar(sa.select(Form).where(Form.slug == slug).options(*_PUBLIC))
    if form is not None:
        return form, False
    form_id = session.scalar(sa.select(FormAddress.form_id).where(FormAddress.slug == slug))
    if form_id is None:
        return None, False
    return _by_id(session, form_id), True


def _by_id(session: Session, form_id: int) -> Form | None:
    return session.get(Form, form_id, options=_PUBLIC)


class FormChanged(Exception):
    """The form changed since the copy a request used was read."""


def on_copy_or_afresh(run: Callable[[bool], T]) -> T:
    """``run(True)``: the request on this process's copy of the form. If its insert finds
    the form changed since (``unchanged_step``), nothing was stored: the session is rolled
    back and ``run(False)`` takes the request again on the form as it is now."""
    try:
        return run(True)
    except FormChanged:
        db.session.rollback()
        return run(False)


_STAMP = sa.select(Form.updated_at).where(Form.id == sa.bindparam("form_id"))


def unchanged_step(form: Form):
    """A step for the insert's transaction (``after_add``) that refuses the insert with
    ``FormChanged`` when *form*, read from a copy, has changed since: every change to a
    form row sets its ``updated_at``."""
    read_at = form.updated_at

    def check(_record) -> None:
        now = db.session.connection().execute(_STAMP, {"form_id": form.id}).scalar()
        if now != read_at:
            raise FormChanged(form.id)

    return check


def forget() -> None:
    """Drop every copy (a form or a former address changed)."""
    global _generation
    with _lock:
        _generation += 1


def _touches_forms(session: Session) -> bool:
    return any(
        isinstance(item, Form | FormAddress)
        for item in (*session.new, *session.dirty, *session.deleted)
    )


@event.listens_for(Session, "before_flush")
def _note_form_changes(session, _flush_context, _instances) -> None:
    if _touches_forms(session):
        session.info[_CHANGED] = True
        forget()


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if (state.is_update or state.is_delete) and state.bind_mapper is not None:
        if state.bind_mapper.class_ in (Form, FormAddress):
            state.session.info[_CHANGED] = True
            forget()


@event.listens_for(Session, "after_commit")
def _forget_committed(session) -> None:
    # forgotten again once committed: a copy read between flush and commit is the old row
    if session.info.pop(_CHANGED, False):
        forget()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session) -> None:
    session.info.pop(_CHANGED, None)
