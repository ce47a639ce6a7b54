"""The cross table as files: an Excel-ready CSV (UTF-8 with BOM, formula-safe) and .xlsx
(numbers as numbers). Percentages, when shown, follow the values as a second table."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable

import xlsxwriter

from app.records.crosstab import CrossTab, table_rows
from app.records.export import neutralise


def _blocks(table: CrossTab, gettext, percentage: str | None) -> list[list[list]]:
    blocks = [list(table_rows(table, gettext))]
    if percentage:
        blocks.append(list(table_rows(table, gettext, percentage)))
    return blocks


def _safe(cell):
    if cell is None:
        return ""
    return cell if isinstance(cell, (int, float)) else neutralise(str(cell))


def csv_bytes(table: CrossTab, title: str, gettext, percentage: str | None = None) -> bytes:
    """The cross table as CSV bytes for Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_safe(title)])
    for number, block in enumerate(_blocks(table, gettext, percentage)):
        if number:
            writer.writerow([])
            writer.writerow([_safe(gettext("Percentages (%)"))])
        writer.writerows([_safe(c) for c in row] for row in block)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def xlsx_bytes(table: CrossTab, title: str, gettext, percentage: str | None = None) -> bytes:
    """The cross table as an .xlsx workbook (numbers as numbers, headings bold)."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet(gettext("Cross table")[:31])
    bold = workbook.add_format({"bold": True})
    share = workbook.add_format({"num_format": "0.0"})
    sheet.write_string(0, 0, title, bold)
    line = 2
    for number, block in enumerate(_blocks(table, gettext, percentage)):
        if number:
            line += 1
            sheet.write_string(line, 0, gettext("Percentages (%)"), bold)
            line += 1
        line = _write_block(sheet, line, block, bold, share if number else None)
    sheet.set_column(0, 0, 24)
    workbook.close()
    return output.getvalue()


def _write_block(sheet, line: int, block: Iterable[list], bold, number_format) -> int:
    for position, row in enumerate(block):
        for column, cell in enumerate(row):
            if cell is None:
                continue
            if isinstance(cell, (int, float)) and not isinstance(cell, bool):
                sheet.write_number(line, column, cell, number_format)
            else:
                sheet.write_string(line, column, str(cell), bold if position == 0 else None)
        line += 1
    return line
