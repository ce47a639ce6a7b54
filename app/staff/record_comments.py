"""Comments on a record, the @mention look-up, and each person's list of mentions."""

from __future__ import annotations

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import audit, rights
from app.records import comments, editing
from app.records.access import RecordAccess
from app.records.editing import RecordGone
from app.records.timeline import user_names
from app.staff import records as record_pages
from app.staff.blueprint import blueprint, form_or_404


def _readable(form_id: int, record_id: int):
    form = form_or_404(form_id, rights.VIEW_RECORDS)
    if not form.is_published:
        abort(404)
    access = RecordAccess(current_user, form)
    try:
        return form, editing.live_record(access, record_id)
    except RecordGone:
        abort(404)


def _detail(form_id: int, record_id: int):
    return redirect(
        url_for("staff.record_detail", form_id=form_id, record_id=record_id) + "#comments"
    )


@blueprint.route("/forms/<int:form_id>/records/<int:record_id>/comments", methods=["POST"])
def add_comment(form_id: int, record_id: int):
    """Add a comment; an unknown @mention keeps the text on the page with a message."""
    form, record = _readable(form_id, record_id)
    body = request.form.get("body", "")
    try:
        comment = comments.add(form, record.id, current_user, body, _)
    except comments.CommentRefused as refused:
        g.comment_draft, g.comment_error = body, refused.message
        page = record_pages.record_detail(form_id, record_id)
        return page, 422
    audit.record(
        audit.RECORD_COMMENT,
        form=form,
        record_id=record.id,
        detail={"receipt_no": record.receipt_no, "comment": comment.id},
    )
    flash(_("The comment was added."), "success")
    return _detail(form_id, record_id)


@blueprint.route("/forms/<int:form_id>/records/<int:record_id>/comments/delete", methods=["POST"])
def delete_comment(form_id: int, record_id: int):
    """Delete one's own comment (its id posted as ``comment``)."""
    form, record = _readable(form_id, record_id)
    comment_id = request.form.get("comment", "")
    if not comment_id.isdigit():
        abort(400, description=_("Say which comment to delete."))
    comment = comments.find(form, record.id, int(comment_id))
    if comment is None:
        abort(404)
    if comment.user_id != current_user.id:
        abort(403, description=_("Only its author can delete a comment."))
    comments.delete(comment, current_user)
    flash(_("The comment was deleted."), "success")
    return _detail(form_id, record_id)


@blueprint.route("/forms/<int:form_id>/mention-candidates")
def mention_candidates(form_id: int):
    """Colleagues who may see the form's records, matching what was typed after "@"."""
    form = form_or_404(form_id, rights.VIEW_RECORDS)
    people = comments.suggestions(form, request.args.get("q", ""))
    return jsonify(
        {"items": [{"username": u.username, "name": u.display_name or u.username} for u in people]}
    )


@blueprint.route("/mentions")
def mentions():
    """The comments that mention the current user; opening the list marks them seen."""
    found = comments.mentions_of(current_user)
    receipts = {}
    for mention in found:
        key = (mention.form.id, mention.comment.record_id)
        if key not in receipts:
            record = RecordAccess(current_user, mention.form).get(mention.comment.record_id)
            receipts[key] = record.receipt_no if record is not None else None
    page = render_template(
        "staff/mentions.html",
        mentions=found,
        receipts=receipts,
        authors=user_names(m.comment.user_id for m in found),
    )
    comments.mark_seen(current_user)
    return page


@blueprint.app_template_global()
def record_comments(form, record) -> dict:
    """What the detail page's comment section shows: the comments, their authors, and a
    draft refused a moment ago with its message."""
    found = comments.of_record(form, record.id)
    return {
        "items": found,
        "authors": user_names(c.user_id for c in found),
        "draft": g.get("comment_draft", ""),
        "error": g.get("comment_error"),
    }


@blueprint.app_template_global()
def unseen_mentions() -> int:
    """How many mentions of the logged-in person they have not seen (for the menu)."""
    if not current_user.is_authenticated:
        return 0
    return comments.unseen_count(current_user)
