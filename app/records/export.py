"""Excel-ready CSV exports: UTF-8 with BOM or Shift_JIS (cp932), formula-safe, streamed."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
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


def neutralise(cell):
    """Make a text cell that a spreadsheet would run as a formula show as text instead."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


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
    #: (heading, record -> name) of the respondent column, for a staff form with names
    respondent: tuple[str, Callable[[Record], str]] | None = None

    def __post_init__(self):
        self.zone = ZoneInfo(self.timezone)
        self.exporters = [(e["column"], self.types[e["column"]].export) for e in self.entries]

    def header(self) -> list[str]:
        respondent = [self.respondent[0]] if self.respondent else []
        return (
            list(self.system_headings)
            + respondent
            + [column_heading(e, self.retired_label) for e in self.entries]
        )

    def row(self, record: Record) -> list:
        local = record.created_at.replace(tzinfo=dt.UTC).astimezone(self.zone)
        cells = [
            record.receipt_no,
            local.strftime("%Y-%m-%d %H:%M:%S"),
            self.status_text(record.status),
        ]
        if self.respondent:
            cells.append(self.respondent[1](record))
        values = record.values
        cells += [to_cell(values.get(column)) for column, to_cell in self.exporters]
        return [
            cell if isinstance(cell, (int, Decimal)) else neutralise(str(cell)) for cell in cells
        ]


def rows(columns: ExportColumns, records: Iterable[Record]) -> Iterator[list]:
    yield [neutralise(heading) for heading in columns.header()]
    for record in records:
        yield columns.row(record)


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
    writer = csv.writer(buffer, lineterminator="\r\n")
    pending = 0
    for row in table_rows:
        writer.writerow(row)
        pending += 1
        if pending >= ROWS_PER_CHUNK:
            yield _encode(buffer, encoding, errors)
            pending = 0
    yield _encode(buffer, encoding, errors)


def _encode(buffer: io.StringIO, encoding: str, errors: str) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    if encoding == CP932:
        return text.translate(CP932_EQUIVALENTS).encode(CP932, errors)
    return text.encode(encoding)


def cp932_problems(
    columns: ExportColumns, records: Iterable[Record], limit: int = 100
) -> list[Unencodable]:
    """The cells that Shift_JIS cannot hold (after the usual equivalents are applied)."""
    headings = columns.header()
    problems: list[Unencodable] = []
    for record in records:
        for heading, cell in zip(headings, columns.row(record), strict=True):
            if not isinstance(cell, str):
                continue
            bad = "".join(
                dict.fromkeys(ch for ch in cell.translate(CP932_EQUIVALENTS) if not _cp932_ok(ch))
            )
            if bad:
                problems.append(Unencodable(record.receipt_no, heading, bad))
                if len(problems) >= limit:
                    return problems
    return problems


def _cp932_ok(ch: str) -> bool:
    try:
        ch.encode(CP932)
    except UnicodeEncodeError:
        return False
    return True
