"""Starting, stopping and moving clocks: the only place that writes a deadline.

A deadline lives in two places: the Clock row (which the sweep, the notifications and the
report read) and a mirror column on its subject that pages and queries show (a contact's
`decision_due_at` and `decided_at`, an information request's `due_at`, an assessment's
`due_date`, a case discussion's `planned_on`, a strategy discussion's `icpc_due_date`). The
functions here write both in the caller's unit of work, so the two never drift apart: start a
clock with `start_subject_clock` / `start_subject_date_clock`, stop it with
`stop_subject_clock`, move it with `move_subject_clock` (or `rederive_running_clocks` when the
calendar changes). `start_clock`, `start_date_clock` and `stop_clock` remain for clocks whose
subject keeps no mirror. The rules (how long, when it warns) are the domain's
(triage.domain.clocks.ClockSettings); nothing here commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, select

from triage.clock import local_date
from triage.domain.calendar import WorkingDayCalendar
from triage.domain.clocks import (
    END_OF_DAY,
    ClockKind,
    ClockState,
    date_clock_instants,
    end_of_day,
    rederived_due_date,
    rederived_warn_date,
    stored_state,
    warned_from,
)
from triage.extensions import db
from triage.models import (
    Assessment,
    CaseDiscussion,
    Clock,
    ClockEvent,
    Contact,
    InformationRequest,
    Referral,
    StrategyDiscussion,
)
from triage.services import audit
from triage.settings import clock_settings


@dataclass(frozen=True)
class Mirror:
    """Where a kind of clock's subject keeps its own copy of the deadline."""

    subject: str  # Clock.subject
    model: type
    due: str | None  # the subject's due column (an instant, or a date for working-day clocks)
    stopped: str | None  # the subject's column for when the clock stopped, where it has one


MIRRORS: dict[ClockKind, Mirror] = {
    ClockKind.DECISION: Mirror("contact", Contact, "decision_due_at", "decided_at"),
    ClockKind.ACKNOWLEDGEMENT: Mirror("contact", Contact, None, "acknowledged_at"),
    ClockKind.PARTNER_INFORMATION: Mirror("information_request", InformationRequest, "due_at", None),
    ClockKind.ASSESSMENT: Mirror("assessment", Assessment, "due_date", None),
    ClockKind.CASE_DISCUSSION: Mirror("case_discussion", CaseDiscussion, "planned_on", None),
    ClockKind.ICPC: Mirror("strategy_discussion", StrategyDiscussion, "icpc_due_date", None),
}


def start_clock(kind: ClockKind, subject: str, subject_id: int, started_at: datetime,
                due_at: datetime, warn_at: datetime, *, due_date: date | None = None,
                contact_id: int | None = None, child_id: int | None = None,
                owner_id: int | None = None, team_id: int | None = None) -> Clock:
    """Add a running clock to the session; the calling use case commits."""
    clock = Clock(**clock_row(kind, subject, subject_id, started_at, due_at, warn_at, due_date=due_date,
                              contact_id=contact_id, child_id=child_id, owner_id=owner_id, team_id=team_id))
    db.session.add(clock)
    return clock


def clock_row(kind: ClockKind, subject: str, subject_id: int, started_at: datetime,
              due_at: datetime, warn_at: datetime, *, due_date: date | None = None,
              contact_id: int | None = None, child_id: int | None = None,
              owner_id: int | None = None, team_id: int | None = None) -> dict:
    """A running clock's values, for `start_clock` or for a Core INSERT of several at once."""
    return dict(kind=ClockKind(kind).value, subject=subject, subject_id=subject_id, started_at=started_at,
                due_at=due_at, warn_at=min(warn_at, due_at), due_date=due_date, contact_id=contact_id,
                child_id=child_id, owner_id=owner_id, team_id=team_id, stopped_at=None,
                breached_at=None, state=ClockState.RUNNING.value)


