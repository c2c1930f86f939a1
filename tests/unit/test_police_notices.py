"""Reading a police force's file of notifications: the header, the cells, and rows into notices."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from triage.domain.police_notices import (
    HEADERS,
    NoticeFileError,
    notices_from,
    read_date,
    read_header,
    read_received,
)


def test_headers_are_matched_however_a_person_typed_them():
    assert read_header([" Notice Reference", "CONCERN", "child-first-name", "Child last name",
                        "child_date_of_birth", "Child sex", None]) == [
        "notice_reference", "concern", "child_first_name", "child_last_name", "child_date_of_birth", "child_sex", None]


def test_a_header_names_every_column_missing_unknown_or_repeated():
    with pytest.raises(NoticeFileError) as caught:
        read_header(["notice_reference", "concern", "Rank", "concern", "child_first_name", "child_last_name"])
    message = str(caught.value)
    assert "'child_date_of_birth' and 'child_sex' columns" in message
    assert "'Rank' is not a column" in message and "'concern' appears more than once" in message


@pytest.mark.parametrize(("cell", "expected"), [
    ("01/06/2015", date(2015, 6, 1)), ("1.6.2015", date(2015, 6, 1)), ("2015-06-01", date(2015, 6, 1)),
    (datetime(2015, 6, 1), date(2015, 6, 1)), (date(2015, 6, 1), date(2015, 6, 1)),
])
def test_dates_are_read_day_first_or_iso_or_from_a_workbook(cell, expected):
    assert read_date(cell) == expected


@pytest.mark.parametrize("cell", ["31/02/2015", "06/31/2015", "June 2015", ""])
def test_a_date_that_is_not_real_says_how_to_write_one(cell):
    with pytest.raises(ValueError, match="real date"):
        read_date(cell)


def test_received_is_london_time_stored_as_utc_and_a_skipped_hour_is_refused():
    assert read_received("01/07/2026 07:30") == datetime(2026, 7, 1, 6, 30, tzinfo=UTC)  # summer time
    assert read_received("2026-12-01T07:30") == datetime(2026, 12, 1, 7, 30, tzinfo=UTC)
    assert read_received(datetime(2026, 7, 1, 7, 30)) == datetime(2026, 7, 1, 6, 30, tzinfo=UTC)
    assert read_received("25/10/2026 01:30") == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the first 01:30
    with pytest.raises(ValueError, match="did not happen"):
        read_received("29/03/2026 01:30")
    with pytest.raises(ValueError, match="date and time"):
        read_received("01/12/2026")


def _row(**values):
    return [values.get(name) for name in HEADERS]


def test_rows_with_one_reference_are_one_notice_and_must_agree_on_it():
    header = list(HEADERS)
    notices = notices_from(header, [
        (2, _row(notice_reference="P1", concern="Shouting", child_first_name="A", child_sex="F")),
        (3, _row(notice_reference="P1", child_first_name="B", child_date_of_birth="not known")),
        (4, _row(notice_reference="P1", concern="Something else", received="02/12/2026 07:00",
                 child_first_name="C")),
        (5, _row(concern="No reference", child_first_name="D", child_nhs_number=9434765919.0)),
    ])
    first, second = notices
    assert first.key == "ppn:P1" and first.rows == [2, 3, 4]
    contact = first.item["contact"]
    assert (contact["channel"], contact["source_code"], contact["police_incident_reference"]) == (
        "police_notification", "6", "P1")
    assert [c["child"] for c in contact["children"]] == [
        {"first_name": "A", "sex": "F"}, {"first_name": "B", "birth_date_status": "not_known"}, {"first_name": "C"}]
    assert [(p.row, p.column) for p in first.problems] == [(4, "received"), (4, "concern")]
    assert second.key is None and [(p.row, p.column) for p in second.problems] == [(5, "notice_reference")]
    assert second.item["contact"]["children"][0]["child"]["nhs_number"] == "9434765919"


def test_the_batch_errors_land_on_the_row_and_column_they_came_from():
    notice = notices_from(list(HEADERS), [(7, _row(notice_reference="P9", child_first_name="A")),
                                          (9, _row(notice_reference="P9", child_first_name="B"))])[0]
    placed = notice.problems_from({"contact.children.1.child.sex": ["Missing"], "contact.children.0.date_of_birth":
                                   ["Enter a date"], "contact.concern": ["Describe"], "idempotency_key": ["Reused"],
                                   "contact.children.1.birth_date_status": ["Say"]})
    assert [(p.row, p.column) for p in placed] == [(9, "child_sex"), (7, "child_date_of_birth"), (7, "concern"),
                                                   (7, "notice_reference"), (9, "child_date_of_birth")]


def test_a_value_under_no_heading_is_a_problem_not_dropped():
    header = ["notice_reference", None, "concern"]
    notice, = notices_from(header, [(2, ["P1", None, "Shouting", None, "stray"])])
    assert [(p.row, p.column) for p in notice.problems] == [(2, None)] and "Column 5" in notice.problems[0].message
    assert notices_from(header, [(2, ["P1", "under a blank heading", "x"])])[0].problems[0].column is None
