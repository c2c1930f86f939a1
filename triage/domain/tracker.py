"""Reading the old Front Door tracker spreadsheet: rows of cell values in, typed rows out.

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
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from types import MappingProxyType

from triage.domain.codes import AssessmentOutcome, ClosureReason, ReferralSource

# --------------------------------------------------------------------------------------------
# Errors

class TrackerError(ValueError):
    """Something in the spreadsheet that this import cannot read."""


class HeaderNotFound(TrackerError):
    """No row looks like the tracker's header row."""


class UnreadableDate(TrackerError):
    """A cell that should hold a date holds something else."""

    def __init__(self, value: object, reason: str | None = None) -> None:
        self.value = value
        self.reason = reason
        shown = _shown(value)
        message = f'"{shown}" is not a date this import can read'
        if reason:
            message = f'"{shown}" is not a date: {reason}'
        super().__init__(message)


def _shown(value: object, limit: int = 40) -> str:
    text = value.isoformat() if isinstance(value, date) else str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------------------------
# Text helpers

# Words people put in a cell to mean "nothing here yet". Compared after casefolding and
# collapsing spaces. Excel errors ("#N/A", "#REF!") are deliberately not here: they mean a
# broken formula, which the import should report, not hide.
EMPTY_WORDS = frozenset({
    "", "-", "--", "---", "–", "—", "?", "??", "???", ".", "tbc", "tba", "tbd", "t.b.c", "t.b.c.",
    "n/a", "na", "n.a", "n.a.", "n / a", "nk", "n/k", "none", "nil", "not known", "unknown",
    "not applicable", "pending", "to follow", "awaiting", "to be confirmed",
})

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def clean_text(value: object) -> str | None:
    """A cell as trimmed text with runs of spaces collapsed; None when empty.

    Numbers that are whole come back without ".0" (Excel stores 226285 as 226285.0 in some
    files); dates come back in ISO form. Non-breaking and zero-width spaces count as spaces.
    """
    if value is None:
        return None
    if type(value) is str:
        text = value
    elif isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, datetime):
        text = value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value)
    if not text.isascii():
        text = text.translate(_INVISIBLE)
    text = " ".join(text.split())
    return text or None


def is_empty(value: object) -> bool:
    """Blank, or one of the words that mean blank ("TBC", "n/a", "-" ...)."""
    text = clean_text(value)
    return text is None or text.casefold() in EMPTY_WORDS


def _value_text(value: object) -> str | None:
    """clean_text, with the empty words read as None."""
    text = clean_text(value)
    if text is None or text.casefold() in EMPTY_WORDS:
        return None
    return text


def name_key(text: str | None) -> str | None:
    """How names, teams and workers are compared: case, accents' case and spacing ignored.

    "FRONT DOOR", "Front door" and " Front  Door " share the key "front door".
    """
    if text is None:
        return None
    key = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    return key or None


def _heading_key(text: str) -> str:
    """'Referral Date (dd/mm/yyyy)' -> 'referraldate'; 'D.O.B' -> 'dob'; '14+' stays '14+'."""
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", text.casefold())
    text = text.replace("&", "and").replace("'", "").replace("’", "")
    return re.sub(r"[^a-z0-9+]", "", text)


# --------------------------------------------------------------------------------------------
# The header row

FIELDS = (
    "child_id", "child_name", "first_name", "last_name", "date_of_birth", "referral_date",
    "source", "worker", "team", "case_discussion_date", "assessment_start",
    "assessment_target_end", "assessment_completed", "outcome", "notes",
)
REQUIRED_FIELDS = ("child_id", "referral_date")
HEADER_SEARCH_ROWS = 50

_ALIASES: dict[str, tuple[str, ...]] = {
    "child_id": (
        "ics id", "ics no", "ics number", "ics ref", "ics", "lcs id", "lcs no", "lcs number", "lcs",
        "mosaic id", "mosaic no", "mosaic number", "mosaic", "eclipse id", "liquidlogic id",
        "carefirst id", "child id", "child no", "child number", "child ref", "child reference",
        "childs id", "person id", "client id", "id", "id no", "id number",
    ),
    "child_name": (
        "child name", "childs name", "name of child", "child", "name", "full name",
        "child full name", "young person", "young persons name", "yp name",
    ),
    "first_name": ("first name", "forename", "forenames", "given name", "child first name"),
    "last_name": ("last name", "surname", "family name", "child surname", "child last name"),
    "date_of_birth": (
        "dob", "date of birth", "birth date", "child dob", "dob edd", "dob or edd", "dob/edd",
    ),
    "referral_date": (
        "referral date", "date of referral", "referral received", "date referral received",
        "referral received date", "date referred", "referred", "ref date", "referral",
    ),
    "source": (
        "source", "referral source", "source of referral", "referrer", "referred by",
        "referrer agency", "referring agency", "agency",
    ),
    "worker": (
        "allocated worker", "social worker", "sw", "allocated sw", "allocated social worker",
        "allocated to", "worker", "practitioner", "allocated practitioner",
    ),
    "team": ("team", "allocated team", "team name"),
    "case_discussion_date": (
        "case discussion date", "case discussion", "date of case discussion", "cd date", "cd",
        "case discussion planned", "case discussion due",
    ),
    "assessment_start": (
        "assessment target start", "assessment start", "assessment start date", "start date",
        "target start", "target start date", "date assessment started", "started",
    ),
    "assessment_target_end": (
        "assessment target end", "assessment target end date", "target end", "target end date",
        "assessment end", "assessment due", "assessment due date", "due date", "target date",
        "end date",
    ),
    "assessment_completed": (
        "assessment completed", "assessment completed date", "completed", "date completed",
        "completed date", "completion date", "authorised", "date authorised", "authorised date",
        "assessment authorised", "date assessment authorised",
    ),
    "outcome": ("outcome", "assessment outcome", "outcome of assessment", "result"),
    "notes": ("notes", "note", "comments", "comment", "notes comments", "remarks"),
}
_HEADING_TO_FIELD: Mapping[str, str] = MappingProxyType({
    _heading_key(alias): name for name, aliases in _ALIASES.items() for alias in aliases
})
_FIELD_LABELS = {
    "child_id": "child id (e.g. 'ICS ID', 'Child ID')",
    "referral_date": "referral date ('Referral Date')",
}


def field_for_heading(heading: object) -> str | None:
    """The canonical field a column heading stands for, or None if it is not one we know."""
    text = clean_text(heading)
    if text is None:
        return None
    return _HEADING_TO_FIELD.get(_heading_key(text))


