"""WorkingDayCalendar against real England bank holidays and a naive day-by-day reference."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.domain.calendar import WorkingDayCalendar

ENGLAND = holidays.UK(subdiv="ENG", years=range(2017, 2032))
CALENDAR = WorkingDayCalendar(bank_holidays=ENGLAND)
ONE_DAY = timedelta(days=1)

# Hypothesis settings: no example database written into the tree; no per-example deadline
# (the first call can be slow while modules warm up, which is not what these tests measure).
PROPERTY = settings(database=None, deadline=None, max_examples=400)


# --- the naive reference: walk one day at a time -------------------------------------------

def naive_is_working_day(d: date, closed: set[date]) -> bool:
    return d.weekday() < 5 and d not in closed


def naive_add(start: date, n: int, closed: set[date]) -> date:
    d, step, left = start, (ONE_DAY if n > 0 else -ONE_DAY), abs(n)
    while left:
        d += step
        if naive_is_working_day(d, closed):
            left -= 1
    return d


def naive_between(start: date, end: date, closed: set[date]) -> int:
    lo, hi, sign = (start, end, 1) if start <= end else (end, start, -1)
    count, d = 0, lo
    while d < hi:
        d += ONE_DAY
        count += naive_is_working_day(d, closed)
    return sign * count


ENGLAND_CLOSED = set(ENGLAND.keys())
dates_2018_2030 = st.dates(min_value=date(2018, 1, 1), max_value=date(2030, 12, 31))


# --- real bank holidays --------------------------------------------------------------------

@pytest.mark.parametrize(
    "holiday", sorted(d for d in ENGLAND if 2018 <= d.year <= 2030), ids=str
)
def test_every_england_bank_holiday_2018_to_2030_is_not_a_working_day(holiday):
    assert not CALENDAR.is_working_day(holiday)


@pytest.mark.parametrize(
    "day",
    [
        date(2020, 5, 8),  # VE Day 75: early May bank holiday moved to a Friday
        date(2022, 6, 2),  # spring bank holiday moved to a Thursday
        date(2022, 6, 3),  # Platinum Jubilee
        date(2022, 9, 19),  # State funeral of Queen Elizabeth II
        date(2023, 5, 8),  # Coronation of King Charles III
        date(2027, 12, 28),  # substitute for Boxing Day on a Sunday
    ],
    ids=str,
)
def test_one_off_and_substitute_bank_holidays_are_not_working_days(day):
    assert day.weekday() < 5, "a weekday, so only the holiday list can make it non-working"
    assert not CALENDAR.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [date(2026, 4, 6), date(2026, 8, 31), date(2027, 3, 29), date(2027, 8, 30)],
    ids=["Easter Monday 2026", "August 2026", "Easter Monday 2027", "August 2027"],
)
def test_easter_monday_and_the_august_bank_holiday_are_not_working_days(day):
    # holidays.UK() without subdiv="ENG" silently drops these two.
    assert not CALENDAR.is_working_day(day)


def test_the_days_around_a_bank_holiday_are_working_days():
    assert CALENDAR.is_working_day(date(2023, 5, 5))  # Friday before the Coronation
    assert CALENDAR.is_working_day(date(2023, 5, 9))  # Tuesday after


def test_weekends_are_never_working_days():
    assert not CALENDAR.is_working_day(date(2026, 6, 6))  # Saturday
    assert not CALENDAR.is_working_day(date(2026, 6, 7))  # Sunday
    assert CALENDAR.is_working_day(date(2026, 6, 8))  # Monday


# --- the worked example and WORKDAY semantics ----------------------------------------------

def test_worked_example_referral_20_dec_2018_plus_45_working_days_is_tue_26_feb_2019():
    # 20 Dec 2018 was a Thursday (it is sometimes quoted as a Friday); the dates are what matter.
    three_holidays = WorkingDayCalendar([date(2018, 12, 25), date(2018, 12, 26), date(2019, 1, 1)])
    for calendar in (three_holidays, CALENDAR):
        assert calendar.add_working_days(date(2018, 12, 20), 45) == date(2019, 2, 26)


def test_adding_zero_working_days_returns_the_start_even_on_a_holiday():
    assert CALENDAR.add_working_days(date(2018, 12, 25), 0) == date(2018, 12, 25)
    assert CALENDAR.add_working_days(date(2026, 6, 6), 0) == date(2026, 6, 6)


def test_one_working_day_after_friday_skips_the_weekend_and_a_bank_holiday_monday():
    assert CALENDAR.add_working_days(date(2026, 5, 22), 1) == date(2026, 5, 26)
    assert CALENDAR.next_working_day(date(2026, 5, 22)) == date(2026, 5, 26)


def test_one_working_day_before_tuesday_after_a_bank_holiday_is_the_friday():
    assert CALENDAR.add_working_days(date(2026, 5, 26), -1) == date(2026, 5, 22)
    assert CALENDAR.previous_working_day(date(2026, 5, 26)) == date(2026, 5, 22)


def test_counting_from_a_weekend_starts_on_the_following_monday():
    assert CALENDAR.add_working_days(date(2026, 6, 6), 1) == date(2026, 6, 8)
    assert CALENDAR.add_working_days(date(2026, 6, 7), -1) == date(2026, 6, 5)


def test_christmas_2027_substitute_days_push_the_next_working_day_to_wednesday():
    assert CALENDAR.next_working_day(date(2027, 12, 24)) == date(2027, 12, 29)


# --- closure days --------------------------------------------------------------------------

def test_closure_days_are_not_working_days_and_are_skipped_when_counting():
    closure = date(2026, 6, 10)  # a Wednesday
    with_closure = WorkingDayCalendar(ENGLAND.keys(), closure_days=[closure])
    assert CALENDAR.is_working_day(closure)
    assert not with_closure.is_working_day(closure)
    assert CALENDAR.add_working_days(date(2026, 6, 8), 3) == date(2026, 6, 11)
    assert with_closure.add_working_days(date(2026, 6, 8), 3) == date(2026, 6, 12)
    assert with_closure.working_days_between(date(2026, 6, 8), date(2026, 6, 12)) == 3


def test_a_closure_day_on_a_bank_holiday_or_weekend_changes_nothing():
    both = WorkingDayCalendar(ENGLAND.keys(), closure_days=[date(2026, 5, 25), date(2026, 5, 23)])
    assert both == CALENDAR


def test_the_calendar_cannot_be_changed_after_it_is_built():
    with pytest.raises(AttributeError):
        CALENDAR._closed = ()


def test_datetimes_are_refused_where_a_civil_date_is_needed():
    with pytest.raises(TypeError):
        CALENDAR.is_working_day(datetime(2026, 6, 8, 9, 0))
    with pytest.raises(TypeError):
        WorkingDayCalendar([datetime(2026, 6, 8, 9, 0)])


# --- working_days_between ------------------------------------------------------------------

def test_working_days_between_counts_after_the_start_up_to_and_including_the_end():
    monday, friday = date(2026, 6, 8), date(2026, 6, 12)
    assert CALENDAR.working_days_between(monday, friday) == 4
    assert CALENDAR.working_days_between(friday, monday) == -4
    assert CALENDAR.working_days_between(monday, monday) == 0


def test_working_days_between_the_referral_and_its_due_date_is_45():
    assert CALENDAR.working_days_between(date(2018, 12, 20), date(2019, 2, 26)) == 45


@PROPERTY
@given(start=dates_2018_2030, n=st.integers(min_value=0, max_value=400))
def test_working_days_between_inverts_add_working_days(start, n):
    assert CALENDAR.working_days_between(start, CALENDAR.add_working_days(start, n)) == n


@PROPERTY
@given(start=dates_2018_2030, n=st.integers(min_value=-400, max_value=-1))
def test_going_back_n_working_days_from_a_working_day_is_minus_n_between(start, n):
    if not CALENDAR.is_working_day(start):
        start = CALENDAR.next_working_day(start)
    assert CALENDAR.working_days_between(start, CALENDAR.add_working_days(start, n)) == n


# --- against the naive reference -----------------------------------------------------------

closure_sets = st.sets(dates_2018_2030, max_size=30)


@PROPERTY
@given(start=dates_2018_2030, n=st.integers(min_value=-100, max_value=100), closures=closure_sets)
def test_add_working_days_matches_walking_day_by_day(start, n, closures):
    calendar = WorkingDayCalendar(ENGLAND.keys(), closure_days=closures)
    assert calendar.add_working_days(start, n) == naive_add(start, n, ENGLAND_CLOSED | closures)


@PROPERTY
@given(start=dates_2018_2030, end=dates_2018_2030, closures=closure_sets)
def test_working_days_between_matches_walking_day_by_day(start, end, closures):
    calendar = WorkingDayCalendar(ENGLAND.keys(), closure_days=closures)
    assert calendar.working_days_between(start, end) == naive_between(
        start, end, ENGLAND_CLOSED | closures
    )


@PROPERTY
@given(day=dates_2018_2030, closures=closure_sets)
def test_is_working_day_matches_the_reference(day, closures):
    calendar = WorkingDayCalendar(ENGLAND.keys(), closure_days=closures)
    assert calendar.is_working_day(day) == naive_is_working_day(day, ENGLAND_CLOSED | closures)


@PROPERTY
@given(start=dates_2018_2030, n=st.integers(min_value=1, max_value=100))
def test_adding_a_positive_number_of_working_days_lands_on_a_working_day(start, n):
    assert CALENDAR.is_working_day(CALENDAR.add_working_days(start, n))
