"""Saved list views: which a user is offered, and saving, changing and deleting them.

Anyone who may see a form's records keeps private views and may share them with the
form's users. Those who manage the form may also change or delete a shared view made by
someone else, and choose the form's default view. A saved spec is checked again each time
it is opened (``RecordAccess.view`` with ``lenient``), for the user who opens it.
"""

from __future__ import annotations

import sqlalchemy as sa

from app import rights
from app.extensions import db
from app.models import Form, SavedView, User
from app.models.saved_view import NAME_LENGTH
from app.records.viewspec import ViewSpec
from app.transactions import write_transaction
from builder.i18n import N_


class ViewProblem(ValueError):
    """A view that cannot be saved or changed as asked; the message says why."""


def offered(user: User, form: Form) -> list[SavedView]:
    """The user's own views and the shared ones, by name."""
    return list(
        db.session.scalars(
            sa.select(SavedView)
            .where(
                SavedView.form_id == form.id,
                sa.or_(SavedView.owner_id == user.id, SavedView.shared.is_(True)),
            )
            .order_by(SavedView.name, SavedView.id)
        )
    )


def find(user: User, form: Form, view_id: int) -> SavedView | None:
    """The view *view_id* of *form* if *user* is offered it."""
    view = db.session.get(SavedView, view_id)
    if view is None or view.form_id != form.id:
        return None
    if view.owner_id != user.id and not view.shared:
        return None
    return view


def default_view(form: Form) -> SavedView | None:
    """The form's default view, if one is chosen."""
    return db.session.scalar(
        sa.select(SavedView).where(
            SavedView.form_id == form.id, SavedView.is_default.is_(True), SavedView.shared
        )
    )


def may_change(user: User, form: Form, view: SavedView) -> bool:
    """Whether *user* may change or delete *view*: their own, or a shared one they manage."""
    return view.owner_id == user.id or (view.shared and rights.can(user, rights.MANAGE, form))


def _name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ViewProblem(N_("Enter a name for the view."))
    if len(name) > NAME_LENGTH:
        raise ViewProblem(N_("Enter a name of at most 100 characters."))
    return name


def _check_default(user: User, form: Form, shared: bool, is_default: bool) -> None:
    if not is_default:
        return
    if not rights.can(user, rights.MANAGE, form):
        raise ViewProblem(N_("Only those who manage the form choose its default view."))
    if not shared:
        raise ViewProblem(N_("The default view must be shared."))


def _clear_default(form: Form, keep: SavedView | None = None) -> None:
    for other in db.session.scalars(
        sa.select(SavedView).where(SavedView.form_id == form.id, SavedView.is_default)
    ):
        if other is not keep:
            other.is_default = False


@write_transaction
def save(
    user: User,
    form: Form,
    name: str,
    spec: ViewSpec,
    *,
    shared: bool = False,
    is_default: bool = False,
) -> SavedView:
    """Save *spec* as a new view of *user*."""
    _check_default(user, form, shared, is_default)
    view = SavedView(
        form_id=form.id,
        owner_id=user.id,
        name=_name(name),
        shared=shared,
        is_default=is_default,
        spec=spec.to_json(),
    )
    db.session.add(view)
    if is_default:
        _clear_default(form, view)
    db.session.flush()
    return view


@write_transaction
def change(
    user: User,
    form: Form,
    view: SavedView,
    *,
    name: str | None = None,
    spec: ViewSpec | None = None,
    shared: bool | None = None,
    is_default: bool | None = None,
) -> SavedView:
    """Rename *view*, replace its spec, share or unshare it, or make it the default."""
    if not may_change(user, form, view):
        raise ViewProblem(N_("You may not change this view."))
    shared = view.shared if shared is None else shared
    if shared != view.shared and view.owner_id != user.id:
        raise ViewProblem(N_("Only its owner shares or unshares a view."))
    wanted_default = view.is_default if is_default is None else is_default
    if wanted_default != view.is_default or (view.is_default and not shared):
        if not rights.can(user, rights.MANAGE, form):
            raise ViewProblem(N_("Only those who manage the form choose its default view."))
    if wanted_default and not shared:
        raise ViewProblem(N_("The default view must be shared."))
    if name is not None:
        view.name = _name(name)
    if spec is not None:
        view.spec = spec.to_json()
    view.shared = shared
    view.is_default = wanted_default
    if wanted_default:
        _clear_default(form, view)
    return view


@write_transaction
def delete(user: User, form: Form, view: SavedView) -> None:
    """Delete *view* (its owner, or a manager for a shared view)."""
    if not may_change(user, form, view):
        raise ViewProblem(N_("You may not delete this view."))
    db.session.delete(view)