def _map_row(row: Sequence[object]) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for index, cell in enumerate(row):
        name = field_for_heading(cell) if isinstance(cell, str) else None
        if name is not None and name not in mapping:  # the first column of a name wins
            mapping[name] = index
    return mapping


def find_header(rows: Sequence[Sequence[object]]) -> tuple[int, dict[str, int]]:
    """(index of the header row in `rows`, {field: column index}) for the tracker's header.

    Title rows and blank rows above the header are passed over. The header is the first of
    the first 50 rows with both a child id and a referral date column; if there is none, a
    `HeaderNotFound` says which of the two the nearest candidate lacks.
    """
    best: tuple[int, int, dict[str, int]] | None = None  # (recognised, index, mapping)
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        mapping = _map_row(row)
        if all(name in mapping for name in REQUIRED_FIELDS):
            return index, mapping
        if mapping and (best is None or len(mapping) > best[0]):
            best = (len(mapping), index, mapping)
    if best is None:
        raise HeaderNotFound(
            f"No header row found in the first {HEADER_SEARCH_ROWS} rows: the tracker needs a "
            "row of column names including a child id (e.g. 'ICS ID', 'Child ID') and a "
            "'Referral Date'."
        )
    _, index, mapping = best
    missing = [_FIELD_LABELS[name] for name in REQUIRED_FIELDS if name not in mapping]
    found = ", ".join(f"'{clean_text(rows[index][i])}'" for i in sorted(mapping.values()))
    raise HeaderNotFound(
        f"No header row found: row {index + 1} looks like one ({found}) but has no "
        f"{' and no '.join(missing)} column."
    )


# --------------------------------------------------------------------------------------------
# Dates

EXCEL_EPOCH = date(1899, 12, 30)  # serial 61 = 1 Mar 1900; Excel's fictional 29 Feb 1900 is 60
EXCEL_SERIAL_RANGE = (20000, 80000)  # 3 Oct 1954 to 11 Jan 2119
YEAR_RANGE = (1900, 2100)
TWO_DIGIT_YEAR_LEAD = 10  # a two-digit year is at most this many years after today
TWO_DIGIT_YEAR_LATEST_WITHOUT_TODAY = 2069

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9,
    "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+)?"
_TIME = r"(?:[ t]\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?\s*(?:am|pm)?z?)?"
_NUMERIC_DMY = re.compile(rf"(\d{{1,2}})([/.\-])(\d{{1,2}})\2(\d{{4}}|\d{{2}}){_TIME}")
_NUMERIC_YMD = re.compile(rf"(\d{{4}})([/.\-])(\d{{1,2}})\2(\d{{1,2}}){_TIME}")
_TEXT_DMY = re.compile(
    rf"{_WEEKDAY}(\d{{1,2}})(?:st|nd|rd|th)?[\s\-/.]*([a-z]+)\.?[\s\-/.,]*(\d{{4}}|\d{{2}}){_TIME}"
)
_TEXT_MDY = re.compile(rf"{_WEEKDAY}([a-z]+)\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}}){_TIME}")
_SERIAL = re.compile(r"\d+(?:\.\d+)?")


def full_year(two_digits: int, today: date | None = None) -> int:
    """The year a two-digit year stands for: the latest year ending in those two digits that
    is at most 10 years after `today` (at most 2069 without `today`)."""
    if not 0 <= two_digits <= 99:
        raise ValueError("two_digits must be 0-99")
    latest = today.year + TWO_DIGIT_YEAR_LEAD if today is not None else TWO_DIGIT_YEAR_LATEST_WITHOUT_TODAY
    year = latest - latest % 100 + two_digits
    return year - 100 if year > latest else year


def from_excel_serial(serial: float, original: object = None) -> date:
    """The date of an Excel (1900 date system) serial number; the time of day is dropped."""
    low, high = EXCEL_SERIAL_RANGE
    if not low <= serial < high + 1:
        raise UnreadableDate(
            original if original is not None else serial,
            "a number, but not an Excel date serial between 1954 and 2119",
        )
    return EXCEL_EPOCH + timedelta(days=int(serial))


def _make_date(value: object, year: int, month: int, day: int) -> date:
    low, high = YEAR_RANGE
    if not low <= year <= high:
        raise UnreadableDate(value, f"the year {year} is out of range")
    if not 1 <= month <= 12:
        raise UnreadableDate(value, f"there is no month {month} (dates are read day first)")
    try:
        return date(year, month, day)
    except ValueError:
        raise UnreadableDate(value, f"there is no day {day} in {date(year, month, 1):%B %Y}") from None


def _year(text: str, today: date | None) -> int:
    return full_year(int(text), today) if len(text) == 2 else int(text)


