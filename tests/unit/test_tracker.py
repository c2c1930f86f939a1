"""Reading the old Front Door tracker: header, dates, codes, rejections and duplicates.

Pure: rows are written out here as lists of cell values, as the readers would give them.
Every expected date below was worked out by hand (Excel serials from the anchor
45658 = 1 Jan 2025: 2025 has 365 days, so 46023 = 1 Jan 2026, and Jan-Nov 2026 have
334 days, so 46357 = 1 Dec 2026).
"""
from __future__ import annotations

from datetime import date, datetime, time

import pytest

from triage.domain.codes import AssessmentOutcome, ClosureReason, ReferralSource
from triage.domain.tracker import (
    Birth,
    HeaderNotFound,
    Merge,
    Rejection,
    TrackerRow,
    UnreadableDate,
    find_header,
    full_year,
    import_key,
    name_key,
    parse_birth,
    parse_child_id,
    parse_child_name,
    parse_date,
    parse_outcome,
    parse_source,
    parse_tracker,
)

TODAY = date(2026, 11, 27)  # tests/conftest.py NOW, a Friday

HEADER = ["ICS ID", "Child Name", "DOB", "Referral Date", "Source", "Allocated Worker", "Team",
          "Case Discussion Date", "Assessment Target Start", "Assessment Target End",
          "Assessment Completed", "Outcome", "Notes"]
TITLE = ["Front Door - allocated cases (KEEP UP TO DATE!!)"]


def sheet(*data_rows: list[object]) -> list[list[object]]:
    """A tracker as the samples have it: title, blank row, header (row 3), data from row 4."""
    return [TITLE, [], HEADER, *[list(r) for r in data_rows]]


def good_row(**changes) -> list[object]:
    values = {
        "id": "226285", "name": "Freddie Forster", "dob": "02/11/2023", "referral": "12/10/2026",
        "source": "Housing", "worker": "Priya Shah", "team": "14+ Team", "discussion": "27/10/26",
        "start": "2026-10-12", "end": "14/12/2026", "completed": "", "outcome": "", "notes": "",
    }
    values.update(changes)
    return list(values.values())


# --- dates -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("02/11/2023", date(2023, 11, 2)),  # dd/mm/yyyy, day first
    ("12/06/2011", date(2011, 6, 12)),
    ("2/9/26", date(2026, 9, 2)),  # d/m/yy
    ("24/2/25", date(2025, 2, 24)),
    ("29/11/26", date(2026, 11, 29)),
    ("12-12-2026", date(2026, 12, 12)),
    ("12.12.2026", date(2026, 12, 12)),
    ("2026-10-10", date(2026, 10, 10)),  # ISO
    ("2026-8-3", date(2026, 8, 3)),
    ("2026/10/11", date(2026, 10, 11)),
    ("2026-10-10 00:00:00", date(2026, 10, 10)),  # a datetime written out as text
    ("2026-10-10T14:30:00", date(2026, 10, 10)),
    ("10/10/2026 14:30", date(2026, 10, 10)),
    ("14 Nov 2026", date(2026, 11, 14)),
    ("12 December 2026", date(2026, 12, 12)),
    ("12 dec 2026", date(2026, 12, 12)),
    ("05 Sep 2026", date(2026, 9, 5)),
    ("3 Sept 2026", date(2026, 9, 3)),
    ("12-Dec-26", date(2026, 12, 12)),  # Excel's d-mmm-yy written to CSV
    ("12th December 2026", date(2026, 12, 12)),
    ("1st Jan 2027", date(2027, 1, 1)),
    ("Monday 7 December 2026", date(2026, 12, 7)),
    ("December 12, 2026", date(2026, 12, 12)),
    ("  28 Oct 2026 ", date(2026, 10, 28)),
    ("\u00a009/09/2026\u00a0", date(2026, 9, 9)),
])
def test_dates_written_as_text_are_read_day_first(text, expected):
    assert parse_date(text, today=TODAY) == expected


def test_date_and_datetime_cells_are_taken_as_they_are():
    assert parse_date(date(2026, 10, 10)) == date(2026, 10, 10)
    assert parse_date(datetime(2026, 10, 10, 0, 0)) == date(2026, 10, 10)
    assert parse_date(datetime(2026, 10, 10, 23, 59)) == date(2026, 10, 10)


@pytest.mark.parametrize("serial, expected", [
    (45658, date(2025, 1, 1)),  # the anchor
    (46023, date(2026, 1, 1)),  # 45658 + 365
    (46357, date(2026, 12, 1)),  # 46023 + 334 (Jan to Nov 2026)
    (46361, date(2026, 12, 5)),  # the sample's Arthur Brown completion
    (46352, date(2026, 11, 26)),  # 46357 - 5
    (46385, date(2026, 12, 29)),  # 46357 + 28
    (46318, date(2026, 10, 23)),  # 46357 - 39: 1 Dec less 30 Nov..23 Oct
    (36526, date(2000, 1, 1)),
    (25569, date(1970, 1, 1)),  # the Unix epoch
])
def test_excel_serial_numbers_count_days_from_30_december_1899(serial, expected):
    assert parse_date(serial) == expected
    assert parse_date(float(serial)) == expected
    assert parse_date(str(serial)) == expected
    assert parse_date(f"{serial}.0") == expected


