"""Ofsted's Annex A lists: headers verbatim, values in the template's lettered forms.

Pure data and small functions; the service reads the rows and writes the workbook.
"""
from __future__ import annotations

from datetime import date

LIST_1 = ("List 1 – Contacts", (
    "Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)", "Date of Contact",
    "Contact Source"))
LIST_3 = ("List 3 – Referrals", (
    "Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)", "Date of referral",
    "Referral Source", "Referral NFA?", "Number of Referrals in Last 12 Months", "Allocated Team",
    "Allocated Worker"))
LIST_4 = ("List 4 – Assessments", (
    "Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
    "Does the Child have a Disability", "Continuous Assessment Start Date",
    "Child Seen During Continuous Assessment", "Continuous Assessment Date of Authorisation",
    "Was the child assessed as requiring LA children's social care support?", "Allocated Team",
    "Allocated Worker"))
LIST_5 = ("List 5 – Section 47 enquiries and ICPCs", (
    "Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
    "Does the Child have a Disability", "Strategy discussion initiating Section 47 Enquiry Start Date",
    "Was an Initial Child Protection Conference deemed unnecessary?",
    "Date of Initial Child Protection Conference",
    "Did the Initial Child Protection Conference Result in a Child Protection Plan",
    "Number of Section 47 Enquiries in the last 12 months", "Number of ICPCs in the last 12 months",
    "Allocated Team", "Allocated Worker"))

# Excel limits sheet names to 31 characters and refuses some characters: the list's number and name.
SHEET_NAMES = {LIST_1[0]: "List 1 Contacts", LIST_3[0]: "List 3 Referrals", LIST_4[0]: "List 4 Assessments",
               LIST_5[0]: "List 5 Section 47 and ICPCs"}

GENDER = {"male": "a) Male", "female": "b) Female", "unknown": "c) Not stated/recorded",
          "not_stated": "c) Not stated/recorded"}
YES, NO, UNKNOWN = "a) Yes", "b) No", "c) Unknown"
NOT_KNOWN = "Not known"  # a date of birth (and so an age) nobody knows: never an invented date

_ETHNICITY_ORDER = ("WBRI", "WIRI", "WOTH", "WIRT", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN",
                    "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT")
ETHNICITY = {code: f"{chr(ord('a') + i)}) {code}" for i, code in enumerate(_ETHNICITY_ORDER)}
ETHNICITY_UNKNOWN = "u) UNKNOWN"

_SOURCES = (("1A", "Individual"), ("1B", "Individual"), ("1C", "Individual"), ("1D", "Individual"),
            ("2A", "Schools"), ("2B", "Education services"), ("3A", "Health services"),
            ("3B", "Health services"), ("3C", "Health services"), ("3D", "Health services"),
            ("3E", "Health services"), ("3F", "Health services"), ("4", "Housing"), ("5A", "LA services"),
            ("5B", "LA services"), ("5C", "LA services"), ("6", "Police"), ("7", "Other legal agency"),
            ("8", "Other"), ("9", "Anonymous"), ("10", "Unknown"))
SOURCE = {code: f"{chr(ord('a') + i)}) {code}: {label}" for i, (code, label) in enumerate(_SOURCES)}
# The template predates 5D (the council's early help): it was an internal LA service, 5B, before.
SOURCE["5D"] = SOURCE["5B"]


def gender(sex: str | None) -> str:
    return GENDER.get(sex or "", "c) Not stated/recorded")


def ethnicity(code: str | None) -> str:
    return ETHNICITY.get(code or "", ETHNICITY_UNKNOWN)


def source(code: str | None) -> str:
    return SOURCE.get(code or "", SOURCE["10"])


def yes_no(value: bool | None) -> str:
    return UNKNOWN if value is None else YES if value else NO


def disability(codes: str | None) -> str:
    """a) Yes with any disability, b) No with NONE, c) Unknown when nothing is recorded."""
    if not codes:
        return UNKNOWN
    return NO if codes == "NONE" else YES


def age_in_years(born: date | None, on: date) -> int | None:
    if born is None or born > on:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day where it is shorter)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)