def start_date_clock(kind: ClockKind, subject: str, subject_id: int, started_at: datetime,
                     due: date, warn_working_days: int, calendar: WorkingDayCalendar,
                     *, day_ends: time = END_OF_DAY, **links) -> Clock:
    """A working-day clock: due at the end of `due` (London); warned from the start of the day
    `warn_working_days` working days before it."""
    due_at, warn_at = date_clock_instants(due, warn_working_days, calendar, day_ends)
    return start_clock(kind, subject, subject_id, started_at, due_at, warn_at, due_date=due, **links)


def _mirror(kind: ClockKind, record) -> Mirror:
    mirror = MIRRORS[ClockKind(kind)]
    if not isinstance(record, mirror.model):
        raise TypeError(f"a {ClockKind(kind)} clock runs on a {mirror.model.__name__}, not {type(record).__name__}")
    return mirror


def start_subject_clock(kind: ClockKind, record, started_at: datetime, due_at: datetime, warn_at: datetime,
                        **links) -> Clock:
    """Start an instant clock on a subject already flushed (it has an id) and set the subject's
    own due column to the same instant."""
    mirror = _mirror(kind, record)
    if mirror.due is not None:
        setattr(record, mirror.due, due_at)
    return start_clock(kind, mirror.subject, record.id, started_at, due_at, warn_at, **links)


def start_subject_date_clock(kind: ClockKind, record, started_at: datetime, due: date, settings,
                             calendar: WorkingDayCalendar, **links) -> Clock:
    """Start a working-day clock (assessment, case discussion, ICPC) on a flushed subject,
    warned as this council's settings say, and set the subject's due date to the same day."""
    kind = ClockKind(kind)
    mirror = _mirror(kind, record)
    if mirror.due is not None:
        setattr(record, mirror.due, due)
    return start_date_clock(kind, mirror.subject, record.id, started_at, due, settings.warn_working_days(kind),
                            calendar, day_ends=settings.day_ends, **links)


