"""Reading cases for pages and the API: the cases list and one case with its assessment,
discussions and clocks.

Lists are built from a fixed number of set-based queries however many rows they show, and come
back as plain values, so nothing is lazily loaded (or expired by the audit commit) later. A
case's status and its assessment's clock state come from the domain's clock rules."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import selectinload

from triage.clock import local_date
from triage.domain import clocks as clock_rules
from triage.domain.calendar import WorkingDayCalendar
from triage.domain.clocks import ClockState
from triage.extensions import db
from triage.models import (
    Assessment,
    CaseDiscussion,
    CaseTransfer,
    Clock,
    Referral,
    StepDown,
    StrategyDiscussion,
    User,
)
from triage.services import audit
from triage.services.actor import Actor
from triage.services.calendar import working_day_calendar
from triage.services.cases.clock_views import ClockView, clock_view, label
from triage.services.cases.common import CASE_WORKERS, load
from triage.services.guards import require
from triage.services.paging import Page
from triage.services.unit_of_work import unit_of_work
from triage.settings import clock_settings

CASE_STATUSES = {"closed": "Closed", "authorised": "Authorised", "overdue": "Overdue",
                 "due_soon": "Due soon", "not_allocated": "Not allocated", "not_started": "Not started",
                 "in_progress": "In progress"}


@dataclass(frozen=True)
class ReferralFilters:
    team_id: int | None = None
    worker_id: int | None = None
    status: str | None = None  # "open" or "closed"; None for both
    allocated: bool | None = None  # to a worker


@dataclass(frozen=True)
class CaseRow:
    """One referral in the cases list."""

    referral_id: int
    version: int
    child_id: int
    child_name: str
    referral_date: date
    is_re_referral: bool
    team_id: int | None
    team: str | None
    worker_id: int | None
    worker: str | None
    allocated_at: datetime | None
    closed_at: datetime | None
    closure_reason: str | None
    assessment_id: int | None
    due_date: date | None
    started_on: date | None
    authorised_on: date | None
    working_days_left: int | None  # None once authorised
    working_days_left_text: str | None
    status: str  # a key of CASE_STATUSES

    @property
    def status_label(self) -> str:
        return CASE_STATUSES[self.status]


@dataclass(frozen=True)
class AssessmentView:
    """An assessment with its progress on the assessment clock."""

    assessment: Assessment
    working_days_elapsed: int  # since the referral date, to today or to authorisation
    working_days_left: int | None  # None once authorised
    working_days_left_text: str | None
    state: str  # the assessment clock: running, due_soon, met, breached
    late: bool  # past its due date while open, or authorised after it


@dataclass(frozen=True)
class CaseDetail:
    referral: Referral
    worker: User | None
    assessment: AssessmentView | None
    strategy_discussions: list[StrategyDiscussion]
    clocks: list[ClockView]
    status: str
    transfers: tuple[CaseTransfer, ...] = ()  # earliest first
    step_downs: tuple[StepDown, ...] = ()  # handovers to early help, earliest first

    @property
    def status_label(self) -> str:
        return CASE_STATUSES[self.status]


def case_status(referral: Referral, assessment: Assessment | None, clock: ClockState | None) -> str:
    """Where the case is, for lists and the case page; `clock` is the assessment clock's state."""
    if referral.closed_at is not None:
        return "closed"
    if assessment is not None and assessment.authorised_at is not None:
        return "authorised"
    if clock is ClockState.BREACHED:
        return "overdue"
    if clock is ClockState.DUE_SOON:
        return "due_soon"
    if referral.worker_id is None:
        return "not_allocated"
    return "in_progress" if assessment is not None and assessment.started_on else "not_started"


def assessment_clock_state(assessment: Assessment, today: date, calendar: WorkingDayCalendar) -> ClockState:
    return clock_rules.date_clock_state(assessment.due_date, today, assessment.authorised_on,
                                        clock_settings().assessment_warn_working_days, calendar)


def _filter_conditions(filters: ReferralFilters) -> list:
    conditions = []
    if filters.team_id:
        conditions.append(Referral.team_id == filters.team_id)
    if filters.worker_id:
        conditions.append(Referral.worker_id == filters.worker_id)
    if filters.status == "open":
        conditions.append(Referral.closed_at.is_(None))
    elif filters.status == "closed":
        conditions.append(Referral.closed_at.is_not(None))
    if filters.allocated is True:
        conditions.append(Referral.worker_id.is_not(None))
    elif filters.allocated is False:
        conditions.append(Referral.worker_id.is_(None))
    return conditions


