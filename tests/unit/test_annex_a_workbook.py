"""The streaming XLSX writer Annex A is written with: what a spreadsheet reads back is what was
written, cell for cell as XlsxWriter would have written it, and no text ever becomes a formula."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from enum import Enum, IntEnum

import pytest
import xlsxwriter
from openpyxl import load_workbook

from triage.exports.safe_cells import FORMULA_STARTS
from triage.exports.xlsx_stream import Workbook, column_letter

HEADERS = ("Child Unique ID", "Date of Birth", "Age", "Score", "Seen?", "Note")
ROWS = [
    ("T0000001", date(2016, 2, 29), 10, 1.5, True, "plain"),
    ("T0000002", date(1900, 3, 1), 0, -3, False, None),
    ("T0000003", None, None, 1e-7, None, '=HYPERLINK("http://example.invalid","x")'),
    ("T0000004", date(2026, 11, 27), 7, 123456789012, True, "+44 1632 960000"),
    ("T0000005", date(2000, 1, 1), 26, 0.1, False, "-3 and @name"),
    ("T0000006", date(2010, 6, 15), 16, 2, True, "\tstarts with a tab"),
    ("T0000007", date(2010, 6, 15), 16, 2, True, "\rstarts with a return"),
    ("T0000008", date(2010, 6, 15), 16, 2, True, "  spaced out  "),
    ("T0000009", date(2010, 6, 15), 16, 2, True, "A & B <c> \"d\" 'e'"),
    ("T0000010", date(2010, 6, 15), 16, 2, True, "bell\x07 and a literal _x0041_ and é ✓ 😀"),
    ("T0000011", date(2010, 6, 15), 16, 2, True, "two\nlines"),
]


def _ours(rows=ROWS, headers=HEADERS) -> bytes:
    out = io.BytesIO()
    with Workbook(out, ["First", "Second"]) as book:
        sheet = book.sheet(widths={1: 14}, date_columns=[1])
        sheet.header(headers)
        for row in rows:
            sheet.append(row)
        book.sheet().header(("Only a header",))
    return out.getvalue()


def _xlsxwriter(rows=ROWS, headers=HEADERS) -> bytes:
    """The same rows as the service wrote them with XlsxWriter before."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                                     "strings_to_numbers": False, "strings_to_urls": False})
    bold, day = book.add_format({"bold": True}), book.add_format({"num_format": "dd/mm/yyyy"})
    quoted = book.add_format({"quote_prefix": True})
    sheet = book.add_worksheet("First")
    sheet.write_row(0, 0, headers, bold)
    sheet.set_column(1, 1, 14, day)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(r, c, value, quoted if value.startswith(FORMULA_STARTS) else None)
            elif isinstance(value, date):
                sheet.write_datetime(r, c, value, day)
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            else:
                sheet.write_number(r, c, value)
    book.add_worksheet("Second").write_row(0, 0, ("Only a header",), bold)
    book.close()
    return out.getvalue()


def _as_excel_shows(value):
    """Excel turns `_xHHHH_` back into the character (`_x005F_` into a literal underscore); openpyxl
    leaves inline strings as written."""
    if not isinstance(value, str):
        return value
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)


def _cells(data: bytes) -> dict:
    book = load_workbook(io.BytesIO(data))
    return {(sheet.title, cell.coordinate): (_as_excel_shows(cell.value), cell.data_type, cell.number_format, cell.font.b,
                                             bool(cell.quotePrefix))
            for sheet in book for row in sheet.iter_rows() for cell in row if cell.value is not None}


def test_every_cell_reads_back_as_xlsxwriter_wrote_it():
    ours, theirs = _cells(_ours()), _cells(_xlsxwriter())

    assert ours == theirs
    assert ours[("First", "B2")] == (datetime(2016, 2, 29), "d", "dd/mm/yyyy", False, False)
    assert ours[("First", "A1")][3] is True  # the header is bold
    assert ("First", "B4") not in ours and ("First", "F3") not in ours  # None is an empty cell


def test_text_that_looks_like_a_formula_is_quoted_text_and_no_formula_is_in_the_file():
    cells = _cells(_ours())

    formula_like = {key: cell for key, cell in cells.items()
                    if isinstance(cell[0], str) and cell[0].startswith(FORMULA_STARTS)}
    assert len(formula_like) == 5
    assert all(kind == "s" and quoted for _, kind, _, _, quoted in formula_like.values())
    with zipfile.ZipFile(io.BytesIO(_ours())) as archive:
        assert not any(b"<f>" in archive.read(name) for name in archive.namelist())


def test_control_characters_whitespace_and_markup_survive_the_xml():
    values = {cell[0] for cell in _cells(_ours()).values()}

    for text in ("\rstarts with a return", "  spaced out  ", "A & B <c> \"d\" 'e'",
                 "bell\x07 and a literal _x0041_ and é ✓ 😀", "two\nlines", "\tstarts with a tab"):
        assert text in values


def test_the_date_column_keeps_its_width_and_format_for_cells_typed_in_later():
    sheet = load_workbook(io.BytesIO(_ours()))["First"]

    assert sheet.column_dimensions["B"].width == 14
    assert sheet.column_dimensions["B"].number_format == "dd/mm/yyyy"


def test_a_workbook_can_be_written_to_a_stream_that_cannot_seek():
    class OneWay(io.RawIOBase):
        def __init__(self):
            self.data = bytearray()

        def writable(self):
            return True

        def write(self, b):
            self.data += b
            return len(b)

    out = OneWay()
    with Workbook(out, ["Only"]) as book:
        book.sheet().append(("a", 1, date(2026, 1, 1)))

    assert list(load_workbook(io.BytesIO(bytes(out.data)))["Only"].values) == [("a", 1, datetime(2026, 1, 1))]


def test_columns_past_z_are_lettered_as_a_spreadsheet_letters_them():
    assert [column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702, 16383)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD"]
    row = tuple(range(30))
    out = io.BytesIO()
    with Workbook(out, ["Wide"]) as book:
        book.sheet().append(row)

    assert next(load_workbook(out)["Wide"].values) == row


def test_sheets_declared_but_not_written_are_empty_and_bad_names_or_values_are_refused():
    out = io.BytesIO()
    with Workbook(out, ["One", "Two"]):
        pass
    assert load_workbook(out).sheetnames == ["One", "Two"]

    for name in ("", "x" * 32, "a/b", "what?"):
        with pytest.raises(ValueError):
            Workbook(io.BytesIO(), [name])
    with Workbook(io.BytesIO(), ["Numbers"]) as book, pytest.raises(ValueError):
        book.sheet().append((float("nan"),))


def test_enum_members_are_written_as_their_values_and_repeated_text_the_same_each_time():
    class Kind(str, Enum):
        LETTER = "=not a formula"

    class Count(IntEnum):
        THREE = 3

    out = io.BytesIO()
    with Workbook(out, ["Values"]) as book:
        sheet = book.sheet()
        for _ in range(2):
            sheet.append((Kind.LETTER, Count.THREE, True, "a) Male", "a) Male"))

    rows = [[(cell.value, cell.data_type, bool(cell.quotePrefix)) for cell in row]
            for row in load_workbook(out)["Values"].iter_rows()]
    assert rows[0] == rows[1] == [("=not a formula", "s", True), (3, "n", False), (True, "b", False),
                                  ("a) Male", "s", False), ("a) Male", "s", False)]
