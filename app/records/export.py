"""Excel-ready CSV exports: UTF-8 with BOM or Shift_JIS (cp932), formula-safe, streamed."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import call
from zoneinfo import ZoneInfo

from app.records.columns import column_heading
from app.records.store import Record
from builder.fields.base import FieldType

UTF8 = "utf-8"
CP932 = "cp932"
ENCODINGS = (UTF8, CP932)
GETA = "〓"  # the conventional Japanese mark for a character that could not be printed

# A cell starting with one of these is read by spreadsheets as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

# Unicode characters that Japanese input produces and cp932 holds at another code point.
CP932_EQUIVALENTS = str.maketrans(
    {
        "\u301c": "\uff5e",  # WAVE DASH -> FULLWIDTH TILDE
        "\u2016": "\u2225",  # DOUBLE VERTICAL LINE -> PARALLEL TO
        "\u2212": "\uff0d",  # MINUS SIGN -> FULLWIDTH HYPHEN-MINUS
        "\u00a2": "\uffe0",  # CENT SIGN
        "\u00a3": "\uffe1",  # POUND SIGN
        "\u00ac": "\uffe2",  # NOT SIGN
        "\u2014": "\u2015",  # EM DASH -> HORIZONTAL BAR
    }
)

ROWS_PER_CHUNK = 200


def _geta(error: UnicodeEncodeError):
    return GETA * (error.end - error.start), error.end


codecs.register_error("atsume_geta", _geta)


_FORMULA_START_SET = frozenset(FORMULA_STARTS)


def neutralise(cell):
    """Make a text cell that a spreadsheet would run as a formula show as text instead."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def safe_text(text: str | None) -> str:
    """A formula-safe text cell ("" for no value)."""
    if text is None:
        return ""
    return "'" + text if text[:1] in _FORMULA_START_SET else text


def safe_cell(cell):
    """A CSV cell: numbers as they are, anything else as formula-safe text."""
    if cell.__class__ is str:
        return "'" + cell if cell[:1] in _FORMULA_START_SET else cell
    if isinstance(cell, (int, Decimal)):
        return cell
    return neutralise(str(cell))


class LocalTimes:
    """Stored UTC times (naive) -> local ``YYYY-MM-DD HH:MM:SS``, cheaply.

    The zone's offset is looked up once per UTC day and reused while it holds (the offset
    at both ends of the day is the same: no zone changes it twice within a day).
    """

    def __init__(self, zone: ZoneInfo):
        self.zone = zone
        self.start = self.end = dt.datetime.max
        self.offset = dt.timedelta(0)

    def _offset(self, moment: dt.datetime) -> dt.timedelta:
        return moment.replace(tzinfo=dt.UTC).astimezone(self.zone).utcoffset()

    def local(self, value: dt.datetime) -> dt.datetime:
        """*value* as the local wall-clock time (naive)."""
        if self.start <= value < self.end:
            return value + self.offset
        day = value.replace(hour=0, minute=0, second=0, microsecond=0)
        offset = self._offset(day)
        try:
            after = day + dt.timedelta(days=1)
        except OverflowError:
            after = None
        if after is not None and self._offset(after) == offset:
            self.start, self.end, self.offset = day, after, offset
            return value + offset
        return value + self._offset(value)

    def text(self, value: dt.datetime) -> str:
        if self.start <= value < self.end:
            return (value + self.offset).isoformat(" ", "seconds")
        return self.local(value).isoformat(" ", "seconds")


class StatusTexts(dict):
    """status -> its label (formula-safe unless *finish* says otherwise), translated once
    per status rather than once per row."""

    def __init__(self, status_text: Callable[[str], str], finish: Callable = safe_cell):
        super().__init__()
        self.status_text, self.finish = status_text, finish

    def __missing__(self, status):
        text = self[status] = self.finish(str(self.status_text(status)))
        return text


@dataclass
class Unencodable:
    receipt_no: str
    heading: str
    characters: str


