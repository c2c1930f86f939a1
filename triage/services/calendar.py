"""Builds the working-day calendar from bank holiday data and the council's closure days."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import holidays
from sqlalchemy import case, delete, func, insert, select, update

from triage.clock import local_date
from triage.domain.calendar import WorkingDayCalendar
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import ClosureDay, WorkingDay
from triage.services.actor import Actor
from triage.services.clocks import rederive_running_clocks
from triage.services.errors import Conflict, Forbidden, Invalid, NotFound
from triage.services.unit_of_work import unit_of_work

# Wide enough for historic imports and long-running clocks; the holidays package is cheap.
HOLIDAY_YEARS = range(2000, 2046)
# The calendar table covers the same years: every date a clock or report can ask about.
TABLE_FIRST, TABLE_LAST = date(HOLIDAY_YEARS.start, 1, 1), date(HOLIDAY_YEARS.stop - 1, 12, 31)


def bank_holidays() -> list[date]:
    # subdiv="ENG": without it Easter Monday and the August holiday silently go missing.
    return list(holidays.UK(subdiv="ENG", years=HOLIDAY_YEARS).keys())


_BANK_HOLIDAYS = None
_CALENDARS: dict[tuple[date, ...], WorkingDayCalendar] = {}
# Closure days change a few times a year; every contact and clock reads them. Each process
# re-reads them at most once a second (a change made in another process counts from then on)
# and at once after a change it made itself.
CLOSURES_CACHE_SECONDS = 1.0
_closures: tuple[float, tuple[date, ...]] | None = None


def _closure_days() -> tuple[date, ...]:
    global _closures
    clock = time.monotonic()
    if _closures is None or not 0 <= clock - _closures[0] < CLOSURES_CACHE_SECONDS:
        _closures = (clock, tuple(sorted(db.session.scalars(select(ClosureDay.day)).all())))
    return _closures[1]


def forget_cached_calendar() -> None:
    global _closures
    _closures = None


def working_day_calendar() -> WorkingDayCalendar:
    """The calendar now: closure days as this process last read them (at most a second ago)."""
    return _calendar_for(_closure_days())


def _fresh_calendar() -> WorkingDayCalendar:
    """The calendar as this transaction sees it, for changing the closure days themselves."""
    return _calendar_for(tuple(sorted(db.session.scalars(select(ClosureDay.day)).all())))


def _calendar_for(closures: tuple[date, ...]) -> WorkingDayCalendar:
    global _BANK_HOLIDAYS
    if _BANK_HOLIDAYS is None:
        _BANK_HOLIDAYS = bank_holidays()
    # Building one sorts and checks ~500 dates (about 1 ms): once per set of closure days, not
    # once per request (bench/README.md, intake). The calendar is immutable, so sharing is safe.
    found = _CALENDARS.get(closures)
    if found is None:
        if len(_CALENDARS) > 32:
            _CALENDARS.clear()
        found = _CALENDARS[closures] = WorkingDayCalendar(bank_holidays=_BANK_HOLIDAYS, closure_days=closures)
    return found


def list_closure_days() -> list[ClosureDay]:
    return list(db.session.scalars(select(ClosureDay).order_by(ClosureDay.day)))


@dataclass
class ClosureChange:
    """A closure day added or removed, and the running clocks it moved."""

    day: date
    reason: str | None
    created_at: datetime | None
    added: bool
    moved_clocks: list = field(default_factory=list)
    note: str = ""


def _describe(day: date, today: date, moved: list, working_before: bool, working_after: bool) -> str:
    if day < today:
        return f"{day:%-d %B %Y} is already past: no running clock moved"
    if working_before == working_after:
        return f"{day:%-d %B %Y} is a bank holiday anyway: no running clock moved"
    if not moved:
        return "No running clock counts across this day: none moved"
    return f"{len(moved)} running clock{'s' if len(moved) != 1 else ''} moved"


def _change_calendar(actor: Actor, now: datetime, day: date, before: WorkingDayCalendar, added: bool) -> tuple:
    """The calendar table and the running clocks follow the closure-day change just flushed."""
    after = _fresh_calendar()
    ensure_working_days(before)
    if before.is_working_day(day) != after.is_working_day(day):
        shift_working_days(day, added)
    why = f"closure day {day.isoformat()} {'added' if added else 'removed'}"
    moved = rederive_running_clocks(actor, now, day, before, after, why)
    note = _describe(day, local_date(now), moved, before.is_working_day(day), after.is_working_day(day))
    return moved, note


def add_closure_day(actor: Actor, now: datetime, day: date, reason: str) -> ClosureChange:
    """Add the day, re-derive the calendar table and move the running clocks that count across
    it, all in one transaction."""
    if not actor.has_role(Role.ADMIN):
        raise Forbidden("Only administrators can change closure days")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("Give a reason for the closure", {"reason": ["Enter why the council is closed"]})
    if day.weekday() >= 5:
        raise Invalid("Weekends are never working days", {"day": ["Choose a weekday"]})
    with unit_of_work("closure day"):
        if db.session.scalar(select(ClosureDay).where(ClosureDay.day == day)):
            raise Conflict(f"{day.isoformat()} is already a closure day")
        before = _fresh_calendar()
        closure = ClosureDay(day=day, reason=reason, created_at=now, created_by_id=actor.user_id)
        db.session.add(closure)
        db.session.flush()
        moved, note = _change_calendar(actor, now, day, before, added=True)
    forget_cached_calendar()
    return ClosureChange(day, reason, now, True, moved, note)


def remove_closure_day(actor: Actor, now: datetime, day: date) -> ClosureChange:
    """Remove the day; the calendar table and the running clocks follow, in one transaction."""
    if not actor.has_role(Role.ADMIN):
        raise Forbidden("Only administrators can change closure days")
    with unit_of_work("closure day"):
        closure = db.session.scalar(select(ClosureDay).where(ClosureDay.day == day))
        if closure is None:
            raise NotFound(f"{day.isoformat()} is not a closure day")
        before = _fresh_calendar()
        reason = closure.reason
        db.session.delete(closure)
        db.session.flush()
        moved, note = _change_calendar(actor, now, day, before, added=False)
    forget_cached_calendar()
    return ClosureChange(day, reason, None, False, moved, note)


# ---------------------------------------------------------------- the calendar table

def calendar_rows(calendar: WorkingDayCalendar, first: date = TABLE_FIRST, last: date = TABLE_LAST) -> list[dict]:
    return [{"day": d, "is_working_day": w, "number": n} for d, w, n in calendar.day_numbers(first, last)]


def _expected_shape(calendar: WorkingDayCalendar) -> tuple:
    days = (TABLE_LAST - TABLE_FIRST).days + 1
    working = calendar.working_days_between(TABLE_FIRST, TABLE_LAST) + calendar.is_working_day(TABLE_FIRST)
    return days, TABLE_FIRST, TABLE_LAST, working, working


def _table_shape() -> tuple:
    row = db.session.execute(select(
        func.count(), func.min(WorkingDay.day), func.max(WorkingDay.day), func.max(WorkingDay.number),
        func.sum(case((WorkingDay.is_working_day.is_(True), 1), else_=0)))).one()
    return tuple(int(v) if isinstance(v, int) else v for v in row)


def ensure_working_days(calendar: WorkingDayCalendar | None = None) -> bool:
    """Make the calendar table cover TABLE_FIRST..TABLE_LAST and agree with the pure calendar
    in its range and counts; rewrite it when not (a new holidays release, a gap, a closure day
    written around the service). Three aggregates when it is right. Joins the caller's
    transaction; True when it rewrote the table."""
    calendar = calendar or working_day_calendar()
    if _table_shape() == _expected_shape(calendar):
        return False
    db.session.execute(delete(WorkingDay))
    db.session.execute(insert(WorkingDay), calendar_rows(calendar))
    return True


def day_numbers(days) -> dict[date, int]:
    """The calendar table's running working-day number of each day given, in one query."""
    wanted = sorted(set(days))
    if not wanted:
        return {}
    found = dict(db.session.execute(select(WorkingDay.day, WorkingDay.number).where(WorkingDay.day.in_(wanted))).all())
    if len(found) < len(wanted):
        # A day outside the table's years (or a table not yet filled): the pure calendar gives
        # the same numbers, counted from the day before TABLE_FIRST.
        calendar = working_day_calendar()
        for day in wanted:
            if day not in found:
                found[day] = calendar.working_days_between(TABLE_FIRST - timedelta(days=1), day)
    return found


def shift_working_days(day: date, closed: bool) -> None:
    """One day stops (or starts) being a working day: two set-based updates."""
    db.session.execute(update(WorkingDay).where(WorkingDay.day == day).values(is_working_day=not closed))
    step = -1 if closed else 1
    db.session.execute(update(WorkingDay).where(WorkingDay.day >= day)
                       .values(number=WorkingDay.number + step))
