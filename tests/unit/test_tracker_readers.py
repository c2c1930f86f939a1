"""Reading tracker files (CSV and XLSX) into rows, and the two sample trackers end to end.

No app and no database: files are the samples (tests/fixtures, copies of a real council-style tracker) or are written here with
openpyxl. The expected results for the samples were checked by eye against the files with
today = Friday 27 November 2026 (tests/conftest.py NOW); serial numbers were converted by
hand from 46357 = 1 Dec 2026 (45658 = 1 Jan 2025, + 365 + 334).
"""
from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from triage.domain.codes import AssessmentOutcome, ClosureReason, ReferralSource
from triage.domain.tracker import HeaderNotFound, Merge, find_header, parse_tracker
from triage.importing import TrackerFileError, read_rows, read_table

TODAY = date(2026, 11, 27)
# Copies of real-looking council trackers, kept in the repo so a clean clone can run them.
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures"
SAMPLE_CSV = SAMPLES / "front_door_tracker.csv"
SAMPLE_XLSX = SAMPLES / "front_door_tracker.xlsx"

HEADER = ["ICS ID", "Child Name", "DOB", "Referral Date", "Source", "Allocated Worker", "Team",
          "Case Discussion Date", "Assessment Target Start", "Assessment Target End",
          "Assessment Completed", "Outcome", "Notes"]


@pytest.fixture(scope="module")
def samples():
    return SAMPLE_CSV, SAMPLE_XLSX


def workbook_bytes(*sheets: tuple[str, list[list[object]]], hidden: tuple[str, ...] = ()) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        ws = workbook.create_sheet(title)
        for row in rows:
            ws.append(row)
        if title in hidden:
            ws.sheet_state = "hidden"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the samples -----------------------------------------------------------------------------

# Checked by eye in the sample files (row numbers as Excel shows them).
FUTURE = "is in the future (after today, 27/11/2026)"
# No row is rejected by reading alone: the four with no child id ("ICS ID to follow") have a
# name and a date of birth, so the service tries to match them to a child record.
EXPECTED_NO_ID = {13: "Jacob Anderson", 34: "Henry Dodd", 42: "Ivy Milburn", 84: "Amelia Ridley"}
# Completed "in the future" (typed ahead): imported as open cases, the date kept as a note.
EXPECTED_NOTED_COMPLETIONS = {
    5: date(2026, 12, 5), 9: date(2027, 1, 6), 22: date(2026, 12, 10), 28: date(2027, 1, 26),
    41: date(2026, 12, 21), 48: date(2026, 12, 10), 57: date(2026, 12, 22), 79: date(2026, 12, 29),
    82: date(2026, 12, 1), 85: date(2027, 1, 8),
}
EXPECTED_MERGES = (
    Merge(26, 25, duplicate=True),  # Willow O'Neill
    Merge(31, 30, duplicate=True),  # Grace Hall
    Merge(33, 32, duplicate=True),  # Grace Wilson
    Merge(55, 54, duplicate=True),  # Olivia Armstrong
    Merge(80, 79, duplicate=True),  # Oliver Nixon, completed in the future
)


def test_both_samples_have_the_header_on_row_3_under_a_title_and_a_blank_row(samples):
    for path in samples:
        rows = read_rows(path)
        assert rows[0] == ["Front Door - allocated cases (KEEP UP TO DATE!!)"]
        assert rows[1] == []
        assert find_header(rows)[0] == 2
        assert rows[2] == HEADER
        assert len(rows) == 88


def test_the_csv_and_xlsx_samples_read_to_the_same_rows(samples):
    csv_table, xlsx_table = read_table(samples[0]), read_table(samples[1])
    assert (csv_table.kind, csv_table.encoding, csv_table.delimiter) == ("csv", "utf-8", ",")
    assert (xlsx_table.kind, xlsx_table.sheet_name) == ("xlsx", "Allocated")
    assert csv_table.rows == xlsx_table.rows


def test_the_csv_and_xlsx_samples_give_the_same_parse(samples):
    from_csv = parse_tracker(read_rows(samples[0]), TODAY)
    from_xlsx = parse_tracker(read_rows(samples[1]), TODAY)
    assert from_csv == from_xlsx
    assert from_csv.rows == from_xlsx.rows
    assert from_csv.rejections == from_xlsx.rejections
    assert from_csv.merges == from_xlsx.merges


