"""A child's date of birth when the referrer does not know it: known, approximate or not known.

Referrers often know only that a child is "about 14", or nothing at all. The record is still
made, its date of birth flagged for the practitioner to complete. An approximate age becomes an
estimated date of birth in the middle of that year of age, so that age-based rules and returns
read a date that is at most six months out either way.
"""
from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

OLDEST_APPROXIMATE_AGE = 25  # children's social care works with care leavers up to 25


class BirthDateStatus(StrEnum):
    KNOWN = "known"
    APPROXIMATE = "approximate"  # estimated from an approximate age, or a date the referrer was unsure of
    NOT_KNOWN = "not_known"


LABELS = {BirthDateStatus.KNOWN: "Known", BirthDateStatus.APPROXIMATE: "Approximate: to confirm",
          BirthDateStatus.NOT_KNOWN: "Not known: to complete"}


def estimated_date_of_birth(age_years: int, today: date) -> date:
    """The middle of that year of age: `age_years` years and about six months before today."""
    try:
        anniversary = today.replace(year=today.year - age_years)
    except ValueError:  # 29 February in a year that has none
        anniversary = today.replace(year=today.year - age_years, day=28)
    return anniversary - timedelta(days=182)


def age_problem(age_years: object) -> str | None:
    if isinstance(age_years, bool) or not isinstance(age_years, int):
        return "Enter the approximate age in whole years"
    if not 0 <= age_years <= OLDEST_APPROXIMATE_AGE:
        return f"Enter an age from 0 to {OLDEST_APPROXIMATE_AGE}"
    return None
