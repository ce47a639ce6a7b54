"""Cross-tabulation (クロス集計): records counted or measured by one or two row fields and
one column field, with totals, computed by the database through ``RecordAccess``.

A request names its groupings as *specs*: a field key, a date field with ``:day``,
``:week``, ``:month``, ``:year`` or ``:fy`` (fiscal year from 1 April), or ``created_at``
(the receipt time, in the office's time zone) with a grouping. The measure is ``count``,
or ``sum:<key>``, ``avg:<key>``, ``min:<key>`` or ``max:<key>`` of a number field.

Totals count each record once: with a multiple-choice field, whose cells count every
chosen option, a row's total is the number (or sum …) of the records in it, not the sum
of its cells.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from app.records.access import RecordAccess
from app.records.aggregate import (
    COUNT,
    MEASURES,
    RECEIVED_AT,
    Dimension,
    Measure,
    Partial,
)
from builder.fields.base import BY_VALUE
from builder.fields.date import DAY, DateType
from builder.i18n import N_

MAX_ROWS, MAX_COLS = 2, 1
#: percentages a cross-tab can show: of the row's total, the column's, the grand total
PERCENTAGES = ("row", "col", "total")
GROUPING_LABELS = {
    "day": N_("by day"),
    "week": N_("by week"),
    "month": N_("by month"),
    "year": N_("by year"),
    "fy": N_("by fiscal year"),
}
MEASURE_LABELS = {
    "count": N_("Count"),
    "sum": N_("Sum"),
    "avg": N_("Average"),
    "min": N_("Minimum"),
    "max": N_("Maximum"),
}
#: the empty group's heading
EMPTY = N_("No answer")


class SpecError(ValueError):
    """A cross-tab argument that cannot be used; names the argument."""

    def __init__(self, parameter: str, message: str):
        super().__init__(f"{parameter}: {message}")
        self.parameter, self.message = parameter, message


@dataclass(frozen=True)
class CrossTabSpec:
    rows: list[Dimension]
    cols: list[Dimension]
    measure: Measure


def _api_key(entry: dict) -> str:
    return entry["key"]


def parse(
    access: RecordAccess,
    args,
    *,
    name_of: Callable[[dict], str] = _api_key,
    gettext=lambda s: s,
) -> CrossTabSpec:
    """The cross-tab that request *args* ask for (``rows``, ``cols``, ``measure``).

    Raises SpecError naming the argument, or FieldNotVisible for a hidden field.
    """
    return CrossTabSpec(
        rows=_dimensions(access, args.get("rows", ""), "rows", MAX_ROWS, name_of, gettext),
        cols=_dimensions(access, args.get("cols", ""), "cols", MAX_COLS, name_of, gettext),
        measure=_measure(access, (args.get("measure") or COUNT).strip(), name_of, gettext),
    )


def _dimensions(access, text, parameter, most, name_of, gettext) -> list[Dimension]:
    specs = [part.strip() for part in (text or "").split(",") if part.strip()]
    if len(specs) > most:
        raise SpecError(parameter, gettext("Give at most %(n)d items.") % {"n": most})
    dimensions = [_dimension(access, spec, parameter, name_of, gettext) for spec in specs]
    if len({d.name for d in dimensions}) < len(dimensions):
        raise SpecError(parameter, gettext("An item is named twice."))
    return dimensions


def received_at_type(gettext) -> DateType:
    """The receipt time, grouped like a date field."""
    return DateType({"key": RECEIVED_AT, "type": "date", "label": gettext("Received at")}, gettext)


def _dimension(access, spec, parameter, name_of, gettext) -> Dimension:
    name, _sep, grouping = spec.partition(":")
    if name == RECEIVED_AT:
        field_type, column, kind = received_at_type(gettext), None, "date"
    else:
        entry = access.entry_named(name, name_of)
        if entry is None:
            raise SpecError(parameter, gettext("There is no item “%(name)s”.") % {"name": name})
        field_type = access.types(gettext, [entry])[entry["column"]]
        column, kind = entry["column"], entry["kind"]
    if not field_type.groupings:
        raise SpecError(
            parameter, gettext("Records cannot be grouped by “%(name)s”.") % {"name": name}
        )
    grouping = grouping or (DAY if name == RECEIVED_AT else field_type.groupings[0])
    if grouping not in field_type.groupings:
        raise SpecError(
            parameter,
            gettext("“%(name)s” can be grouped by: %(groupings)s.")
            % {"name": name, "groupings": ", ".join(field_type.groupings)},
        )
    return Dimension(
        name=f"{name}:{grouping}" if grouping != BY_VALUE else name,
        column=column,
        kind=kind,
        field_type=field_type,
        grouping=grouping,
    )


def _measure(access, text, name_of, gettext) -> Measure:
    function, _sep, name = text.partition(":")
    if function not in MEASURES or (function == COUNT) != (not name):
        raise SpecError(
            "measure",
            gettext("Use count, or sum, avg, min or max with a number item (sum:<key>)."),
        )
    if function == COUNT:
        return Measure()
    entry = access.entry_named(name, name_of)
    if entry is None:
        raise SpecError("measure", gettext("There is no item “%(name)s”.") % {"name": name})
    field_type = access.types(gettext, [entry])[entry["column"]]
    if not field_type.measurable:
        raise SpecError("measure", gettext("“%(name)s” is not a number item.") % {"name": name})
    return Measure(function, entry["column"], field_type)


def _order(dimensions: list[Dimension]):
    def key(keys: tuple):
        return tuple(
            (1,) if value is None else (0, *d.field_type.group_order(value))
            for d, value in zip(dimensions, keys, strict=True)
        )

    return key


def _merge(partials) -> Partial:
    merged = Partial()
    for partial in partials:
        merged = merged.merge(partial)
    return merged


@dataclass
class CrossTab:
    spec: CrossTabSpec
    row_keys: list[tuple]
    col_keys: list[tuple]
    #: per row, per column: the number (0 or None where no record falls)
    cells: list[list]
    row_totals: list
    col_totals: list
    total: int | float | None

    def as_json(self) -> dict:
        """The API's answer (the contract of issue 9)."""
        return {
            "row_keys": [list(k) for k in self.row_keys],
            "col_keys": [list(k) for k in self.col_keys],
            "cells": self.cells,
            "row_totals": self.row_totals,
            "col_totals": self.col_totals,
            "total": self.total,
        }

    def percent(self, value, row: int | None, col: int | None, of: str) -> float | None:
        """*value* as a percentage of its row's total, column's total or the grand total."""
        base = {
            "row": self.row_totals[row] if row is not None else self.total,
            "col": self.col_totals[col] if col is not None else self.total,
            "total": self.total,
        }[of]
        if value is None or not base:
            return None
        return value * 100 / base


