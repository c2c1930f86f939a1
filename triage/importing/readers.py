"""Reading a tracker file (CSV or XLSX) into rows of cell values, and nothing more.

What comes out is a list of rows, each a list of cell values with trailing empty cells
removed (a blank row is []), in spreadsheet order, so that `rows[i]` is spreadsheet row
i + 1 and messages can quote row numbers people can find. Meaning is given to the cells by
`triage.domain.tracker`.

* CSV: bytes decoded as UTF-8 (with or without a byte-order mark), else Windows-1252 (what
  Excel's "CSV" save writes on a UK PC); UTF-16 with a byte-order mark (Excel's "Unicode
  text"). The delimiter is whichever of comma, semicolon or tab splits the first lines into
  the most columns. Every cell is a str, except that an empty field is None, as an empty
  cell is in a workbook.
* XLSX (and XLSM): read with openpyxl in read-only mode with the values Excel last
  calculated (not formulas). Cells keep their types: str, int, float, bool, datetime (Excel
  date cells; openpyxl returns datetime even for a date without a time), or None. The first
  visible worksheet that has a tracker header row in its first 50 rows is read; failing
  that, the first visible worksheet.
* Files are recognised by their content first (an XLSX is a zip archive starting "PK\\x03\\x04")
  and their name second, so a workbook uploaded as "tracker.csv" is still read as one.

Everything that goes wrong is a `TrackerFileError` whose message can be shown to the person
who uploaded the file. Limits (bytes, rows, columns, uncompressed size of a workbook) are
arguments with defaults, so a settings value can be passed in.
"""
from __future__ import annotations

import csv
import io
import os
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from openpyxl import load_workbook

from triage.domain.tracker import HEADER_SEARCH_ROWS, HeaderNotFound, TrackerError, find_header

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 100
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024

CSV_EXTENSIONS = frozenset({".csv", ".txt", ".tsv"})
XLSX_EXTENSIONS = frozenset({".xlsx", ".xlsm"})
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and any password-protected workbook

Row = list[object]


class TrackerFileError(TrackerError):
    """The file cannot be read as a tracker; the message says why, in plain words.

    A `TrackerError` (a ValueError), like the domain's `HeaderNotFound`, so the import can
    catch both with one clause and show the message."""


@dataclass(frozen=True)
class TrackerTable:
    rows: list[Row]
    kind: str  # "csv" or "xlsx"
    sheet_name: str | None = None  # the worksheet read (XLSX)
    encoding: str | None = None  # the text encoding used (CSV)
    delimiter: str | None = None  # (CSV)


def read_rows(source: str | os.PathLike | bytes | BinaryIO, filename: str | None = None, *,
              max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS,
              max_columns: int = MAX_COLUMNS,
              max_uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES) -> list[Row]:
    """The rows of a tracker file: see the module docstring and `read_table`."""
    return read_table(source, filename, max_bytes=max_bytes, max_rows=max_rows,
                      max_columns=max_columns, max_uncompressed_bytes=max_uncompressed_bytes).rows


def read_table(source: str | os.PathLike | bytes | BinaryIO, filename: str | None = None, *,
               max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS,
               max_columns: int = MAX_COLUMNS,
               max_uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES) -> TrackerTable:
    """Read a path, the bytes of a file, or a binary file object (e.g. an upload's stream).

    `filename` is the name the person gave the file (for an upload) and is used for its
    extension; for a path it defaults to the path's name.
    """
    data, filename = _read_bytes(source, filename, max_bytes)
    name = filename or "the file"
    extension = Path(filename).suffix.lower() if filename else ""
    if not data.strip():
        raise TrackerFileError(f"{name} is empty.")
    if data.startswith(ZIP_MAGIC):
        return _read_xlsx(data, name, max_rows, max_columns, max_uncompressed_bytes)
    if data.startswith(OLE_MAGIC):
        raise TrackerFileError(
            f"{name} is an old-style Excel workbook (.xls) or a password-protected one. Open it "
            "in Excel, remove any password and save it as an Excel Workbook (.xlsx) or as CSV.")
    if extension in XLSX_EXTENSIONS:
        raise TrackerFileError(f"{name} is not a valid Excel workbook: it may be damaged, or it "
                               "is not really an .xlsx file. Save it again from Excel as .xlsx or CSV.")
    if extension and extension not in CSV_EXTENSIONS:
        raise TrackerFileError(f"{name} is not a file type this import reads: upload an Excel "
                               "workbook (.xlsx) or a CSV file (.csv).")
    return _read_csv(data, name, max_rows, max_columns)