def parse_date(value: object, *, today: date | None = None) -> date | None:
    """A cell read as a date (day first), None when empty, else `UnreadableDate`.

    `today` only sets the window for two-digit years (see `full_year`).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise UnreadableDate(value)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)):
        if value != value:  # NaN
            raise UnreadableDate(value)
        return from_excel_serial(value, value)
    if not isinstance(value, str):
        raise UnreadableDate(value, f"a {type(value).__name__}, not a date")
    text = clean_text(value)
    if text is None or text.casefold() in EMPTY_WORDS:
        return None
    lowered = text.casefold()
    if _SERIAL.fullmatch(lowered):
        return from_excel_serial(float(lowered), value)
    if m := _NUMERIC_DMY.fullmatch(lowered):
        return _make_date(value, _year(m[4], today), int(m[3]), int(m[1]))
    if m := _NUMERIC_YMD.fullmatch(lowered):
        return _make_date(value, int(m[1]), int(m[3]), int(m[4]))
    if m := _TEXT_DMY.fullmatch(lowered):
        month = _MONTHS.get(m[2])
        if month is None:
            raise UnreadableDate(value, f'"{m[2]}" is not a month')
        return _make_date(value, _year(m[3], today), month, int(m[1]))
    if m := _TEXT_MDY.fullmatch(lowered):
        month = _MONTHS.get(m[1])
        if month is not None:
            return _make_date(value, int(m[3]), month, int(m[2]))
    raise UnreadableDate(value)


def format_date(d: date) -> str:
    """dd/mm/yyyy, as the Front Door writes dates."""
    return f"{d:%d/%m/%Y}"


# --------------------------------------------------------------------------------------------
# Date of birth, or an unborn child's expected date

@dataclass(frozen=True)
class Birth:
    date_of_birth: date | None = None
    expected_date_of_birth: date | None = None
    unborn: bool = False


_UNBORN = re.compile(
    r"(?P<unborn>unborn(?:\s+(?:baby|child))?|pre[\s-]?birth)?"
    r"[\s\-–:,(]*"
    r"(?P<edd>e\.?d\.?d\.?|expected(?:\s+date)?(?:\s+of\s+(?:delivery|birth))?|due(?:\s+date)?)?"
    r"[\s:\-–]*"
    r"(?P<date>.*?)[\s)]*"
)


def parse_birth(value: object, *, today: date | None = None) -> Birth:
    """A DOB cell: a date of birth, or "Unborn - EDD 10/02/2027" (any date form after it).

    "Unborn" alone is an unborn child with no expected date. Raises `UnreadableDate`.
    """
    if not isinstance(value, str):
        return Birth(date_of_birth=parse_date(value, today=today))
    text = clean_text(value)
    if text is None:
        return Birth()
    m = _UNBORN.fullmatch(text.casefold())
    if m and (m["unborn"] or m["edd"]):
        rest = text[m.start("date"):m.end("date")]
        return Birth(expected_date_of_birth=parse_date(rest, today=today) if rest else None, unborn=True)
    return Birth(date_of_birth=parse_date(value, today=today))


# --------------------------------------------------------------------------------------------
# Names

SURNAME_PARTICLES = frozenset({
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "dos", "das",
    "bin", "binti", "ibn", "al", "el", "ap", "st", "st.",
})


@dataclass(frozen=True)
class PersonName:
    full: str
    first: str
    last: str


def parse_child_name(value: object) -> PersonName | None:
    """Trim and collapse spaces, then split into first and last name.

    "Surname, Forenames" (with a comma) is taken at its word. Otherwise the last word is the
    surname and the words before it the first names ("Ellie-Mae Thompson", "Mary Jane Smith"
    -> "Mary Jane" / "Smith"), except that lower-case particles just before it join the
    surname ("Maria de la Cruz" -> "Maria" / "de la Cruz"; the first word is never one).
    A single word is the first name with an empty surname. The text is kept as written:
    names are not re-cased.
    """
    text = _value_text(value)
    if text is None:
        return None
    if "," in text:
        last, _, first = (part.strip() for part in text.partition(","))
        full = " ".join(p for p in (first, last) if p)
        return PersonName(full=full, first=first, last=last) if full else None
    words = text.split(" ")
    if len(words) == 1:
        return PersonName(full=text, first=text, last="")
    split = len(words) - 1
    while split > 1 and words[split - 1] in SURNAME_PARTICLES:
        split -= 1
    return PersonName(full=text, first=" ".join(words[:split]), last=" ".join(words[split:]))


# --------------------------------------------------------------------------------------------
# Referral source

def _phrase_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9+]+", " ", text).split())


_SOURCE_WORDS: dict[str, tuple[str, ...]] = {
    "1A": ("family", "family member", "relative", "carer", "parent", "mother", "mum", "father",
           "dad", "grandparent", "grandmother", "grandfather", "nan", "aunt", "uncle", "sibling",
           "family member relative carer", "individual family"),
    "1B": ("acquaintance", "neighbour", "friend", "family friend", "childminder", "child minder"),
    "1C": ("self", "self referral", "child", "young person", "yp", "the child"),
    "1D": ("member of public", "member of the public", "public", "other individual", "individual"),
    "2A": ("school", "schools", "education school", "teacher", "head teacher", "headteacher",
           "dsl", "designated safeguarding lead", "academy"),
    "2B": ("education", "education services", "other education", "college", "nursery",
           "education welfare", "ews", "ewo"),
    "3A": ("gp", "gp surgery", "general practitioner", "doctor"),
    "3B": ("health visitor", "health visitors", "hv", "health visiting"),
    "3C": ("school nurse", "school nursing"),
    "3D": ("other primary health", "primary health", "dentist", "pharmacy", "pharmacist", "optician"),
    "3E": ("a and e", "ae", "a e", "accident and emergency", "emergency department", "ed"),
    "3F": ("other health", "health", "hospital", "midwife", "midwifery", "camhs", "cyps",
           "mental health", "paediatrician", "paediatrics", "ambulance", "nhs"),
    "4": ("housing", "housing association", "housing officer", "housing services"),
    "5A": ("la social care", "social care", "adult social care", "adults social care", "asc",
           "childrens social care", "csc", "social services"),
    "5B": ("la other internal", "other internal", "la internal", "council"),
    "5C": ("la external", "other la", "other local authority", "another local authority",
           "another la", "out of area"),
    "5D": ("early help", "la early help", "eh", "early help team", "early help hub",
           "family support"),
    "6": ("police", "police notification", "ppn", "vprf"),
    "7": ("other legal agency", "legal", "probation", "court", "courts", "cafcass", "prison",
          "immigration"),
    "8": ("other",),
    "9": ("anonymous", "anon"),
    "10": ("unknown", "not known"),
}
_SOURCE_BY_PHRASE: Mapping[str, str] = MappingProxyType({
    _phrase_key(word): code for code, words in _SOURCE_WORDS.items() for word in words
})
_SOURCE_CODES = frozenset(s.value for s in ReferralSource)


def parse_source(value: object) -> tuple[ReferralSource | None, str | None]:
    """(DfE referral source, warning) for a source cell.

    A census code ("6", "3e", "5D", "6 - Police") is taken as it is; otherwise the words are
    looked up ("Police", "A&E", "GP", "Health Visitor", "School", "Housing", "Family",
    "Early Help", "Anonymous"...). Blank gives (None, None); words not known give None with
    a warning, never a rejection.
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _value_text(value)
    if text is None:
        return None, None
    key = _phrase_key(text)
    code = _SOURCE_BY_PHRASE.get(key)
    if code is None:
        # The code itself ("6", "3e", "5 D"), or a code followed by its words ("6 - Police").
        for candidate in (key.replace(" ", ""), key.partition(" ")[0]):
            if candidate.upper() in _SOURCE_CODES:
                code = candidate.upper()
                break
    if code is None:
        return None, f'Source "{_shown(text)}" is not one this import recognises: left blank'
    return ReferralSource(code), None


# --------------------------------------------------------------------------------------------
# Outcome

@dataclass(frozen=True)
class OutcomeReading:
    """What an outcome cell says: the assessment's outcome and, where it closes the case, why."""

    outcome: AssessmentOutcome | None = None
    closure_reason: ClosureReason | None = None

    @property
    def transferred(self) -> bool:
        return self.closure_reason == ClosureReason.TRANSFERRED_TO_ANOTHER_LA


