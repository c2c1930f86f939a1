"""Working days: Monday to Friday, less bank holidays and the council's own closure days.

The bank holiday dates are passed in (the service layer reads them from the `holidays`
package); this module never imports that package, so it stays pure and easy to test.

Reports ask for thousands of due dates, so nothing here walks day by day: weekdays are
counted with week arithmetic, and the non-working weekdays (holidays and closures that fall
Monday to Friday) are kept as one sorted tuple searched with `bisect`. Each call costs
O(log h) for h holidays, plus a step per holiday that lands inside the span being added.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta

_WEEK = 7
_WORKDAYS_PER_WEEK = 5
_FRIDAY = 4


def _check_date(d: date, what: str = "date") -> date:
    # datetime is a subclass of date; letting one in would compare wrongly with holiday dates
    # and hide a time-zone mistake (the civil date must be taken in London first).
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"{what} must be a date, not {type(d).__name__}")
    return d


def _weekdays_up_to(d: date) -> int:
    """Mondays to Fridays from 1 Jan 0001 (a Monday) up to and including d."""
    weeks, day_in_week = divmod(d.toordinal() - 1, _WEEK)
    return weeks * _WORKDAYS_PER_WEEK + min(day_in_week + 1, _WORKDAYS_PER_WEEK)


def _add_weekdays(d: date, n: int) -> date:
    """The n-th Monday-to-Friday day after d (n > 0) or before d (n < 0), ignoring holidays."""
    if n > 0:
        if d.weekday() > _FRIDAY:  # counting after a weekend day is counting after its Friday
            d -= timedelta(days=d.weekday() - _FRIDAY)
        weeks, rest = divmod(n, _WORKDAYS_PER_WEEK)
        days = weeks * _WEEK + rest + (2 if d.weekday() + rest > _FRIDAY else 0)
        return d + timedelta(days=days)
    if n < 0:
        if d.weekday() > _FRIDAY:  # counting before a weekend day is counting before its Monday
            d += timedelta(days=_WEEK - d.weekday())
        weeks, rest = divmod(-n, _WORKDAYS_PER_WEEK)
        days = weeks * _WEEK + rest + (2 if d.weekday() - rest < 0 else 0)
        return d - timedelta(days=days)
    return d


class WorkingDayCalendar:
    """Answers working-day questions for one set of bank holidays and closure days.

    Immutable once built: clocks computed from it must not change under their feet. Build a
    new one when an administrator adds a closure day.

    Only the years covered by the bank holidays passed in are right: a date outside them
    treats that year's bank holidays as working days, so pass a generous range.
    """

    __slots__ = ("_closed",)

    def __init__(self, bank_holidays: Iterable[date], closure_days: Iterable[date] = ()) -> None:
        closed = set()
        for d in (*bank_holidays, *closure_days):
            _check_date(d, "a bank holiday or closure day")
            # Weekend dates (the holidays package lists them beside their weekday substitutes)
            # are non-working anyway; keeping only weekdays makes counting simple subtraction.
            if d.weekday() <= _FRIDAY:
                closed.add(d)
        object.__setattr__(self, "_closed", tuple(sorted(closed)))

    def __setattr__(self, name, value):
        raise AttributeError("WorkingDayCalendar is immutable; build a new one")

    def __reduce__(self):
        return (type(self), (self._closed,))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WorkingDayCalendar):
            return NotImplemented
        return self._closed == other._closed

    def __hash__(self) -> int:
        return hash(self._closed)

    def __repr__(self) -> str:
        return f"WorkingDayCalendar({len(self._closed)} non-working weekdays)"

    @property
    def non_working_weekdays(self) -> tuple[date, ...]:
        """Bank holidays and closure days that fall Monday to Friday, in order."""
        return self._closed

    def _closed_in(self, after: date, up_to: date) -> int:
        """Non-working weekdays d with after < d <= up_to (after <= up_to)."""
        return bisect_right(self._closed, up_to) - bisect_right(self._closed, after)

    def is_working_day(self, d: date) -> bool:
        _check_date(d)
        if d.weekday() > _FRIDAY:
            return False
        i = bisect_left(self._closed, d)
        return not (i < len(self._closed) and self._closed[i] == d)

    def add_working_days(self, start: date, n: int) -> date:
        """Spreadsheet WORKDAY(start, n): start is day 0; the n-th working day after it.

        n == 0 returns start unchanged, even on a weekend or holiday (as WORKDAY does).
        n < 0 returns the |n|-th working day before start.
        """
        _check_date(start, "start")
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError("n must be a whole number of working days")
        d, left = start, n
        # Jump over `left` weekdays, then jump again over the holidays that jump crossed,
        # until a jump crosses none. The weekdays jumped over, less the holidays among them,
        # are exactly n, and the last jump ends on a weekday that is not a holiday.
        while left > 0:
            target = _add_weekdays(d, left)
            left = self._closed_in(d, target)
            d = target
        while left < 0:
            target = _add_weekdays(d, left)
            # Backwards the interval is [target, d): target counts, d does not.
            left = -self._closed_in(target - timedelta(days=1), d - timedelta(days=1))
            d = target
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end; the negative of the reverse count if end < start.

        So a referral on day 0 and its WORKDAY due date are `n` working days apart:
        add_working_days(s, n) == e implies working_days_between(s, e) == n for n >= 0.
        (For n < 0 that holds when s is itself a working day: the count includes s, not e.)
        It is also "working days left" from today to a due date: 0 on the due date itself.
        """
        _check_date(start, "start")
        _check_date(end, "end")
        if end < start:
            return -self.working_days_between(end, start)
        weekdays = _weekdays_up_to(end) - _weekdays_up_to(start)
        return weekdays - self._closed_in(start, end)

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after d."""
        return self.add_working_days(d, 1)

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before d."""
        return self.add_working_days(d, -1)

    def day_numbers(self, first: date, last: date) -> Iterator[tuple[date, bool, int]]:
        """Each day from first to last: (day, is it a working day, running working-day number).

        The number counts the working days from `first` up to and including the day, so a
        non-working day carries the number of the working day before it. The database's
        calendar table is these rows: "working days between" becomes a subtraction,
        number(end) - number(start), equal to working_days_between(start, end).
        """
        _check_date(first, "first")
        _check_date(last, "last")
        number, day, one = 0, first, timedelta(days=1)
        while day <= last:
            working = self.is_working_day(day)
            number += working
            yield day, working, number
            day += one
