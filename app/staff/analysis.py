"""Staff pages analysing a form's records: the summary, the cross table (with its chart,
print layout and CSV/xlsx files). Both take the list's filters as they are."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from flask import Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app import audit, rights
from app.records import crosstab, crosstab_files, saved_views, summary
from app.records.access import RecordAccess
from app.records.aggregate import COUNT, MEASURES, TooManyGroups
from app.records.columns import column_heading
from app.records.viewspec import CROSSTAB_ARGUMENTS
from app.staff import crosstab_state
from app.staff.blueprint import blueprint, form_or_404
from app.staff.crosstab_state import CHARTS
from app.staff.records import _view
from builder.fields.base import BY_VALUE
from builder.i18n import N_

#: the cross-tab page's own arguments (the rest are the list's filters)
ARGUMENTS = CROSSTAB_ARGUMENTS
CHART_LABELS = {
    "bar": N_("Bar"),
    "stacked": N_("Stacked bar"),
    "hbar": N_("Horizontal bar"),
    "pie": N_("Pie"),
    "line": N_("Line chart"),
}
PERCENT_LABELS = {
    "row": N_("Of the row total"),
    "col": N_("Of the column total"),
    "total": N_("Of the grand total"),
}


@blueprint.app_template_filter("crosstab_number")
def format_number(value) -> str:
    """A cell's number for people: thousands separated, at most two decimals, – for none."""
    if value is None:
        return "–"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


@blueprint.app_template_filter("crosstab_percent")
def format_percent(value) -> str:
    return "" if value is None else f"{value:.1f}%"


def _timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def _filter_args() -> dict:
    return {k: v for k, v in request.args.items() if k not in ARGUMENTS and k != "page" and v}


@blueprint.route("/forms/<int:form_id>/records/summary")
def records_summary(form_id: int):
    access, _types, parsed = _view(form_id, rights.VIEW_RECORDS)
    conditions = [] if parsed.errors else parsed.conditions
    result = summary.build(access, conditions, _timezone(), _)
    audit.record(
        audit.RECORD_LIST,
        form=access.form,
        detail={"filter": audit.query_summary(request.args), "summary": True},
    )
    return render_template(
        "records/summary.html",
        form=access.form,
        summary=result,
        filters=parsed,
        filter_args=_filter_args(),
        heading=lambda e: column_heading(e, _("retired")),
    ), 422 if parsed.errors else 200


def grouping_options(access) -> list[tuple[str, str]]:
    """(spec, label) of every grouping the user may choose, for the page's menus."""
    options = []
    received = crosstab.received_at_type(_)
    for entry in access.entries:
        field_type = access.types(_, [entry])[entry["column"]]
        heading = column_heading(entry, _("retired"))
        for grouping in field_type.groupings:
            spec = entry["key"] if grouping == BY_VALUE else f"{entry['key']}:{grouping}"
            label = heading
            if grouping in crosstab.GROUPING_LABELS:
                label = f"{heading} ({_(crosstab.GROUPING_LABELS[grouping])})"
            options.append((spec, label))
    for grouping in received.groupings:
        options.append(
            (
                f"created_at:{grouping}",
                f"{_('Received at')} ({_(crosstab.GROUPING_LABELS[grouping])})",
            )
        )
    return options


def measure_options(access) -> list[tuple[str, str]]:
    options = [(COUNT, _("Count of records"))]
    for entry in access.entries:
        if access.types(_, [entry])[entry["column"]].measurable:
            heading = column_heading(entry, _("retired"))
            for function in MEASURES[1:]:
                label = _(crosstab.MEASURE_LABELS[function])
                options.append((f"{function}:{entry['key']}", f"{label}: {heading}"))
    return options


def _crosstab(form_id: int, action: str):
    """The page's access and state, and its table (None when it cannot be built)."""
    form = form_or_404(form_id, action)
    if not form.is_published:
        abort(404)
    access = RecordAccess(current_user, form, action)
    state = crosstab_state.resolve(access)
    if state.compiled.errors or state.spec is None:
        return access, state, None
    try:
        table = crosstab.compute(access, state.spec, state.compiled.conditions, _timezone())
    except TooManyGroups:
        abort(422, description=_("Too many groups: choose items with fewer different answers."))
    return access, state, table