_NFA = OutcomeReading(AssessmentOutcome.NO_FURTHER_ACTION, ClosureReason.NFA_AFTER_ASSESSMENT)
_CIN = OutcomeReading(AssessmentOutcome.CHILD_IN_NEED_PLAN)
_S47 = OutcomeReading(AssessmentOutcome.S47)
_EARLY_HELP = OutcomeReading(AssessmentOutcome.EARLY_HELP, ClosureReason.EARLY_HELP_AFTER_ASSESSMENT)
_TRANSFER = OutcomeReading(None, ClosureReason.TRANSFERRED_TO_ANOTHER_LA)
_NO_OUTCOME = OutcomeReading()

_OUTCOME_WORDS: dict[OutcomeReading, tuple[str, ...]] = {
    _NFA: ("nfa", "no further action", "nfa advice given", "nfa advice", "nfa advice and guidance",
           "nfa signposted", "nfa signposting", "advice given", "advice and guidance",
           "information and advice", "signposted", "signposting", "closed nfa", "nfa closed"),
    _CIN: ("cin", "child in need", "cin plan", "child in need plan", "s17", "section 17",
           "open cin", "cin open"),
    _S47: ("s47", "s 47", "section 47", "s47 enquiry", "section 47 enquiry", "strategy",
           "strategy discussion", "strat", "cp", "child protection", "icpc", "cp plan",
           "cp conference", "to cp", "s47 icpc"),
    _EARLY_HELP: ("early help", "eh", "step down", "stepdown", "step down eh", "step down to eh",
                  "step down to early help", "step down early help", "stepped down",
                  "stepped down to early help", "referred to early help", "eh referral",
                  "closed to early help"),
    _TRANSFER: ("transferred to other la", "transfer to other la", "transferred to another la",
                "transfer to another la", "transferred to other local authority",
                "transferred to another local authority", "transferred", "transfer",
                "transfer out", "moved la", "moved out of area", "moved to another la",
                "other la"),
    _NO_OUTCOME: ("ongoing", "open", "in progress", "not yet", "awaiting", "pending"),
}
_OUTCOME_BY_PHRASE: Mapping[str, OutcomeReading] = MappingProxyType({
    _phrase_key(word): reading for reading, words in _OUTCOME_WORDS.items() for word in words
})


def parse_outcome(value: object) -> tuple[OutcomeReading, str | None]:
    """(reading, warning) for an outcome cell.

    NFA and "nfa - advice given" -> no further action (closure RC8); CIN -> child in need
    plan; S47 and CP -> section 47 enquiry (at the end of an assessment "CP" means the case
    went to child protection, which starts with a strategy discussion and s47 enquiry; a CP
    plan itself can only follow an ICPC); Early Help, "step down EH" -> early help (RC9);
    "Transferred to other LA" -> no assessment outcome, closed RC5. TBC, blank, "ongoing" ->
    nothing yet. Unknown words -> nothing, with a warning.
    """
    text = _value_text(value)
    if text is None:
        return _NO_OUTCOME, None
    reading = _OUTCOME_BY_PHRASE.get(_phrase_key(text))
    if reading is None:
        return _NO_OUTCOME, f'Outcome "{_shown(text)}" is not one this import recognises: left blank'
    return reading, None


# --------------------------------------------------------------------------------------------
# Child id

_ID_PLACEHOLDERS = ("to follow", "tbc", "tba", "awaiting", "pending", "unknown", "not known",
                    "not yet", "new", "none", "no id")
_CHILD_ID = re.compile(r"[A-Z0-9][A-Z0-9/\-]{0,19}")
CHILD_ID_MAX_LENGTH = 20


def parse_child_id(value: object) -> tuple[str | None, str | None]:
    """(child id, reason it cannot be used). Both None when the cell is empty.

    An id is up to 20 letters and digits (hyphens and slashes allowed inside), with at least
    one digit and not all zeros; spaces are dropped and letters upper-cased. Whole numbers
    stored as floats lose their ".0". Words that promise an id later ("ICS ID to follow",
    "awaiting", "TBC") count as no id.
    """
    if isinstance(value, bool):
        return None, f'Child id "{value}" does not look like an id'
    if isinstance(value, float):
        if not value.is_integer():
            return None, f'Child id "{value}" does not look like an id'
        value = int(value)
    text = clean_text(value)
    if text is None or text.casefold() in EMPTY_WORDS:
        return None, None
    if not any(ch.isdigit() for ch in text) and any(w in text.casefold() for w in _ID_PLACEHOLDERS):
        return None, None  # "ICS ID to follow", "awaiting ID", "new - TBC"
    candidate = text.replace(" ", "").upper()
    if (not _CHILD_ID.fullmatch(candidate) or not any(ch.isdigit() for ch in candidate)
            or not candidate.strip("0-/")):
        return None, (f'Child id "{_shown(text)}" does not look like an id (up to '
                      f"{CHILD_ID_MAX_LENGTH} letters and digits, at least one digit)")
    return candidate, None


def import_key(child_id: str, referral_date: date) -> str:
    """The stable key of a tracker row: the same child and referral date, the same key."""
    return f"tracker:{child_id}:{referral_date.isoformat()}"


def unidentified_key(name: str, born: date | None, referral_date: date) -> str:
    """The key of a row with no child id: its name and date of birth (digested, to keep names
    out of keys and within 80 characters) and its referral date."""
    digest = hashlib.sha256(f"{name_key(name)}|{born.isoformat() if born else ''}".encode()).hexdigest()[:16]
    return f"tracker:noid-{digest}:{referral_date.isoformat()}"


# --------------------------------------------------------------------------------------------
# Mapping the file's teams, localities and workers to the service's

MAP_COLUMNS = ("team", "worker")  # the tracker column a name comes from
MAP_ACTIONS = MappingProxyType({
    "team": "an existing team",
    "locality": "an existing locality (the child's; the case has no team)",
    "account": "an existing account (username)",
    "create-team": "a new team of that name",
    "create-locality": "a new locality of that name",
    "none": "nothing (left blank)",
})
ACTIONS_FOR = MappingProxyType({"team": ("team", "locality", "create-team", "create-locality", "none"),
                                "worker": ("account", "none")})


def looks_like_locality(name: str | None) -> bool:
    """'North Locality', 'west locality team' are localities, not teams."""
    return name is not None and "locality" in (name_key(name) or "")


@dataclass(frozen=True)
class MappingEntry:
    """One name found in the tracker's team or worker column, and what it stands for here."""

    column: str  # "team" or "worker"
    name: str  # as written in the tracker
    action: str  # a MAP_ACTIONS key
    target: str | None = None  # team or locality name, or username; None for create/none

    @property
    def key(self) -> tuple[str, str]:
        return self.column, name_key(self.name) or ""


