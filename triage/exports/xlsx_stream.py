"""A lean XLSX writer for large exports: each row goes straight into the zip as worksheet XML.

Annex A writes about 90,000 rows (820,000 cells) for a large council. XlsxWriter, even in its
constant-memory mode, spends about 3.5 µs of CPU on each cell (type dispatch, cell reference,
escaping, dimension checks) and then copies every sheet from a temporary file into the zip:
over 90% of the export's time. Here a row is built as one string from per-column prefixes and
written to its sheet's zip member as it comes, so memory stays flat and the cost per cell is
a fraction of that.

What a workbook can hold is deliberately small: sheets written one after another with a bold
header row, optional column widths, and cells that are text, whole or decimal numbers, dates,
booleans or empty. Text is always an inline string, never a formula: text that a spreadsheet
would take for one (`=`, `+`, `-`, `@`, tab, carriage return) also carries Excel's quote
prefix, so it stays text when someone edits the cell. Control characters are written the way
Excel writes them (`_x000D_`), so every string survives the XML. Dates are real date cells in
the sheet's date format (day serials, as Excel stores them).
"""
from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import BinaryIO
from xml.sax.saxutils import escape, quoteattr

from triage.exports.safe_cells import FORMULA_STARTS

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# Cell styles (indexes into styles.xml's cellXfs, written below).
HEADER, DATE, QUOTED = 1, 2, 3
_EPOCH = date(1899, 12, 30).toordinal()  # day 0 of Excel's 1900 date system (after its 1900 leap bug)
_NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_EXCEL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_FLUSH = 256 * 1024  # characters of XML gathered before they are compressed into the zip
_REMEMBERED = 4096  # distinct texts a sheet keeps escaped: labels and names repeat on every row
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384


def column_letter(index: int) -> str:
    """A, B, ... Z, AA, ... for a zero-based column index."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _style(style: int) -> str:
    return f' s="{style}"' if style else ""


def _text(value: str) -> str:
    """An inline string cell's <is> content: XML-escaped, control characters as Excel writes them."""
    if value.isalnum():  # most ids and codes: nothing to escape, no spaces to keep
        return f"<is><t>{value}</t></is>"
    if _NEEDS_ESCAPE.search(value):
        value = _EXCEL_ESCAPE.sub(r"_x005F\1", value)  # a literal "_x0041_" stays literal
        value = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
        value = escape(value).replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    if value[:1].isspace() or value[-1:].isspace():
        return f'<is><t xml:space="preserve">{value}</t></is>'
    return f"<is><t>{value}</t></is>"