def test_the_sample_has_80_referrals_5_duplicates_and_no_rejections(samples):
    parse = parse_tracker(read_rows(samples[0]), TODAY)
    assert (len(parse.rows), len(parse.merges), len(parse.rejections)) == (80, 5, 0)
    assert 80 + 5 == 88 - 3  # every row below the header is accounted for
    assert (parse.blank_rows, parse.footer_rows, parse.repeated_headers) == (0, 0, 0)
    assert parse.ignored_columns == ()


def test_no_sample_row_is_rejected_by_reading_and_rows_with_no_id_wait_to_be_matched(samples):
    parse = parse_tracker(read_rows(samples[1]), TODAY)
    assert parse.rejections == ()
    assert {r.row_number: r.child_name for r in parse.rows if r.child_id is None} == EXPECTED_NO_ID


def test_sample_rows_completed_in_the_future_are_imported_open_with_the_date_noted(samples):
    parse = parse_tracker(read_rows(samples[1]), TODAY)
    noted = {r.row_number: r.noted_completion for r in parse.rows if r.noted_completion}
    assert noted == EXPECTED_NOTED_COMPLETIONS
    assert all(parse.row(n).assessment_completed is None and "completion_not_used" in parse.row(n).review
               for n in noted)


def test_duplicate_rows_in_the_sample_are_merged_not_imported_twice(samples):
    parse = parse_tracker(read_rows(samples[0]), TODAY)
    assert parse.merges == EXPECTED_MERGES
    willow = [r for r in parse.rows if r.child_id == "835251"]
    assert [(r.row_number, r.child_name, r.merged_rows) for r in willow] == [(25, "Willow O'Neill", (26,))]
    assert len({r.import_key for r in parse.rows}) == len(parse.rows)


def test_completion_on_today_is_accepted_in_the_sample(samples):
    sophia = parse_tracker(read_rows(samples[0]), TODAY).row(19)
    assert (sophia.child_id, sophia.assessment_completed) == ("631156", TODAY)


def test_sample_rows_spot_checked_by_hand(samples):
    parse = parse_tracker(read_rows(samples[1]), TODAY)

    freddie = parse.row(4)
    assert (freddie.child_name, freddie.first_name, freddie.last_name) == (
        "Freddie Forster", "Freddie", "Forster")  # written "  Freddie Forster "
    assert freddie.source_code == ReferralSource.HOUSING
    assert freddie.case_discussion_date == date(2026, 10, 27)  # 27/10/26

    poppy = parse.row(6)
    assert poppy.assessment_start == date(2026, 10, 30)  # 46325 = 46357 - 32
    assert poppy.assessment_completed == date(2026, 11, 14)  # "14 Nov 2026"
    assert (poppy.outcome, poppy.closure_reason, poppy.transferred) == (
        None, ClosureReason.TRANSFERRED_TO_ANOTHER_LA, True)
    assert (poppy.team, poppy.team_key) == ("FRONT DOOR", "front door")

    george = parse.row(17)
    assert george.referral_date == date(2026, 10, 23)  # 46318 = 46357 - 39
    assert george.assessment_completed == date(2026, 11, 26)  # 46352
    assert george.outcome == AssessmentOutcome.S47  # "CP"

    olivia = parse.row(12)
    assert olivia.referral_date == date(2026, 9, 2)  # 2/9/26
    assert olivia.date_of_birth == date(2017, 10, 27)  # 27/10/17
    assert olivia.source_code == ReferralSource.GP

    noah = parse.row(20)
    assert noah.date_of_birth == date(2012, 7, 11)  # 41101 = 45658 - 4557
    assert noah.source_code == ReferralSource.HEALTH_VISITOR

    kai = parse.row(36)
    assert (kai.date_of_birth, kai.expected_date_of_birth, kai.unborn) == (
        None, date(2026, 12, 25), True)  # "Unborn - EDD 46381" = 46357 + 24

    arthur = parse.row(72)
    assert (arthur.outcome, arthur.closure_reason) == (
        AssessmentOutcome.EARLY_HELP, ClosureReason.EARLY_HELP_AFTER_ASSESSMENT)  # "step down EH"

    kai_ridley_sibling = parse.row(39)
    assert kai_ridley_sibling.outcome is None and kai_ridley_sibling.notes == "sibling of row above"

    assert parse.row(27).source_code is None  # blank source
    assert parse.row(47).source_code == ReferralSource.ANONYMOUS
    assert parse.row(15).source_code == ReferralSource.POLICE  # "6"
    assert parse.row(10).source_code == ReferralSource.LA_EARLY_HELP  # "5D"
    assert parse.row(8).assessment_completed is None  # "TBC"
    assert parse.row(8).case_discussion_date is None  # "TBC"