MAPPING_HEADER = ("column", "name", "maps_to", "target")


def parse_mapping(rows: Sequence[Sequence[object]]) -> tuple[MappingEntry, ...]:
    """A mapping file's rows (header `column,name,maps_to,target`) as entries.

    `column` is team or worker; `maps_to` one of MAP_ACTIONS ("team", "locality" and
    "account" need a `target`: the team or locality name, or the account's username). Raises
    `TrackerError` naming every row that cannot be read.
    """
    body = [r for r in rows if any(clean_text(c) for c in r)]
    if not body or tuple((clean_text(c) or "").casefold() for c in body[0][:4]) != MAPPING_HEADER:
        raise TrackerError(f"A mapping file starts with the header row {','.join(MAPPING_HEADER)}")
    entries: dict[tuple[str, str], MappingEntry] = {}
    problems: list[str] = []
    for number, row in enumerate(body[1:], start=2):
        cells = [clean_text(c) for c in [*row, None, None, None, None]][:4]
        column, name, target = (cells[0] or "").casefold(), cells[1], cells[3]
        action = (cells[2] or "").casefold()
        if column not in ACTIONS_FOR:
            problems.append(f"row {number}: column must be team or worker")
        elif not name:
            problems.append(f"row {number}: no name")
        elif action not in ACTIONS_FOR[column]:
            problems.append(f"row {number}: maps_to for a {column} must be one of "
                            f"{', '.join(ACTIONS_FOR[column])}")
        elif action in ("team", "locality", "account") and not target:
            problems.append(f"row {number}: maps_to {action} needs a target")
        else:
            entry = MappingEntry(column, name, action,
                                 target if action in ("team", "locality", "account") else None)
            entries[entry.key] = entry
    if problems:
        raise TrackerError("The mapping file cannot be used: " + "; ".join(problems))
    return tuple(entries.values())


# --------------------------------------------------------------------------------------------
# Results

@dataclass(frozen=True)
class TrackerRow:
    """One referral from the tracker, typed and checked. `row_number` is the spreadsheet's."""

    row_number: int
    import_key: str
    child_id: str | None  # None: no id in the tracker; matched to a child by name and date of birth
    referral_date: date
    child_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    date_of_birth: date | None = None
    expected_date_of_birth: date | None = None
    unborn: bool = False
    source_code: ReferralSource | None = None
    source_text: str | None = None
    worker: str | None = None
    worker_key: str | None = None
    team: str | None = None
    team_key: str | None = None
    case_discussion_date: date | None = None
    assessment_start: date | None = None
    assessment_target_end: date | None = None
    assessment_completed: date | None = None
    outcome: AssessmentOutcome | None = None
    closure_reason: ClosureReason | None = None
    outcome_text: str | None = None
    notes: str | None = None
    merged_rows: tuple[int, ...] = ()  # later rows folded into this one
    warnings: tuple[str, ...] = ()
    # A completion date that cannot stand (in the future, or before the referral): the case is
    # imported as open and the date kept here, as a note for the manager who reviews it.
    noted_completion: date | None = None
    # Why a manager should look at this row (REVIEW_KINDS keys); empty when nothing is doubtful.
    review: tuple[str, ...] = ()

    @property
    def needs_outcome(self) -> bool:
        """Completed, but with no outcome the service can record ("TBC", blank, unknown words)."""
        return (self.assessment_completed is not None and self.outcome is None
                and self.closure_reason is None)

    @property
    def transferred(self) -> bool:
        return self.closure_reason == ClosureReason.TRANSFERRED_TO_ANOTHER_LA


@dataclass(frozen=True)
class Rejection:
    """A row that writes nothing, and every reason why."""

    row_number: int
    reasons: tuple[str, ...]
    child_id: str | None = None


@dataclass(frozen=True)
class Merge:
    """A row folded into an earlier row for the same child and referral date."""

    row_number: int
    into_row: int
    duplicate: bool  # identical after normalising; otherwise it filled blanks
    filled: tuple[str, ...] = ()  # fields it supplied, when not a duplicate
    into_rejected: bool = False  # folded into a row that is itself rejected: writes nothing
    disagreed: tuple[str, ...] = ()  # fields it gave differently; row `into_row`'s values were kept

    @property
    def message(self) -> str:
        if self.into_rejected:
            kind = "as a duplicate of" if self.duplicate else "into"
            return f"Merged {kind} row {self.into_row}, which is rejected"
        if self.duplicate:
            return f"Merged as a duplicate of row {self.into_row}"
        added = ", ".join(_FIELD_NAMES.get(f, f) for f in self.filled)
        text = f"Merged into row {self.into_row}" + (f" (adds {added})" if added else "")
        if self.disagreed:
            text += (f"; its different {', '.join(self.disagreed)} not used (row {self.into_row}'s "
                     "kept, and on the review list)")
        return text


REVIEW_KINDS = MappingProxyType({
    "outcome_needed": "Completed with no outcome: record the outcome",
    "completion_not_used": "Completion date not used: the case is open",
    "target_end": "The tracker's target end differs from the service's due date",
    "rows_disagree": "Rows for this referral disagree",
    "child_details": "The child's details differ between rows or from the child record",
    "other": "Other warnings",
})


@dataclass(frozen=True)
class RowWarning:
    row_number: int
    message: str


@dataclass(frozen=True)
class RowStatus:
    row_number: int
    status: str  # "ok", "merged" or "rejected"
    messages: tuple[str, ...]


@dataclass(frozen=True)
class TrackerParse:
    header_row: int  # 1-based
    columns: Mapping[str, int]  # field -> 0-based column index
    headings: Mapping[str, str]  # field -> the column's heading as written
    ignored_columns: tuple[str, ...]  # headings not recognised, as written
    rows: tuple[TrackerRow, ...]
    rejections: tuple[Rejection, ...]
    merges: tuple[Merge, ...]
    warnings: tuple[RowWarning, ...]
    blank_rows: int = 0
    footer_rows: int = 0
    repeated_headers: int = 0
    teams: Mapping[str, str] = field(default_factory=dict)  # team_key -> preferred spelling
    workers: Mapping[str, str] = field(default_factory=dict)  # worker_key -> preferred spelling

    def row(self, row_number: int) -> TrackerRow | None:
        return next((r for r in self.rows if r.row_number == row_number), None)

    def rejection(self, row_number: int) -> Rejection | None:
        return next((r for r in self.rejections if r.row_number == row_number), None)

    def statuses(self) -> tuple[RowStatus, ...]:
        """Every data row that was not skipped, in spreadsheet order, with what became of it."""
        out = [RowStatus(r.row_number, "ok", r.warnings) for r in self.rows]
        out += [RowStatus(m.row_number, "merged", (m.message,)) for m in self.merges]
        out += [RowStatus(r.row_number, "rejected", r.reasons) for r in self.rejections]
        return tuple(sorted(out, key=lambda s: s.row_number))


