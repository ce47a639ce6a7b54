"""The audit log for administrators: search by user, form, action and dates; CSV export.

Read-only: the log has no page or route that changes it.
"""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, render_template, request, stream_with_context
from flask_login import current_user

from app import audit, audit_search, query_args, rights
from app.extensions import db
from app.records import export
from app.staff.blueprint import blueprint


def _filters() -> audit_search.AuditFilter:
    if not rights.can_read_audit_log(current_user):
        abort(403)
    return audit_search.parse(request.args, current_app.config["BABEL_DEFAULT_TIMEZONE"])


@blueprint.route("/audit")
def audit_log():
    found = _filters()
    page_size = current_app.config["ATSUME_PAGE_SIZE"]
    page_number = query_args.number_arg(request.args, "page", 1, 1, query_args.MAX_POSITION)
    total, events = 0, []
    if not found.errors:
        total, events = audit_search.page(found, page_size, (page_number - 1) * page_size)
    return render_template(
        "staff/audit.html",
        filters=found,
        values={name: request.args.get(name, "") for name in audit_search.FILTERS},
        events=events,
        total=total,
        page_number=page_number,
        pages=max(math.ceil(total / page_size), 1),
        actions=audit.ACTION_LABELS,
        forms=db.session.scalars(rights.visible_forms(current_user)).all(),
        form_titles=audit_search.form_titles(e.form_id for e in events),
        action_label=audit_search.action_label,
        summary=audit_search.summary,
    ), 422 if found.errors else 200


@blueprint.route("/audit.csv")
def audit_csv():
    found = _filters()
    if found.errors:
        abort(400, description=" ".join(f"{k}: {v}" for k, v in found.errors.items()))
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    titles = audit_search.form_titles()
    entries = audit.counting(
        audit_search.iterate(found),
        audit.AUDIT_EXPORT,
        detail={"filter": audit.query_summary(request.args)},
    )
    rows = (
        [export.neutralise(cell) for cell in row]
        for row in _with_header(audit_search.csv_row(e, zone, titles) for e in entries)
    )
    stamp = dt.date.today().strftime("%Y%m%d")
    return Response(
        stream_with_context(export.stream(rows)),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'},
    )


def _with_header(rows):
    yield audit_search.csv_header()
    yield from rows