def test_an_excel_serial_with_a_time_of_day_keeps_only_the_date():
    assert parse_date(46361.75) == date(2026, 12, 5)
    assert parse_date("46361.999") == date(2026, 12, 5)


@pytest.mark.parametrize("value", [0, 1, 60, 19999, 80001, "123", "2026", "19000", "99999", 1e12])
def test_numbers_outside_the_plausible_serial_range_are_unreadable(value):
    with pytest.raises(UnreadableDate, match="not an Excel date serial"):
        parse_date(value)


def test_the_plausible_serial_range_runs_from_1954_to_2119():
    assert parse_date(20000) == date(1954, 10, 3)
    assert parse_date(80000) == date(2119, 1, 11)  # 2119-01-01 is 79990


@pytest.mark.parametrize("text, expected", [
    ("31/8/13", date(2013, 8, 31)),
    ("16/9/20", date(2020, 9, 16)),
    ("1/1/00", date(2000, 1, 1)),
    ("10/02/27", date(2027, 2, 10)),  # an expected date of birth next year
    ("1/1/36", date(2036, 1, 1)),  # 10 years after today: the last year read as 20xx
    ("1/1/37", date(1937, 1, 1)),
    ("1/1/99", date(1999, 1, 1)),
    ("12-Dec-98", date(1998, 12, 12)),
])
def test_two_digit_years_are_at_most_ten_years_after_today(text, expected):
    assert parse_date(text, today=TODAY) == expected


def test_two_digit_years_without_today_run_to_2069():
    assert parse_date("1/1/69") == date(2069, 1, 1)
    assert parse_date("1/1/70") == date(1970, 1, 1)
    assert full_year(26) == 2026
    assert full_year(69) == 2069
    assert full_year(70) == 1970


def test_the_two_digit_year_window_moves_with_today():
    assert full_year(37, date(2026, 1, 1)) == 1937
    assert full_year(37, date(2027, 1, 1)) == 2037
    assert full_year(5, date(2095, 6, 1)) == 2105


@pytest.mark.parametrize("text, reason", [
    ("31/02/2026", "no day 31 in February 2026"),
    ("29/02/2027", "no day 29 in February 2027"),
    ("31/04/2026", "no day 31 in April 2026"),
    ("00/01/2026", "no day 0 in January 2026"),
    ("2026-02-30", "no day 30 in February 2026"),
    ("31 Feb 2026", "no day 31 in February 2026"),
    ("13/13/2026", "no month 13"),
    ("12/25/2026", "no month 25"),  # a US-style date is not guessed at
    ("12 Foo 2026", '"foo" is not a month'),
    ("01/01/1850", "year 1850 is out of range"),
])
def test_impossible_dates_are_unreadable_and_say_why(text, reason):
    with pytest.raises(UnreadableDate) as caught:
        parse_date(text, today=TODAY)
    assert reason in str(caught.value)
    assert f'"{text}"' in str(caught.value)
    assert caught.value.value == text


def test_29_february_in_a_leap_year_is_a_real_date():
    assert parse_date("29/02/2028") == date(2028, 2, 29)


@pytest.mark.parametrize("value", [
    None, "", "   ", "\u00a0", "TBC", "tbc", " TBC ", "n/a", "N/A", "NA", "-", "--", "–", "?",
    "TBA", "none", "not known", "pending",
])
def test_empty_cells_and_placeholders_mean_no_date(value):
    assert parse_date(value, today=TODAY) is None


@pytest.mark.parametrize("value", [
    "abc", "1/2", "#N/A", "#VALUE!", "next week", "Dec 2026", "12/12/2026/1", True, time(9, 30),
])
def test_anything_else_is_an_unreadable_date_quoting_the_value(value):
    with pytest.raises(UnreadableDate) as caught:
        parse_date(value, today=TODAY)
    assert f'"{value}"' in str(caught.value)


def test_an_unreadable_date_is_a_value_error_carrying_the_value():
    error = UnreadableDate("soon")
    assert isinstance(error, ValueError)
    assert error.value == "soon"
    assert str(error) == '"soon" is not a date this import can read'


# --- date of birth ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Unborn - EDD 10/02/2027", Birth(expected_date_of_birth=date(2027, 2, 10), unborn=True)),
    ("Unborn - EDD 46381", Birth(expected_date_of_birth=date(2026, 12, 25), unborn=True)),  # 46357+24
    ("Unborn - EDD 9/12/26", Birth(expected_date_of_birth=date(2026, 12, 9), unborn=True)),
    ("Unborn - EDD 2027-01-26", Birth(expected_date_of_birth=date(2027, 1, 26), unborn=True)),
    ("unborn (EDD 14 Jan 2027)", Birth(expected_date_of_birth=date(2027, 1, 14), unborn=True)),
    ("EDD: 05/01/2027", Birth(expected_date_of_birth=date(2027, 1, 5), unborn=True)),
    ("Unborn", Birth(unborn=True)),
    ("Unborn - EDD TBC", Birth(unborn=True)),
    ("02/11/2023", Birth(date_of_birth=date(2023, 11, 2))),
    ("41101", Birth(date_of_birth=date(2012, 7, 11))),  # 45658 - 4557 days
    (datetime(2012, 7, 11), Birth(date_of_birth=date(2012, 7, 11))),
    (None, Birth()),
    ("n/a", Birth()),
])
def test_a_dob_cell_holds_a_date_of_birth_or_an_unborn_childs_expected_date(text, expected):
    assert parse_birth(text, today=TODAY) == expected