def _read_bytes(source, filename: str | None, max_bytes: int) -> tuple[bytes, str | None]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source[: max_bytes + 1])
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        filename = filename or path.name
        try:
            with path.open("rb") as handle:
                data = handle.read(max_bytes + 1)
        except FileNotFoundError:
            raise TrackerFileError(f"{filename} was not found.") from None
        except IsADirectoryError:
            raise TrackerFileError(f"{filename} is a folder, not a file.") from None
        except OSError as exc:
            raise TrackerFileError(f"{filename} could not be opened ({exc.strerror}).") from None
    elif hasattr(source, "read"):
        data = source.read(max_bytes + 1)
        if isinstance(data, str):
            raise TypeError("open the file in binary mode ('rb'): the import decodes it itself")
        filename = filename or _name_of(source)
    else:
        raise TypeError(f"cannot read a tracker from a {type(source).__name__}")
    if len(data) > max_bytes:
        raise TrackerFileError(
            f"{filename or 'The file'} is larger than {_size(max_bytes)}, the most this import "
            "reads. Remove old or closed cases (or split the file) and try again.")
    return data, filename


def _name_of(handle) -> str | None:
    name = getattr(handle, "filename", None) or getattr(handle, "name", None)
    return Path(name).name if isinstance(name, str) and name else None


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


class _RowCollector:
    """Keeps rows in order, but holds blank rows as a count until something follows them, so
    a sheet formatted down to row 1,048,576 costs nothing; refuses rows past the limit."""

    def __init__(self, name: str, max_rows: int, max_columns: int) -> None:
        self.name, self.max_rows, self.max_columns = name, max_rows, max_columns
        self.rows: list[Row] = []
        self.pending_blanks = 0

    def add(self, cells: Iterable[object]) -> None:
        row = list(cells)
        while row and (row[-1] is None or (isinstance(row[-1], str) and not row[-1].strip())):
            row.pop()
        if not row:
            self.pending_blanks += 1
            return
        if len(row) > self.max_columns:
            raise TrackerFileError(
                f"{self.name} has a row with more than {self.max_columns} columns (row "
                f"{len(self.rows) + self.pending_blanks + 1}); the tracker has about a dozen.")
        self.rows.extend([] for _ in range(self.pending_blanks))
        self.pending_blanks = 0
        self.rows.append(row)
        if len(self.rows) > self.max_rows:
            raise TrackerFileError(
                f"{self.name} has more than {self.max_rows:,} rows, the most this import reads. "
                "Remove old or closed cases (or split the file) and try again.")

    def result(self) -> list[Row]:
        if not self.rows:
            raise TrackerFileError(f"{self.name} has no rows with anything in them.")
        return self.rows


# --------------------------------------------------------------------------------------------
# CSV

def _decode(data: bytes, name: str) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    elif b"\x00" in data:
        raise TrackerFileError(f"{name} does not look like a CSV file (it holds binary data). "
                               "Upload an Excel workbook (.xlsx) or a CSV file.")
    else:
        encodings = ("utf-8", "cp1252")
    for encoding in encodings:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise TrackerFileError(f"{name} could not be read as text (it is neither UTF-8 nor "
                           "Windows-1252). Save it from Excel as 'CSV UTF-8'.")


