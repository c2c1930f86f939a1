"""How long the Front Door keeps a child's records, and when they fall due for review.

One rule per kind of record, the numbers from settings:
- contacts: kept for `contact_years` after the child's last contact (the child's record counts
  as a contact on the day it was made, for a child who never had one);
- case records (any referral): kept until the child's `case_until_age`th birthday or
  `case_years_after_closure` years after the last case closed, whichever is later, and never
  while a case is open.

A child's records fall due when every rule that applies to them has run out: the day given is
the first day they may be erased. A legal hold suspends all of it. Anniversaries of 29 February
fall on 1 March in other years (the later of the two candidate days, so a record is never
erased a day early).

Pure: dates in, dates out; the service reads the history and the settings.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class RetentionRules:
    contact_years: int = 6
    case_until_age: int = 25
    case_years_after_closure: int = 6

    def __post_init__(self) -> None:
        for name in ("contact_years", "case_until_age", "case_years_after_closure"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")


@dataclass(frozen=True)
class ChildHistory:
    """What the rules need to know about one child."""

    born: date | None  # the date of birth, or the expected date for an unborn child
    last_contact: date | None  # London date of the last contact, or of the record's creation
    has_case: bool = False
    open_case: bool = False
    last_closed: date | None = None  # London date the last case closed
    on_hold: bool = False


@dataclass(frozen=True)
class Retention:
    due_on: date | None  # first day the records may be erased; None while something keeps them
    reasons: tuple[str, ...]  # one line per rule that applies, for the review page

    def is_due(self, on: date) -> bool:
        return self.due_on is not None and self.due_on <= on


def add_years(day: date, years: int) -> date:
    """The same day and month `years` later (or earlier); 29 February becomes 1 March when the
    year has none."""
    year = day.year + years
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return date(year, 3, 1)
    return day.replace(year=year)


def month_end(day: date) -> date:
    """The last day of `day`'s month: the monthly review lists what falls due by then."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def retention(history: ChildHistory, rules: RetentionRules) -> Retention:
    """When a child's records fall due, and why."""
    reasons: list[str] = []
    dates: list[date] = []
    if history.last_contact is not None:
        until = add_years(history.last_contact, rules.contact_years)
        dates.append(until)
        reasons.append(f"Contacts: kept {rules.contact_years} years after the last contact "
                       f"({_d(history.last_contact)}), until {_d(until)}")
    kept = _case(history, rules, reasons, dates)
    if history.on_hold:
        reasons.insert(0, "A legal hold suspends retention: nothing is erased while it stands")
        return Retention(None, tuple(reasons))
    if not kept or not dates:
        return Retention(None, tuple(reasons) or ("Nothing recorded to date the records by",))
    return Retention(max(dates), tuple(reasons))


def _case(history: ChildHistory, rules: RetentionRules, reasons: list[str], dates: list[date]) -> bool:
    """Adds the case records' rule; False when a case keeps the records indefinitely (open)."""
    if not history.has_case:
        return True
    if history.open_case or history.last_closed is None:
        reasons.append("Case records: a case is open, so they are kept while it is")
        return False
    after_closure = add_years(history.last_closed, rules.case_years_after_closure)
    closure = f"{rules.case_years_after_closure} years after the last closure ({_d(history.last_closed)})"
    if history.born is None:
        dates.append(after_closure)
        reasons.append(f"Case records: no date of birth, so kept {closure}, until {_d(after_closure)}")
        return True
    birthday = add_years(history.born, rules.case_until_age)
    later = max(birthday, after_closure)
    dates.append(later)
    reasons.append(f"Case records: kept until the {_ordinal(rules.case_until_age)} birthday ({_d(birthday)}) or "
                   f"{closure}, whichever is later: until {_d(later)}")
    return True


def candidate_bounds(review_end: date, rules: RetentionRules) -> tuple[date, date]:
    """The latest last contact and the latest last closure a child can have and still fall due
    by `review_end`, so that only candidates need reading (a few days wide, for leap years)."""
    slack = timedelta(days=3)
    return (add_years(review_end, -rules.contact_years) + slack,
            add_years(review_end, -rules.case_years_after_closure) + slack)


def _d(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