def test_an_unreadable_expected_date_is_unreadable():
    with pytest.raises(UnreadableDate, match="no day 31 in February 2027"):
        parse_birth("Unborn - EDD 31/02/2027")


# --- names, teams, workers -------------------------------------------------------------------

@pytest.mark.parametrize("text, full, first, last", [
    ("  Freddie Forster ", "Freddie Forster", "Freddie", "Forster"),
    ("Freddie   Forster", "Freddie Forster", "Freddie", "Forster"),
    ("Olivia O'Neill", "Olivia O'Neill", "Olivia", "O'Neill"),
    ("Ellie-Mae Thompson", "Ellie-Mae Thompson", "Ellie-Mae", "Thompson"),
    ("Mary Jane Smith", "Mary Jane Smith", "Mary Jane", "Smith"),
    ("Maria de la Cruz", "Maria de la Cruz", "Maria", "de la Cruz"),
    ("Al Hassan", "Al Hassan", "Al", "Hassan"),
    ("Smith, John Paul", "John Paul Smith", "John Paul", "Smith"),
    ("Baby", "Baby", "Baby", ""),
])
def test_a_childs_name_is_trimmed_and_split_with_the_last_word_as_surname(text, full, first, last):
    name = parse_child_name(text)
    assert (name.full, name.first, name.last) == (full, first, last)


@pytest.mark.parametrize("value", [None, "", "  ", "n/a", "TBC"])
def test_an_empty_name_cell_is_no_name(value):
    assert parse_child_name(value) is None


def test_team_and_worker_spellings_share_one_key():
    assert name_key("FRONT DOOR") == name_key("Front door") == name_key(" Front  Door ") == "front door"
    assert name_key("mark pattinson") == name_key("Mark Pattinson")
    assert name_key("Front Door Assessment Team") != name_key("Front Door")


# --- child id --------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("226285", "226285"),
    (226285, "226285"),
    (226285.0, "226285"),  # a number cell
    (" 226285 ", "226285"),
    ("c123456", "C123456"),
    ("0012345", "0012345"),  # leading zeros are part of the id
])
def test_plausible_child_ids_are_kept_as_text(value, expected):
    assert parse_child_id(value) == (expected, None)


@pytest.mark.parametrize("value", [None, "", "TBC", "n/a", "-", "ICS ID to follow", "awaiting ID"])
def test_a_blank_or_promised_child_id_is_no_id(value):
    assert parse_child_id(value) == (None, None)


@pytest.mark.parametrize("value", ["abc", "0000", "#REF!", "2.26285E+05", "1" * 21, 226285.5, True])
def test_a_child_id_that_is_not_an_id_gives_a_reason(value):
    child_id, reason = parse_child_id(value)
    assert child_id is None
    assert reason.startswith("Child id ") and "does not look like an id" in reason


def test_the_import_key_is_the_child_and_the_referral_date():
    assert import_key("226285", date(2026, 10, 12)) == "tracker:226285:2026-10-12"


# --- source and outcome ----------------------------------------------------------------------

@pytest.mark.parametrize("text, code", [
    ("Police", "6"), ("police", "6"), ("POLICE", "6"), ("6", "6"), (6, "6"), (6.0, "6"),
    ("6 - Police", "6"), ("A&E", "3E"), ("A & E", "3E"), ("a and e", "3E"), ("3E", "3E"),
    ("3e", "3E"), ("GP", "3A"), ("Health Visitor", "3B"), ("HV", "3B"), ("School", "2A"),
    ("2A", "2A"), ("School Nurse", "3C"), ("Housing", "4"), ("4", "4"), ("Family", "1A"),
    ("Early Help", "5D"), ("5D", "5D"), ("5d", "5D"), ("Anonymous", "9"), ("10", "10"),
    ("Probation", "7"),
])
def test_sources_are_read_as_dfe_referral_source_codes(text, code):
    assert parse_source(text) == (ReferralSource(code), None)


@pytest.mark.parametrize("value", [None, "", "  ", "n/a", "TBC", "-"])
def test_a_blank_source_is_no_source_without_a_warning(value):
    assert parse_source(value) == (None, None)


def test_an_unknown_source_is_left_blank_with_a_warning():
    assert parse_source("Dog warden") == (
        None, 'Source "Dog warden" is not one this import recognises: left blank')
    assert parse_source("11") == (None, 'Source "11" is not one this import recognises: left blank')