def _delimiter(text: str) -> str:
    sample = text[:64 * 1024].splitlines()[:50]
    best, best_width = ",", 0
    for delimiter in (",", ";", "\t"):
        try:
            width = max((len(r) for r in csv.reader(sample, delimiter=delimiter)), default=0)
        except csv.Error:
            continue
        if width > best_width:
            best, best_width = delimiter, width
    return best


def _read_csv(data: bytes, name: str, max_rows: int, max_columns: int) -> TrackerTable:
    text, encoding = _decode(data, name)
    if "\x00" in text:
        raise TrackerFileError(f"{name} does not look like a CSV file (it holds binary data).")
    delimiter = _delimiter(text)
    collector = _RowCollector(name, max_rows, max_columns)
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            collector.add(cell if cell != "" else None for cell in record)
    except csv.Error as exc:
        raise TrackerFileError(f"{name} could not be read as CSV: {exc}.") from None
    return TrackerTable(collector.result(), "csv", encoding=encoding, delimiter=delimiter)


# --------------------------------------------------------------------------------------------
# XLSX

def _read_xlsx(data: bytes, name: str, max_rows: int, max_columns: int,
               max_uncompressed_bytes: int) -> TrackerTable:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            names = {m.filename for m in members}
            if "xl/workbook.xml" not in names:
                kind = ("an OpenDocument spreadsheet (.ods)" if "content.xml" in names
                        else "a zip archive, not an Excel workbook")
                raise TrackerFileError(
                    f"{name} is {kind}. Save it as an Excel Workbook (.xlsx) or CSV.")
            if sum(m.file_size for m in members) > max_uncompressed_bytes:
                raise TrackerFileError(
                    f"{name} unpacks to more than {_size(max_uncompressed_bytes)}, far more than a "
                    "tracker needs. Save only the tracker sheet, without images, and try again.")
    except zipfile.BadZipFile:
        raise TrackerFileError(f"{name} is damaged: it starts like an Excel workbook but cannot "
                               "be opened. Save it again from Excel and try again.") from None

    try:
        with warnings.catch_warnings():
            # openpyxl warns about workbook features it does not keep (data validation,
            # conditional formatting extensions, a missing default style): none matter here.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheets = [ws for ws in workbook.worksheets if ws.sheet_state == "visible"]
                if not sheets:
                    raise TrackerFileError(f"{name} has no visible worksheet.")
                sheet = _tracker_sheet(sheets, max_columns)
                collector = _RowCollector(f"{name} (sheet '{sheet.title}')", max_rows, max_columns)
                for values in _sheet_rows(sheet, max_columns):
                    collector.add(values)
                rows = collector.result()
            finally:
                workbook.close()
    except TrackerFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds of error on a damaged workbook
        raise TrackerFileError(f"{name} could not be read as an Excel workbook: it may be damaged "
                               f"({type(exc).__name__}). Save it again from Excel and try again.") from None
    return TrackerTable(rows, "xlsx", sheet_name=sheet.title)


def _sheet_rows(sheet, max_columns: int) -> Iterator[tuple[object, ...]]:
    # Dimensions written by other programs can be wrong or absurd (A1:XFD1048576); rows are
    # sized by their own cells instead, and cut at one column past the limit, so a stray cell
    # far to the right is reported rather than allocated.
    sheet.reset_dimensions()
    return sheet.iter_rows(values_only=True, max_col=max_columns + 1)


def _tracker_sheet(sheets: list, max_columns: int):
    if len(sheets) == 1:
        return sheets[0]
    for sheet in sheets:
        top = []
        for values in _sheet_rows(sheet, max_columns):
            top.append(list(values))
            if len(top) >= HEADER_SEARCH_ROWS:
                break
        try:
            find_header(top)
        except HeaderNotFound:
            continue
        return sheet
    return sheets[0]
