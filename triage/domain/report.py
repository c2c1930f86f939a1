"""Shaping the morning report: rates, windows and the words a manager reads. Pure functions."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from triage.domain.calendar import WorkingDayCalendar
from triage.domain.clocks import (
    LONDON,
    ClockState,
    date_clock_state,
    describe_working_days_left,
    working_days_left,
)

WINDOWS = (7, 30, 365)  # days, for the measures


def rate(numerator: int, denominator: int) -> float | None:
    """A percentage to one decimal place, or None when there is nothing to divide by."""
    if not denominator:
        return None
    return round(100.0 * numerator / denominator, 1)


def per_10k(count: int, population: int) -> float | None:
    if not population:
        return None
    return round(10000.0 * count / population, 1)


def start_of_day(d: date) -> datetime:
    """Midnight in London at the start of `d`, as an aware datetime (compare as instants)."""
    return datetime.combine(d, time(0), tzinfo=LONDON)


def window_starts(today: date) -> dict[int, date]:
    """The first civil day of each window ending today: 7 days is today and the 6 before it."""
    return {days: today - timedelta(days=days - 1) for days in WINDOWS}


def previous_working_day_span(today: date, calendar: WorkingDayCalendar) -> tuple[date, date]:
    """'Yesterday' for a manager: the previous working day, through to the end of the day before
    today, so Monday's report covers Friday and the weekend."""
    return calendar.previous_working_day(today), today - timedelta(days=1)


def assessment_progress(referral_date: date, due: date, today: date, calendar: WorkingDayCalendar,
                        authorised_on: date | None = None) -> dict:
    """Working days elapsed and left, in both conventions, so the boundary never surprises.

    This service counts the referral day as day 0 (WORKDAY); the DfE census validator counts it
    as day 1, so its count of days elapsed is one higher.
    """
    until = authorised_on or today
    elapsed = calendar.working_days_between(referral_date, until)
    left = working_days_left(due, today, calendar) if authorised_on is None else None
    return {
        "working_days_elapsed": elapsed,
        "working_days_elapsed_census": elapsed + 1,
        "working_days_left": left,
        "time_left": describe_working_days_left(left) if left is not None else "authorised",
    }


def assessment_status(authorised_on: date | None, due: date, today: date, started_on: date | None,
                      warn_working_days: int, calendar: WorkingDayCalendar) -> str:
    """One word a manager can sort by for the assessment clock's state: Authorised, Authorised
    late, Overdue, Due soon, Not started, In progress."""
    state = date_clock_state(due, today, authorised_on, warn_working_days, calendar)
    if authorised_on is not None:
        return "Authorised" if state is ClockState.MET else "Authorised late"
    if state is ClockState.BREACHED:
        return "Overdue"
    if state is ClockState.DUE_SOON:
        return "Due soon"
    return "Not started" if started_on is None else "In progress"


def record_path(row: dict) -> str | None:
    """The address of the record a report row is about: the case when the row names a referral,
    else the contact; None for a row from a report built before rows carried either."""
    if row.get("referral_id"):
        return f"/cases/{row['referral_id']}"
    if row.get("contact_id"):
        return f"/contacts/{row['contact_id']}"
    return None


def chronology_path(child_id: int) -> str:
    """The address of a child's whole story, everything recorded about them in time order."""
    return f"/children/{child_id}/chronology"
