"""Exports are data, never code: no cell of a CSV or workbook the service writes can run as a formula.

Spreadsheet programs treat a cell that begins with `=`, `+`, `-` or `@` (and, after trimming,
a tab or carriage return) as a formula, so a child named `=HYPERLINK("http://…","x")` would
become a live link, or worse, in the hands of whoever opens the report (CSV/formula injection).
Every exporter writes through this module:

- CSV: `write_csv(headers, rows)` (or `SafeCsvWriter`) prefixes such text with a single quote,
  as OWASP advises, and quotes every text field so a program that splits on `;` or `,` cannot
  start a new cell in the middle of one.
- XLSX (openpyxl, normal or write-only workbooks): `append_row(sheet, values)` or
  `protect(cell)` store such text as a string with Excel's quote prefix, never as a formula;
  the cell shows exactly what was typed and stays text when someone edits it.
- DOCX needs nothing: python-docx writes text as text runs, and Word runs code only from field
  codes (`w:fldSimple`, `w:instrText`), which the service never builds from data.

Numbers, dates and booleans are written as they are: `-3` working days left is a number.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_text(value):
    """A CSV field that a spreadsheet will show as text: formula-like text gets a leading quote."""
    return "'" + value if looks_like_formula(value) else value


class SafeCsvWriter:
    """`csv.writer` that never writes a formula; text fields are always quoted."""

    def __init__(self, stream, **options):
        options.setdefault("quoting", csv.QUOTE_NONNUMERIC)
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow(["" if value is None else csv_text(value) for value in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def write_csv(headers: list[str], rows: Iterable[Iterable]) -> str:
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue()


def protect(cell):
    """Store an openpyxl cell's formula-like text as text (type "s", quote prefix). Returns the cell."""
    if looks_like_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def text_cells(sheet, values: Iterable) -> list:
    """Write-only workbooks: wrap each formula-like text in a protected WriteOnlyCell for `sheet.append`."""
    return [protect(WriteOnlyCell(sheet, value=value)) if looks_like_formula(value) else value
            for value in values]


def append_row(sheet, values: Iterable) -> None:
    """`sheet.append(values)` for a normal or write-only worksheet, with formula-like text kept as text."""
    values = list(values)
    if getattr(sheet.parent, "write_only", False):
        sheet.append(text_cells(sheet, values))
        return
    sheet.append(values)
    row = sheet.max_row
    for column, value in enumerate(values, start=1):
        if looks_like_formula(value):
            protect(sheet.cell(row=row, column=column))
