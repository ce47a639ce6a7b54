"""API: the cross table of a form's records (``GET /api/v1/forms/<id>/crosstab``)."""

from __future__ import annotations

from flask import abort, current_app, request
from flask_babel import gettext as _

from app import audit
from app.api.blueprint import blueprint, problem
from app.api.records import (
    VIEW_ARGUMENTS,
    _access,
    _api_name,
    _compiled,
    _hidden_field,
    _known,
    _unknown,
)
from app.records import crosstab, viewspec
from app.records.access import FieldNotVisible
from app.records.aggregate import TooManyGroups

ARGUMENTS = {"rows", "cols", "measure"}


@blueprint.get("/forms/<int:form_id>/crosstab")
def crosstab_records(form_id: int):
    """Records grouped by ``rows`` (one or two specs) and ``cols`` (one or none), each
    cell the ``measure``, over the records the list's filters select."""
    access, entries = _access(form_id)
    types = access.types(_, entries)
    # the list's filters, any/all and search, as the records list takes them
    parsed = _compiled(access, entries, viewspec.from_args(request.args))
    errors = _unknown(_known(entries, types, ARGUMENTS | VIEW_ARGUMENTS))
    errors += [{"path": k, "message": v} for k, v in parsed.errors.items()]
    if errors:
        return problem(400, _("The request has problems."), errors)
    try:
        spec = crosstab.parse(access, request.args, name_of=_api_name, gettext=_)
    except FieldNotVisible as exc:
        abort(_hidden_field(exc))
    except crosstab.SpecError as exc:
        return problem(
            422,
            _(
                "The parameter “%(name)s” cannot be used: %(message)s",
                name=exc.parameter,
                message=exc.message,
            ),
            [{"path": exc.parameter, "message": exc.message}],
        )
    try:
        table = crosstab.compute(
            access, spec, parsed.conditions, current_app.config["BABEL_DEFAULT_TIMEZONE"]
        )
    except TooManyGroups:
        return problem(
            422,
            _("Too many groups: choose items with fewer different answers."),
            [{"path": "rows", "message": _("Too many groups.")}],
        )
    audit.record(
        audit.RECORD_LIST,
        form=access.form,
        detail={"filter": audit.query_summary(request.args), "crosstab": True},
    )
    return table.as_json()