def test_the_sample_offers_one_spelling_per_team_and_worker(samples):
    parse = parse_tracker(read_rows(samples[0]), TODAY)
    assert dict(parse.teams) == {
        "14+ team": "14+ Team", "front door": "Front Door", "west locality": "West Locality",
        "north locality": "North Locality", "front door assessment team": "Front Door Assessment Team",
    }
    assert sorted(parse.workers.values()) == [
        "Claire Errington", "Dan Tait", "Jo Straughan", "Mark Pattinson", "Priya Shah",
        "Sarah Hedley", "Tom Oliver"]


def test_parsing_the_sample_twice_gives_the_same_import_keys(samples):
    first = parse_tracker(read_rows(samples[0]), TODAY)
    second = parse_tracker(read_rows(samples[1]), TODAY)
    assert [r.import_key for r in first.rows] == [r.import_key for r in second.rows]
    assert first.row(4).import_key == "tracker:226285:2026-10-10"


# --- XLSX ------------------------------------------------------------------------------------

def test_xlsx_cells_keep_their_types():
    data = workbook_bytes(("Allocated", [
        ["Front Door tracker"],
        [],
        ["ICS ID", "Child Name", "Referral Date", "Assessment Target End", "Score"],
        [226285, "Freddie Forster", datetime(2026, 10, 12), 46370, 1.5],
    ]))
    rows = read_rows(data, "tracker.xlsx")
    assert rows[3] == [226285, "Freddie Forster", datetime(2026, 10, 12), 46370, 1.5]
    assert [type(v) for v in rows[3]] == [int, str, datetime, int, float]


def test_a_typed_workbook_parses_like_the_same_tracker_written_as_text():
    typed = workbook_bytes(("Allocated", [
        ["Front Door tracker"],
        ["ICS ID", "Child Name", "DOB", "Referral Date", "Assessment Target Start",
         "Assessment Target End", "Assessment Completed", "Outcome"],
        [226285, "Freddie Forster", datetime(2023, 11, 2), datetime(2026, 10, 12),
         datetime(2026, 10, 12), 46370, 46341.0, "NFA"],
    ]))
    text = ("Front Door tracker\r\n"
            "ICS ID,Child Name,DOB,Referral Date,Assessment Target Start,Assessment Target End,"
            "Assessment Completed,Outcome\r\n"
            "226285,Freddie Forster,02/11/2023,12/10/2026,2026-10-12,14 Dec 2026,15/11/2026,NFA\r\n")
    from_xlsx = parse_tracker(read_rows(typed, "t.xlsx"), TODAY)
    from_csv = parse_tracker(read_rows(text.encode(), "t.csv"), TODAY)
    assert from_xlsx == from_csv
    assert from_xlsx.rows[0].assessment_completed == date(2026, 11, 15)  # 46341 = 46357 - 16


def test_spreadsheet_row_numbers_survive_gaps_and_trailing_empty_cells():
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws["A1"] = "title"
    ws["A3"], ws["B3"] = "ICS ID", "Referral Date"
    ws["A10"], ws["B10"] = "226285", "12/10/2026"
    ws["F10"] = None
    ws["A12"] = ""
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = read_rows(buffer.getvalue(), "gaps.xlsx")
    assert len(rows) == 10
    assert rows[9] == ["226285", "12/10/2026"]
    assert rows[3:9] == [[]] * 6
    assert parse_tracker(rows, TODAY).rows[0].row_number == 10


