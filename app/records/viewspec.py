"""A list view's specification, and its form as request arguments.

A view spec says which columns a list shows and in what order, which records it keeps
(filter conditions combined with AND or OR, in groups), how it sorts them (several keys),
how many it shows per page, and what the search box holds. The same spec is written as
query-string arguments, so that a URL shares a view and the list, the CSV export and the
API read the same arguments:

- filters as before: ``<name>.<op>=<value>`` (``<name>=<value>`` means ``eq``);
- ``match=any``: a record needs only one of the conditions (default ``all``);
- ``g<N>.<name>.<op>=<value>`` and ``g<N>.match=any|all``: a group of conditions, combined
  within itself by its own match and with the rest by AND;
- ``sort=a,-b``: sort keys, ``-`` for descending (``sort=a&dir=desc`` still works);
- ``page_size=``, ``q=`` (search) and ``columns=a,b,c`` (the columns shown, in order).

A view may also keep a cross table (``CrossTabSetup``), written as the cross-table page's
own arguments: ``rows=``, ``cols=``, ``measure=``, ``pct=`` and ``chart=``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

ALL, ANY = "all", "any"
#: arguments that are part of a spec but not filters
#: the sort editor of the list page: sort_key1=f_age&sort_dir1=desc&sort_key2=…
SORT_FIELDS = 3
SORT_EDITOR = frozenset(
    name for n in range(1, SORT_FIELDS + 1) for name in (f"sort_key{n}", f"sort_dir{n}")
)
SPEC_ARGUMENTS = frozenset({"columns", "match", "sort", "dir", "page_size", "q"}) | SORT_EDITOR
#: arguments that move through a view without changing it
PAGING_ARGUMENTS = frozenset(
    {"page", "after", "before", "count", "view", "lang", "limit", "offset"}
)
#: a group prefix of a filter argument: ``g2.f_age.min``
GROUP = re.compile(r"\Ag([1-9][0-9]?)\.(.+)\Z", re.S)
#: the most sort keys a view may have
MAX_SORT_KEYS = 5
#: the cross-table page's own arguments (the rest are the list's filters)
CROSSTAB_ARGUMENTS = ("rows", "cols", "measure", "pct", "chart")
#: the longest grouping or measure a saved cross table keeps
MAX_SETUP_TEXT = 200


@dataclass
class CrossTabSetup:
    """A cross table kept with a view: groupings (a field key, with ``:<grouping>`` for a
    date), the value, the percentages shown and the chart drawn, as the page names them."""

    rows: list[str] = field(default_factory=list)
    cols: list[str] = field(default_factory=list)
    measure: str = "count"
    pct: str = ""
    chart: str = ""

    def to_args(self) -> list[tuple[str, str]]:
        """The setup as the cross-table page's query-string pairs."""
        pairs = [("rows", ",".join(self.rows)), ("cols", ",".join(self.cols))]
        pairs.append(("measure", self.measure))
        if self.pct:
            pairs.append(("pct", self.pct))
        if self.chart:
            pairs.append(("chart", self.chart))
        return pairs

    def to_json(self) -> dict:
        return {
            "rows": list(self.rows),
            "cols": list(self.cols),
            "measure": self.measure,
            "pct": self.pct,
            "chart": self.chart,
        }

    @classmethod
    def from_json(cls, data) -> CrossTabSetup | None:
        """A setup stored by ``to_json`` (None when the view keeps no cross table)."""
        if not isinstance(data, dict):
            return None
        return cls(
            rows=[str(r) for r in data.get("rows") or []],
            cols=[str(c) for c in data.get("cols") or []],
            measure=str(data.get("measure") or "count"),
            pct=str(data.get("pct") or ""),
            chart=str(data.get("chart") or ""),
        )

    @classmethod
    def from_args(cls, args) -> CrossTabSetup | None:
        """The setup the page's arguments describe (None when they name none of it)."""
        args = args if isinstance(args, MultiDict) else MultiDict(args)
        if not any(name in args for name in CROSSTAB_ARGUMENTS):
            return None

        def parts(name: str) -> list[str]:
            return [
                part.strip()[:MAX_SETUP_TEXT]
                for raw in args.getlist(name)
                for part in raw.split(",")
                if part.strip()
            ]

        return cls(
            rows=parts("rows"),
            cols=parts("cols"),
            measure=(args.get("measure") or "").strip()[:MAX_SETUP_TEXT] or "count",
            pct=(args.get("pct") or "").strip()[:20],
            chart=(args.get("chart") or "").strip()[:20],
        )


