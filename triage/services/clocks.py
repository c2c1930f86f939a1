"""Starting and stopping clocks. Each clock's due and warning times are stored when it starts."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, select

from triage.clock import local_date
from triage.domain.calendar import WorkingDayCalendar
from triage.domain.clocks import ClockKind, ClockState, end_of_day, rederived_due_date, rederived_warn_date
from triage.extensions import db
from triage.models import Assessment, CaseDiscussion, Clock, ClockEvent, Contact, Referral, StrategyDiscussion


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
    from triage.services import audit

    if day < local_date(now):
        return []
    moved: list[MovedClock] = []
    for clock, anchor, subject in _anchored_clocks(end_of_day(day - timedelta(days=1))):
        if clock.due_date is not None:
            old_due = clock.due_date
        else:
            old_due = local_date(clock.due_at)
            # Only clocks due at the end of the next working day count working days; a
            # 24-hour decision clock keeps its hours.
            if clock.due_at != end_of_day(before.next_working_day(anchor)):
                continue
        new_due = rederived_due_date(anchor, old_due, before, after)
        if new_due == old_due:
            continue
        if clock.due_date is not None:
            warn_day = local_date(clock.warn_at)
            new_warn = rederived_warn_date(warn_day, old_due, new_due, before, after)
            clock.warn_at = min(end_of_day(new_warn - timedelta(days=1)) + timedelta(seconds=1),
                                end_of_day(new_due))
            clock.due_date = new_due
        else:
            clock.warn_at = end_of_day(new_due) - (clock.due_at - clock.warn_at)
        clock.due_at = end_of_day(new_due)
        if clock.state == ClockState.DUE_SOON.value and clock.warn_at > now:
            clock.state = ClockState.RUNNING.value
        if isinstance(subject, Assessment):
            subject.due_date = new_due
        elif isinstance(subject, CaseDiscussion):
            subject.planned_on = new_due
        elif isinstance(subject, StrategyDiscussion):
            subject.icpc_due_date = new_due
        elif isinstance(subject, Contact) and clock.kind == ClockKind.DECISION.value:
            subject.decision_due_at = clock.due_at
        moved.append(MovedClock(clock.id, clock.kind, clock.subject, clock.subject_id, clock.child_id,
                                clock.contact_id, old_due, new_due))
        audit.record(actor, now, "update", "clock", clock.id, child_id=clock.child_id,
                     detail=f"{clock.kind} {clock.subject} {clock.subject_id} due {old_due.isoformat()} "
                            f"-> {new_due.isoformat()}: {why}")
    db.session.flush()
    return moved