@dataclass
class ExportColumns:
    entries: list[dict]
    types: dict[str, FieldType]
    system_headings: tuple[str, str, str]
    retired_label: str
    timezone: str
    status_text: Callable[[str], str] = str
    #: (heading, user id -> name) of the respondent column, for a staff form with names
    respondent: tuple[str, Callable[[int | None], str]] | None = None

    def __post_init__(self):
        self.zone = ZoneInfo(self.timezone)
        self.times = LocalTimes(self.zone)
        self.statuses = StatusTexts(self.status_text)
        #: stored value -> CSV cell, per column, made once per export
        self.exporters = [self.types[e["column"]].exporter(safe_text) for e in self.entries]
        #: export row (``store.EXPORT_SYSTEM_COLUMNS`` + values) -> its CSV cells
        self.cells = self._cells_function()

    @property
    def columns(self) -> list[str]:
        """The column names whose values each row carries, in order."""
        return [e["column"] for e in self.entries]

    def header(self) -> list[str]:
        respondent = [self.respondent[0]] if self.respondent else []
        return (
            list(self.system_headings)
            + respondent
            + [column_heading(e, self.retired_label) for e in self.entries]
        )

    def _cells_function(self) -> Callable[[Sequence], list]:
        """The function that makes the cells of one export row, with what it uses bound
        once (it runs for every record of an export)."""
        when, statuses, exporters = self.times.text, self.statuses, self.exporters
        if self.respondent:
            name_of = self.respondent[1]

            def with_respondent(row: Sequence) -> list:
                cells = [safe_text(row[1]), when(row[3]), statuses[row[2]]]
                cells.append(safe_cell(name_of(row[4])))
                cells += map(call, exporters, row[SYSTEM_WIDTH:])
                return cells

            return with_respondent

        def cells(row: Sequence) -> list:
            cells = [safe_text(row[1]), when(row[3]), statuses[row[2]]]
            cells += map(call, exporters, row[SYSTEM_WIDTH:])
            return cells

        return cells

    def row(self, record: Record) -> list:
        """The CSV cells of one record (the same as ``cells`` of its export row)."""
        return self.cells(as_export_row(record, self.columns))


#: how many system values lead an export row (store.EXPORT_SYSTEM_COLUMNS)
SYSTEM_WIDTH = 5


def as_export_row(record: Record, columns: list[str]) -> tuple:
    """*record* in the shape of ``store.export_rows``."""
    values = record.values
    return (
        record.id,
        record.receipt_no,
        record.status,
        record.created_at,
        record.created_by,
        *[values.get(column) for column in columns],
    )


def rows(columns: ExportColumns, records: Iterable[Record]) -> Iterator[list]:
    """The header, then the cells of each record."""
    yield [neutralise(heading) for heading in columns.header()]
    for record in records:
        yield columns.row(record)


def table(columns: ExportColumns, export_rows: Iterable[tuple]) -> Iterator[list]:
    """The header, then the cells of each export row (``store.export_rows``)."""
    heading = [neutralise(heading) for heading in columns.header()]
    return itertools.chain([heading], map(columns.cells, export_rows))


def stream(
    table_rows: Iterable[list], encoding: str = UTF8, replace_unencodable: bool = False
) -> Iterator[bytes]:
    """Encode rows as CSV bytes, a chunk at a time (memory does not grow with the rows)."""
    if encoding not in ENCODINGS:
        raise ValueError(encoding)
    errors = "atsume_geta" if replace_unencodable else "strict"
    if encoding == UTF8:
        yield codecs.BOM_UTF8
    buffer = io.StringIO()
    writerows = csv.writer(buffer, lineterminator="\r\n").writerows
    source = iter(table_rows)
    while batch := list(itertools.islice(source, ROWS_PER_CHUNK)):
        writerows(batch)
        yield _encode(buffer, encoding, errors)
    yield _encode(buffer, encoding, errors)


def _encode(buffer: io.StringIO, encoding: str, errors: str) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    if encoding == CP932:
        return text.translate(CP932_EQUIVALENTS).encode(CP932, errors)
    return text.encode(encoding)


def cp932_problems(
    columns: ExportColumns, export_rows: Iterable[tuple], limit: int = 100
) -> list[Unencodable]:
    """The cells that Shift_JIS cannot hold (after the usual equivalents are applied), for
    export rows (``store.export_rows``)."""
    headings = columns.header()
    problems: list[Unencodable] = []
    for row in export_rows:
        cells = columns.cells(row)
        text = "".join(cell for cell in cells if isinstance(cell, str))
        if _cp932_fits(text):
            continue
        for heading, cell in zip(headings, cells, strict=True):
            if not isinstance(cell, str):
                continue
            bad = "".join(
                dict.fromkeys(ch for ch in cell.translate(CP932_EQUIVALENTS) if not _cp932_ok(ch))
            )
            if bad:
                problems.append(Unencodable(str(row[1]), heading, bad))
                if len(problems) >= limit:
                    return problems
    return problems


def _cp932_fits(text: str) -> bool:
    try:
        text.translate(CP932_EQUIVALENTS).encode(CP932)
    except UnicodeEncodeError:
        return False
    return True


def _cp932_ok(ch: str) -> bool:
    try:
        ch.encode(CP932)
    except UnicodeEncodeError:
        return False
    return True
