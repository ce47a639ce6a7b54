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
from app.records import filters, store
from app.records.columns import column_types
from app.records.store import Page, Record
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

    def __init__(self, user: User | None, form: Form, action: str = rights.VIEW_RECORDS):
        if not rights.can(user, action, form):
            raise NotAllowed(action)
        self.user, self.form = user, form
        self.fields = rights.field_access(user, form)
        #: the catalogue entries the user may see, in display order
        self.entries = rights.visible_columns(user, form)
        self._visible = {e["column"] for e in self.entries}
        self._hidden = [e for e in form.storage or [] if not self.fields.can_read(e["key"])]
        self.tables = store.tables_for(form)

    def types(self, gettext=None, entries: list[dict] | None = None) -> dict[str, FieldType]:
        """column name -> field type, for the visible columns (or *entries*)."""
        return column_types(self.entries if entries is None else entries, gettext)

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
            self.types(gettext, entries),
            self.tables,
            name_of=name_of,
            timezone=timezone,
            gettext=gettext,
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

    def get(self, record_id: int) -> Record | None:
        """One record, hidden values stripped; None if there is no such record."""
        record = store.get(self.form, record_id)
        return self.strip(record) if record is not None else None

    def by_receipts(self, receipts) -> dict[str, Record]:
        """receipt number -> record (hidden values stripped), for those that exist."""
        found = store.by_receipts(self.form, receipts)
        return {number: self.strip(record) for number, record in found.items()}

    def count(self, conditions: list | None = None) -> int:
        """How many records the form has, or how many match *conditions*."""
        return store.count(self.form, conditions or ())

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
    since they gave it. The caller has checked that the answer is theirs."""
    return store.get(form, record_id)
