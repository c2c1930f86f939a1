"""What is waiting for the signed-in person, as numbers: the home page's and `GET /api/v1/me/work`'s
"my work" counts.

Every number is a set-based COUNT (or one row for the latest report), so it costs the same however
much work there is. A clock's state is the rule the Clock row was started with (breached once its due
instant has passed while running, due soon from its warning instant: `clocks.stored_state`) written
as SQL, and the queue's bands are the queue's own count; nothing here sets a warning of its own.
Counts name no child, so reading them is not audited.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, select

from triage.domain.clocks import ClockKind, ClockState, london_date, require_aware
from triage.domain.contact_states import STAFF
from triage.domain.information_requests import RequestState
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import Clock, InformationRequest, MorningReport, Referral
from triage.services import inbox
from triage.services.actor import Actor
from triage.services.cases.common import CASE_WORKERS
from triage.services.queue import queue_counts
from triage.services.report.reading import READERS as REPORT_READERS
from triage.services.unit_of_work import unit_of_work
from triage.settings import clock_settings

# The clocks that belong to a case once it is allocated: their owner is the allocated worker
# and their team the case's team. A decision or a partner's return is the queue's, counted there.
CASE_CLOCKS = (ClockKind.ASSESSMENT, ClockKind.CASE_DISCUSSION, ClockKind.ICPC, ClockKind.STEP_DOWN)


@dataclass(frozen=True)
class QueueWork:
    """Contacts awaiting a decision, and how many of them are overdue or due soon."""
    awaiting_decision: int
    breached: int
    due_soon: int


@dataclass(frozen=True)
class CaseWork:
    """The cases allocated to the reader, and their case clocks due by the end of this week or
    already breached."""
    open_cases: int
    due_this_week: int
    breached: int
    week_ends_on: date  # the Sunday (London) that "this week" runs to


@dataclass(frozen=True)
class TeamWork:
    """A manager's team (every team, for a manager in none): case clocks breached and open cases
    waiting for a worker."""
    team_id: int | None
    breached: int
    awaiting_allocation: int


@dataclass(frozen=True)
class LatestReport:
    report_date: date
    version: int
    built_at: datetime


@dataclass(frozen=True)
class MyWork:
    """The counts for one person; a part is None where the role has no such work."""
    role: Role
    unread_notifications: int | None = None
    queue: QueueWork | None = None
    cases: CaseWork | None = None
    team: TeamWork | None = None
    requests_awaiting_agency: int | None = None
    latest_report: LatestReport | None = None


def _running():
    return Clock.stopped_at.is_(None)


def _breached(now: datetime):
    """clocks.stored_state's BREACHED for a running clock."""
    return and_(_running(), Clock.due_at < now)


def _count(statement) -> int:
    return int(db.session.scalar(statement) or 0)


def _case_work(actor: Actor, now: datetime) -> CaseWork:
    today = london_date(now)
    sunday = today + timedelta(days=6 - today.weekday())
    week_ends = clock_settings().end_of_day(sunday)
    mine = and_(Clock.owner_id == actor.user_id, Clock.kind.in_(CASE_CLOCKS))
    due_this_week, breached = db.session.execute(
        select(func.count().filter(and_(_running(), Clock.due_at >= now, Clock.due_at <= week_ends)),
               func.count().filter(_breached(now)))
        .select_from(Clock).where(mine)).one()
    open_cases = _count(select(func.count(Referral.id)).where(Referral.worker_id == actor.user_id,
                                                              Referral.closed_at.is_(None)))
    return CaseWork(open_cases=open_cases, due_this_week=int(due_this_week or 0), breached=int(breached or 0),
                    week_ends_on=sunday)


def _team_work(actor: Actor, now: datetime) -> TeamWork:
    clock_team = [Clock.team_id == actor.team_id] if actor.team_id else []
    case_team = [Referral.team_id == actor.team_id] if actor.team_id else []
    breached = _count(select(func.count(Clock.id)).where(Clock.kind.in_(CASE_CLOCKS), _breached(now), *clock_team))
    waiting = _count(select(func.count(Referral.id)).where(Referral.closed_at.is_(None), Referral.worker_id.is_(None),
                                                           *case_team))
    return TeamWork(team_id=actor.team_id, breached=breached, awaiting_allocation=waiting)


def _queue_work(actor: Actor, now: datetime) -> QueueWork:
    counts = queue_counts(actor, now)
    return QueueWork(awaiting_decision=sum(counts.values()), breached=counts[ClockState.BREACHED],
                     due_soon=counts[ClockState.DUE_SOON])


def _latest_report() -> LatestReport | None:
    row = db.session.execute(select(MorningReport.report_date, MorningReport.version, MorningReport.built_at)
                             .order_by(MorningReport.report_date.desc(), MorningReport.version.desc())
                             .limit(1)).first()
    return LatestReport(*row) if row else None


def my_work(actor: Actor, now: datetime) -> MyWork:
    """The reader's work in numbers: what each role's home page and `/api/v1/me/work` show."""
    now = require_aware(now, "now")
    with unit_of_work("my work", keep_loaded=True):
        parts: dict = {}
        if actor.user_id is not None:
            parts["unread_notifications"] = inbox.unread_count(actor)
        if actor.has_role(*STAFF):
            parts["queue"] = _queue_work(actor, now)
        if actor.has_role(*CASE_WORKERS) and actor.user_id is not None:
            parts["cases"] = _case_work(actor, now)
        if actor.has_role(Role.MANAGER):
            parts["team"] = _team_work(actor, now)
        if actor.has_role(Role.PARTNER) and actor.agency_id is not None:
            parts["requests_awaiting_agency"] = _count(select(func.count(InformationRequest.id)).where(
                InformationRequest.agency_id == actor.agency_id, InformationRequest.state == RequestState.OPEN))
        if actor.has_role(*REPORT_READERS):
            parts["latest_report"] = _latest_report()
        return MyWork(role=actor.role, **parts)