@pytest.mark.parametrize("text, outcome, closure", [
    ("NFA", AssessmentOutcome.NO_FURTHER_ACTION, ClosureReason.NFA_AFTER_ASSESSMENT),
    ("nfa - advice given", AssessmentOutcome.NO_FURTHER_ACTION, ClosureReason.NFA_AFTER_ASSESSMENT),
    ("No further action", AssessmentOutcome.NO_FURTHER_ACTION, ClosureReason.NFA_AFTER_ASSESSMENT),
    ("CIN", AssessmentOutcome.CHILD_IN_NEED_PLAN, None),
    ("Child in need", AssessmentOutcome.CHILD_IN_NEED_PLAN, None),
    ("S47", AssessmentOutcome.S47, None),
    ("s.47", AssessmentOutcome.S47, None),
    ("CP", AssessmentOutcome.S47, None),
    ("Child Protection", AssessmentOutcome.S47, None),
    ("Early Help", AssessmentOutcome.EARLY_HELP, ClosureReason.EARLY_HELP_AFTER_ASSESSMENT),
    ("step down EH", AssessmentOutcome.EARLY_HELP, ClosureReason.EARLY_HELP_AFTER_ASSESSMENT),
    ("Transferred to other LA", None, ClosureReason.TRANSFERRED_TO_ANOTHER_LA),
    ("TBC", None, None),
    ("", None, None),
    (None, None, None),
])
def test_outcomes_are_read_as_an_assessment_outcome_and_closure_reason(text, outcome, closure):
    reading, warning = parse_outcome(text)
    assert (reading.outcome, reading.closure_reason, warning) == (outcome, closure, None)


def test_a_transfer_to_another_council_is_flagged():
    assert parse_outcome("Transferred to other LA")[0].transferred is True
    assert parse_outcome("NFA")[0].transferred is False


def test_an_unknown_outcome_is_left_blank_with_a_warning():
    reading, warning = parse_outcome("went to panel")
    assert (reading.outcome, reading.closure_reason) == (None, None)
    assert warning == 'Outcome "went to panel" is not one this import recognises: left blank'


# --- the header ------------------------------------------------------------------------------

def test_the_header_is_found_beneath_title_and_blank_rows():
    index, mapping = find_header(sheet())
    assert index == 2
    assert mapping == {
        "child_id": 0, "child_name": 1, "date_of_birth": 2, "referral_date": 3, "source": 4,
        "worker": 5, "team": 6, "case_discussion_date": 7, "assessment_start": 8,
        "assessment_target_end": 9, "assessment_completed": 10, "outcome": 11, "notes": 12,
    }


@pytest.mark.parametrize("headings, expected", [
    (["Child ID", "Referral Date"], {"child_id": 0, "referral_date": 1}),
    (["LCS ID", "Date of Referral"], {"child_id": 0, "referral_date": 1}),
    (["Mosaic ID", "referral   date"], {"child_id": 0, "referral_date": 1}),
    (["ID", "Referral Date (dd/mm/yyyy)"], {"child_id": 0, "referral_date": 1}),
    (["ics id", "REFERRAL DATE", "D.O.B", "SW", "Start Date", "Completed", "Date Completed"],
     {"child_id": 0, "referral_date": 1, "date_of_birth": 2, "worker": 3,
      "assessment_start": 4, "assessment_completed": 5}),
    (["Child ID", "Referral Date", "Social Worker", "Assessment Start", "Authorised",
      "Date of Birth", "Comments"],
     {"child_id": 0, "referral_date": 1, "worker": 2, "assessment_start": 3,
      "assessment_completed": 4, "date_of_birth": 5, "notes": 6}),
    ([None, "Locality", "ICS ID", "Referral Date"], {"child_id": 2, "referral_date": 3}),
])
def test_the_usual_column_names_map_to_fields(headings, expected):
    assert find_header([["Title"], headings]) == (1, expected)


def test_a_sheet_without_a_child_id_column_names_what_is_missing():
    rows = [TITLE, [], ["Child Name", "DOB", "Referral Date", "Team"], ["Ann Lee", "1/1/20", "1/9/26", "X"]]
    with pytest.raises(HeaderNotFound) as caught:
        find_header(rows)
    message = str(caught.value)
    assert "row 3" in message and "no child id" in message
    assert "referral date" not in message.split("but has")[1].lower()


def test_a_sheet_without_a_referral_date_column_names_what_is_missing():
    with pytest.raises(HeaderNotFound, match=r"row 1 .* has no referral date \('Referral Date'\) column"):
        find_header([["ICS ID", "Child Name", "Team"]])


def test_a_sheet_with_no_header_at_all_says_what_a_header_needs():
    with pytest.raises(HeaderNotFound, match="child id .* 'Referral Date'"):
        parse_tracker([["just some notes"], ["226285", "1/9/26"]], TODAY)
    with pytest.raises(HeaderNotFound):
        parse_tracker([], TODAY)


def test_the_header_must_be_in_the_first_50_rows():
    rows = [[f"note {i}"] for i in range(50)] + [HEADER]
    with pytest.raises(HeaderNotFound):
        find_header(rows)
    assert find_header(rows[1:]) == (49, find_header([HEADER])[1])


# --- parsing rows ----------------------------------------------------------------------------

