"""Exports are data, never code: the one module every CSV/XLSX writer goes through."""
import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from triage.exports.safe_cells import append_row, csv_text, write_csv

HYPERLINK = '=HYPERLINK("http://example.invalid","x")'
HYPERLINK_WITH_SEPARATOR = '=1+2";=1+2'


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_beginning_like_a_formula_gets_a_leading_quote_in_csv(start):
    assert csv_text(f"{start}1+1") == f"'{start}1+1"


@pytest.mark.parametrize("value", ["Ava Test", "a=b", "", 3, -3, 2.5, None])
def test_ordinary_text_and_numbers_are_written_as_they_are(value):
    assert csv_text(value) == value


def test_a_csv_quotes_every_text_field_so_no_separator_inside_starts_a_new_cell():
    text = write_csv(["Child", "Days left"], [[HYPERLINK_WITH_SEPARATOR, -3], [None, 4]])
    assert text.splitlines()[1] == '"\'=1+2"";=1+2",-3'
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[1] == ["'=1+2\";=1+2", "-3"] and parsed[2] == ["", "4"]


@pytest.mark.parametrize("write_only", [False, True], ids=["normal", "write-only"])
def test_a_workbook_stores_formula_like_text_as_text_with_the_quote_prefix(write_only):
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("Children")
    append_row(sheet, [HYPERLINK, -3, "@cmd", "Ava"])
    out = io.BytesIO()
    book.save(out)
    row = load_workbook(io.BytesIO(out.getvalue()))["Children"][1]
    assert [(c.value, c.data_type) for c in row] == [(HYPERLINK, "s"), (-3, "n"), ("@cmd", "s"), ("Ava", "s")]
    assert [c.quotePrefix for c in row] == [True, False, True, False]
