"""The one query layer for a form's records: a view spec becomes rights-checked SQL.

``compile_view`` turns a ``ViewSpec`` into the conditions, sort keys and columns of one
user's list. It is called by ``RecordAccess.view`` only, with what that user may see: a
condition, sort or column on a field hidden from the user is refused (``FieldNotVisible``)
or, for a saved view made by someone else, left out with a notice. Lists, exports,
cross-tabs and the API then read through ``RecordAccess`` with the compiled view.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from app.records import filters, paging
from app.records.paging import SortKey
from app.records.store import SYSTEM_SORTS
from app.records.tables import MULTI, RecordTables
from app.records.viewspec import ALL, ANY, CrossTabSetup, ViewSpec, split_groups
from builder.fields.base import FieldType
from builder.normalise import nfkc

#: system columns a view may show besides the receipt number (always first)
SYSTEM_COLUMNS = ("created_at",)
#: the most words the search box takes
MAX_SEARCH_WORDS = 5
_SPACES = re.compile(r"[\s\u3000]+")


class HiddenInSpec(Exception):
    """A spec names a field hidden from the user."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


@dataclass
class CompiledView:
    """A view spec checked against one user's rights, ready to query."""

    #: the spec as it is used (unknown and left-out parts removed)
    spec: ViewSpec
    #: SQL conditions, all of which a record meets (the trash is left out separately)
    conditions: list
    sort: list[SortKey]
    #: the field columns shown, in order (catalogue entries)
    columns: list[dict]
    #: whether the received-at column is shown
    show_created: bool
    page_size: int
    #: argument -> message, for filter values that cannot be used
    errors: dict[str, str] = field(default_factory=dict)
    #: argument -> value given, to show the filter form filled in
    values: dict = field(default_factory=dict)
    #: what was left out of the view, and why (for the user to read)
    notices: list[str] = field(default_factory=list)
    #: the group matches used (0: the ungrouped conditions)
    matches: dict[int, str] = field(default_factory=dict)

    @property
    def sort_names(self) -> list[tuple[str, bool]]:
        return self.spec.sort


@dataclass
class Scope:
    """What compile_view may use: the user's visible columns and the names of hidden ones."""

    entries: list[dict]
    hidden: set[str]
    types: dict[str, FieldType]
    tables: RecordTables
    name_of: Callable[[dict], str]
    #: who ``assignee=me`` means
    user_id: int | None = None
    #: the keys of the hidden fields (a cross table names fields by key)
    hidden_keys: frozenset[str] = frozenset()