def test_a_good_row_becomes_a_typed_tracker_row_with_its_spreadsheet_row_number():
    parse = parse_tracker(sheet(good_row(
        name="  Freddie  Forster ", team="FRONT DOOR", worker=" mark pattinson ",
        completed="20/11/2026", outcome="NFA", notes="sibling of row above",
    )), TODAY)
    assert parse.header_row == 3
    assert parse.rejections == () and parse.merges == () and parse.warnings == ()
    assert parse.rows == (TrackerRow(
        row_number=4, import_key="tracker:226285:2026-10-12", child_id="226285",
        referral_date=date(2026, 10, 12), child_name="Freddie Forster", first_name="Freddie",
        last_name="Forster", date_of_birth=date(2023, 11, 2), source_code=ReferralSource.HOUSING,
        source_text="Housing", worker="mark pattinson", worker_key="mark pattinson",
        team="FRONT DOOR", team_key="front door", case_discussion_date=date(2026, 10, 27),
        assessment_start=date(2026, 10, 12), assessment_target_end=date(2026, 12, 14),
        assessment_completed=date(2026, 11, 20), outcome=AssessmentOutcome.NO_FURTHER_ACTION,
        closure_reason=ClosureReason.NFA_AFTER_ASSESSMENT, outcome_text="NFA",
        notes="sibling of row above",
    ),)


def test_typed_cells_read_the_same_as_their_text():
    text = parse_tracker(sheet(good_row(completed="05/11/2026", discussion="46322")), TODAY)
    typed = parse_tracker(sheet(good_row(
        id=226285, dob=datetime(2023, 11, 2), referral=datetime(2026, 10, 12),
        discussion=46322.0, start=date(2026, 10, 12), end=46370, completed=datetime(2026, 11, 5),
    )), TODAY)
    assert typed.rows == text.rows
    assert typed.rows[0].assessment_target_end == date(2026, 12, 14)  # 46357 + 13
    assert typed.rows[0].case_discussion_date == date(2026, 10, 27)  # 46357 - 35 (30 Nov, 31 Oct)


def test_a_row_shorter_than_the_header_has_empty_trailing_cells():
    parse = parse_tracker(sheet(["226285", "Ann Lee", "", "12/10/2026"]), TODAY)
    row = parse.rows[0]
    assert (row.child_id, row.referral_date, row.assessment_start, row.notes) == (
        "226285", date(2026, 10, 12), None, None)


def rejection_reasons(*rows, today=TODAY) -> tuple[str, ...]:
    parse = parse_tracker(sheet(*rows), today)
    assert parse.rows == ()
    (rejection,) = parse.rejections
    assert rejection.row_number == 4
    return rejection.reasons


def test_a_row_with_no_child_id_and_nothing_to_match_on_is_rejected():
    assert rejection_reasons(good_row(id="", name="")) == (
        "No child id, and no full name and date of birth to match on",)
    assert rejection_reasons(good_row(id="ICS ID to follow", dob="")) == (
        'No child id ("ICS ID to follow"), and no full name and date of birth to match on',)


def test_a_row_with_no_child_id_but_a_name_and_date_of_birth_is_kept_to_be_matched_by_the_service():
    (row,) = parse_tracker(sheet(good_row(id="ICS ID to follow")), TODAY).rows
    assert row.child_id is None and row.import_key.startswith("tracker:noid-")
    assert "Freddie" not in row.import_key and row.import_key.endswith(":2026-10-12")
    assert row.warnings == ('No child id ("ICS ID to follow"): to be matched to a child record by name and date '
                            "of birth",)
    assert row.review == ("child_details",)
    again = parse_tracker(sheet(good_row(id="", name="freddie  FORSTER")), TODAY).rows[0]
    assert again.import_key == row.import_key  # the same child and date, the same key


def test_a_row_with_a_child_id_that_is_not_an_id_is_rejected():
    assert rejection_reasons(good_row(id="Jacob")) == (
        'Child id "Jacob" does not look like an id (up to 20 letters and digits, at least one digit)',)


def test_a_row_with_no_referral_date_is_rejected():
    assert rejection_reasons(good_row(referral="")) == ("No referral date",)
    assert rejection_reasons(good_row(referral="TBC")) == ("No referral date",)


def test_a_row_with_an_unreadable_referral_date_is_rejected_quoting_it():
    assert rejection_reasons(good_row(referral="31/02/2026")) == (
        'Referral Date: "31/02/2026" is not a date: there is no day 31 in February 2026',)


def test_a_referral_dated_after_today_is_rejected():
    assert rejection_reasons(good_row(referral="28/11/2026", start="28/11/2026")) == (
        "Referral Date 28/11/2026 is after today (27/11/2026)",)


@pytest.mark.parametrize("column", ["start", "end", "completed"])
def test_an_unreadable_assessment_date_is_fatal(column):
    (reason,) = rejection_reasons(good_row(**{column: "soon"}))
    assert reason.endswith('"soon" is not a date this import can read')
    assert reason.startswith({"start": "Assessment Target Start", "end": "Assessment Target End",
                              "completed": "Assessment Completed"}[column])


def test_a_target_end_before_the_start_is_imported_with_a_warning_for_review():
    (row,) = parse_tracker(sheet(good_row(start="20/10/2026", end="19/10/2026")), TODAY).rows
    assert row.assessment_target_end == date(2026, 10, 19)  # read correctly, kept as written
    assert row.warnings == ("Assessment Target End 19/10/2026 is before Assessment Target Start "
                            "20/10/2026: the service works out the due date itself (45th working day)",)
    assert row.review == ("target_end",)


