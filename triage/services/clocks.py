"""Starting and stopping clocks. Each clock's due and warning times are stored when it starts."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from triage.domain.clocks import ClockKind, ClockState, end_of_day
from triage.domain.calendar import WorkingDayCalendar
from triage.extensions import db
from triage.models import Clock, ClockEvent


def start_clock(kind: ClockKind, subject: str, subject_id: int, started_at: datetime,
                due_at: datetime, warn_at: datetime, *, due_date: date | None = None,
                contact_id: int | None = None, child_id: int | None = None,
                owner_id: int | None = None, team_id: int | None = None) -> Clock:
    """Add a running clock to the session; the calling service commits."""
    clock = Clock(**clock_row(kind, subject, subject_id, started_at, due_at, warn_at, due_date=due_date,
                              contact_id=contact_id, child_id=child_id, owner_id=owner_id, team_id=team_id))
    db.session.add(clock)
    return clock


def clock_row(kind: ClockKind, subject: str, subject_id: int, started_at: datetime,
              due_at: datetime, warn_at: datetime, *, due_date: date | None = None,
              contact_id: int | None = None, child_id: int | None = None,
              owner_id: int | None = None, team_id: int | None = None) -> dict:
    """A running clock's values, for `start_clock` or for a Core INSERT of several at once."""
    return dict(kind=kind.value, subject=subject, subject_id=subject_id, started_at=started_at,
                due_at=due_at, warn_at=min(warn_at, due_at), due_date=due_date, contact_id=contact_id,
                child_id=child_id, owner_id=owner_id, team_id=team_id, stopped_at=None,
                breached_at=None, state=ClockState.RUNNING.value)


def start_date_clock(kind: ClockKind, subject: str, subject_id: int, started_at: datetime,
                     due: date, warn_working_days: int, calendar: WorkingDayCalendar,
                     **links) -> Clock:
    """A working-day clock: due at the end of `due` (London); warned from the start of the day
    `warn_working_days` working days before it."""
    warn_day = calendar.add_working_days(due, -warn_working_days) if warn_working_days else due
    warn_at = end_of_day(warn_day - timedelta(days=1)) + timedelta(seconds=1)
    return start_clock(kind, subject, subject_id, started_at, end_of_day(due), warn_at,
                       due_date=due, **links)


def find_clock(kind: ClockKind, subject: str, subject_id: int) -> Clock | None:
    return db.session.scalar(select(Clock).where(Clock.kind == kind.value, Clock.subject == subject,
                                                 Clock.subject_id == subject_id))


def stop_clock(kind: ClockKind, subject: str, subject_id: int, stopped_at: datetime) -> Clock | None:
    """Stop a running clock: met when stopped on time, breached (at its due time) when late."""
    clock = find_clock(kind, subject, subject_id)
    if clock is None or clock.stopped_at is not None:
        return clock
    clock.stopped_at = stopped_at
    if stopped_at <= clock.due_at:
        clock.state = ClockState.MET.value
    else:
        clock.state = ClockState.BREACHED.value
        clock.breached_at = clock.breached_at or clock.due_at
        _record_late_stop(clock, stopped_at)
    return clock


def _record_late_stop(clock: Clock, now: datetime) -> None:
    """A clock stopped late before any sweep saw it still breached: record that once, at its due time."""
    already = db.session.scalar(select(ClockEvent.id).where(ClockEvent.clock_id == clock.id,
                                                            ClockEvent.kind == ClockState.BREACHED.value))
    if already is None:
        db.session.add(ClockEvent(clock_id=clock.id, kind=ClockState.BREACHED.value, at=clock.due_at,
                                  recorded_at=now))


def live_state(clock: Clock, now: datetime) -> ClockState:
    """The state at `now`, whether or not the sweep has run since."""
    if clock.stopped_at is not None:
        return ClockState(clock.state)
    if now > clock.due_at:
        return ClockState.BREACHED
    if now >= clock.warn_at:
        return ClockState.DUE_SOON
    return ClockState.RUNNING
