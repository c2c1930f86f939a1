"""When the Front Door is open, and which morning takes over what arrived while it was closed.

The Front Door is open on working days between its opening and closing times (London). Outside
them the Emergency Duty Team covers; what it logs is handed over to the next opening.
"""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from triage.domain.calendar import WorkingDayCalendar

LONDON = ZoneInfo("Europe/London")


def _london(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("A time must say its zone")
    return at.astimezone(LONDON)


def is_open(at: datetime, calendar: WorkingDayCalendar, opens: time, closes: time) -> bool:
    local = _london(at)
    return calendar.is_working_day(local.date()) and opens <= local.time() < closes


def handover_day(at: datetime, calendar: WorkingDayCalendar, opens: time, closes: time) -> date | None:
    """The working day whose morning takes over something that arrived at `at`; None when the
    Front Door was open then (it saw it itself)."""
    if is_open(at, calendar, opens, closes):
        return None
    local = _london(at)
    if calendar.is_working_day(local.date()) and local.time() < opens:
        return local.date()
    return calendar.next_working_day(local.date())