def find_clock(kind: ClockKind, subject: str, subject_id: int) -> Clock | None:
    return db.session.scalar(select(Clock).where(Clock.kind == ClockKind(kind).value, Clock.subject == subject,
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


def stop_subject_clock(kind: ClockKind, record, stopped_at: datetime) -> Clock | None:
    """Stop a subject's clock and set the subject's own "stopped" column (a contact's
    `decided_at`, `acknowledged_at`) to the same instant, where it has one."""
    mirror = _mirror(kind, record)
    if mirror.stopped is not None:
        setattr(record, mirror.stopped, stopped_at)
    return stop_clock(kind, mirror.subject, record.id, stopped_at)


def move_subject_clock(clock: Clock, record, due_at: datetime, warn_at: datetime,
                       due_date: date | None = None) -> None:
    """Give a running clock a new due (and warning), and its subject the same due."""
    clock.due_at, clock.warn_at = due_at, min(warn_at, due_at)
    if due_date is not None:
        clock.due_date = due_date
    mirror = MIRRORS[ClockKind(clock.kind)]
    if mirror.due is not None and isinstance(record, mirror.model):
        setattr(record, mirror.due, due_date if clock.due_date is not None else due_at)


def _record_late_stop(clock: Clock, now: datetime) -> None:
    """A clock stopped late before any sweep saw it still breached: record that once, at its due time."""
    already = db.session.scalar(select(ClockEvent.id).where(ClockEvent.clock_id == clock.id,
                                                            ClockEvent.kind == ClockState.BREACHED.value))
    if already is None:
        db.session.add(ClockEvent(clock_id=clock.id, kind=ClockState.BREACHED.value, at=clock.due_at,
                                  recorded_at=now))


def live_state(clock: Clock, now: datetime) -> ClockState:
    """The state at `now`, whether or not the sweep has run since."""
    return stored_state(clock.due_at, clock.warn_at, clock.stopped_at, clock.state, now)


# ---------------------------------------------------------------- calendar changes

@dataclass(frozen=True)
class MovedClock:
    clock_id: int
    kind: str
    subject: str
    subject_id: int
    child_id: int | None
    contact_id: int | None
    due_before: date
    due_after: date


# Working-day clocks and the date each one counts from. Elapsed-hour clocks (a 24-hour
# decision, partner information by RAG) count real hours, so a closure day never moves them.
def _anchored_clocks(since: datetime):
    running = and_(Clock.stopped_at.is_(None), Clock.due_at >= since)
    yield from db.session.execute(
        select(Clock, Referral.referral_date, Assessment)
        .join(Assessment, and_(Clock.subject == "assessment", Assessment.id == Clock.subject_id))
        .join(Referral, Referral.id == Assessment.referral_id)
        .where(running, Clock.kind == ClockKind.ASSESSMENT.value).order_by(Clock.id))
    yield from db.session.execute(
        select(Clock, Referral.referral_date, CaseDiscussion)
        .join(CaseDiscussion, and_(Clock.subject == "case_discussion", CaseDiscussion.id == Clock.subject_id))
        .join(Assessment, Assessment.id == CaseDiscussion.assessment_id)
        .join(Referral, Referral.id == Assessment.referral_id)
        .where(running, Clock.kind == ClockKind.CASE_DISCUSSION.value).order_by(Clock.id))
    yield from db.session.execute(
        select(Clock, StrategyDiscussion.held_on, StrategyDiscussion)
        .join(StrategyDiscussion, and_(Clock.subject == "strategy_discussion",
                                       StrategyDiscussion.id == Clock.subject_id))
        .where(running, Clock.kind == ClockKind.ICPC.value).order_by(Clock.id))
    # Acknowledgement (end of the next working day) and, under that policy, the decision.
    for clock, contact in db.session.execute(
            select(Clock, Contact).join(Contact, and_(Clock.subject == "contact", Contact.id == Clock.subject_id))
            .where(running, Clock.kind.in_((ClockKind.ACKNOWLEDGEMENT.value, ClockKind.DECISION.value)))
            .order_by(Clock.id)):
        yield clock, local_date(contact.received_at), contact


def rederive_running_clocks(actor, now: datetime, day: date, before: WorkingDayCalendar,
                            after: WorkingDayCalendar, why: str) -> list[MovedClock]:
    """Move every running working-day clock whose span the calendar change touched, with its
    subject's own date (assessment due date, planned case discussion, ICPC due date, decision
    due time), each move audited. Joins the caller's transaction.

    A change on a day already past moves nothing: those working days have been worked.
    """
    if day < local_date(now):
        return []
    ends = clock_settings().day_ends
    moved: list[MovedClock] = []
    for clock, anchor, subject in _anchored_clocks(end_of_day(day - timedelta(days=1), ends)):
        if clock.due_date is not None:
            old_due = clock.due_date
        else:
            old_due = local_date(clock.due_at)
            # Only clocks due at the end of the next working day count working days; a
            # 24-hour decision clock keeps its hours.
            if clock.due_at != end_of_day(before.next_working_day(anchor), ends):
                continue
        new_due = rederived_due_date(anchor, old_due, before, after)
        if new_due == old_due:
            continue
        if clock.due_date is not None:
            new_warn = rederived_warn_date(local_date(clock.warn_at), old_due, new_due, before, after)
            move_subject_clock(clock, subject, end_of_day(new_due, ends), warned_from(new_warn, ends), new_due)
        else:
            move_subject_clock(clock, subject, end_of_day(new_due, ends),
                               end_of_day(new_due, ends) - (clock.due_at - clock.warn_at))
        if clock.state == ClockState.DUE_SOON.value and clock.warn_at > now:
            clock.state = ClockState.RUNNING.value
        moved.append(MovedClock(clock.id, clock.kind, clock.subject, clock.subject_id, clock.child_id,
                                clock.contact_id, old_due, new_due))
        audit.record(actor, now, "update", "clock", clock.id, child_id=clock.child_id,
                     detail=f"{clock.kind} {clock.subject} {clock.subject_id} due {old_due.isoformat()} "
                            f"-> {new_due.isoformat()}: {why}")
    db.session.flush()
    return moved
