"""What the cross-table page shows: the table its address describes, or the one kept with
a saved view opened on it (``view=<id>``), over the view's filters.

An address that names filters or the table itself is read strictly (a field hidden from
the user is refused, naming it). A saved view opened by itself is read leniently, like
the records list reads it: parts naming a hidden or removed field are left out, each with
a notice. With a view and filters in the address but no table, the view's table is shown
over those filters. Either way the spec passes through ``RecordAccess.view``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.models import SavedView
from app.records import crosstab, saved_views, viewspec
from app.records.access import FieldNotVisible, RecordAccess
from app.records.query import CompiledView
from app.records.viewspec import CROSSTAB_ARGUMENTS, CrossTabSetup, ViewSpec
from app.staff.records import compile_request

CHARTS = ("bar", "stacked", "hbar", "pie", "line")


@dataclass
class CrossTabState:
    """The page's saved view (if any), its rights-checked filters and table setup, and the
    table's spec or the reason it cannot be built."""

    chosen: SavedView | None
    compiled: CompiledView
    setup: CrossTabSetup
    spec: crosstab.CrossTabSpec | None
    error: crosstab.SpecError | None

    @property
    def percentage(self) -> str | None:
        return self.setup.pct if self.setup.pct in crosstab.PERCENTAGES else None

    @property
    def chart(self) -> str:
        return self.setup.chart if self.setup.chart in CHARTS else "bar"

    def filter_args(self) -> list[tuple[str, str]]:
        """The list's part of the state (filters, search, sort, columns) as query-string
        pairs."""
        return self.compiled.spec.to_args()

    def args(self) -> list[tuple[str, str]]:
        """The whole state as the page's own address (without the view's id)."""
        return self.filter_args() + self.setup.to_args()

    def link_args(self) -> list[tuple[str, str]]:
        """``args`` with the saved view's id: for the files and the other analysis pages."""
        return self.args() + ([("view", str(self.chosen.id))] if self.chosen else [])


def split(args) -> tuple[ViewSpec, bool]:
    """The view spec request *args* describe (filters and table setup), and whether they
    describe any of it."""
    args = MultiDict(args)
    pairs = [(k, v) for k, v in args.items(multi=True) if k not in CROSSTAB_ARGUMENTS]
    spec = viewspec.from_args(pairs)
    spec.crosstab = CrossTabSetup.from_args(args)
    return spec, spec.crosstab is not None or viewspec.has_spec(pairs)


def table_spec(access: RecordAccess, setup: CrossTabSetup) -> crosstab.CrossTabSpec:
    """The cross table *setup* asks for; raises SpecError naming the argument."""
    try:
        return crosstab.parse(
            access,
            {"rows": ",".join(setup.rows), "cols": ",".join(setup.cols), "measure": setup.measure},
            gettext=_,
        )
    except FieldNotVisible as exc:
        abort(403, description=_("You may not see the field “%(name)s”.", name=exc.name))


def resolve(access: RecordAccess) -> CrossTabState:
    """The state of the current request's cross-table page."""
    named = request.args.get("view", "")
    chosen = None
    if named.isdigit():
        chosen = saved_views.find(current_user, access.form, int(named))
        if chosen is None:
            abort(404)
    spec, from_address = split(request.args)
    lenient = chosen is not None and not from_address
    if lenient:
        spec = ViewSpec.from_json(chosen.spec)
    compiled = compile_request(access, spec, lenient)
    if chosen is not None and from_address and spec.crosstab is None:
        # filters from the address (a link from the list or the summary), the view's table
        saved = ViewSpec(crosstab=ViewSpec.from_json(chosen.spec).crosstab)
        table_part = compile_request(access, saved, lenient=True)
        compiled = dataclasses.replace(
            compiled,
            spec=dataclasses.replace(compiled.spec, crosstab=table_part.spec.crosstab),
            notices=compiled.notices + table_part.notices,
        )
    setup = compiled.spec.crosstab or CrossTabSetup()
    try:
        return CrossTabState(chosen, compiled, setup, table_spec(access, setup), None)
    except crosstab.SpecError as exc:
        return CrossTabState(chosen, compiled, setup, None, exc)
