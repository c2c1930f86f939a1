"""After the decision: allocation, the assessment and its case discussions, on the assessment clock."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update

from triage.clock import local_date
from triage.domain import clocks as clock_rules
from triage.domain.clocks import ClockKind
from triage.domain.codes import AssessmentOutcome, ClosureReason, assessment_factors_problem
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import Assessment, CaseDiscussion, Clock, Referral, StrategyDiscussion, Team, User
from triage.services import audit, clocks
from triage.services.actor import Actor
from triage.services.calendar import working_day_calendar
from triage.services.errors import Conflict, Invalid, NotFound
from triage.services.contacts import commit, require
from triage.settings import clock_settings

CASE_WORKERS = (Role.PRACTITIONER, Role.MANAGER)
CLOSING_OUTCOMES = {AssessmentOutcome.NO_FURTHER_ACTION: ClosureReason.NFA_AFTER_ASSESSMENT,
                    AssessmentOutcome.EARLY_HELP: ClosureReason.EARLY_HELP_AFTER_ASSESSMENT}


def open_assessment(now: datetime, referral: Referral, started_on: date | None = None) -> Assessment:
    """Start the assessment clock at the referral date (not the start date), with its planned
    case discussions. Joins the caller's transaction."""
    settings, calendar = clock_settings(), working_day_calendar()
    due = clock_rules.assessment_due_date(referral.referral_date, calendar, settings.assessment_working_days)
    assessment = Assessment(referral_id=referral.id, child_id=referral.child_id, team_id=referral.team_id,
                            worker_id=referral.worker_id, due_date=due, started_on=started_on,
                            created_at=now)
    db.session.add(assessment)
    db.session.flush()
    links = {"child_id": referral.child_id, "owner_id": referral.worker_id, "team_id": referral.team_id}
    clocks.start_date_clock(ClockKind.ASSESSMENT, "assessment", assessment.id, now, due,
                            settings.assessment_warn_working_days, calendar, **links)
    planned = clock_rules.case_discussion_due_dates(referral.referral_date, calendar,
                                                    settings.case_discussion_working_days)
    for sequence, day in enumerate(planned, start=1):
        discussion = CaseDiscussion(assessment_id=assessment.id, sequence=sequence, planned_on=day)
        db.session.add(discussion)
        db.session.flush()
        clocks.start_date_clock(ClockKind.CASE_DISCUSSION, "case_discussion", discussion.id, now, day, 1,
                                calendar, **links)
    return assessment


def _load(model, ident: int, what: str):
    found = db.session.get(model, ident)
    if found is None:
        raise NotFound(f"No {what} {ident}")
    return found


def _check_version(record, version: int | None, what: str) -> None:
    if version is not None and record.version != version:
        raise Conflict(f"Someone else changed this {what} (now version {record.version}, you had "
                       f"version {version}); reload it and try again")


def _past_or_today(value: date | None, field: str, now: datetime, not_before: date | None = None) -> None:
    if value is None:
        raise Invalid("A date is needed", {field: ["Enter a date"]})
    if value > local_date(now):
        raise Invalid("That date is in the future", {field: ["The date cannot be in the future"]})
    if not_before and value < not_before:
        raise Invalid("That date is too early", {field: [f"The date cannot be before {not_before:%-d %B %Y}"]})


# ---------------------------------------------------------------- allocation

def allocate(actor: Actor, now: datetime, referral_id: int, team_id: int, worker_id: int | None,
             version: int | None = None) -> Referral:
    """A manager gives the case to a team and a worker; their clocks now notify that worker."""
    require(actor, (Role.MANAGER,), "allocate cases: only a Front Door manager can")
    referral = _load(Referral, referral_id, "referral")
    _check_version(referral, version, "referral")
    if referral.closed_at is not None:
        raise Conflict("This referral is closed; it cannot be allocated")
    team = db.session.get(Team, team_id)
    errors = {}
    if team is None:
        errors["team_id"] = ["Unknown team"]
    worker = db.session.get(User, worker_id) if worker_id is not None else None
    if worker_id is not None and (worker is None or not worker.active
                                  or Role(worker.role) not in CASE_WORKERS):
        errors["worker_id"] = ["Choose an active practitioner or manager"]
    if errors:
        raise Invalid("The allocation needs correcting", errors)
    referral.team_id, referral.worker_id, referral.allocated_at = team_id, worker_id, now
    assessment = db.session.scalar(select(Assessment).where(Assessment.referral_id == referral.id))
    if assessment is not None:
        assessment.team_id, assessment.worker_id = team_id, worker_id
    _reassign_clocks(referral, assessment, team_id, worker_id)
    audit.record(actor, now, "allocate", "referral", referral.id, child_id=referral.child_id,
                 detail=f"team {team_id}, worker {worker_id}")
    commit()
    return referral