@dataclass
class ViewSpec:
    """What a list shows; column names as the staff list names them (``f_<key>``)."""

    columns: list[str] = field(default_factory=list)
    #: (argument, value) pairs, as in the query string
    filters: list[tuple[str, str]] = field(default_factory=list)
    match: str = ALL
    #: (column name, descending)
    sort: list[tuple[str, bool]] = field(default_factory=list)
    page_size: int | None = None
    q: str = ""
    #: the cross table kept with the view, if any
    crosstab: CrossTabSetup | None = None

    def to_args(self) -> list[tuple[str, str]]:
        """The spec as query-string pairs (empty parts left out)."""
        pairs: list[tuple[str, str]] = []
        if self.columns:
            pairs.append(("columns", ",".join(self.columns)))
        pairs += self.filters
        if self.match == ANY:
            pairs.append(("match", ANY))
        if self.q:
            pairs.append(("q", self.q))
        if self.sort:
            pairs.append(("sort", format_sort(self.sort)))
        if self.page_size:
            pairs.append(("page_size", str(self.page_size)))
        return pairs

    def to_json(self) -> dict:
        """The spec as stored in a saved view."""
        return {
            "columns": list(self.columns),
            "filters": [list(pair) for pair in self.filters],
            "match": self.match,
            "sort": [[name, descending] for name, descending in self.sort],
            "page_size": self.page_size,
            "q": self.q,
        } | ({"crosstab": self.crosstab.to_json()} if self.crosstab else {})

    @classmethod
    def from_json(cls, data: dict) -> ViewSpec:
        """A spec stored by ``to_json``."""
        return cls(
            columns=[str(c) for c in data.get("columns") or []],
            filters=[(str(k), str(v)) for k, v in data.get("filters") or []],
            match=ANY if data.get("match") == ANY else ALL,
            sort=[(str(name), bool(descending)) for name, descending in data.get("sort") or []],
            page_size=data.get("page_size") or None,
            q=str(data.get("q") or ""),
            crosstab=CrossTabSetup.from_json(data.get("crosstab")),
        )

    def filter_args(self) -> MultiDict:
        """The filter pairs, for the filter parser."""
        return MultiDict(self.filters)


def format_sort(keys: list[tuple[str, bool]]) -> str:
    return ",".join(("-" if descending else "") + name for name, descending in keys)


def parse_sort(raw: str, direction: str | None = None) -> list[tuple[str, bool]]:
    """``a,-b`` as keys; a single key with ``dir=desc`` (the older form) is descending."""
    keys = []
    for part in (raw or "").split(","):
        part = part.strip()
        if not part:
            continue
        descending = part.startswith("-")
        keys.append((part.lstrip("-"), descending))
    if len(keys) == 1 and direction in ("asc", "desc") and "-" not in raw:
        keys = [(keys[0][0], direction == "desc")]
    return keys[:MAX_SORT_KEYS]


def is_spec_argument(name: str) -> bool:
    """Whether request argument *name* is part of a view spec (rather than paging)."""
    return name not in PAGING_ARGUMENTS


def from_args(args) -> ViewSpec:
    """The spec a request's arguments describe; filter pairs are kept as given (the
    parser decides which it knows)."""
    args = args if isinstance(args, MultiDict) else MultiDict(args)
    filters = [
        (name, value)
        for name, value in args.items(multi=True)
        if name not in SPEC_ARGUMENTS and name not in PAGING_ARGUMENTS and (value or "").strip()
    ]
    columns = [
        name.strip() for raw in args.getlist("columns") for name in raw.split(",") if name.strip()
    ]
    page_size = (args.get("page_size") or "").strip()
    sort = parse_sort(args.get("sort", ""), args.get("dir"))
    if any(args.get(name) for name in SORT_EDITOR):
        edited = [
            (args.get(f"sort_key{n}", "").strip(), args.get(f"sort_dir{n}") == "desc")
            for n in range(1, SORT_FIELDS + 1)
        ]
        sort = [(name, descending) for name, descending in edited if name]
    return ViewSpec(
        columns=list(dict.fromkeys(columns)),
        filters=filters,
        match=ANY if args.get("match") == ANY else ALL,
        sort=list(dict((name, (name, d)) for name, d in sort).values()),
        page_size=int(page_size) if page_size.isdigit() and len(page_size) < 6 else None,
        q=(args.get("q") or "").replace("\x00", "").strip()[:200],
    )


def has_spec(args) -> bool:
    """Whether *args* say anything about the view (beyond paging and a view id)."""
    return any(
        is_spec_argument(name) and (value or "").strip()
        for name, value in MultiDict(args).items(multi=True)
    )


def split_groups(filters: MultiDict) -> dict[int, MultiDict]:
    """Filter pairs by group: 0 for the ungrouped, N for ``gN.`` (prefix removed)."""
    groups: dict[int, MultiDict] = {0: MultiDict()}
    for name, value in filters.items(multi=True):
        found = GROUP.match(name)
        if found:
            groups.setdefault(int(found.group(1)), MultiDict()).add(found.group(2), value)
        else:
            groups[0].add(name, value)
    return groups