def _case_row(referral: Referral, assessment: Assessment | None, worker: str | None, today: date,
              calendar: WorkingDayCalendar) -> CaseRow:
    left = state = None
    if assessment is not None:
        state = assessment_clock_state(assessment, today, calendar)
        if assessment.authorised_at is None:
            left = clock_rules.working_days_left(assessment.due_date, today, calendar)
    return CaseRow(
        referral_id=referral.id, version=referral.version, child_id=referral.child_id,
        child_name=referral.child.full_name, referral_date=referral.referral_date,
        is_re_referral=referral.is_re_referral, team_id=referral.team_id,
        team=referral.team.name if referral.team else None, worker_id=referral.worker_id, worker=worker,
        allocated_at=referral.allocated_at, closed_at=referral.closed_at,
        closure_reason=referral.closure_reason, assessment_id=assessment.id if assessment else None,
        due_date=assessment.due_date if assessment else None,
        started_on=assessment.started_on if assessment else None,
        authorised_on=assessment.authorised_on if assessment else None, working_days_left=left,
        working_days_left_text=None if left is None else clock_rules.describe_working_days_left(left),
        status=case_status(referral, assessment, state))


@unit_of_work("referral", keep_loaded=True)
def list_referrals(actor: Actor, now: datetime, filters: ReferralFilters = ReferralFilters(),
                   page: int = 1, per_page: int = 50) -> Page:
    """Referrals with their assessment, newest referral first (new work is what a manager looks
    for): a count and one query (plus one batched load each for the children and teams) whatever
    the page size."""
    require(actor, CASE_WORKERS, "see the cases list")
    page, per_page = max(1, page), max(1, per_page)
    conditions = _filter_conditions(filters)
    total = db.session.scalar(select(func.count(Referral.id)).where(*conditions)) or 0
    query = (select(Referral, Assessment, User.display_name)
             .outerjoin(Assessment, Assessment.referral_id == Referral.id)
             .outerjoin(User, User.id == Referral.worker_id)
             .where(*conditions)
             .options(selectinload(Referral.child), selectinload(Referral.team))
             .order_by(Referral.referral_date.desc(), Referral.id.desc())
             .limit(per_page).offset((page - 1) * per_page))
    today, calendar = local_date(now), working_day_calendar()
    items = [_case_row(referral, assessment, worker, today, calendar)
             for referral, assessment, worker in db.session.execute(query).all()]
    audit.record_shown(actor, now, "list", "referral", [(i.referral_id, i.child_id) for i in items],
                       detail=f"cases list: {len(items)} referrals shown")
    return Page(items=items, total=total, page=page, per_page=per_page)


def _status_expression(today: date, soon_before: date):
    """case_status in SQL. An open assessment is overdue once its due date has passed and due
    soon while its due date falls before `soon_before`, the first day the domain's
    date_clock_state no longer calls due soon (working_days_left > the warning)."""
    return case(
        (Referral.closed_at.is_not(None), literal("closed")),
        (Assessment.authorised_at.is_not(None), literal("authorised")),
        (and_(Assessment.id.is_not(None), Assessment.due_date < today), literal("overdue")),
        (and_(Assessment.id.is_not(None), Assessment.due_date < soon_before), literal("due_soon")),
        (Referral.worker_id.is_(None), literal("not_allocated")),
        (and_(Assessment.id.is_not(None), Assessment.started_on.is_not(None)), literal("in_progress")),
        else_=literal("not_started"))


def case_counts(actor: Actor, now: datetime, filters: ReferralFilters = ReferralFilters()) -> dict[str, int]:
    """How many of the listed cases are in each status (overdue, due soon ...): one grouped query.
    Counts name no child, so they are not audited."""
    require(actor, CASE_WORKERS, "see the cases list")
    today, calendar = local_date(now), working_day_calendar()
    soon_before = calendar.add_working_days(today, clock_settings().assessment_warn_working_days + 1)
    status = _status_expression(today, soon_before).label("status")
    rows = db.session.execute(select(status, func.count(Referral.id))
                              .select_from(Referral).outerjoin(Assessment, Assessment.referral_id == Referral.id)
                              .where(*_filter_conditions(filters)).group_by(status)).all()
    found = dict(rows)
    return {key: int(found.get(key, 0)) for key in CASE_STATUSES}


