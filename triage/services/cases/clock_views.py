"""Clocks as people read them: each clock's state now, the time left in words, and the case
(and case discussion) it belongs to, found for a whole list in a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from triage.clock import local_date
from triage.domain import clocks as clock_rules
from triage.domain.calendar import WorkingDayCalendar
from triage.domain.clocks import ClockKind
from triage.extensions import db
from triage.models import Assessment, CaseDiscussion, Clock, StepDown, StrategyDiscussion
from triage.services import clocks
from triage.services.calendar import working_day_calendar

CLOCK_LABELS = {ClockKind.DECISION: "Decision on the contact", ClockKind.ACKNOWLEDGEMENT: "Acknowledge the referrer",
                ClockKind.PARTNER_INFORMATION: "Partner information request",
                ClockKind.CASE_DISCUSSION: "Case discussion", ClockKind.ASSESSMENT: "Assessment",
                ClockKind.ICPC: "Initial child protection conference",
                ClockKind.STEP_DOWN: "Early help's answer to a handover"}


@dataclass(frozen=True)
class ClockView:
    """A clock as people read it: its state now and the time left in words."""

    id: int
    kind: str
    label: str
    subject: str
    subject_id: int
    started_at: datetime
    due_at: datetime
    due_date: date | None
    stopped_at: datetime | None
    state: str  # running, due_soon, met, breached: live, whether or not the sweep has run
    time_left: str | None  # None once stopped
    working_days_left: int | None  # working-day clocks only
    child_id: int | None = None
    contact_id: int | None = None
    referral_id: int | None = None
    owner_id: int | None = None
    team_id: int | None = None
    who: str | None = None  # the child or children the clock is about
    owner: str | None = None
    team: str | None = None


def clock_view(clock: Clock, now: datetime, calendar: WorkingDayCalendar, label: str | None = None,
               **extra) -> ClockView:
    state = clocks.live_state(clock, now)
    left_days = time_left = None
    if clock.stopped_at is None:
        if clock.due_date is not None:
            left_days = clock_rules.working_days_left(clock.due_date, local_date(now), calendar)
            time_left = clock_rules.describe_working_days_left(left_days)
        else:
            time_left = clock_rules.describe_time_left(clock.due_at, now)
    return ClockView(id=clock.id, kind=clock.kind, label=label or CLOCK_LABELS.get(clock.kind, clock.kind),
                     subject=clock.subject, subject_id=clock.subject_id, started_at=clock.started_at,
                     due_at=clock.due_at, due_date=clock.due_date, stopped_at=clock.stopped_at,
                     state=state, time_left=time_left, working_days_left=left_days,
                     child_id=clock.child_id, contact_id=clock.contact_id, owner_id=clock.owner_id,
                     team_id=clock.team_id, **extra)


def cases_for_clocks(clocks_: list[Clock]) -> dict[int, tuple[int | None, int | None]]:
    """clock id -> (referral id, case discussion number), in at most four queries."""
    wanted: dict[str, set[int]] = {"assessment": set(), "case_discussion": set(), "strategy_discussion": set(),
                                   "step_down": set()}
    for clock in clocks_:
        if clock.subject in wanted:
            wanted[clock.subject].add(clock.subject_id)
    found: dict[tuple[str, int], tuple[int, int | None]] = {}
    if wanted["assessment"]:
        for ident, referral_id in db.session.execute(select(Assessment.id, Assessment.referral_id)
                                                     .where(Assessment.id.in_(wanted["assessment"]))):
            found[("assessment", ident)] = (referral_id, None)
    if wanted["case_discussion"]:
        for ident, referral_id, sequence in db.session.execute(
                select(CaseDiscussion.id, Assessment.referral_id, CaseDiscussion.sequence)
                .join(Assessment, Assessment.id == CaseDiscussion.assessment_id)
                .where(CaseDiscussion.id.in_(wanted["case_discussion"]))):
            found[("case_discussion", ident)] = (referral_id, sequence)
    if wanted["strategy_discussion"]:
        for ident, referral_id in db.session.execute(
                select(StrategyDiscussion.id, StrategyDiscussion.referral_id)
                .where(StrategyDiscussion.id.in_(wanted["strategy_discussion"]))):
            found[("strategy_discussion", ident)] = (referral_id, None)
    if wanted["step_down"]:
        for ident, referral_id in db.session.execute(
                select(StepDown.id, StepDown.referral_id).where(StepDown.id.in_(wanted["step_down"]))):
            found[("step_down", ident)] = (referral_id, None)
    return {c.id: found.get((c.subject, c.subject_id), (None, None)) for c in clocks_}


def label(clock: Clock, sequence: int | None) -> str:
    name = CLOCK_LABELS.get(clock.kind, clock.kind)
    return f"{name} {sequence}" if sequence else name


def clock_views(clocks_: list[Clock], now: datetime) -> list[ClockView]:
    """Clocks read for people (one case's, say): state now, time left in words."""
    links = cases_for_clocks(clocks_)
    calendar = working_day_calendar()
    return [clock_view(c, now, calendar, label(c, links[c.id][1]), referral_id=links[c.id][0]) for c in clocks_]