def test_a_completion_before_the_start_is_a_warning_and_before_the_referral_imports_the_case_open():
    (before_start,) = parse_tracker(sheet(good_row(start="14/10/2026", completed="13/10/2026", outcome="CIN")), TODAY).rows
    assert before_start.assessment_completed == date(2026, 10, 13)
    assert before_start.warnings == ("Assessment Completed 13/10/2026 is before Assessment Target Start 14/10/2026",)
    (before_referral,) = parse_tracker(sheet(good_row(referral="12/10/2026", start="", completed="11/10/2026")),
                                       TODAY).rows
    assert before_referral.assessment_completed is None
    assert before_referral.noted_completion == date(2026, 10, 11)
    assert before_referral.warnings[0] == ("Assessment Completed 11/10/2026 is before Referral Date 12/10/2026: "
                                           "imported as open, the date kept as a note")
    assert before_referral.review == ("completion_not_used",)


def test_a_completion_date_in_the_future_imports_the_case_open_with_the_date_noted_but_today_completes_it():
    (row,) = parse_tracker(sheet(good_row(completed="28/11/2026")), TODAY).rows
    assert (row.assessment_completed, row.noted_completion) == (None, date(2026, 11, 28))
    assert row.warnings == ("Assessment Completed 28/11/2026 is in the future (after today, 27/11/2026): "
                            "imported as open, the date kept as a note",)
    assert row.review == ("completion_not_used",) and not row.needs_outcome
    assert parse_tracker(sheet(good_row(completed="27/11/2026")), TODAY).rows[0].assessment_completed == TODAY


def test_every_reason_a_row_is_rejected_is_given():
    row = good_row(id="", start="01/12/2026", end="soon", completed="31/11/2026")
    assert rejection_reasons(row) == (
        "No child id",
        'Assessment Target End: "soon" is not a date this import can read',
        'Assessment Completed: "31/11/2026" is not a date: there is no day 31 in November 2026',
    )


@pytest.mark.parametrize("outcome", ["TBC", "", "tbc ", "something odd"])
def test_a_completed_row_with_no_outcome_is_not_authorised_but_goes_on_the_review_list(outcome):
    (row,) = parse_tracker(sheet(good_row(completed="20/11/2026", outcome=outcome)), TODAY).rows
    assert row.assessment_completed == date(2026, 11, 20) and row.outcome is None
    assert row.needs_outcome and "outcome_needed" in row.review
    assert any("not authorised; on the review list" in w for w in row.warnings)


def test_a_completed_row_with_an_outcome_or_a_transfer_needs_no_review():
    for outcome in ("NFA", "Transferred to other LA"):
        (row,) = parse_tracker(sheet(good_row(completed="20/11/2026", outcome=outcome)), TODAY).rows
        assert not row.needs_outcome and row.review == ()


def warnings_for(row, today=TODAY) -> list[str]:
    parse = parse_tracker(sheet(row), today)
    assert len(parse.rows) == 1, parse.rejections
    assert [w.row_number for w in parse.warnings] == [4] * len(parse.warnings)
    assert list(parse.rows[0].warnings) == [w.message for w in parse.warnings]
    return [w.message for w in parse.warnings]


def test_an_unreadable_case_discussion_date_is_a_warning_not_a_rejection():
    assert warnings_for(good_row(discussion="next Tuesday")) == [
        'Case Discussion Date: "next Tuesday" is not a date this import can read; left out']


def test_an_unreadable_or_future_date_of_birth_is_left_out_with_a_warning():
    assert warnings_for(good_row(dob="30/02/2020")) == [
        'DOB: "30/02/2020" is not a date: there is no day 30 in February 2020; left out']
    assert warnings_for(good_row(dob="01/01/2027")) == [
        "DOB 01/01/2027 is in the future; left out (write 'Unborn - EDD dd/mm/yyyy' for an unborn child)"]


def test_an_unknown_source_or_outcome_is_a_warning():
    assert warnings_for(good_row(source="Dog warden", outcome="panel")) == [
        'Source "Dog warden" is not one this import recognises: left blank',
        'Outcome "panel" is not one this import recognises: left blank',
    ]


def test_an_assessment_starting_before_the_referral_is_a_warning():
    assert warnings_for(good_row(referral="12/10/2026", start="11/10/2026")) == [
        "Assessment Target Start 11/10/2026 is before Referral Date 12/10/2026"]


def test_an_expected_date_of_birth_that_has_passed_is_a_warning():
    assert warnings_for(good_row(dob="Unborn - EDD 26/11/2026")) == [
        "Expected date of birth 26/11/2026 has passed: record the date of birth once it is known"]
    assert warnings_for(good_row(dob="Unborn - EDD 27/11/2026")) == []


def test_a_row_with_no_name_is_a_warning():
    assert warnings_for(good_row(name="")) == ["No child's name"]


def test_an_unborn_childs_expected_date_is_kept_apart_from_the_date_of_birth():
    row = parse_tracker(sheet(good_row(dob="Unborn - EDD 10/02/2027")), TODAY).rows[0]
    assert (row.date_of_birth, row.expected_date_of_birth, row.unborn) == (None, date(2027, 2, 10), True)