def _reassign_clocks(referral: Referral, assessment: Assessment | None, team_id, worker_id) -> None:
    subjects = [("strategy_discussion", s.id) for s in db.session.scalars(
        select(StrategyDiscussion).where(StrategyDiscussion.referral_id == referral.id))]
    if assessment is not None:
        subjects.append(("assessment", assessment.id))
        subjects += [("case_discussion", d.id) for d in assessment.case_discussions]
    for subject, subject_id in subjects:
        db.session.execute(update(Clock).where(Clock.subject == subject, Clock.subject_id == subject_id)
                           .values(owner_id=worker_id, team_id=team_id))


# ---------------------------------------------------------------- the assessment

def get_assessment(actor: Actor, now: datetime, assessment_id: int) -> Assessment:
    require(actor, CASE_WORKERS, "open assessments")
    assessment = _load(Assessment, assessment_id, "assessment")
    audit.record(actor, now, "read", "assessment", assessment.id, child_id=assessment.child_id)
    db.session.commit()
    return assessment


def start_assessment(actor: Actor, now: datetime, assessment_id: int, started_on: date,
                     version: int | None = None) -> Assessment:
    require(actor, CASE_WORKERS, "start assessments")
    assessment = _load(Assessment, assessment_id, "assessment")
    _check_version(assessment, version, "assessment")
    _past_or_today(started_on, "started_on", now, not_before=assessment.referral.referral_date)
    assessment.started_on = started_on
    audit.record(actor, now, "update", "assessment", assessment.id, child_id=assessment.child_id,
                 detail="started")
    commit()
    return assessment


def record_child_seen(actor: Actor, now: datetime, assessment_id: int, seen_on: date,
                      version: int | None = None) -> Assessment:
    require(actor, CASE_WORKERS, "record that the child was seen")
    assessment = _load(Assessment, assessment_id, "assessment")
    _check_version(assessment, version, "assessment")
    _past_or_today(seen_on, "child_seen_on", now, not_before=assessment.referral.referral_date)
    assessment.child_seen_on = seen_on
    audit.record(actor, now, "update", "assessment", assessment.id, child_id=assessment.child_id,
                 detail="child seen")
    commit()
    return assessment


def record_case_discussion(actor: Actor, now: datetime, assessment_id: int, sequence: int,
                           held_on: date, note: str | None = None, held_by_id: int | None = None,
                           version: int | None = None) -> CaseDiscussion:
    """A management oversight point held: stops that discussion's clock."""
    require(actor, CASE_WORKERS, "record case discussions")
    assessment = _load(Assessment, assessment_id, "assessment")
    _check_version(assessment, version, "assessment")
    discussion = next((d for d in assessment.case_discussions if d.sequence == sequence), None)
    if discussion is None:
        raise Invalid("No such case discussion", {"sequence": [
            f"Choose one of: {', '.join(str(d.sequence) for d in assessment.case_discussions)}"]})
    if discussion.held_on is not None:
        raise Conflict(f"Case discussion {sequence} was already recorded as held on {discussion.held_on:%-d %B %Y}")
    _past_or_today(held_on, "held_on", now, not_before=assessment.referral.referral_date)
    holder = held_by_id or actor.user_id
    if held_by_id is not None and db.session.get(User, held_by_id) is None:
        raise Invalid("Unknown person", {"held_by_id": ["Choose who held the discussion"]})
    discussion.held_on, discussion.held_by_id = held_on, holder
    discussion.note, discussion.recorded_at = (note or "").strip() or None, now
    clocks.stop_clock(ClockKind.CASE_DISCUSSION, "case_discussion", discussion.id,
                      min(now, clock_rules.end_of_day(held_on)))
    audit.record(actor, now, "update", "assessment", assessment.id, child_id=assessment.child_id,
                 detail=f"case discussion {sequence} held")
    commit()
    return discussion