def test_the_worksheet_with_the_tracker_header_is_chosen():
    data = workbook_bytes(
        ("Read me", [["How to use this workbook"], ["Keep it up to date"]]),
        ("Old", [["ICS ID", "Referral Date"], ["111111", "1/1/25"]]),
        ("Allocated", [["ICS ID", "Referral Date"], ["226285", "12/10/2026"]]),
        hidden=("Old",),
    )
    table = read_table(data, "tracker.xlsx")
    assert table.sheet_name == "Allocated"
    assert table.rows == [["ICS ID", "Referral Date"], ["226285", "12/10/2026"]]


def test_without_any_tracker_header_the_first_worksheet_is_read():
    data = workbook_bytes(("First", [["a"]]), ("Second", [["b"]]))
    table = read_table(data, "tracker.xlsx")
    assert (table.sheet_name, table.rows) == ("First", [["a"]])
    with pytest.raises(HeaderNotFound):
        parse_tracker(table.rows, TODAY)


def test_a_workbook_is_recognised_by_its_content_whatever_its_name():
    data = workbook_bytes(("Allocated", [["ICS ID", "Referral Date"]]))
    assert read_table(data, "tracker.csv").kind == "xlsx"
    assert read_table(io.BytesIO(data)).kind == "xlsx"


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_corrupt_workbook_is_a_tracker_file_error(damage):
    good = workbook_bytes(("Allocated", [["ICS ID", "Referral Date"]] * 50))
    data = good[: len(good) // 2] if damage == "truncated" else b"this is not a workbook" * 10
    with pytest.raises(TrackerFileError, match="damaged"):
        read_rows(data, "tracker.xlsx")


def test_a_workbook_with_a_broken_part_is_a_tracker_file_error():
    good = workbook_bytes(("Allocated", [["ICS ID", "Referral Date"]]))
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                content = b"<worksheet><sheetData><row><c"  # cut off mid-tag
            target.writestr(item, content)
    with pytest.raises(TrackerFileError, match="could not be read as an Excel workbook"):
        read_rows(broken.getvalue(), "tracker.xlsx")


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(TrackerFileError, match="not an Excel workbook"):
        read_rows(buffer.getvalue(), "tracker.xlsx")


def test_an_old_xls_or_password_protected_workbook_is_refused_with_what_to_do():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    with pytest.raises(TrackerFileError, match=r"\.xls.*save it as an Excel Workbook \(\.xlsx\)"):
        read_rows(data, "tracker.xls")


def test_a_workbook_that_unpacks_too_large_is_refused():
    data = workbook_bytes(("Allocated", [["ICS ID", "Referral Date"]] + [["x" * 50] * 10] * 200))
    with pytest.raises(TrackerFileError, match="unpacks to more than"):
        read_rows(data, "tracker.xlsx", max_uncompressed_bytes=10_000)


def test_a_workbook_with_too_many_rows_is_refused():
    data = workbook_bytes(("Allocated", [["ICS ID", "Referral Date"]] + [["1", "1/1/26"]] * 30))
    assert len(read_rows(data, "t.xlsx", max_rows=31)) == 31
    with pytest.raises(TrackerFileError, match="more than 30 rows"):
        read_rows(data, "t.xlsx", max_rows=30)


def test_a_row_far_too_wide_is_refused():
    data = workbook_bytes(("Allocated", [["ICS ID", "Referral Date"], ["1"] * 150]))
    with pytest.raises(TrackerFileError, match="more than 100 columns"):
        read_rows(data, "t.xlsx")


def test_a_workbook_with_nothing_in_it_is_empty():
    with pytest.raises(TrackerFileError, match="has no rows with anything in them"):
        read_rows(workbook_bytes(("Allocated", [])), "t.xlsx")


# --- CSV -------------------------------------------------------------------------------------

CSV_TEXT = "Tracker\r\n\r\nICS ID,Child Name,Referral Date\r\n226285,Zoë Brontë,12/10/2026\r\n"


@pytest.mark.parametrize("encoding, expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252"), ("utf-16", "utf-16"),
])
def test_csv_text_encodings_are_recognised(encoding, expected):
    table = read_table(CSV_TEXT.encode(encoding), "tracker.csv")
    assert table.encoding == expected
    assert table.rows == [["Tracker"], [], ["ICS ID", "Child Name", "Referral Date"],
                          ["226285", "Zoë Brontë", "12/10/2026"]]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_separated_files_are_read(delimiter):
    text = CSV_TEXT.replace(",", delimiter)
    table = read_table(text.encode(), "tracker.txt")
    assert table.delimiter == delimiter
    assert table.rows[3] == ["226285", "Zoë Brontë", "12/10/2026"]


