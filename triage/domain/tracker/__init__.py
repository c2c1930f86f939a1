"""Reading the old Front Door tracker spreadsheet: rows of cell values in, typed rows out.

A package: `cells` (one cell's meaning: dates, names, codes, ids), `headers` (which column
is which), `rows` (one row read and its typed results), `merge` (rows for one referral
folded into one), `parse` (the whole sheet) and `mapping` (team, locality and worker names
mapped to the service's). Everything is imported here, so `triage.domain.tracker.X` works.

Pure: the rows come from `triage.importing.readers` (CSV or XLSX) as lists of cell values
(str, int, float, date, datetime or None); nothing here touches a file or the database. The
service that writes the import (matching children, creating referrals and assessments) takes
a `TrackerParse` and never looks at a raw cell.

The rules, chosen once (see also each function's docstring):

* **Header**: the first of the first 50 rows in which a child id column and a referral date
  column are both recognised. Column names are matched case-insensitively with punctuation,
  spaces and anything in brackets ignored ("D.O.B", "Referral Date (dd/mm/yyyy)").
* **Dates** are always day first (UK). Read: date and datetime cells, Excel serial numbers
  (1900 system, 20000 to 80000, i.e. 1954 to 2119, as numbers or digit strings),
  d/m/yy and dd/mm/yyyy (also with - or . between), ISO yyyy-mm-dd, "12 Dec 2026",
  "12 December 2026", "12-Dec-26", "Monday 12th December 2026", "December 12, 2026". A time
  after the date is ignored. Empty, "TBC", "TBA", "n/a", "-", "?", "none", "not known" ...
  mean no date. Anything else, including impossible dates (31/02/2026), is `UnreadableDate`.
* **Two-digit years** are the latest year ending in those digits that is at most 10 years
  after `today` (in 2026: 00-36 are 2000-2036, 37-99 are 1937-1999); without `today`, at
  most 2069. A child at the Front Door was born after 2000 and every referral, target and
  expected date of birth is within a year or two of today, so no real row is near the edge.
* **Rejected** (nothing from the row is written) only when the row cannot be a case at all:
  a child id that does not look like one; no child id and no full name and date of birth
  to match a child record on (the service matches, or rejects); a missing, unreadable or future
  referral date (a referral that has not happened yet); an unreadable assessment start,
  target end or completed date. Everything else is **imported with warnings**, and a row
  with warnings carries `review` kinds so a manager can look at it:
  a completion date in the future or before the referral imports the case as open, the date
  kept as `noted_completion`; a target end before the start is reported (the service works
  out its own due date); a completed row with no outcome ("TBC", blank, unknown words) is
  `needs_outcome` (not authorised); an unreadable or future date of birth, an unreadable case
  discussion date, an unknown source, a start before the referral, an expected date of birth
  already passed, no name are left out with a warning.
* **Duplicates**: rows with the same child id and referral date are one referral. A later
  row identical to an earlier one after normalising is "merged as a duplicate of row N"; a
  later row that fills blanks of the earlier one is merged into it; where a later row
  disagrees, the first row's value is kept and the difference is a warning (review
  "rows_disagree"); differing notes are joined. One child id given to children with
  different names or dates of birth: every referral is imported for the child the id names,
  the later ones with a warning (review "child_details").
* **import_key** is "tracker:{child id}:{referral date ISO}", so importing the same file
  twice finds the same keys.
"""
from triage.domain.tracker.cells import (
    CHILD_ID_MAX_LENGTH,
    EMPTY_WORDS,
    EXCEL_EPOCH,
    EXCEL_SERIAL_RANGE,
    SURNAME_PARTICLES,
    TWO_DIGIT_YEAR_LATEST_WITHOUT_TODAY,
    TWO_DIGIT_YEAR_LEAD,
    YEAR_RANGE,
    Birth,
    HeaderNotFound,
    OutcomeReading,
    PersonName,
    TrackerError,
    UnreadableDate,
    clean_text,
    format_date,
    from_excel_serial,
    full_year,
    import_key,
    is_empty,
    name_key,
    parse_birth,
    parse_child_id,
    parse_child_name,
    parse_date,
    parse_outcome,
    parse_source,
    unidentified_key,
)
from triage.domain.tracker.headers import (
    FIELDS,
    HEADER_SEARCH_ROWS,
    REQUIRED_FIELDS,
    field_for_heading,
    find_header,
)
from triage.domain.tracker.mapping import (
    ACTIONS_FOR,
    MAP_ACTIONS,
    MAP_COLUMNS,
    MAPPING_HEADER,
    MappingEntry,
    looks_like_locality,
    parse_mapping,
)
from triage.domain.tracker.parse import (
    parse_tracker,
)
from triage.domain.tracker.rows import (
    REVIEW_KINDS,
    Merge,
    Rejection,
    RowStatus,
    RowWarning,
    TrackerParse,
    TrackerRow,
)

__all__ = [
    "ACTIONS_FOR",
    "Birth",
    "CHILD_ID_MAX_LENGTH",
    "EMPTY_WORDS",
    "EXCEL_EPOCH",
    "EXCEL_SERIAL_RANGE",
    "FIELDS",
    "HEADER_SEARCH_ROWS",
    "HeaderNotFound",
    "MAPPING_HEADER",
    "MAP_ACTIONS",
    "MAP_COLUMNS",
    "MappingEntry",
    "Merge",
    "OutcomeReading",
    "PersonName",
    "REQUIRED_FIELDS",
    "REVIEW_KINDS",
    "Rejection",
    "RowStatus",
    "RowWarning",
    "SURNAME_PARTICLES",
    "TWO_DIGIT_YEAR_LATEST_WITHOUT_TODAY",
    "TWO_DIGIT_YEAR_LEAD",
    "TrackerError",
    "TrackerParse",
    "TrackerRow",
    "UnreadableDate",
    "YEAR_RANGE",
    "clean_text",
    "field_for_heading",
    "find_header",
    "format_date",
    "from_excel_serial",
    "full_year",
    "import_key",
    "is_empty",
    "looks_like_locality",
    "name_key",
    "parse_birth",
    "parse_child_id",
    "parse_child_name",
    "parse_date",
    "parse_mapping",
    "parse_outcome",
    "parse_source",
    "parse_tracker",
    "unidentified_key",
]