def describe_assessment(assessment: Assessment, now: datetime, calendar=None) -> AssessmentView:
    """Working days elapsed and left on the assessment clock, as of now."""
    calendar = calendar or working_day_calendar()
    today = local_date(now)
    referral_date = assessment.referral.referral_date
    until = assessment.authorised_on or today
    elapsed = max(0, calendar.working_days_between(referral_date, until))
    left = None
    if assessment.authorised_on is None:
        left = clock_rules.working_days_left(assessment.due_date, today, calendar)
    state = assessment_clock_state(assessment, today, calendar)
    return AssessmentView(assessment=assessment, working_days_elapsed=elapsed, working_days_left=left,
                          working_days_left_text=None if left is None else clock_rules.describe_working_days_left(left),
                          state=state, late=until > assessment.due_date)


def _case_clocks(referral: Referral, assessment: Assessment | None,
                 discussions: list[StrategyDiscussion]) -> tuple[list[Clock], dict[int, int]]:
    """The case's clocks in due order, and the number of each case discussion by its id."""
    subjects = [and_(Clock.subject == "strategy_discussion",
                     Clock.subject_id.in_([d.id for d in discussions] or [-1]))]
    sequences = {}
    if assessment is not None:
        sequences = {d.id: d.sequence for d in assessment.case_discussions}
        subjects += [and_(Clock.subject == "assessment", Clock.subject_id == assessment.id),
                     and_(Clock.subject == "case_discussion", Clock.subject_id.in_(list(sequences) or [-1]))]
    if referral.contact_id:
        subjects.append(and_(Clock.subject == "contact", Clock.subject_id == referral.contact_id))
    found = list(db.session.scalars(select(Clock).where(or_(*subjects)).order_by(Clock.due_at, Clock.id)))
    return found, sequences


@unit_of_work("referral", keep_loaded=True)
def get_case(actor: Actor, now: datetime, referral_id: int) -> CaseDetail:
    """One referral with its assessment, case discussions, strategy discussions and clocks."""
    require(actor, CASE_WORKERS, "open cases")
    referral = load(Referral, referral_id, "referral")
    audit.record(actor, now, "read", "referral", referral.id, child_id=referral.child_id)
    assessment = db.session.scalar(
        select(Assessment).where(Assessment.referral_id == referral_id)
        .options(selectinload(Assessment.case_discussions).selectinload(CaseDiscussion.held_by)))
    discussions = list(db.session.scalars(select(StrategyDiscussion)
                                          .where(StrategyDiscussion.referral_id == referral_id)
                                          .order_by(StrategyDiscussion.held_on, StrategyDiscussion.id)))
    found, sequences = _case_clocks(referral, assessment, discussions)
    calendar = working_day_calendar()
    views = [clock_view(c, now, calendar,
                        label(c, sequences.get(c.subject_id) if c.subject == "case_discussion" else None),
                        referral_id=referral_id) for c in found]
    worker = db.session.get(User, referral.worker_id) if referral.worker_id else None
    progress = describe_assessment(assessment, now, calendar) if assessment is not None else None
    status = case_status(referral, assessment, ClockState(progress.state) if progress else None)
    transfers = tuple(db.session.scalars(
        select(CaseTransfer).where(CaseTransfer.referral_id == referral_id)
        .options(selectinload(CaseTransfer.from_team), selectinload(CaseTransfer.to_team),
                 selectinload(CaseTransfer.from_worker), selectinload(CaseTransfer.to_worker),
                 selectinload(CaseTransfer.transferred_by))
        .order_by(CaseTransfer.transferred_at, CaseTransfer.id)))
    step_downs = tuple(db.session.scalars(select(StepDown).where(StepDown.referral_id == referral_id)
                                          .options(selectinload(StepDown.agency)).order_by(StepDown.id)))
    return CaseDetail(referral=referral, worker=worker, assessment=progress, strategy_discussions=discussions,
                      clocks=views, status=status, transfers=transfers, step_downs=step_downs)