def test_a_quoted_cell_with_a_comma_and_a_line_break_is_one_cell_on_one_row():
    text = 'ICS ID,Referral Date,Notes\r\n1,1/9/26,"complex, see\r\nfile"\r\n2,2/9/26,\r\n'
    rows = read_rows(text.encode(), "t.csv")
    assert rows == [["ICS ID", "Referral Date", "Notes"], ["1", "1/9/26", "complex, see\r\nfile"],
                    ["2", "2/9/26"]]


def test_an_empty_csv_field_is_none_as_an_empty_workbook_cell_is():
    assert read_rows(b"226285,,12/10/2026,,\r\n", "t.csv") == [["226285", None, "12/10/2026"]]


def test_a_file_object_or_bytes_or_path_all_read_the_same(tmp_path):
    path = tmp_path / "tracker.csv"
    path.write_bytes(CSV_TEXT.encode())
    expected = read_rows(path)
    assert read_rows(str(path)) == expected
    assert read_rows(CSV_TEXT.encode(), "upload.csv") == expected
    with path.open("rb") as handle:
        assert read_rows(handle) == expected


def test_a_text_mode_file_is_a_programming_error(tmp_path):
    path = tmp_path / "tracker.csv"
    path.write_text(CSV_TEXT)
    with path.open() as handle, pytest.raises(TypeError, match="binary mode"):
        read_rows(handle)


@pytest.mark.parametrize("content", [b"", b"   \r\n \r\n"])
def test_an_empty_file_is_refused(content):
    with pytest.raises(TrackerFileError, match="tracker.csv is empty"):
        read_rows(content, "tracker.csv")


def test_a_csv_of_blank_lines_and_commas_has_no_rows():
    with pytest.raises(TrackerFileError, match="has no rows with anything in them"):
        read_rows(b",,,\r\n,,\r\n", "tracker.csv")


def test_a_file_of_an_unknown_type_is_refused():
    with pytest.raises(TrackerFileError, match=r"upload an Excel workbook \(\.xlsx\) or a CSV file"):
        read_rows(b"%PDF-1.7 ...", "tracker.pdf")


def test_binary_data_is_not_a_csv():
    with pytest.raises(TrackerFileError, match="does not look like a CSV file"):
        read_rows(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "tracker.csv")


def test_bytes_that_are_not_text_in_any_encoding_are_refused():
    with pytest.raises(TrackerFileError, match="could not be read as text"):
        read_rows(b"ICS ID,Referral Date\r\n1,\x81\x8d\r\n", "tracker.csv")


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed():
    data = CSV_TEXT.encode()
    assert read_rows(data, "t.csv", max_bytes=len(data))
    with pytest.raises(TrackerFileError, match=f"larger than {len(data) - 1:,} bytes"):
        read_rows(data, "t.csv", max_bytes=len(data) - 1)


def test_the_default_size_limit_is_5_mb():
    with pytest.raises(TrackerFileError, match="larger than 5 MB"):
        read_rows(b"a,b\r\n" * (5 * 1024 * 1024 // 5 + 1), "big.csv")


def test_a_csv_with_too_many_rows_is_refused_but_trailing_blank_lines_do_not_count():
    data = ("ICS ID,Referral Date\r\n" + "1,1/1/26\r\n" * 9 + ",\r\n" * 1000).encode()
    assert len(read_rows(data, "t.csv", max_rows=10)) == 10
    with pytest.raises(TrackerFileError, match="more than 9 rows"):
        read_rows(data, "t.csv", max_rows=9)


def test_file_errors_and_header_errors_are_both_tracker_errors():
    from triage.domain.tracker import TrackerError

    assert issubclass(TrackerFileError, TrackerError) and issubclass(HeaderNotFound, TrackerError)


def test_a_missing_file_is_a_tracker_file_error(tmp_path):
    with pytest.raises(TrackerFileError, match="nothing.csv was not found"):
        read_rows(tmp_path / "nothing.csv")