def authorise(actor: Actor, now: datetime, assessment_id: int, outcome: str, factors: list[str],
              closure_reason: str | None = None, late_reason: str | None = None,
              version: int | None = None) -> Assessment:
    """A manager authorises the assessment with its outcome and factor codes. Late: say why."""
    require(actor, (Role.MANAGER,), "authorise assessments: only a manager can")
    assessment = _load(Assessment, assessment_id, "assessment")
    _check_version(assessment, version, "assessment")
    if assessment.authorised_at is not None:
        raise Conflict("This assessment is already authorised")
    errors: dict[str, list[str]] = {}
    if outcome not in AssessmentOutcome._value2member_map_:
        errors["outcome"] = [f"Choose one of: {', '.join(o.value for o in AssessmentOutcome)}"]
    else:
        problem = assessment_factors_problem(factors or [], outcome == AssessmentOutcome.NO_FURTHER_ACTION)
        if problem:
            errors["factors"] = [problem]
    if closure_reason and closure_reason not in ClosureReason._value2member_map_:
        errors["closure_reason"] = [f"Choose one of: {', '.join(c.value for c in ClosureReason)}"]
    today = local_date(now)
    late = today > assessment.due_date
    if late and not (late_reason or "").strip():
        errors["late_reason"] = [f"This assessment was due on {assessment.due_date:%-d %B %Y}: say why it is late"]
    if assessment.started_on is None:
        errors["started_on"] = ["Record when the assessment started before authorising it"]
    if errors:
        raise Invalid("The authorisation needs correcting", errors)
    assessment.outcome = outcome
    assessment.factors = ",".join(code.strip().upper() for code in factors)
    assessment.authorised_at, assessment.authorised_on, assessment.authorised_by_id = now, today, actor.user_id
    assessment.late_reason = late_reason.strip() if late else None
    closes = closure_reason or (CLOSING_OUTCOMES.get(AssessmentOutcome(outcome)) or None)
    if closes:
        assessment.closure_reason = str(closes)
        assessment.referral.closed_at, assessment.referral.closure_reason = now, str(closes)
    clocks.stop_clock(ClockKind.ASSESSMENT, "assessment", assessment.id, now)
    audit.record(actor, now, "authorise", "assessment", assessment.id, child_id=assessment.child_id,
                 detail=f"{outcome}{' (late)' if late else ''}")
    commit()
    return assessment


# ---------------------------------------------------------------- strategy discussion, s47, ICPC

def record_strategy_discussion(actor: Actor, now: datetime, referral_id: int, held_on: date,
                               agencies: list[str], s47_started: bool) -> StrategyDiscussion:
    """When an s47 starts, the conference is due on the 15th working day after the discussion."""
    require(actor, CASE_WORKERS, "record strategy discussions")
    referral = _load(Referral, referral_id, "referral")
    _past_or_today(held_on, "held_on", now, not_before=referral.referral_date)
    if not agencies:
        raise Invalid("Say which agencies took part", {"agencies": ["Choose at least one agency"]})
    discussion = StrategyDiscussion(referral_id=referral.id, child_id=referral.child_id, held_on=held_on,
                                    agencies_present=",".join(agencies), recorded_by_id=actor.user_id,
                                    recorded_at=now, s47_started_on=held_on if s47_started else None)
    db.session.add(discussion)
    db.session.flush()
    if s47_started:
        settings, calendar = clock_settings(), working_day_calendar()
        discussion.icpc_due_date = clock_rules.icpc_due_date(held_on, calendar, settings.icpc_working_days)
        clocks.start_date_clock(ClockKind.ICPC, "strategy_discussion", discussion.id, now,
                                discussion.icpc_due_date, 3, calendar, child_id=referral.child_id,
                                owner_id=referral.worker_id, team_id=referral.team_id)
    audit.record(actor, now, "create", "strategy_discussion", discussion.id, child_id=referral.child_id)
    commit()
    return discussion


def record_s47_outcome(actor: Actor, now: datetime, discussion_id: int, outcome: str, on: date,
                       version: int | None = None) -> StrategyDiscussion:
    from triage.domain.codes import S47Outcome

    require(actor, CASE_WORKERS, "record s47 outcomes")
    discussion = _load(StrategyDiscussion, discussion_id, "strategy discussion")
    _check_version(discussion, version, "strategy discussion")
    if discussion.s47_started_on is None:
        raise Conflict("No section 47 enquiry was started at this strategy discussion")
    if outcome not in S47Outcome._value2member_map_:
        raise Invalid("Unknown outcome", {"outcome": [f"Choose one of: {', '.join(o.value for o in S47Outcome)}"]})
    _past_or_today(on, "on", now, not_before=discussion.s47_started_on)
    discussion.s47_outcome, discussion.s47_outcome_on = outcome, on
    if outcome != S47Outcome.SUBSTANTIATED_ICPC and discussion.icpc_held_on is None:
        discussion.icpc_not_needed_reason = discussion.icpc_not_needed_reason or S47Outcome(outcome).label
        clocks.stop_clock(ClockKind.ICPC, "strategy_discussion", discussion.id, now)
    audit.record(actor, now, "update", "strategy_discussion", discussion.id, child_id=discussion.child_id,
                 detail=f"s47 {outcome}")
    commit()
    return discussion


