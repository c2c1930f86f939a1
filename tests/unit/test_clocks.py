"""Clock policies, clock states and the plain-English time left."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.domain.calendar import WorkingDayCalendar
from triage.domain.clocks import (
    ClockState,
    DecisionPolicy,
    acknowledgement_due,
    assessment_due_date,
    case_discussion_due_dates,
    clock_state,
    date_clock_state,
    decision_due,
    describe_time_left,
    describe_working_days_left,
    end_of_day,
    icpc_due_date,
    london_date,
    partner_information_due,
    read_clock,
    working_days_left,
)

UTC = UTC
LONDON = ZoneInfo("Europe/London")
CALENDAR = WorkingDayCalendar(holidays.UK(subdiv="ENG", years=range(2017, 2032)).keys())
PROPERTY = settings(database=None, deadline=None, max_examples=300)


def london(*args, fold=0) -> datetime:
    return datetime(*args, tzinfo=LONDON, fold=fold)


# --- decision clock ------------------------------------------------------------------------

def test_decision_is_due_24_real_hours_later_across_the_spring_clock_change():
    due = decision_due(london(2026, 3, 28, 10, 0), DecisionPolicy.ELAPSED_24H, CALENDAR)
    # 10:00 GMT on Saturday is 10:00 UTC; 24 hours later the clocks read 11:00 BST.
    assert due == datetime(2026, 3, 29, 10, 0, tzinfo=UTC)
    assert due.astimezone(LONDON).replace(tzinfo=None) == datetime(2026, 3, 29, 11, 0)
    assert due.tzinfo is UTC


def test_decision_is_due_24_real_hours_later_across_the_autumn_clock_change():
    due = decision_due(london(2026, 10, 24, 10, 0), "24h", CALENDAR)
    assert due == datetime(2026, 10, 25, 9, 0, tzinfo=UTC)
    assert due.astimezone(LONDON).replace(tzinfo=None) == datetime(2026, 10, 25, 9, 0)


def test_a_contact_in_the_repeated_hour_is_due_24_hours_after_the_instant_it_arrived():
    first = london(2026, 10, 25, 1, 30, fold=0)  # 01:30 BST = 00:30 UTC
    second = london(2026, 10, 25, 1, 30, fold=1)  # 01:30 GMT = 01:30 UTC, an hour later
    due_first = decision_due(first, DecisionPolicy.ELAPSED_24H, CALENDAR)
    due_second = decision_due(second, DecisionPolicy.ELAPSED_24H, CALENDAR)
    assert due_first == datetime(2026, 10, 26, 0, 30, tzinfo=UTC)
    assert due_second == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)


def test_decision_hours_are_a_setting():
    due = decision_due(datetime(2026, 6, 8, 9, 0, tzinfo=UTC), DecisionPolicy.ELAPSED_24H, CALENDAR, hours=8)
    assert due == datetime(2026, 6, 8, 17, 0, tzinfo=UTC)


def test_next_working_day_policy_skips_the_weekend_and_the_spring_bank_holiday():
    # 16:00 Fri 22 May 2026; Mon 25 May is the spring bank holiday -> end of Tue 26 May.
    due = decision_due(london(2026, 5, 22, 16, 0), DecisionPolicy.NEXT_WORKING_DAY, CALENDAR)
    assert due == london(2026, 5, 26, 23, 59, 59)
    assert due == datetime(2026, 5, 26, 22, 59, 59, tzinfo=UTC)


def test_next_working_day_policy_uses_the_london_date_not_the_utc_date():
    # 23:30 UTC on Thu 4 Jun 2026 is 00:30 BST on Friday: next working day is Monday.
    received = datetime(2026, 6, 4, 23, 30, tzinfo=UTC)
    assert london_date(received) == date(2026, 6, 5)
    due = decision_due(received, DecisionPolicy.NEXT_WORKING_DAY, CALENDAR)
    assert due == datetime(2026, 6, 8, 22, 59, 59, tzinfo=UTC)


def test_unknown_decision_policy_is_refused():
    with pytest.raises(ValueError):
        decision_due(datetime(2026, 6, 8, 9, 0, tzinfo=UTC), "2wd", CALENDAR)


def test_end_of_day_is_one_second_before_london_midnight_in_winter_and_summer():
    assert end_of_day(date(2026, 1, 15)) == datetime(2026, 1, 15, 23, 59, 59, tzinfo=UTC)
    assert end_of_day(date(2026, 7, 15)) == datetime(2026, 7, 15, 22, 59, 59, tzinfo=UTC)
    # On the clock-change days themselves.
    assert end_of_day(date(2026, 3, 29)) == datetime(2026, 3, 29, 22, 59, 59, tzinfo=UTC)
    assert end_of_day(date(2026, 10, 25)) == datetime(2026, 10, 25, 23, 59, 59, tzinfo=UTC)


def test_acknowledgement_is_due_by_the_end_of_the_next_working_day():
    due = acknowledgement_due(london(2027, 12, 24, 11, 0), CALENDAR)
    assert due == datetime(2027, 12, 29, 23, 59, 59, tzinfo=UTC)  # Christmas and substitutes


# --- partner information -------------------------------------------------------------------

@pytest.mark.parametrize(
    "rag, expected",
    [
        ("red", datetime(2026, 6, 8, 13, 0, tzinfo=UTC)),
        ("amber", datetime(2026, 6, 9, 9, 0, tzinfo=UTC)),
        ("green", datetime(2026, 6, 11, 9, 0, tzinfo=UTC)),
    ],
)
def test_partner_information_is_due_in_clock_hours_set_by_the_rag_rating(rag, expected):
    assert partner_information_due(datetime(2026, 6, 8, 9, 0, tzinfo=UTC), rag) == expected


def test_partner_hours_by_rag_are_configurable():
    due = partner_information_due(
        datetime(2026, 6, 8, 9, 0, tzinfo=UTC), "red", {"red": 2, "amber": 6, "green": 24}
    )
    assert due == datetime(2026, 6, 8, 11, 0, tzinfo=UTC)


def test_an_unknown_rag_rating_is_refused():
    with pytest.raises(ValueError, match="purple"):
        partner_information_due(datetime(2026, 6, 8, 9, 0, tzinfo=UTC), "purple")


# --- date clocks ---------------------------------------------------------------------------

def test_assessment_worked_example_is_due_tue_26_feb_2019():
    three_holidays = WorkingDayCalendar([date(2018, 12, 25), date(2018, 12, 26), date(2019, 1, 1)])
    assert assessment_due_date(date(2018, 12, 20), three_holidays) == date(2019, 2, 26)


def test_icpc_is_due_15_working_days_after_the_strategy_discussion():
    # Strategy discussion Mon 8 Jun 2026: three weeks of working days later is Mon 29 Jun.
    assert icpc_due_date(date(2026, 6, 8), CALENDAR) == date(2026, 6, 29)


@settings(database=None, deadline=None, max_examples=300)
@given(st.dates(min_value=date(2018, 1, 1), max_value=date(2030, 12, 31)))
def test_icpc_due_date_is_never_a_weekend_or_bank_holiday(strategy_date):
    due = icpc_due_date(strategy_date, CALENDAR)
    assert due.weekday() < 5
    assert CALENDAR.is_working_day(due)
    assert CALENDAR.working_days_between(strategy_date, due) == 15


def test_case_discussions_fall_on_working_days_10_and_35_after_the_referral():
    assert case_discussion_due_dates(date(2026, 6, 8), CALENDAR) == [date(2026, 6, 22), date(2026, 7, 27)]


# --- clock state ---------------------------------------------------------------------------

DUE = datetime(2026, 6, 8, 12, 0, tzinfo=UTC)
FOUR_HOURS = timedelta(hours=4)


def test_a_clock_well_before_its_due_is_running():
    assert clock_state(DUE, DUE - timedelta(hours=5), None, FOUR_HOURS) is ClockState.RUNNING


def test_a_clock_is_due_soon_from_exactly_the_warning_threshold():
    assert clock_state(DUE, DUE - FOUR_HOURS - timedelta(seconds=1), None, FOUR_HOURS) is ClockState.RUNNING
    assert clock_state(DUE, DUE - FOUR_HOURS, None, FOUR_HOURS) is ClockState.DUE_SOON


def test_a_running_clock_at_exactly_its_due_is_not_yet_breached():
    assert clock_state(DUE, DUE, None, FOUR_HOURS) is ClockState.DUE_SOON
    assert clock_state(DUE, DUE + timedelta(microseconds=1), None, FOUR_HOURS) is ClockState.BREACHED


def test_a_clock_stopped_on_or_before_its_due_is_met_whenever_it_is_read():
    assert clock_state(DUE, DUE + timedelta(days=3), DUE, FOUR_HOURS) is ClockState.MET
    assert clock_state(DUE, DUE + timedelta(days=3), DUE - timedelta(hours=1), FOUR_HOURS) is ClockState.MET


def test_a_clock_that_breached_stays_breached_when_stopped_late():
    stopped = DUE + timedelta(minutes=1)
    assert clock_state(DUE, DUE + timedelta(seconds=30), None, FOUR_HOURS) is ClockState.BREACHED
    assert clock_state(DUE, stopped, stopped, FOUR_HOURS) is ClockState.BREACHED
    assert clock_state(DUE, DUE + timedelta(days=30), stopped, FOUR_HOURS) is ClockState.BREACHED


def test_the_default_warning_for_decisions_is_four_hours():
    assert clock_state(DUE, DUE - timedelta(hours=4), None) is ClockState.DUE_SOON
    assert clock_state(DUE, DUE - timedelta(hours=4, minutes=1), None) is ClockState.RUNNING


def test_reading_a_clock_gives_the_time_remaining_while_it_runs():
    reading = read_clock(DUE, DUE - timedelta(hours=2), None, FOUR_HOURS)
    assert reading.state is ClockState.DUE_SOON
    assert (reading.due_at, reading.remaining) == (DUE, timedelta(hours=2))
    assert read_clock(DUE, DUE, DUE - timedelta(hours=1), FOUR_HOURS).remaining is None


def test_clock_state_compares_instants_not_wall_clock_readings():
    due = london(2026, 10, 25, 1, 30, fold=0)  # the first 01:30 (BST)
    stopped = london(2026, 10, 25, 1, 10, fold=1)  # the second 01:10 (GMT), 40 minutes later
    assert clock_state(due, stopped, stopped, FOUR_HOURS) is ClockState.BREACHED


# --- working-day clock state ---------------------------------------------------------------

ASSESSMENT_DUE = date(2026, 6, 26)  # a Friday


def test_an_assessment_clock_is_due_soon_at_five_working_days_left():
    assert date_clock_state(ASSESSMENT_DUE, date(2026, 6, 18), None, 5, CALENDAR) is ClockState.RUNNING
    assert date_clock_state(ASSESSMENT_DUE, date(2026, 6, 19), None, 5, CALENDAR) is ClockState.DUE_SOON
    assert date_clock_state(ASSESSMENT_DUE, ASSESSMENT_DUE, None, 5, CALENDAR) is ClockState.DUE_SOON


def test_an_assessment_clock_breaches_the_day_after_its_due_date_even_at_a_weekend():
    assert date_clock_state(ASSESSMENT_DUE, date(2026, 6, 27), None, 5, CALENDAR) is ClockState.BREACHED


def test_an_assessment_authorised_on_its_due_date_is_met_and_the_day_after_is_breached():
    assert date_clock_state(ASSESSMENT_DUE, date(2026, 7, 10), ASSESSMENT_DUE, 5, CALENDAR) is ClockState.MET
    late = date(2026, 6, 29)
    assert date_clock_state(ASSESSMENT_DUE, date(2026, 7, 10), late, 5, CALENDAR) is ClockState.BREACHED


def test_working_days_left_counts_down_to_zero_on_the_due_date():
    assert working_days_left(ASSESSMENT_DUE, date(2026, 6, 19), CALENDAR) == 5
    assert working_days_left(ASSESSMENT_DUE, ASSESSMENT_DUE, CALENDAR) == 0
    assert working_days_left(ASSESSMENT_DUE, date(2026, 6, 30), CALENDAR) == -2


def test_the_weekend_after_a_friday_due_date_reads_as_overdue_not_due_today():
    assert working_days_left(ASSESSMENT_DUE, date(2026, 6, 27), CALENDAR) == -1


# --- plain English -------------------------------------------------------------------------

@pytest.mark.parametrize(
    "left, text",
    [
        (timedelta(hours=3, minutes=20), "3 hours 20 minutes left"),
        (timedelta(hours=3, minutes=20, seconds=59), "3 hours 20 minutes left"),
        (timedelta(days=1, hours=4, minutes=10), "1 day 4 hours left"),
        (timedelta(days=2), "2 days left"),
        (timedelta(hours=1), "1 hour left"),
        (timedelta(hours=1, minutes=1), "1 hour 1 minute left"),
        (timedelta(minutes=45), "45 minutes left"),
        (timedelta(seconds=30), "less than a minute left"),
        (timedelta(0), "less than a minute left"),
        (-timedelta(hours=2), "overdue by 2 hours"),
        (-timedelta(hours=2, minutes=5), "overdue by 2 hours 5 minutes"),
        (-timedelta(days=3, hours=1), "overdue by 3 days 1 hour"),
        (-timedelta(seconds=10), "overdue by less than a minute"),
    ],
)
def test_time_left_reads_as_plain_english(left, text):
    now = datetime(2026, 6, 8, 9, 0, tzinfo=UTC)
    assert describe_time_left(now + left, now) == text


@pytest.mark.parametrize(
    "n, text",
    [(5, "5 working days left"), (1, "1 working day left"), (0, "due today"),
     (-1, "1 working day overdue"), (-2, "2 working days overdue")],
)
def test_working_days_left_reads_as_plain_english(n, text):
    assert describe_working_days_left(n) == text


# --- naive datetimes -----------------------------------------------------------------------

NAIVE = datetime(2026, 6, 8, 9, 0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: decision_due(NAIVE, DecisionPolicy.ELAPSED_24H, CALENDAR),
        lambda: decision_due(NAIVE, DecisionPolicy.NEXT_WORKING_DAY, CALENDAR),
        lambda: acknowledgement_due(NAIVE, CALENDAR),
        lambda: partner_information_due(NAIVE, "red"),
        lambda: clock_state(DUE, NAIVE, None, FOUR_HOURS),
        lambda: clock_state(NAIVE, DUE, None, FOUR_HOURS),
        lambda: clock_state(DUE, DUE, NAIVE, FOUR_HOURS),
        lambda: describe_time_left(NAIVE, DUE),
        lambda: london_date(NAIVE),
    ],
)
def test_naive_datetimes_are_refused_with_a_clear_message(call):
    with pytest.raises(ValueError, match="aware datetime"):
        call()