def _audit_detail(state, **more) -> dict:
    detail = {"filter": audit.query_summary(MultiDict(state.args())), **more}
    if state.chosen is not None:
        detail["view"] = state.chosen.id
    return detail


@blueprint.route("/forms/<int:form_id>/records/crosstab")
def records_crosstab(form_id: int):
    access, state, table = _crosstab(form_id, rights.VIEW_RECORDS)
    spec, chart = state.spec, state.chart
    audit.record(audit.RECORD_LIST, form=access.form, detail=_audit_detail(state, crosstab=True))
    views = saved_views.offered(current_user, access.form)
    failed = bool(state.compiled.errors or state.error)
    return render_template(
        "records/crosstab.html",
        form=access.form,
        spec=spec,
        table=table,
        filters=state.compiled,
        notices=state.compiled.notices,
        spec_error=state.error,
        filter_args=state.filter_args() + _view_arg(state),
        link_args=state.link_args(),
        state_query=urlencode(state.args()),
        setup=state.setup,
        percentage=state.percentage,
        chart=chart,
        charts=[(c, _(CHART_LABELS[c])) for c in CHARTS],
        percentages=[(p, _(PERCENT_LABELS[p])) for p in crosstab.PERCENTAGES],
        groupings=grouping_options(access),
        measures=measure_options(access),
        key_label=lambda dimension, key: crosstab.key_label(dimension, key, _),
        dimension_title=lambda d: crosstab.dimension_title(d, _),
        measure_title=crosstab.measure_title(spec.measure, _) if spec else "",
        chart_data=_chart_data(spec, table, chart) if table else None,
        can_export=rights.can(access.user, rights.EXPORT, access.form),
        can_manage=rights.can(access.user, rights.MANAGE, access.form),
        views=views,
        chosen=state.chosen,
        may_change=state.chosen is not None
        and saved_views.may_change(current_user, access.form, state.chosen),
    ), 422 if failed else 200


def _view_arg(state) -> list[tuple[str, str]]:
    return [("view", str(state.chosen.id))] if state.chosen else []


def _row_label(spec, key) -> str:
    return " / ".join(crosstab.key_label(d, k, _) for d, k in zip(spec.rows, key, strict=True))


def _chart_data(spec, table, chart: str) -> dict:
    """What static/js/charts.js draws: labels, one data set per column."""
    labels = [_row_label(spec, k) or _("Total") for k in table.row_keys]
    if spec.cols and chart != "pie":
        datasets = [
            {
                "label": crosstab.key_label(spec.cols[0], key[0], _),
                "data": [row[j] for row in table.cells],
            }
            for j, key in enumerate(table.col_keys)
        ]
    else:
        values = table.row_totals if spec.cols else [row[0] for row in table.cells]
        datasets = [{"label": crosstab.measure_title(spec.measure, _), "data": values}]
    return {
        "type": chart,
        "title": crosstab.measure_title(spec.measure, _),
        "labels": labels,
        "datasets": datasets,
    }


def _download(form_id: int, kind: str):
    access, state, table = _crosstab(form_id, rights.EXPORT)
    if state.error is not None:
        abort(422, description=f"{state.error.parameter}: {state.error.message}")
    if table is None:
        abort(400, description=" ".join(f"{k}: {v}" for k, v in state.compiled.errors.items()))
    title = f"{access.form.title} - {crosstab.measure_title(state.spec.measure, _)}"
    stamp = dt.date.today().strftime("%Y%m%d")
    audit.record(
        audit.RECORD_EXPORT,
        form=access.form,
        detail=_audit_detail(state, format=f"crosstab-{kind}"),
    )
    if kind == "csv":
        body = crosstab_files.csv_bytes(table, title, _, state.percentage)
        content_type = "text/csv; charset=utf-8"
    else:
        body = crosstab_files.xlsx_bytes(table, title, _, state.percentage)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    filename = f"{access.form.slug}-crosstab-{stamp}.{kind}"
    return Response(
        body,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@blueprint.route("/forms/<int:form_id>/records/crosstab.csv")
def crosstab_csv(form_id: int):
    return _download(form_id, "csv")


@blueprint.route("/forms/<int:form_id>/records/crosstab.xlsx")
def crosstab_xlsx(form_id: int):
    return _download(form_id, "xlsx")
