"""The one door to a form's records: every reader goes through a ``RecordAccess``.

A ``RecordAccess`` is made for one user and one form. It refuses a user without the right,
gives the columns the user may see, refuses a filter, sort or grouping on a field hidden
from the user (naming it, never applying it, because the order or count would tell its
value), and strips hidden values from every record it returns. Pages, exports, the API and
every later view (cross-tabs, charts, saved views, bulk actions) read records through it;
a test fails when code elsewhere reads ``app.records.store`` directly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator

from app import rights
from app.models import Form, User
from app.records import aggregate, filters, paging, query, received, store, time_limit
from app.records.columns import column_types
from app.records.query import CompiledView, HiddenInSpec
from app.records.store import Page, Record
from app.records.viewspec import ViewSpec
from builder.fields.base import FieldType


class NotAllowed(Exception):
    """The user lacks the right for this action on the form."""

    def __init__(self, action: str):
        super().__init__(action)
        self.action = action


class FieldNotVisible(Exception):
    """A request names a field the user may not see (in a filter, sort or grouping)."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def _column_name(entry: dict) -> str:
    return entry["column"]


class RecordAccess:
    """What *user* may read of *form*'s records, and the only way to read them."""

    def __init__(
        self,
        user: User | None,
        form: Form,
        action: str = rights.VIEW_RECORDS,
        standing: rights.Standing | None = None,
    ):
        """*standing* is the user's standing on *form* when the caller has it already."""
        standing = standing or rights.standing(user, form)
        if not standing.can(action):
            raise NotAllowed(action)
        self.user, self.form = user, form
        self.fields = standing.fields
        #: the catalogue entries the user may see, in display order
        self.entries = standing.visible_columns(form)
        self._visible = {e["column"] for e in self.entries}
        self._hidden = [e for e in form.storage or [] if not self.fields.can_read(e["key"])]
        self.tables = store.tables_for(form)

    def types(
        self, gettext=None, entries: list[dict] | None = None, today=None
    ) -> dict[str, FieldType]:
        """column name -> field type, for the visible columns (or *entries*)."""
        return column_types(self.entries if entries is None else entries, gettext, today)

    def refuse_hidden(
        self, names: Iterable[str], name_of: Callable[[dict], str] = _column_name
    ) -> None:
        """Raise FieldNotVisible for the first of *names* (``name`` or ``name.op``) that
        addresses a hidden field; *name_of* says how the request names a column."""
        hidden = {name_of(e) for e in self._hidden}
        for name in names:
            if name in hidden or name.rsplit(".", 1)[0] in hidden:
                raise FieldNotVisible(name)

    def filters(
        self,
        args,
        *,
        entries: list[dict] | None = None,
        name_of: Callable[[dict], str] = _column_name,
        timezone: str = "Asia/Tokyo",
        gettext=lambda s: s,
    ) -> filters.ParsedFilters:
        """Filters from request *args* on visible columns; a hidden one is refused."""
        self.refuse_hidden(args.keys(), name_of)
        entries = self.entries if entries is None else self._only_visible(entries)
        return filters.parse(
            args,
            entries,
            self.types(gettext, entries, filters.office_today(timezone)),
            self.tables,
            name_of=name_of,
            timezone=timezone,
            gettext=gettext,
            user_id=getattr(self.user, "id", None),
        )

    def sortable(self, entries: list[dict] | None = None) -> list[dict]:
        """The visible columns a list can be sorted by."""
        return store.sortable(self.entries if entries is None else self._only_visible(entries))

    def page(
        self,
        conditions: list,
        sort: str | None = None,
        descending: bool = False,
        limit: int = 50,
        offset: int = 0,
    ) -> Page:
        """One page of matching records; sorting by a hidden column is refused."""
        if sort and sort not in store.SYSTEM_SORTS and sort not in self._visible:
            raise FieldNotVisible(sort)
        result = store.query(self.form, conditions, sort, descending, limit, offset)
        return Page(total=result.total, records=[self.strip(r) for r in result.records])

    def view(
        self,
        spec: ViewSpec,
        *,
        timezone: str = "Asia/Tokyo",
        gettext=lambda s: s,
        default_page_size: int = 50,
        max_page_size: int = 500,
        lenient: bool = False,
        entries: list[dict] | None = None,
        name_of: Callable[[dict], str] = _column_name,
    ) -> CompiledView:
        """*spec* checked against what the user may see, as SQL (see app.records.query).

        From a URL (strict) a hidden field raises FieldNotVisible; from a saved view made
        by someone else (*lenient*) hidden and unknown parts are left out with a notice.
        """
        entries = self.entries if entries is None else self._only_visible(entries)
        scope = query.Scope(
            entries=entries,
            hidden={name_of(e) for e in self._hidden},
            types=self.types(gettext, entries, filters.office_today(timezone)),
            tables=self.tables,
            name_of=name_of,
            user_id=getattr(self.user, "id", None),
            hidden_keys=frozenset(e["key"] for e in self._hidden),
        )
        try:
            return query.compile_view(
                scope,
                spec,
                timezone=timezone,
                gettext=gettext,
                default_page_size=default_page_size,
                max_page_size=max_page_size,
                lenient=lenient,
            )
        except HiddenInSpec as exc:
            raise FieldNotVisible(exc.name) from None

    def window(
        self,
        compiled: CompiledView,
        *,
        offset: int = 0,
        after: str | None = None,
        before: str | None = None,
        dense: bool = False,
    ) -> tuple[list[Record], paging.Window]:
        """One page of the view's records (hidden values stripped), by offset or from a
        position of an earlier page; raises paging.BadPosition for a foreign position.
        *dense*: the view keeps many records (its count reached paging.DENSE_AT)."""
        found = paging.window(
            self.tables,
            compiled.conditions,
            compiled.sort,
            compiled.page_size,
            offset=offset,
            after=after,
            before=before,
            dense=dense,
        )
        records = store.to_records(self.tables, found.rows)
        for record in records:  # new objects: stripped in place
            record.values = {k: v for k, v in record.values.items() if k in self._visible}
        return records, found

    def count_view(self, compiled: CompiledView, cap: int | None = None) -> tuple[int, bool]:
        """How many records the view keeps: (number, exact); see paging.count."""
        return paging.count(self.tables, compiled.conditions, cap)

    def iterate(self, conditions: list, chunk: int = 1000) -> Iterator[Record]:
        """Every matching record in id order (for exports), hidden values stripped."""
        for record in store.iterate(self.form, conditions, chunk):
            yield self.strip(record)

    def export_rows(
        self, conditions: list, entries: list[dict] | None = None, chunk: int = 5000
    ) -> Iterator[tuple]:
        """Every matching record as a tuple (``store.EXPORT_SYSTEM_COLUMNS``, then the value
        of each visible column of *entries*, default all visible), for exports."""
        entries = self.entries if entries is None else self._only_visible(entries)
        return store.export_rows(self.form, conditions, [e["column"] for e in entries], chunk)

    def get(self, record_id: int, *, trashed: bool = False) -> Record | None:
        """One record, hidden values stripped; None if there is no such record, or if it
        is in the trash (unless *trashed*: then its ``deleted_at`` tells it apart)."""
        record = store.get(self.form, record_id)
        if record is None or (record.deleted_at is not None and not trashed):
            return None
        return self.strip(record)

    def ids(self, conditions: list) -> list[int]:
        """The ids of the matching records (for bulk actions), in id order."""
        return store.matching_ids(self.form, conditions)

    def only(self, record_ids) -> list:
        """The condition "one of these records" (ids of other forms match nothing)."""
        return [self.tables.records.c.id.in_(sorted({int(i) for i in record_ids}))]

    def status_counts(self, conditions: list, time_limit_ms: int = 0) -> dict[str, int] | None:
        """status key -> how many matching records have it (the trash not counted); None
        when counting takes longer than *time_limit_ms* (0: no limit)."""
        try:
            with time_limit.limited(time_limit_ms):
                return store.count_by_status(self.form, conditions)
        except time_limit.TimeLimitExceeded:
            return None

    def by_receipts(self, receipts) -> dict[str, Record]:
        """receipt number -> record (hidden values stripped), for those that exist."""
        found = store.by_receipts(self.form, receipts)
        return {number: self.strip(record) for number, record in found.items()}

    def count(self, conditions: list | None = None) -> int:
        """How many records the form has, or how many match *conditions*."""
        return store.count(self.form, conditions or ())

    # -- aggregates (cross-tabs, charts, the summary): computed by the database -----------
    def entry_named(self, name: str, name_of: Callable[[dict], str] = _column_name) -> dict | None:
        """The visible column the request calls *name* (None: no such column); a hidden one
        raises FieldNotVisible."""
        self.refuse_hidden([name], name_of)
        return next((e for e in self.entries if name_of(e) == name), None)

    def aggregate(
        self,
        conditions: list,
        dimensions: list[aggregate.Dimension],
        measure: aggregate.Measure,
        timezone: str = "Asia/Tokyo",
    ) -> dict[tuple, aggregate.Partial]:
        """Matching records grouped by *dimensions*, each group measured by *measure*;
        grouping or measuring a hidden field is refused."""
        for column in [d.column for d in dimensions] + [measure.column]:
            self._require_visible(column)
        return aggregate.grouped(self.tables, conditions, dimensions, measure, timezone)

    def option_counts(self, conditions: list, column: str) -> tuple[dict[str, int], int]:
        """Each option of a visible multiple-choice column counted, and how many records
        chose any."""
        self._require_visible(column)
        return aggregate.option_counts(self.tables, conditions, column)

    def received_per_period(
        self, conditions: list, timezone: str, max_days: int
    ) -> tuple[str, list[tuple[str, int]]]:
        """How many matching records were received on each local day (every day of their
        span), or each month when they span *max_days* days or more; see
        ``received.per_period``."""
        return received.per_period(self.tables, conditions, timezone, max_days)

    def number_summary(self, conditions: list, column: str) -> aggregate.NumberSummary:
        """Count, minimum, maximum, mean, median and sum of a visible number column."""
        self._require_visible(column)
        return aggregate.number_summary(self.tables, conditions, column)

    def latest_values(self, conditions: list, column: str, limit: int = 5) -> list:
        """The newest non-empty values of a visible column (id, receipt, time, value)."""
        self._require_visible(column)
        return aggregate.latest(self.tables, conditions, column, limit)

    def matching(self, conditions: list) -> int:
        """How many records match *conditions* (the trash left out)."""
        return aggregate.count(self.tables, conditions)

    def _require_visible(self, column: str | None) -> None:
        if column is not None and column not in self._visible:
            raise FieldNotVisible(column)

    def strip(self, record: Record) -> Record:
        """*record* with only the values of columns the user may see."""
        values = {k: v for k, v in record.values.items() if k in self._visible}
        return dataclasses.replace(record, values=values)

    def _only_visible(self, entries: list[dict]) -> list[dict]:
        return [e for e in entries if e["column"] in self._visible]


def submitted_receipt(form: Form, record_id: int) -> Record | None:
    """The record a citizen just sent, for the thank-you page: its receipt, no values."""
    record = store.get(form, record_id)
    return dataclasses.replace(record, values={}) if record is not None else None


def own_answer(form: Form, record_id: int) -> Record | None:
    """A staff member's own answer to a staff form, for them to change: every value,
    since they gave it (not once it is in the trash). The caller has checked that the
    answer is theirs."""
    record = store.get(form, record_id)
    return record if record is not None and record.deleted_at is None else None


def application(form: Form, record_id: int) -> Record | None:
    """An application with every value, for the event rules (seats, waiting list,
    cancellation) and for the applicant who opened their private link (checked by the
    caller: the link's signature and the record's secret)."""
    return store.get(form, record_id)
