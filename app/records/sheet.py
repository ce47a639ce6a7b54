"""Excel workbooks (.xlsx) of records: typed cells, written in constant memory.

Numbers are numbers, dates and times are Excel dates with a display format, and every text
is written as a text cell, so a value such as ``=1+2`` is shown, never run. Rows go to a
temporary file one at a time (XlsxWriter's ``constant_memory`` mode), so memory does not
grow with the number of records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import BinaryIO

import xlsxwriter

from app.records.export import SYSTEM_WIDTH, ExportColumns, StatusTexts
from builder.fields.base import plain_text

#: the most data rows a worksheet holds (Excel's limit, less the header row)
MAX_ROWS = 1_048_575
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
SHEET_NAME = "records"


class TooManyRows(Exception):
    """More records than one Excel worksheet holds."""


class SheetColumns:
    """What each column of the workbook shows, with converters made once per export."""

    def __init__(self, columns: ExportColumns):
        self.columns = columns
        self.exporters = [
            columns.types[e["column"]].sheet_exporter(plain_text) for e in columns.entries
        ]
        self.statuses = StatusTexts(columns.status_text, finish=str)

    def cells(self, row: tuple) -> list:
        """The typed cells of an export row (``store.export_rows``)."""
        columns = self.columns
        cells = [
            plain_text(row[1]),
            columns.times.local(row[3]),
            self.statuses[row[2]],
        ]
        if columns.respondent:
            cells.append(columns.respondent[1](row[4]))
        cells += [
            to_cell(value)
            for to_cell, value in zip(self.exporters, row[SYSTEM_WIDTH:], strict=False)
        ]
        return cells


def write(columns: ExportColumns, export_rows: Iterable[tuple], target: BinaryIO | str) -> int:
    """Write the header and one row per export row to *target*; return the rows written.

    Raises TooManyRows before writing past what a worksheet holds.
    """
    sheet_columns = SheetColumns(columns)
    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "default_date_format": DATE_FORMAT,
        },
    )
    try:
        sheet = workbook.add_worksheet(SHEET_NAME)
        bold = workbook.add_format({"bold": True, "bg_color": "#E8EEF4", "border": 1})
        formats = {
            dt.datetime: workbook.add_format({"num_format": DATETIME_FORMAT}),
            dt.date: workbook.add_format({"num_format": DATE_FORMAT}),
        }
        header = columns.header()
        for number, heading in enumerate(header):
            sheet.write_string(0, number, heading, bold)
        sheet.set_column(0, 0, 18)
        sheet.set_column(1, 1, 20)
        sheet.set_column(2, len(header) - 1, 14)
        sheet.freeze_panes(1, 0)
        written = 0
        for row in export_rows:
            if written >= MAX_ROWS:
                raise TooManyRows()
            written += 1
            _write_row(sheet, written, sheet_columns.cells(row), formats)
        sheet.autofilter(0, 0, max(written, 1), len(header) - 1)
    finally:
        workbook.close()
    return written


def _write_row(sheet, number: int, cells: list, formats: dict) -> None:
    for place, cell in enumerate(cells):
        kind = cell.__class__
        if kind is str:
            if cell:
                sheet.write_string(number, place, cell)
        elif cell is None:
            continue
        elif kind is int or kind is float:
            sheet.write_number(number, place, cell)
        elif kind is Decimal:
            sheet.write_number(number, place, float(cell))
        elif kind is dt.datetime or kind is dt.date:
            sheet.write_datetime(number, place, cell, formats[kind])
        elif kind is bool:
            sheet.write_boolean(number, place, cell)
        else:
            sheet.write_string(number, place, str(cell))