def compute(
    access: RecordAccess, spec: CrossTabSpec, conditions: list, timezone: str = "Asia/Tokyo"
) -> CrossTab:
    """The cross table of the records matching *conditions*."""
    rows, cols, measure = spec.rows, spec.cols, spec.measure
    function = measure.function
    width = len(rows)
    cells = access.aggregate(conditions, rows + cols, measure, timezone)
    row_keys = sorted({k[:width] for k in cells}, key=_order(rows)) if rows else [()]
    col_keys = sorted({k[width:] for k in cells}, key=_order(cols)) if cols else [()]

    def by(part: slice, keys):
        grouped: dict[tuple, Partial] = {key: Partial() for key in keys}
        for key, partial in cells.items():
            grouped[key[part]] = grouped.get(key[part], Partial()).merge(partial)
        return grouped

    multi_rows, multi_cols = any(d.multi for d in rows), any(d.multi for d in cols)
    if multi_cols:
        row_parts = access.aggregate(conditions, rows, measure, timezone)
    else:
        row_parts = by(slice(0, width), row_keys)
    if multi_rows:
        col_parts = access.aggregate(conditions, cols, measure, timezone)
    else:
        col_parts = by(slice(width, None), col_keys)
    if not multi_rows:
        total = _merge(row_parts.get(k, Partial()) for k in row_keys)
    elif not multi_cols:
        total = _merge(col_parts.get(k, Partial()) for k in col_keys)
    else:
        total = access.aggregate(conditions, [], measure, timezone).get((), Partial())
    empty = Partial().value(function)
    return CrossTab(
        spec=spec,
        row_keys=row_keys,
        col_keys=col_keys,
        cells=[
            [cells[r + c].value(function) if r + c in cells else empty for c in col_keys]
            for r in row_keys
        ],
        row_totals=[row_parts.get(k, Partial()).value(function) for k in row_keys],
        col_totals=[col_parts.get(k, Partial()).value(function) for k in col_keys],
        total=total.value(function),
    )


def key_label(dimension: Dimension, key, gettext) -> str:
    """How one key of *dimension* is shown: its label, or 未回答 for the empty group."""
    return (
        gettext(EMPTY) if key is None else dimension.field_type.group_label(key, dimension.grouping)
    )


def dimension_title(dimension: Dimension, gettext) -> str:
    """The heading of a grouping: the question, and how a date is grouped."""
    title = dimension.field_type.title
    if dimension.grouping in GROUPING_LABELS:
        return f"{title} ({gettext(GROUPING_LABELS[dimension.grouping])})"
    return title


def measure_title(measure: Measure, gettext) -> str:
    label = gettext(MEASURE_LABELS[measure.function])
    return label if measure.function == COUNT else f"{label}: {measure.field_type.title}"


def table_rows(table: CrossTab, gettext, percentage: str | None = None) -> Iterator[list]:
    """The cross table as rows of cells for a file: headings, one line per row key and a
    totals line. Numbers stay numbers; with *percentage*, cells are percentages."""
    spec = table.spec
    total_label = gettext("Total")
    row_titles = [dimension_title(d, gettext) for d in spec.rows] or [
        measure_title(spec.measure, gettext)
    ]
    if spec.cols:
        column_labels = [key_label(spec.cols[0], k[0], gettext) for k in table.col_keys]
        yield [
            *row_titles[:-1],
            f"{row_titles[-1]} / {dimension_title(spec.cols[0], gettext)}",
            *column_labels,
            total_label,
        ]
    else:
        yield [*row_titles, measure_title(spec.measure, gettext)]

    def shown(value, row, col):
        if percentage is None:
            return value
        share = table.percent(value, row, col, percentage)
        return None if share is None else round(share, 1)

    for i, key in enumerate(table.row_keys):
        labels = [key_label(d, k, gettext) for d, k in zip(spec.rows, key, strict=True)]
        if not spec.rows:
            labels = [total_label]
        line = [shown(v, i, j) for j, v in enumerate(table.cells[i])]
        if spec.cols:
            line.append(shown(table.row_totals[i], i, None))
        yield [*labels, *line]
    if spec.rows:
        padding = [""] * (len(spec.rows) - 1)
        line = [shown(v, None, j) for j, v in enumerate(table.col_totals)]
        if spec.cols:
            line.append(shown(table.total, None, None))
        yield [total_label, *padding, *line]

