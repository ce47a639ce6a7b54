"""Comments on a record, with @mentions of colleagues.

A comment may mention a colleague as ``@login-name`` or ``@display name`` (a display name
with spaces is written without them). Only people who may see the form's records can be
mentioned: anyone else is refused by name, so a comment never points someone to records
they cannot open. Each mention is a ``record_mention`` row: the person's list of mentions,
and the count of those not yet seen, are one indexed query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from app import rights
from app.extensions import db
from app.models import Form, RecordComment, RecordMention, User
from app.models.types import utcnow
from app.transactions import write_transaction

MAX_BODY = 4000
#: ``@`` then a name, up to white space or punctuation that ends a Japanese sentence
MENTION = re.compile(r"(?<![\w@])@([^\s@、。，．,:;!?！？「」()（）]+)")
#: how many people the autocomplete offers
SUGGESTIONS = 8


class CommentRefused(Exception):
    """The comment cannot be stored; *message* says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text or "").casefold()


def may_be_mentioned(user: User, form: Form) -> bool:
    return user.is_active and rights.can(user, rights.VIEW_RECORDS, form)


def _named(name: str) -> list[User]:
    wanted = _squeezed(name)
    by_login = db.session.scalars(
        sa.select(User).where(sa.func.lower(User.username) == name.lower())
    ).all()
    if by_login:
        return list(by_login)
    candidates = db.session.scalars(
        sa.select(User).where(User.display_name.is_not(None), User.display_name != "")
    )
    return [u for u in candidates if _squeezed(u.display_name) == wanted]


def mentioned(form: Form, body: str, gettext) -> list[User]:
    """The colleagues *body* mentions; CommentRefused names one that is unknown, ambiguous
    or may not see the form's records."""
    _ = gettext
    found: dict[int, User] = {}
    for name in dict.fromkeys(MENTION.findall(body)):
        users = [u for u in _named(name) if may_be_mentioned(u, form)]
        if not users:
            raise CommentRefused(
                _("Nobody called @%(name)s may see this form's records.", name=name)
            )
        if len(users) > 1:
            raise CommentRefused(
                _("@%(name)s names several people: use the login name.", name=name)
            )
        found[users[0].id] = users[0]
    return list(found.values())


@write_transaction
def add(form: Form, record_id: int, user: User, body: str, gettext) -> RecordComment:
    """Store *user*'s comment on the record, with its mentions."""
    _ = gettext
    body = (body or "").strip()
    if not body:
        raise CommentRefused(_("Write a comment first."))
    if len(body) > MAX_BODY:
        raise CommentRefused(_("A comment has at most %(n)d characters.", n=MAX_BODY))
    people = mentioned(form, body, gettext)
    comment = RecordComment(
        form_id=form.id,
        record_id=record_id,
        user_id=user.id,
        at=utcnow(),
        body=body,
        mentions=[p.id for p in people],
    )
    db.session.add(comment)
    db.session.flush()
    for person in people:
        if person.id != user.id:
            db.session.add(RecordMention(comment_id=comment.id, user_id=person.id))
    return comment


def of_record(form: Form, record_id: int) -> list[RecordComment]:
    """A record's comments, oldest first."""
    return list(
        db.session.scalars(
            sa.select(RecordComment)
            .where(RecordComment.form_id == form.id, RecordComment.record_id == record_id)
            .order_by(RecordComment.id)
        )
    )


def find(form: Form, record_id: int, comment_id: int) -> RecordComment | None:
    comment = db.session.get(RecordComment, comment_id)
    if comment is None or comment.form_id != form.id or comment.record_id != record_id:
        return None
    return comment


@write_transaction
def delete(comment: RecordComment, user: User) -> None:
    """Remove *user*'s own comment (and the mentions it made)."""
    if comment.user_id != user.id:
        raise CommentRefused("not the author")
    db.session.execute(sa.delete(RecordMention).where(RecordMention.comment_id == comment.id))
    db.session.delete(comment)


def suggestions(form: Form, typed: str) -> list[User]:
    """Colleagues whose login or display name starts with (or contains) *typed*, among
    those who may see the form's records."""
    typed = (typed or "").strip().lstrip("@")
    pattern = f"%{typed.replace('%', '').replace('_', '')}%"
    query = (
        sa.select(User)
        .where(User.active.is_(True))
        .where(sa.or_(User.username.ilike(pattern), User.display_name.ilike(pattern)))
        .order_by(User.username)
        .limit(SUGGESTIONS * 5)
    )
    people = [u for u in db.session.scalars(query) if may_be_mentioned(u, form)]
    starts = [u for u in people if u.username.lower().startswith(typed.lower())]
    return (starts + [u for u in people if u not in starts])[:SUGGESTIONS]


@dataclass
class Mention:
    comment: RecordComment
    form: Form
    seen: bool


def mentions_of(user: User, limit: int = 100) -> list[Mention]:
    """The comments that mention *user*, newest first, on forms whose records they may
    still see."""
    rows = db.session.execute(
        sa.select(RecordComment, RecordMention.seen_at, Form)
        .join(RecordMention, RecordMention.comment_id == RecordComment.id)
        .join(Form, Form.id == RecordComment.form_id)
        .where(RecordMention.user_id == user.id)
        .order_by(RecordComment.id.desc())
        .limit(limit)
    ).all()
    allowed: dict[int, bool] = {}
    found = []
    for comment, seen_at, form in rows:
        if form.id not in allowed:
            allowed[form.id] = rights.can(user, rights.VIEW_RECORDS, form)
        if allowed[form.id]:
            found.append(Mention(comment, form, seen_at is not None))
    return found


def unseen_count(user: User) -> int:
    """How many mentions of *user* they have not opened their list since."""
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(RecordMention)
        .where(RecordMention.user_id == user.id, RecordMention.seen_at.is_(None))
    ).scalar()


@write_transaction
def mark_seen(user: User) -> None:
    db.session.execute(
        sa.update(RecordMention)
        .where(RecordMention.user_id == user.id, RecordMention.seen_at.is_(None))
        .values(seen_at=utcnow())
    )
