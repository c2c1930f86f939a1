"""Builds the working-day calendar from bank holiday data and the council's closure days."""
from __future__ import annotations

import time
from datetime import date, datetime

import holidays
from sqlalchemy import select

from triage.domain.calendar import WorkingDayCalendar
from triage.extensions import db
from triage.models import ClosureDay
from triage.services.actor import Actor
from triage.domain.roles import Role
from triage.services.errors import Conflict, Forbidden, Invalid, NotFound

# Wide enough for historic imports and long-running clocks; the holidays package is cheap.
HOLIDAY_YEARS = range(2000, 2046)


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
    global _BANK_HOLIDAYS
    if _BANK_HOLIDAYS is None:
        _BANK_HOLIDAYS = bank_holidays()
    closures = _closure_days()
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


def add_closure_day(actor: Actor, now: datetime, day: date, reason: str) -> ClosureDay:
    if not actor.has_role(Role.ADMIN):
        raise Forbidden("Only administrators can change closure days")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("Give a reason for the closure", {"reason": ["Enter why the council is closed"]})
    if day.weekday() >= 5:
        raise Invalid("Weekends are never working days", {"day": ["Choose a weekday"]})
    if db.session.scalar(select(ClosureDay).where(ClosureDay.day == day)):
        raise Conflict(f"{day.isoformat()} is already a closure day")
    closure = ClosureDay(day=day, reason=reason, created_at=now, created_by_id=actor.user_id)
    db.session.add(closure)
    db.session.commit()
    forget_cached_calendar()
    return closure


def remove_closure_day(actor: Actor, day: date) -> None:
    if not actor.has_role(Role.ADMIN):
        raise Forbidden("Only administrators can change closure days")
    closure = db.session.scalar(select(ClosureDay).where(ClosureDay.day == day))
    if closure is None:
        raise NotFound(f"{day.isoformat()} is not a closure day")
    db.session.delete(closure)
    db.session.commit()
    forget_cached_calendar()