class Sheet:
    """One worksheet, written a row at a time into its zip member."""

    def __init__(self, member, widths: dict[int, float], date_columns: Iterable[int]):
        self._member = member
        self._buffer: list[str] = []
        self._size = 0
        self.rows = 0
        self._dated = frozenset(date_columns)
        cols = "".join(f'<col min="{c + 1}" max="{c + 1}" width="{w}" customWidth="1"'
                       + (f' style="{DATE}"/>' if c in self._dated else "/>") for c, w in sorted(widths.items()))
        self._put(f'{XML_HEAD}<worksheet xmlns="{MAIN}" xmlns:r="{RELS}"><sheetFormatPr defaultRowHeight="15"/>'
                  + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>")
        self._refs: list[str] = []
        self._tails: dict[str, str] = {}  # a text's cell as written, for texts that repeat

    def _put(self, text: str) -> None:
        self._buffer.append(text)
        self._size += len(text)
        if self._size >= _FLUSH:
            self._flush()

    def _flush(self) -> None:
        self._member.write("".join(self._buffer).encode("utf-8"))
        self._buffer.clear()
        self._size = 0

    def _columns(self, count: int) -> list[str]:
        if count > MAX_COLUMNS:
            raise ValueError(f"A sheet holds at most {MAX_COLUMNS} columns")
        while len(self._refs) < count:
            self._refs.append(column_letter(len(self._refs)))
        return self._refs

    def header(self, values: Sequence[str]) -> None:
        self.append(values, style=HEADER)

    def append(self, values: Sequence, style: int = 0) -> None:
        """Write the next row; None leaves a cell empty."""
        if self.rows >= MAX_ROWS:
            raise ValueError(f"A sheet holds at most {MAX_ROWS:,} rows")
        self.rows += 1
        n = str(self.rows)
        refs = self._columns(len(values))
        tails = self._tails if not style else {}
        cells = [f'<row r="{n}">']
        for c, v in enumerate(values):
            if v is None:
                continue
            kind = v.__class__
            if kind is str:
                tail = tails.get(v)
                if tail is None:
                    tail = self._text_tail(v, style)
                    if len(tails) < _REMEMBERED:
                        tails[v] = tail
                cells.append(f'<c r="{refs[c]}{n}"{tail}')
            elif kind is date:
                cells.append(f'<c r="{refs[c]}{n}" s="{DATE}"><v>{v.toordinal() - _EPOCH}</v></c>')
            elif kind is int:
                cells.append(f'<c r="{refs[c]}{n}"{_style(style)}><v>{v}</v></c>')
            else:
                cells.append(f'<c r="{refs[c]}{n}"{self._other_tail(v, style)}')
        cells.append("</row>")
        self._put("".join(cells))

    @staticmethod
    def _text_tail(value: str, style: int) -> str:
        """Everything of a text cell after its reference. Text a spreadsheet would take for a
        formula is also quote-prefixed, so it stays text when someone edits the cell."""
        quoted = f' s="{QUOTED}"' if value.startswith(FORMULA_STARTS) else _style(style)
        return f'{quoted} t="inlineStr">{_text(value)}</c>'

    @staticmethod
    def _other_tail(value, style: int) -> str:
        if isinstance(value, str):
            return Sheet._text_tail(str.__str__(value), style)  # the text itself, not an enum's name
        if isinstance(value, date):
            return f' s="{DATE}"><v>{_other(value)}</v></c>'
        if isinstance(value, bool):
            return f'{_style(style)} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int):
            return f"{_style(style)}><v>{int(value)}</v></c>"
        return f"{_style(style)}><v>{_other(value)}</v></c>"

    def close(self) -> None:
        self._put('</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
                  'footer="0.3"/></worksheet>')
        self._flush()
        self._member.close()


def _other(value) -> str:
    """A number's or a date's <v>: floats as Python's shortest exact form, datetimes as day serials."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError("Write local (naive) datetimes: a sheet has no time zones")
        midnight = value.replace(hour=0, minute=0, second=0, microsecond=0)
        return repr(value.toordinal() - _EPOCH + (value - midnight).total_seconds() / 86400)
    if isinstance(value, date):
        return str(value.toordinal() - _EPOCH)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("A sheet cell cannot hold NaN or infinity")
    return repr(number)


class Workbook:
    """A workbook whose sheets are declared up front and then written one after another.

        with Workbook(out, ["First", "Second"]) as book:
            sheet = book.sheet(widths={3: 14}, date_columns=[3]); sheet.header(...); sheet.append(...)
            sheet = book.sheet(); ...

    `out` may be any binary file object, seekable or not (a web response's spool, a file).
    """

    def __init__(self, out: BinaryIO, sheet_names: Sequence[str], compresslevel: int = 1):
        for name in sheet_names:
            if not 0 < len(name) <= 31 or any(ch in name for ch in "[]:*?/\\") or name != name.strip("'"):
                raise ValueError(f"Not a sheet name Excel accepts: {name!r}")
        self._names = list(sheet_names)
        self._zip = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
        self._open: Sheet | None = None
        self._written = 0
        self._package()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is None:
            self.close()
        else:
            self._zip.close()

    def sheet(self, widths: dict[int, float] | None = None, date_columns: Iterable[int] = ()) -> Sheet:
        """The next declared sheet (the previous one is finished first)."""
        self._finish_open()
        if self._written >= len(self._names):
            raise ValueError("Every declared sheet has been written")
        self._written += 1
        member = self._zip.open(f"xl/worksheets/sheet{self._written}.xml", "w", force_zip64=True)
        self._open = Sheet(member, widths or {}, date_columns)
        return self._open

    def close(self) -> None:
        self._finish_open()
        while self._written < len(self._names):  # a sheet declared but not written is an empty sheet
            self.sheet()
            self._finish_open()
        self._zip.close()

    def _finish_open(self) -> None:
        if self._open is not None:
            self._open.close()
            self._open = None

    def _package(self) -> None:
        count = len(self._names)
        sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_TYPE}"/>'
                         for i in range(1, count + 1))
        self._zip.writestr("[Content_Types].xml", (
            f'{XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{sheets}</Types>"))
        self._zip.writestr("_rels/.rels", (
            f'{XML_HEAD}<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" '
            f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        entries = "".join(f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>'
                          for i, name in enumerate(self._names, start=1))
        self._zip.writestr("xl/workbook.xml", (
            f'{XML_HEAD}<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><bookViews><workbookView/></bookViews>'
            f"<sheets>{entries}</sheets></workbook>"))
        links = "".join(f'<Relationship Id="rId{i}" Type="{RELS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                        for i in range(1, count + 1))
        self._zip.writestr("xl/_rels/workbook.xml.rels", (
            f'{XML_HEAD}<Relationships xmlns="{PACKAGE_RELS}">{links}<Relationship Id="rId{count + 1}" '
            f'Type="{RELS}/styles" Target="styles.xml"/></Relationships>'))
        self._zip.writestr("xl/styles.xml", STYLES)


def _font(bold: bool) -> str:
    return f'<font>{"<b/>" if bold else ""}<sz val="11"/><name val="Calibri"/><family val="2"/></font>'


STYLES = (
    f'{XML_HEAD}<styleSheet xmlns="{MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
    f'<fonts count="2">{_font(False)}{_font(True)}</fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'  # HEADER
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'  # DATE
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'  # QUOTED
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>")