_FIELD_NAMES = {
    "child_id": "child id", "child_name": "child's name", "first_name": "first name",
    "last_name": "last name", "date_of_birth": "date of birth",
    "expected_date_of_birth": "expected date of birth", "unborn": "unborn",
    "referral_date": "referral date", "source_code": "source", "source_text": "source",
    "worker": "worker", "worker_key": "worker", "team": "team", "team_key": "team",
    "case_discussion_date": "case discussion date", "assessment_start": "assessment start",
    "assessment_target_end": "assessment target end",
    "assessment_completed": "assessment completed", "outcome": "outcome",
    "closure_reason": "outcome", "outcome_text": "outcome", "notes": "notes",
}


# --------------------------------------------------------------------------------------------
# Parsing the rows

_FOOTER_LABEL = re.compile(
    r"(grand\s+)?totals?\b|count\b|number of\b|end of\b|last updated\b|updated\b|key\b", re.I
)
# Fields compared when deciding whether two rows for one referral agree. For each, the value
# compared (keys for free text) and the fields it carries over when filling a blank.
_COMPARED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("child_name_key", ("child_name", "first_name", "last_name")),
    ("date_of_birth", ("date_of_birth",)),
    ("expected_date_of_birth", ("expected_date_of_birth", "unborn")),
    ("source_code", ("source_code", "source_text")),
    ("worker_key", ("worker", "worker_key")),
    ("team_key", ("team", "team_key")),
    ("case_discussion_date", ("case_discussion_date",)),
    ("assessment_start", ("assessment_start",)),
    ("assessment_target_end", ("assessment_target_end",)),
    ("assessment_completed", ("assessment_completed",)),
    ("outcome_reading", ("outcome", "closure_reason", "outcome_text")),
)


def _compared_value(row: TrackerRow, name: str) -> object:
    if name == "child_name_key":
        return name_key(row.child_name)
    if name == "outcome_reading":
        if row.outcome is None and row.closure_reason is None:
            return None
        return (row.outcome, row.closure_reason)
    return getattr(row, name)


def _describe(row: TrackerRow, name: str) -> str:
    if name == "child_name_key":
        return row.child_name or ""
    if name == "outcome_reading":
        return row.outcome_text or ""
    if name in ("worker_key", "team_key"):
        return getattr(row, name.removesuffix("_key")) or ""
    if name == "source_code":
        return row.source_text or ""
    value = getattr(row, name)
    return format_date(value) if isinstance(value, date) else str(value)


_COMPARED_FIELD = {
    "child_name_key": "child_name", "worker_key": "worker", "team_key": "team",
    "outcome_reading": "outcome",
}
_COMPARED_LABEL = {
    "child_name_key": "child's name", "date_of_birth": "date of birth",
    "expected_date_of_birth": "expected date of birth", "source_code": "source",
    "worker_key": "worker", "team_key": "team", "case_discussion_date": "case discussion date",
    "assessment_start": "assessment start", "assessment_target_end": "assessment target end",
    "assessment_completed": "assessment completed", "outcome_reading": "outcome",
}