def test_separate_first_name_and_surname_columns_are_read():
    rows = [["Child ID", "Forename", "Surname", "Referral Date"], ["12345", "Ann", "Lee", "1/9/26"]]
    row = parse_tracker(rows, TODAY).rows[0]
    assert (row.child_name, row.first_name, row.last_name) == ("Ann Lee", "Ann", "Lee")


# --- blank, footer and repeated header rows ----------------------------------------------------

def test_blank_footer_and_repeated_header_rows_are_skipped_and_counted():
    parse = parse_tracker(sheet(
        good_row(id="111111"),
        [],
        ["", "  ", None],
        HEADER,
        good_row(id="222222"),
        ["Total", "", "", "", "2"],
        [],
        ["Last updated by MP 20/11/26"],
    ), TODAY)
    assert [r.row_number for r in parse.rows] == [4, 8]
    assert parse.rejections == () and parse.merges == ()
    assert (parse.blank_rows, parse.repeated_headers, parse.footer_rows) == (3, 1, 2)


def test_a_name_with_nothing_else_after_the_last_referral_is_rejected_not_skipped():
    parse = parse_tracker(sheet(good_row(), ["", "Jacob Anderson"]), TODAY)
    assert parse.rejections == (Rejection(5, ("No child id, and no full name and date of birth to match on",
                                                "No referral date")),)
    assert parse.footer_rows == 0


def test_unrecognised_columns_are_listed():
    rows = [["ICS ID", "Locality", "Referral Date", "RAG"], ["12345", "North", "1/9/26", "Red"]]
    assert parse_tracker(rows, TODAY).ignored_columns == ("Locality", "RAG")


# --- duplicates and merges -------------------------------------------------------------------

def test_a_row_identical_to_an_earlier_one_is_merged_as_its_duplicate():
    parse = parse_tracker(sheet(good_row(), good_row(id="999999"), good_row()), TODAY)
    assert [r.row_number for r in parse.rows] == [4, 5]
    assert parse.merges == (Merge(6, 4, duplicate=True),)
    assert parse.merges[0].message == "Merged as a duplicate of row 4"
    assert parse.rows[0].merged_rows == (6,)


def test_rows_that_differ_only_in_case_spacing_and_date_format_are_duplicates():
    parse = parse_tracker(sheet(
        good_row(),
        good_row(name="freddie  FORSTER", team="14+ TEAM", worker="priya shah",
                 referral="2026-10-12", end="46370", source="4"),
    ), TODAY)
    assert len(parse.rows) == 1
    assert parse.merges == (Merge(5, 4, duplicate=True),)


def test_a_later_row_that_fills_blanks_is_merged_into_the_earlier_one():
    parse = parse_tracker(sheet(
        good_row(completed="", outcome="", discussion=""),
        good_row(completed="20/11/2026", outcome="CIN", discussion="27/10/2026", notes="extension agreed"),
    ), TODAY)
    (row,) = parse.rows
    assert row.row_number == 4 and row.merged_rows == (5,)
    assert (row.assessment_completed, row.outcome, row.case_discussion_date, row.notes) == (
        date(2026, 11, 20), AssessmentOutcome.CHILD_IN_NEED_PLAN, date(2026, 10, 27), "extension agreed")
    (merge,) = parse.merges
    assert (merge.row_number, merge.into_row, merge.duplicate) == (5, 4, False)
    assert merge.message == ("Merged into row 4 (adds case discussion date, assessment completed, "
                             "outcome, notes)")


def test_rows_for_one_referral_that_disagree_are_merged_keeping_the_first_and_flagged_for_review():
    parse = parse_tracker(sheet(
        good_row(completed="20/11/2026", outcome="NFA"),
        good_row(completed="21/11/2026", outcome="NFA"),
    ), TODAY)
    assert parse.rejections == ()
    (row,) = parse.rows
    assert row.assessment_completed == date(2026, 11, 20) and row.merged_rows == (5,)
    assert row.warnings == (
        'Row 5 is for the same child and referral date but gives a different assessment completed '
        '("21/11/2026" there, "20/11/2026" here): this row\'s value was imported; check which is right',)
    assert row.review == ("rows_disagree",)
    (merge,) = parse.merges
    assert merge.disagreed == ("assessment completed",)
    assert merge.message == ("Merged into row 4; its different assessment completed not used (row 4's kept, "
                             "and on the review list)")


def test_different_notes_on_one_referral_are_joined_not_a_conflict():
    parse = parse_tracker(sheet(good_row(notes="awaiting health"), good_row(notes="extension agreed")), TODAY)
    assert parse.rows[0].notes == "awaiting health | extension agreed"
    assert parse.merges == (Merge(5, 4, duplicate=False),)


def test_a_copy_of_a_rejected_row_is_merged_as_its_duplicate_and_writes_nothing():
    parse = parse_tracker(sheet(good_row(completed="31/11/2026"), good_row(completed="31/11/2026")), TODAY)
    assert parse.rows == ()
    assert [r.row_number for r in parse.rejections] == [4]
    assert parse.merges == (Merge(5, 4, duplicate=True, into_rejected=True),)
    assert parse.merges[0].message == "Merged as a duplicate of row 4, which is rejected"


