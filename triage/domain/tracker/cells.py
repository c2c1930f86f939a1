"""Cells: errors, text, dates, dates of birth, names, sources, outcomes, child ids and keys.

Each reads one cell value (str, int, float, date, datetime or None) and says what it means.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
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
    if isinstance(value, str):
        return _date_from_text(value, today)
    return _date_from_value(value)


def _date_from_value(value: object) -> date | None:
    """A cell the spreadsheet already typed: a date, a datetime or an Excel serial number."""
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
    raise UnreadableDate(value, f"a {type(value).__name__}, not a date")


def _date_from_text(value: str, today: date | None) -> date | None:
    """A date written as text, in any of the forms the Front Door's trackers use."""
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