class _RowParser:
    def __init__(self, columns: Mapping[str, int], headings: Mapping[str, str], today: date):
        self.columns = columns
        self.headings = headings
        self.today = today

    def cell(self, row: Sequence[object], name: str) -> object:
        index = self.columns.get(name)
        if index is None or index >= len(row):
            return None
        return row[index]

    def label(self, name: str) -> str:
        return self.headings.get(name) or _FIELD_NAMES.get(name, name)

    def date(self, row, name, reasons, warnings, *, fatal: bool) -> date | None:
        try:
            return parse_date(self.cell(row, name), today=self.today)
        except UnreadableDate as exc:
            if fatal:
                reasons.append(f"{self.label(name)}: {exc}")
            else:
                warnings.append(f"{self.label(name)}: {exc}; left out")
            return None

    def parse(self, row_number: int, row: Sequence[object]) -> TrackerRow | Rejection:
        reasons: list[str] = []
        warnings: list[str] = []
        today = self.today

        child_id, id_problem = parse_child_id(self.cell(row, "child_id"))
        if id_problem:
            reasons.append(id_problem)
        raw_id = clean_text(self.cell(row, "child_id"))
        no_id = "No child id" + (f' ("{_shown(raw_id)}")' if raw_id else "")

        referral_date = self.date(row, "referral_date", reasons, warnings, fatal=True)
        if referral_date is None and not any(r.startswith(self.label("referral_date")) for r in reasons):
            reasons.append("No referral date")
        if referral_date is not None and referral_date > today:
            reasons.append(f"{self.label('referral_date')} {format_date(referral_date)} is after "
                           f"today ({format_date(today)})")

        start = self.date(row, "assessment_start", reasons, warnings, fatal=True)
        target_end = self.date(row, "assessment_target_end", reasons, warnings, fatal=True)
        completed = self.date(row, "assessment_completed", reasons, warnings, fatal=True)
        discussion = self.date(row, "case_discussion_date", reasons, warnings, fatal=False)

        review: list[str] = []
        noted_completion: date | None = None
        if start is not None and target_end is not None and target_end < start:
            warnings.append(f"{self.label('assessment_target_end')} {format_date(target_end)} is "
                            f"before {self.label('assessment_start')} {format_date(start)}: the "
                            "service works out the due date itself (45th working day)")
            review.append("target_end")
        if completed is not None:
            label = self.label("assessment_completed")
            if completed > today:
                warnings.append(f"{label} {format_date(completed)} is in the future (after today, "
                                f"{format_date(today)}): imported as open, the date kept as a note")
                noted_completion, completed = completed, None
            elif referral_date is not None and completed < referral_date:
                warnings.append(f"{label} {format_date(completed)} is before "
                                f"{self.label('referral_date')} {format_date(referral_date)}: "
                                "imported as open, the date kept as a note")
                noted_completion, completed = completed, None
            elif start is not None and completed < start:
                warnings.append(f"{label} {format_date(completed)} is before "
                                f"{self.label('assessment_start')} {format_date(start)}")
                review.append("other")
            if noted_completion is not None:
                review.append("completion_not_used")
        if start is not None and referral_date is not None and start < referral_date:
            warnings.append(f"{self.label('assessment_start')} {format_date(start)} is before "
                            f"{self.label('referral_date')} {format_date(referral_date)}")
        try:
            birth = parse_birth(self.cell(row, "date_of_birth"), today=today)
        except UnreadableDate as exc:
            warnings.append(f"{self.label('date_of_birth')}: {exc}; left out")
            birth = Birth()
        if birth.date_of_birth is not None and birth.date_of_birth > today:
            warnings.append(f"{self.label('date_of_birth')} {format_date(birth.date_of_birth)} is "
                            "in the future; left out (write 'Unborn - EDD dd/mm/yyyy' for an "
                            "unborn child)")
            birth = Birth()
        if birth.expected_date_of_birth is not None and birth.expected_date_of_birth < today:
            warnings.append(f"Expected date of birth {format_date(birth.expected_date_of_birth)} has "
                            "passed: record the date of birth once it is known")

        name = parse_child_name(self.cell(row, "child_name"))
        if name is None and ("first_name" in self.columns or "last_name" in self.columns):
            first = _value_text(self.cell(row, "first_name")) or ""
            last = _value_text(self.cell(row, "last_name")) or ""
            full = " ".join(p for p in (first, last) if p)
            name = PersonName(full=full, first=first, last=last) if full else None
        if name is None:
            warnings.append("No child's name")

        source, source_warning = parse_source(self.cell(row, "source"))
        if source_warning:
            warnings.append(source_warning)
        reading, outcome_warning = parse_outcome(self.cell(row, "outcome"))
        if outcome_warning:
            warnings.append(outcome_warning)
        if completed is not None and reading.outcome is None and reading.closure_reason is None:
            written = clean_text(self.cell(row, "outcome"))
            warnings.append(f"Completed {format_date(completed)} with "
                            + (f'the outcome "{_shown(written)}"' if written else "no outcome")
                            + ": not authorised; on the review list for a manager to record the outcome")
            review.append("outcome_needed")

        if child_id is None and not id_problem:
            if name is None or not (name.first and name.last) or not (
                    birth.date_of_birth or birth.expected_date_of_birth):
                reasons.insert(0, no_id + ", and no full name and date of birth to match on")
            elif reasons:
                reasons.insert(0, no_id)
            else:
                # The service matches it to a child record by name and date of birth, or rejects it.
                warnings.append(no_id + ": to be matched to a child record by name and date of birth")
                review.append("child_details")

        if reasons:
            return Rejection(row_number, tuple(reasons), child_id)

        worker = _value_text(self.cell(row, "worker"))
        team = _value_text(self.cell(row, "team"))
        assert referral_date is not None
        key = (import_key(child_id, referral_date) if child_id is not None else
               unidentified_key(name.full if name else "", birth.date_of_birth or birth.expected_date_of_birth,
                                referral_date))
        return TrackerRow(
            row_number=row_number,
            import_key=key,
            child_id=child_id,
            referral_date=referral_date,
            child_name=name.full if name else None,
            first_name=name.first if name else None,
            last_name=name.last if name else None,
            date_of_birth=birth.date_of_birth,
            expected_date_of_birth=birth.expected_date_of_birth,
            unborn=birth.unborn,
            source_code=source,
            source_text=_value_text(self.cell(row, "source")),
            worker=worker,
            worker_key=name_key(worker),
            team=team,
            team_key=name_key(team),
            case_discussion_date=discussion,
            assessment_start=start,
            assessment_target_end=target_end,
            assessment_completed=completed,
            outcome=reading.outcome,
            closure_reason=reading.closure_reason,
            outcome_text=_value_text(self.cell(row, "outcome")),
            notes=clean_text(self.cell(row, "notes")),
            warnings=tuple(warnings),
            noted_completion=noted_completion,
            review=_review_kinds(review, warnings),
        )


def _review_kinds(kinds: Iterable[str], warnings: Sequence[str]) -> tuple[str, ...]:
    """The row's review kinds, in REVIEW_KINDS order; "other" for warnings no kind explains."""
    found = set(kinds)
    if warnings and not found:
        found.add("other")
    return tuple(k for k in REVIEW_KINDS if k in found)


def _is_blank(row: Sequence[object]) -> bool:
    return all(clean_text(cell) is None for cell in row)


def _first_text(row: Sequence[object]) -> str | None:
    return next((t for t in map(clean_text, row) if t is not None), None)


def _preferred_spellings(spellings: Iterable[tuple[str, str]]) -> dict[str, str]:
    """key -> the spelling to show: the most used one written in mixed case (not all capitals
    or all lower case), earliest first on a tie; failing that, the first one in title case."""
    by_key: dict[str, Counter[str]] = {}
    for key, spelling in spellings:
        by_key.setdefault(key, Counter())[spelling] += 1
    preferred = {}
    for key, counts in by_key.items():
        mixed = [(n, s) for s, n in counts.items() if not (s.isupper() or s.islower())]
        if mixed:
            best = max(mixed, key=lambda item: item[0])  # max keeps the first of equals
            preferred[key] = best[1]
        else:
            preferred[key] = next(iter(counts)).title()
    return preferred


def _join_notes(a: str | None, b: str | None) -> str | None:
    if not a or not b or name_key(a) == name_key(b):
        return a or b
    return f"{a} | {b}"


def _fold(rows: list[TrackerRow]) -> tuple[TrackerRow, list[Merge]]:
    """Fold rows for one child and referral date (in spreadsheet order) into the first.

    A later row fills the first row's blanks. Where it gives a different value, the first
    row's value is kept (nobody can tell which is right, and the first is what the tracker
    showed first), the difference becomes a warning on the kept row and the referral goes on
    the review list: it is still one real referral, so it is imported, never rejected.
    """
    base = rows[0]
    merges: list[Merge] = []
    seen: list[TrackerRow] = [base]
    disagreements: list[str] = []
    for later in rows[1:]:
        duplicate_of = next((r for r in seen if _same(r, later)), None)
        if duplicate_of is not None:
            merges.append(Merge(later.row_number, duplicate_of.row_number, duplicate=True))
            continue
        seen.append(later)
        filled: list[str] = []
        disagreed: list[str] = []
        changes: dict[str, object] = {}
        for compared, carried in _COMPARED:
            mine, theirs = _compared_value(base, compared), _compared_value(later, compared)
            if theirs is None or mine == theirs:
                continue
            if mine is None:
                filled.append(compared)
                changes.update({name: getattr(later, name) for name in carried})
                continue
            disagreed.append(_COMPARED_LABEL[compared])
            disagreements.append(
                f"Row {later.row_number} is for the same child and referral date but gives a "
                f'different {_COMPARED_LABEL[compared]} ("{_shown(_describe(later, compared))}" '
                f'there, "{_shown(_describe(base, compared))}" here): this row\'s value was '
                "imported; check which is right")
        notes = _join_notes(base.notes, later.notes)
        if notes != base.notes:
            changes["notes"] = notes
            if base.notes is None:
                filled.append("notes")
        merges.append(Merge(later.row_number, base.row_number, duplicate=False,
                            filled=tuple(_COMPARED_FIELD.get(f, f) for f in filled),
                            disagreed=tuple(disagreed)))
        base = replace(base, **changes)
    review = set(base.review)
    if disagreements:
        base = replace(base, warnings=base.warnings + tuple(disagreements))
        review.add("rows_disagree")
    if base.needs_outcome:
        review.add("outcome_needed")
    else:  # a later row may have supplied the outcome
        review.discard("outcome_needed")
    base = replace(base, review=_review_kinds(review - {"other"}, base.warnings))
    folded = replace(base, merged_rows=tuple(m.row_number for m in merges))
    return folded, merges