def record_icpc(actor: Actor, now: datetime, discussion_id: int, held_on: date | None = None,
                not_needed_reason: str | None = None, version: int | None = None) -> StrategyDiscussion:
    """The conference was held on a date, or is not needed (with the reason): its clock stops."""
    require(actor, CASE_WORKERS, "record conferences")
    discussion = _load(StrategyDiscussion, discussion_id, "strategy discussion")
    _check_version(discussion, version, "strategy discussion")
    if discussion.s47_started_on is None:
        raise Conflict("No section 47 enquiry was started, so no conference is due")
    if (held_on is None) == (not (not_needed_reason or "").strip()):
        raise Invalid("Give the conference date, or why none is needed",
                      {"held_on": ["Enter the date the conference was held, or a reason none is needed"]})
    if held_on is not None:
        _past_or_today(held_on, "held_on", now, not_before=discussion.held_on)
        discussion.icpc_held_on = held_on
        stopped = min(now, clock_rules.end_of_day(held_on))
    else:
        discussion.icpc_not_needed_reason = not_needed_reason.strip()
        stopped = now
    clocks.stop_clock(ClockKind.ICPC, "strategy_discussion", discussion.id, stopped)
    audit.record(actor, now, "update", "strategy_discussion", discussion.id, child_id=discussion.child_id,
                 detail="conference held" if held_on else "conference not needed")
    commit()
    return discussion


# ---------------------------------------------------------------- oversight

@dataclass(frozen=True)
class Caseload:
    worker_id: int | None
    worker: str | None
    team_id: int | None
    team: str | None
    open_assessments: int


def caseload(actor: Actor) -> list[Caseload]:
    """Open assessments per worker and team, counted in one grouped query."""
    require(actor, CASE_WORKERS + (Role.PERFORMANCE,), "see caseloads")
    rows = db.session.execute(
        select(Assessment.worker_id, User.display_name, Assessment.team_id, Team.name,
               func.count(Assessment.id))
        .outerjoin(User, User.id == Assessment.worker_id).outerjoin(Team, Team.id == Assessment.team_id)
        .where(Assessment.authorised_at.is_(None))
        .group_by(Assessment.worker_id, User.display_name, Assessment.team_id, Team.name)
        .order_by(Team.name, User.display_name)).all()
    return [Caseload(*row) for row in rows]


def clocks_for_referral(actor: Actor, now: datetime, referral_id: int) -> list[Clock]:
    """Every clock on one case: the decision that made it, the assessment and its discussions, ICPCs."""
    require(actor, CASE_WORKERS, "see a case's clocks")
    referral = _load(Referral, referral_id, "referral")
    assessment = db.session.scalar(select(Assessment).where(Assessment.referral_id == referral.id))
    subjects = [("strategy_discussion", s.id) for s in db.session.scalars(
        select(StrategyDiscussion).where(StrategyDiscussion.referral_id == referral.id))]
    if assessment is not None:
        subjects += [("assessment", assessment.id)] + [("case_discussion", d.id) for d in assessment.case_discussions]
    if referral.contact_id:
        subjects.append(("contact", referral.contact_id))
    found = []
    for subject, subject_id in subjects:
        found += db.session.scalars(select(Clock).where(Clock.subject == subject, Clock.subject_id == subject_id))
    audit.record(actor, now, "read", "referral", referral.id, child_id=referral.child_id, detail="clocks")
    db.session.commit()
    return sorted(found, key=lambda c: (c.due_at, c.id))


def due_soon_or_breached(actor: Actor, now: datetime, team_id: int | None = None,
                         limit: int = 500) -> list[Clock]:
    """The manager's view: every running clock now due soon or past due, soonest first."""
    require(actor, (Role.MANAGER,), "see the due and breached view")
    query = select(Clock).where(Clock.stopped_at.is_(None), Clock.warn_at <= now)
    if team_id:
        query = query.where(Clock.team_id == team_id)
    return list(db.session.scalars(query.order_by(Clock.due_at, Clock.id).limit(limit)))