def test_one_child_id_given_to_two_different_children_imports_both_flagging_the_later():
    parse = parse_tracker(sheet(
        good_row(referral="12/10/2026"),
        good_row(referral="01/09/2026", start="02/09/2026", end="01/11/2026", name="Noah Smith",
                 dob="26/11/2018"),
    ), TODAY)
    assert parse.rejections == ()
    first, later = parse.rows
    assert first.review == () and later.review == ("child_details",)
    assert later.warnings == (
        "Child id 226285 is given in row 4 to a child with a different name and date of birth: "
        "imported for the child that id names; check which child this referral belongs to",)


def test_a_duplicate_of_the_first_row_and_a_disagreeing_row_are_both_merged():
    parse = parse_tracker(sheet(
        good_row(completed="20/11/2026"),
        good_row(completed="20/11/2026"),
        good_row(completed="21/11/2026"),
    ), TODAY)
    assert parse.rejections == () and [r.row_number for r in parse.rows] == [4]
    assert [(m.row_number, m.duplicate, m.disagreed) for m in parse.merges] == [
        (5, True, ()), (6, False, ("assessment completed",))]


def test_a_row_merged_into_a_row_of_a_child_with_two_identities_is_merged():
    parse = parse_tracker(sheet(
        good_row(),
        good_row(notes="extension agreed"),
        good_row(referral="01/09/2026", start="02/09/2026", end="01/11/2026", name="Noah Smith"),
    ), TODAY)
    assert parse.rejections == ()
    assert parse.merges == (Merge(5, 4, duplicate=False, filled=("notes",)),)
    assert parse.merges[0].message == "Merged into row 4 (adds notes)"


def test_one_child_with_two_referrals_is_two_rows():
    parse = parse_tracker(sheet(
        good_row(referral="12/10/2026"),
        good_row(referral="01/09/2026", start="02/09/2026", end="01/11/2026", dob=""),
    ), TODAY)
    assert [(r.row_number, r.import_key) for r in parse.rows] == [
        (4, "tracker:226285:2026-10-12"), (5, "tracker:226285:2026-09-01")]
    assert parse.merges == () and parse.rejections == ()


def test_the_same_rows_parse_to_the_same_result_and_keys():
    rows = sheet(good_row(), good_row(id="999999", referral="1/9/26", start="2/9/26"))
    first, second = parse_tracker(rows, TODAY), parse_tracker([list(r) for r in rows], TODAY)
    assert first == second
    assert [r.import_key for r in first.rows] == ["tracker:226285:2026-10-12", "tracker:999999:2026-09-01"]


def test_preferred_spellings_of_teams_and_workers_are_offered():
    parse = parse_tracker(sheet(
        good_row(id="1", team="FRONT DOOR", worker="mark pattinson"),
        good_row(id="2", team="Front door", worker="Mark Pattinson"),
        good_row(id="3", team="Front Door", worker="MARK PATTINSON"),
        good_row(id="4", team="Front Door", worker="dan tait"),
    ), TODAY)
    assert dict(parse.teams) == {"front door": "Front Door"}
    assert dict(parse.workers) == {"mark pattinson": "Mark Pattinson", "dan tait": "Dan Tait"}


def test_statuses_list_every_row_in_order():
    parse = parse_tracker(sheet(good_row(), good_row(), good_row(id="", name="")), TODAY)
    assert [(s.row_number, s.status) for s in parse.statuses()] == [
        (4, "ok"), (5, "merged"), (6, "rejected")]


def test_today_must_be_a_date_not_a_datetime():
    with pytest.raises(TypeError):
        parse_tracker(sheet(good_row()), datetime(2026, 11, 27, 9, 30))


# --- mapping names ---------------------------------------------------------------------------

def test_a_mapping_file_is_read_into_entries_keyed_as_names_are():
    from triage.domain.tracker import MappingEntry, parse_mapping

    entries = parse_mapping([["Column", "Name", "Maps_to", "Target"],
                             ["team", " North  Locality ", "team", "North Assessment Team"],
                             ["worker", "Dan Tait", "ACCOUNT", "dtait"], [],
                             ["team", "14+ Team", "create-team", "ignored"]])
    assert entries == (MappingEntry("team", "North Locality", "team", "North Assessment Team"),
                       MappingEntry("worker", "Dan Tait", "account", "dtait"),
                       MappingEntry("team", "14+ Team", "create-team", None))
    assert entries[0].key == ("team", "north locality")


def test_a_mapping_file_that_cannot_be_used_names_every_bad_row():
    from triage.domain.tracker import TrackerError, parse_mapping

    with pytest.raises(TrackerError, match="header row column,name,maps_to,target"):
        parse_mapping([["team", "name"]])
    with pytest.raises(TrackerError) as refused:
        parse_mapping([["column", "name", "maps_to", "target"], ["room", "x", "team", "y"],
                       ["worker", "Dan", "team", "y"], ["team", "North", "locality", ""]])
    assert str(refused.value) == (
        "The mapping file cannot be used: row 2: column must be team or worker; row 3: maps_to for a worker "
        "must be one of account, none; row 4: maps_to locality needs a target")


def test_locality_names_are_told_from_team_names():
    from triage.domain.tracker import looks_like_locality

    assert looks_like_locality("North Locality") and looks_like_locality("WEST LOCALITY TEAM")
    assert not looks_like_locality("Front Door") and not looks_like_locality(None)
