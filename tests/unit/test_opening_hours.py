"""Which morning takes over what arrived while the Front Door was closed."""
from datetime import UTC, date, datetime, time

import pytest

from triage.domain.calendar import WorkingDayCalendar
from triage.domain.opening_hours import handover_day, is_open

CALENDAR = WorkingDayCalendar([date(2026, 12, 25), date(2026, 12, 28)], closure_days=[date(2026, 12, 24)])
OPENS, CLOSES = time(8, 30), time(17, 0)


@pytest.mark.parametrize(("at", "expected"), [
    (datetime(2026, 11, 26, 22, 0, tzinfo=UTC), date(2026, 11, 27)),  # Thursday night -> Friday
    (datetime(2026, 11, 27, 6, 0, tzinfo=UTC), date(2026, 11, 27)),  # before opening -> the same day
    (datetime(2026, 11, 27, 17, 0, tzinfo=UTC), date(2026, 11, 30)),  # closing time -> Monday
    (datetime(2026, 11, 28, 11, 0, tzinfo=UTC), date(2026, 11, 30)),  # Saturday -> Monday
    (datetime(2026, 11, 27, 10, 0, tzinfo=UTC), None),  # open: the Front Door saw it itself
    (datetime(2026, 12, 23, 18, 0, tzinfo=UTC), date(2026, 12, 29)),  # closure day, Christmas, bank holiday
    (datetime(2026, 12, 24, 10, 0, tzinfo=UTC), date(2026, 12, 29)),  # a closure day is closed all day
])
def test_the_morning_that_takes_over_is_the_next_opening_on_a_working_day(at, expected):
    assert handover_day(at, CALENDAR, OPENS, CLOSES) == expected


def test_opening_hours_are_london_times_so_summer_shifts_them_by_an_hour_in_utc():
    assert not is_open(datetime(2026, 7, 1, 7, 0, tzinfo=UTC), CALENDAR, OPENS, CLOSES)  # 08:00 BST
    assert is_open(datetime(2026, 7, 1, 7, 45, tzinfo=UTC), CALENDAR, OPENS, CLOSES)  # 08:45 BST
    assert not is_open(datetime(2026, 7, 1, 16, 0, tzinfo=UTC), CALENDAR, OPENS, CLOSES)  # 17:00 BST


def test_a_time_without_a_zone_is_refused():
    with pytest.raises(ValueError):
        is_open(datetime(2026, 7, 1, 7, 0), CALENDAR, OPENS, CLOSES)