def _same(a: TrackerRow, b: TrackerRow) -> bool:
    """Identical after normalising: every compared value and the notes agree."""
    return (all(_compared_value(a, name) == _compared_value(b, name) for name, _ in _COMPARED)
            and name_key(a.notes) == name_key(b.notes))


def parse_tracker(rows: Sequence[Sequence[object]], today: date) -> TrackerParse:
    """Read every data row below the header into a `TrackerRow`, a `Merge` or a `Rejection`.

    Blank rows, repeated header rows and footer rows (a "Total"-like label, or anything after
    the last row with a child id or referral date that has no name either) are counted and
    otherwise skipped. Raises `HeaderNotFound`.
    """
    if isinstance(today, datetime) or not isinstance(today, date):
        raise TypeError("today must be a date (the London civil date), not a datetime")
    header_index, columns = find_header(rows)
    header = rows[header_index]
    headings = {name: clean_text(header[index]) or name for name, index in columns.items()}
    used = set(columns.values())
    ignored = tuple(t for i, cell in enumerate(header)
                    if i not in used and (t := clean_text(cell)) is not None)
    parser = _RowParser(columns, headings, today)

    body = list(enumerate(rows))[header_index + 1:]
    key_columns = [columns[name] for name in REQUIRED_FIELDS]
    last_data = max(
        (i for i, row in body
         if any(i2 < len(row) and clean_text(row[i2]) is not None for i2 in key_columns)),
        default=header_index,
    )

    blank = footer = repeated = 0
    parsed: list[TrackerRow] = []
    rejections: list[Rejection] = []
    copies: list[Merge] = []  # copies of rejected rows
    rejected_by_content: dict[tuple[str | None, ...], int] = {}
    mapped = sorted(columns.values())
    for index, row in body:
        row_number = index + 1
        if _is_blank(row):
            blank += 1
            continue
        if field_for_heading(parser.cell(row, "child_id")) == "child_id" and _map_row(row) == columns:
            repeated += 1
            continue
        first = _first_text(row) or ""
        child_id, _ = parse_child_id(parser.cell(row, "child_id"))
        no_referral_date = is_empty(parser.cell(row, "referral_date"))
        if child_id is None and (_FOOTER_LABEL.match(first) and no_referral_date
                                 or index > last_data and is_empty(parser.cell(row, "child_name"))):
            footer += 1
            continue
        result = parser.parse(row_number, row)
        if isinstance(result, TrackerRow):
            parsed.append(result)
            continue
        content = tuple(name_key(clean_text(row[i])) if i < len(row) else None for i in mapped)
        if content in rejected_by_content:
            copies.append(Merge(row_number, rejected_by_content[content], duplicate=True,
                                into_rejected=True))
        else:
            rejected_by_content[content] = row_number
            rejections.append(result)

    # One referral per child and referral date.
    groups: dict[str, list[TrackerRow]] = {}
    for row in parsed:
        groups.setdefault(row.import_key, []).append(row)
    kept: list[TrackerRow] = []
    merges: list[Merge] = copies
    for group in groups.values():
        folded, group_merges = _fold(group)
        kept.append(folded)
        merges.extend(group_merges)

    # One child id, one child: a referral whose name or date of birth differs from the first
    # row with that id is still imported for the child the id names, with a warning to check.
    by_child: dict[str, list[TrackerRow]] = {}
    for row in sorted(kept, key=lambda r: r.row_number):
        if row.child_id is not None:
            by_child.setdefault(row.child_id, []).append(row)
    flagged: dict[int, TrackerRow] = {}
    for child_id, child_rows in by_child.items():
        first = child_rows[0]
        for r in child_rows[1:]:
            differs = [what for what, a, b in (
                ("name", name_key(first.child_name), name_key(r.child_name)),
                ("date of birth", first.date_of_birth, r.date_of_birth),
                ("expected date of birth", first.expected_date_of_birth, r.expected_date_of_birth),
            ) if a is not None and b is not None and a != b]
            if differs:
                flagged[r.row_number] = replace(r, warnings=r.warnings + (
                    f"Child id {child_id} is given in row {first.row_number} to a child with a "
                    f"different {' and '.join(differs)}: imported for the child that id names; "
                    "check which child this referral belongs to",),
                    review=_review_kinds((*r.review, "child_details"), ()))
    kept = [flagged.get(r.row_number, r) for r in kept]
    kept.sort(key=lambda r: r.row_number)
    rejections.sort(key=lambda r: r.row_number)
    merges.sort(key=lambda m: m.row_number)

    # Warnings of rows that write something (kept or merged); a rejected row's are moot.
    final = {r.row_number: r for r in kept}
    warnings = [RowWarning(r.row_number, w) for r in parsed
                for w in final.get(r.row_number, r).warnings]
    return TrackerParse(
        header_row=header_index + 1,
        columns=MappingProxyType(dict(columns)),
        headings=MappingProxyType(headings),
        ignored_columns=ignored,
        rows=tuple(kept),
        rejections=tuple(rejections),
        merges=tuple(merges),
        warnings=tuple(warnings),
        blank_rows=blank,
        footer_rows=footer,
        repeated_headers=repeated,
        teams=MappingProxyType(_preferred_spellings((r.team_key, r.team) for r in kept if r.team)),
        workers=MappingProxyType(_preferred_spellings((r.worker_key, r.worker) for r in kept if r.worker)),
    )
