"""API: search the audit log (administrators only)."""

from __future__ import annotations

from flask import current_app, g, request
from flask_babel import gettext as _

from app import audit_search, query_args, rights
from app.api.blueprint import blueprint, problem

MAX_LIMIT = 1000
PAGING = ("limit", "offset")


@blueprint.get("/audit")
def audit_log():
    """``{"total", "items"}``: entries matching user, form, action, since and until,
    newest first (``limit``, default 100, and ``offset`` page through them)."""
    if not rights.can_read_audit_log(g.api_user):
        return problem(403, _("You do not have the right to do this."))
    found = audit_search.parse(request.args, current_app.config["BABEL_DEFAULT_TIMEZONE"])
    errors = [{"path": name, "message": message} for name, message in found.errors.items()]
    known = set(audit_search.FILTERS) | set(PAGING)
    errors += [
        {"path": name, "message": _("Unknown parameter.")}
        for name in request.args
        if name not in known
    ]
    limit = query_args.whole_number(request.args.get("limit") or "100", 1, MAX_LIMIT)
    offset = query_args.whole_number(request.args.get("offset") or "0", 0, query_args.MAX_POSITION)
    if limit is None:
        errors.append({"path": "limit", "message": _("Use 1 to %(n)d.", n=MAX_LIMIT)})
    if offset is None:
        errors.append(
            {"path": "offset", "message": _("Use 0 to %(n)d.", n=query_args.MAX_POSITION)}
        )
    if errors:
        return problem(400, _("The request has problems."), errors)
    total, events = audit_search.page(found, limit, offset)
    return {"total": total, "items": [audit_search.item_json(e) for e in events]}