def _argument_field(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name else name


def compile_view(
    scope: Scope,
    spec: ViewSpec,
    *,
    timezone: str,
    gettext,
    default_page_size: int,
    max_page_size: int,
    lenient: bool = False,
) -> CompiledView:
    """Check *spec* against *scope* and build its SQL.

    Strict (a URL): a hidden field raises HiddenInSpec, unknown arguments are ignored as the
    list always did. Lenient (a saved view): hidden and unknown parts are left out, each
    with a notice.
    """
    _ = gettext
    notices: list[str] = []
    #: the names left out because they are hidden from the user
    dropped_hidden: list[str] = []
    by_name = {scope.name_of(e): e for e in scope.entries}

    def hidden(name: str, names: set[str] | frozenset[str] = scope.hidden) -> bool:
        if name in names or _argument_field(name) in names:
            if not lenient:
                raise HiddenInSpec(name)
            dropped_hidden.append(name)
            return True
        return False

    # filters, by group
    groups = split_groups(spec.filter_args())
    conditions, kept, values, errors, matches = [], [], {}, {}, {}
    for number, arguments in sorted(groups.items()):
        prefix = f"g{number}." if number else ""
        match = spec.match if number == 0 else (ANY if arguments.get("match") == ANY else ALL)
        arguments.poplist("match")
        usable = [(k, v) for k, v in arguments.items(multi=True) if not hidden(k)]
        parsed = filters.parse(
            MultiDict(usable),
            scope.entries,
            scope.types,
            scope.tables,
            name_of=scope.name_of,
            timezone=timezone,
            gettext=gettext,
            user_id=scope.user_id,
        )
        known = set(parsed.values)
        for name, value in usable:
            if name in known:
                kept.append((prefix + name, value))
            elif lenient:
                notices.append(
                    _("The condition “%(name)s” refers to nothing in this form; it was left out.")
                    % {"name": prefix + name}
                )
        values.update({prefix + k: v for k, v in parsed.values.items()})
        errors.update({prefix + k: v for k, v in parsed.errors.items()})
        if number and parsed.values:
            matches[number] = match
            if match == ANY:
                kept.append((f"g{number}.match", ANY))
        elif not number:
            matches[0] = match
        if parsed.conditions:
            combine = sa.or_ if match == ANY else sa.and_
            conditions.append(
                combine(*parsed.conditions) if len(parsed.conditions) > 1 else parsed.conditions[0]
            )
    search = _search(scope, spec.q)
    if search is not None:
        conditions.append(search)

    # sort keys
    sortable = {scope.name_of(e): e for e in scope.entries if e["kind"] != MULTI}
    records = scope.tables.records
    sort, sort_names = [], []
    for name, descending in spec.sort:
        if hidden(name):
            continue
        if name in SYSTEM_SORTS:
            column = records.c[name]
        elif name in sortable:
            column = records.c[sortable[name]["column"]]
        else:
            if lenient:
                notices.append(
                    _("The sort key “%(name)s” refers to nothing in this form; it was left out.")
                    % {"name": name}
                )
            continue
        if any(column is key.column for key in sort):
            continue
        sort.append(SortKey(column, descending))
        sort_names.append((name, descending))

    # columns
    columns, column_names, show_created = [], [], not spec.columns
    for name in spec.columns:
        if hidden(name):
            continue
        if name in SYSTEM_COLUMNS:
            show_created = True
            column_names.append(name)
        elif name in by_name:
            columns.append(by_name[name])
            column_names.append(name)
        elif lenient:
            notices.append(
                _("The column “%(name)s” refers to nothing in this form; it was left out.")
                % {"name": name}
            )
    if not column_names:  # none asked for, or none left: every column
        columns, show_created = list(scope.entries), True

    # the cross table kept with the view: its groupings and value name fields by key
    setup = spec.crosstab
    hidden_in_list = len(dropped_hidden)
    if setup is not None:
        keys = {e["key"] for e in scope.entries}

        def kept_part(part: str, field_name: str | None) -> bool:
            if field_name is None or field_name in SYSTEM_COLUMNS or field_name in keys:
                return True
            if hidden(field_name, scope.hidden_keys):
                return False
            if lenient:
                notices.append(
                    _(
                        "The cross-table item “%(name)s” refers to nothing in this form; "
                        "it was left out."
                    )
                    % {"name": part}
                )
                return False
            return True  # a URL: the cross table names it in its own message

        measure = setup.measure
        if not kept_part(measure, measure.partition(":")[2] or None):
            measure = "count"
        setup = CrossTabSetup(
            rows=[r for r in setup.rows if kept_part(r, r.partition(":")[0])],
            cols=[c for c in setup.cols if kept_part(c, c.partition(":")[0])],
            measure=measure,
            pct=setup.pct,
            chart=setup.chart,
        )
    if len(dropped_hidden) > hidden_in_list:
        notices.insert(
            0,
            _(
                "Some items of this view’s cross table are ones you may not see; "
                "they were left out."
            ),
        )
    if hidden_in_list:
        notices.insert(
            0,
            _(
                "Some conditions, sort keys or columns of this view use items you may not see; "
                "they were left out."
            ),
        )
    page_size = spec.page_size or default_page_size
    page_size = max(1, min(page_size, max_page_size))
    used = ViewSpec(
        columns=column_names,
        filters=kept,
        match=spec.match,
        sort=sort_names,
        page_size=spec.page_size and page_size,
        q=spec.q,
        crosstab=setup,
    )
    return CompiledView(
        spec=used,
        conditions=conditions,
        sort=sort,
        columns=columns,
        show_created=show_created,
        page_size=page_size,
        errors=errors,
        values=values,
        notices=notices,
        matches=matches,
    )


def _search(scope: Scope, text: str):
    """The search box: each word found in the receipt number or a visible text field
    (variant kanji match each other)."""
    words = [w for w in _SPACES.split(text or "") if w][:MAX_SEARCH_WORDS]
    if not words:
        return None
    records = scope.tables.records
    found = []
    for word in words:
        places = [records.c.receipt_no.contains(nfkc(word), autoescape=True)]
        for entry in scope.entries:
            if entry["kind"] == MULTI:
                continue
            clause = scope.types[entry["column"]].search_clause(scope.tables.column(entry), word)
            if clause is not None:
                places.append(clause)
        found.append(sa.or_(*places))
    return sa.and_(*found)


def count(tables: RecordTables, compiled: CompiledView, cap: int | None):
    """(number, exact) of the records the view keeps; see ``paging.count``."""
    return paging.count(tables, compiled.conditions, cap)
