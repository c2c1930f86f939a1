"""After the decision: allocation, the assessment and its case discussions, on the assessment clock."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import selectinload

from triage.clock import local_date
from triage.domain import clocks as clock_rules
from triage.domain.clocks import ClockKind
from triage.domain.codes import (
    AssessmentOutcome,
    CategoryOfAbuse,
    ClosureReason,
    PrimaryNeed,
    assessment_factors_problem,
)
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import (
    Assessment,
    CaseDiscussion,
    Child,
    Clock,
    ClockEvent,
    ContactChild,
    Notification,
    Referral,
    StrategyDiscussion,
    Team,
    User,
)
from triage.services import audit, clocks
from triage.services.actor import Actor
from triage.services.calendar import day_numbers, working_day_calendar
from triage.services.errors import Conflict, Invalid, NotFound
from triage.services.guards import require
from triage.services.paging import Page
from triage.services.unit_of_work import unit_of_work
from triage.settings import clock_settings

CASE_WORKERS = (Role.PRACTITIONER, Role.MANAGER)


def commit() -> None:
    """Commit what the use case changed (a 409 on a concurrent edit), until it runs in a unit of work."""
    with unit_of_work("contact"):
        pass


CLOSING_OUTCOMES = {AssessmentOutcome.NO_FURTHER_ACTION: ClosureReason.NFA_AFTER_ASSESSMENT,
                    AssessmentOutcome.EARLY_HELP: ClosureReason.EARLY_HELP_AFTER_ASSESSMENT}


def open_assessment(now: datetime, referral: Referral, started_on: date | None = None,
                    clocks_started_at: datetime | None = None) -> Assessment:
    """Start the assessment clock at the referral date (not the start date), with its planned
    case discussions. Joins the caller's transaction. `clocks_started_at` (default `now`) is
    when the clocks say they started: the tracker import gives the referral date."""
    settings, calendar = clock_settings(), working_day_calendar()
    due = clock_rules.assessment_due_date(referral.referral_date, calendar, settings.assessment_working_days)
    assessment = Assessment(referral_id=referral.id, child_id=referral.child_id, team_id=referral.team_id,
                            worker_id=referral.worker_id, due_date=due, started_on=started_on,
                            created_at=now)
    db.session.add(assessment)
    db.session.flush()
    links = {"child_id": referral.child_id, "owner_id": referral.worker_id, "team_id": referral.team_id}
    started_at = clocks_started_at or now
    clocks.start_date_clock(ClockKind.ASSESSMENT, "assessment", assessment.id, started_at, due,
                            settings.assessment_warn_working_days, calendar, **links)
    planned = clock_rules.case_discussion_due_dates(referral.referral_date, calendar,
                                                    settings.case_discussion_working_days)
    for sequence, day in enumerate(planned, start=1):
        discussion = CaseDiscussion(assessment_id=assessment.id, sequence=sequence, planned_on=day)
        db.session.add(discussion)
        db.session.flush()
        clocks.start_date_clock(ClockKind.CASE_DISCUSSION, "case_discussion", discussion.id, started_at, day, 1,
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
    return _record_date(actor, now, assessment_id, "started_on", started_on, version,
                        "start assessments", "started")


def record_child_seen(actor: Actor, now: datetime, assessment_id: int, seen_on: date,
                      version: int | None = None) -> Assessment:
    return _record_date(actor, now, assessment_id, "child_seen_on", seen_on, version,
                        "record that the child was seen", "child seen")


def _record_date(actor: Actor, now: datetime, assessment_id: int, field: str, value: date,
                 version: int | None, doing: str, detail: str) -> Assessment:
    """A date in the assessment's life: not in the future, not before the referral."""
    require(actor, CASE_WORKERS, doing)
    assessment = _load(Assessment, assessment_id, "assessment")
    _check_version(assessment, version, "assessment")
    _past_or_today(value, field, now, not_before=assessment.referral.referral_date)
    setattr(assessment, field, value)
    audit.record(actor, now, "update", "assessment", assessment.id, child_id=assessment.child_id,
                 detail=detail)
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


NEEDS_SUPPORT = {AssessmentOutcome.CHILD_IN_NEED_PLAN: True, AssessmentOutcome.S47: True,
                 AssessmentOutcome.NO_FURTHER_ACTION: False, AssessmentOutcome.EARLY_HELP: False}
AFTER_ASSESSMENT = {ClosureReason.NFA_AFTER_ASSESSMENT, ClosureReason.EARLY_HELP_AFTER_ASSESSMENT}


def _has_s47(referral_id: int) -> bool:
    return db.session.scalar(select(func.count(StrategyDiscussion.id)).where(
        StrategyDiscussion.referral_id == referral_id, StrategyDiscussion.s47_started_on.is_not(None))) > 0


def authorise(actor: Actor, now: datetime, assessment_id: int, outcome: str, factors: list[str],
              closure_reason: str | None = None, late_reason: str | None = None,
              version: int | None = None, primary_need: str | None = None,
              needs_support: bool | None = None) -> Assessment:
    """A manager authorises the assessment with its outcome, factor codes and the referral's
    primary need (census: recorded by authorisation). Late: say why.

    An episode that had a section 47 enquiry does not close as RC8/RC9 ("after assessment"):
    the census counts that as activity on a case closed after assessment (rule 2990), so it
    closes as RC7 unless the manager gives another reason."""
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
    had_s47 = _has_s47(assessment.referral_id)
    if closure_reason in AFTER_ASSESSMENT and had_s47:
        errors["closure_reason"] = ["This case had a section 47 enquiry: RC8 and RC9 are only for cases "
                                    "closed straight after an assessment (use RC7)"]
    need = primary_need or assessment.referral.primary_need
    if need not in PrimaryNeed._value2member_map_:
        errors["primary_need"] = ["Record the child's primary need (N0 to N9)"]
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
    assessment.referral.primary_need = need
    assessment.needs_support = (NEEDS_SUPPORT[AssessmentOutcome(outcome)] if needs_support is None
                                else bool(needs_support))
    closes = closure_reason or (CLOSING_OUTCOMES.get(AssessmentOutcome(outcome)) or None)
    if closes and had_s47 and closes in AFTER_ASSESSMENT:
        closes = ClosureReason.SERVICES_CEASED
    if closes:
        assessment.closure_reason = str(closes)
        _close(assessment.referral, actor, now, today, str(closes))
    clocks.stop_clock(ClockKind.ASSESSMENT, "assessment", assessment.id, now)
    for discussion in assessment.case_discussions:  # oversight points not yet held are moot now
        if discussion.held_on is None:
            clocks.stop_clock(ClockKind.CASE_DISCUSSION, "case_discussion", discussion.id, now)
    audit.record(actor, now, "authorise", "assessment", assessment.id, child_id=assessment.child_id,
                 detail=f"{outcome}{' (late)' if late else ''}")
    commit()
    return assessment


def _close(referral: Referral, actor: Actor, now: datetime, on: date, reason: str, note: str | None = None) -> None:
    referral.closed_at, referral.closed_on, referral.closure_reason = now, on, reason
    referral.closed_by_id, referral.closure_note = actor.user_id, note


# ---------------------------------------------------------------- the case: its census details and closure

def record_referral_details(actor: Actor, now: datetime, referral_id: int, primary_need: str | None = None,
                            version: int | None = None) -> Referral:
    """The referral's primary need (N0-N9), which may be known before authorisation."""
    require(actor, CASE_WORKERS, "record a referral's primary need")
    referral = _load(Referral, referral_id, "referral")
    _check_version(referral, version, "referral")
    if primary_need not in PrimaryNeed._value2member_map_:
        raise Invalid("The primary need needs correcting", {"primary_need": ["Choose a primary need, N0 to N9"]})
    referral.primary_need = primary_need
    audit.record(actor, now, "update", "referral", referral.id, child_id=referral.child_id,
                 detail=f"primary need {primary_need}")
    commit()
    return referral


def close_case(actor: Actor, now: datetime, referral_id: int, closed_on: date, reason: str,
               open_work_reason: str | None = None, nfa: bool = False, version: int | None = None) -> Referral:
    """A manager closes the case (the census episode): every clock still running on it stops.

    An assessment still open needs the manager to say why it is closing anyway; an s47 must
    first have its conference date or "not required". `nfa` marks a referral on which nothing
    further was done (census ReferralNFA): no assessment started and no strategy discussion.
    A new referral for the child after this is a new episode."""
    require(actor, (Role.MANAGER,), "close cases: only a manager can")
    referral = _load(Referral, referral_id, "referral")
    _check_version(referral, version, "referral")
    if referral.closed_at is not None:
        raise Conflict(f"This case is already closed ({referral.closure_reason}, "
                       f"{referral.closed_on or local_date(referral.closed_at):%-d %B %Y})")
    errors: dict[str, list[str]] = {}
    if reason not in ClosureReason._value2member_map_:
        errors["reason"] = [f"Choose one of: {', '.join(c.value for c in ClosureReason)}"]
    if closed_on is None or closed_on > local_date(now):
        errors["closed_on"] = ["Enter the closure date: today or earlier"]
    elif closed_on < referral.referral_date:
        errors["closed_on"] = [f"The case cannot close before its referral on {referral.referral_date:%-d %B %Y}"]
    assessment = db.session.scalar(select(Assessment).where(Assessment.referral_id == referral.id))
    discussions = list(db.session.scalars(select(StrategyDiscussion).where(
        StrategyDiscussion.referral_id == referral.id)))
    open_s47 = [d for d in discussions if d.s47_started_on and d.icpc_held_on is None
                and d.icpc_not_needed_reason is None]
    if open_s47:
        errors["reason"] = errors.get("reason", []) + [
            "A section 47 enquiry is still open: record its conference date, or that none is needed, first"]
    started = assessment is not None and assessment.started_on is not None
    open_assessment_ = assessment is not None and assessment.authorised_at is None and started
    note = (open_work_reason or "").strip() or None
    if open_assessment_ and not note:
        errors["open_work_reason"] = ["The assessment is still open: say why the case is closing without it"]
    if nfa and (started or discussions or (assessment is not None and assessment.authorised_at)):
        errors["nfa"] = ["Work has started on this referral, so it is not a referral with no further action"]
    if reason in AFTER_ASSESSMENT and not (assessment is not None and assessment.authorised_at):
        errors["reason"] = errors.get("reason", []) + ["RC8 and RC9 are for cases closed after an authorised assessment"]
    if errors:
        raise Invalid("The closure needs correcting", errors)
    _close(referral, actor, now, closed_on, reason, note)
    referral.nfa = bool(nfa)
    # Closing stops what still runs on the case; a clock already past due stays breached.
    stopped = min(now, clock_rules.end_of_day(closed_on))
    running = [(ClockKind.ICPC, "strategy_discussion", d.id) for d in discussions]
    if assessment is not None:
        running.append((ClockKind.ASSESSMENT, "assessment", assessment.id))
        running += [(ClockKind.CASE_DISCUSSION, "case_discussion", d.id) for d in assessment.case_discussions]
    for kind, subject, subject_id in running:
        clocks.stop_clock(kind, subject, subject_id, stopped)
    audit.record(actor, now, "close", "referral", referral.id, child_id=referral.child_id,
                 detail=f"{reason}{' NFA' if nfa else ''}{' with open work' if note else ''}")
    commit()
    return referral


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


def discussion_on_case(discussion_id: int, referral_id: int | None) -> StrategyDiscussion:
    """The strategy discussion, checked to belong to the case the caller is looking at."""
    discussion = _load(StrategyDiscussion, discussion_id, "strategy discussion")
    if referral_id is not None and discussion.referral_id != referral_id:
        raise NotFound(f"No strategy discussion {discussion_id} on this case")
    return discussion


def record_s47_outcome(actor: Actor, now: datetime, discussion_id: int, outcome: str, on: date,
                       version: int | None = None, referral_id: int | None = None) -> StrategyDiscussion:
    from triage.domain.codes import S47Outcome

    require(actor, CASE_WORKERS, "record s47 outcomes")
    discussion = discussion_on_case(discussion_id, referral_id)
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
                not_needed_reason: str | None = None, version: int | None = None,
                referral_id: int | None = None, resulted_in_plan: bool | None = None,
                plan_category: str | None = None, plan_start_date: date | None = None) -> StrategyDiscussion:
    """The conference was held on a date, or is not needed (with the reason): its clock stops.

    A conference is never on a weekend (census rule 8875). Whether it made a child protection
    plan may be said now or later (record_plan); a plan starts on the conference day unless
    another date is given, with its category of abuse."""
    require(actor, CASE_WORKERS, "record conferences")
    discussion = discussion_on_case(discussion_id, referral_id)
    _check_version(discussion, version, "strategy discussion")
    if discussion.s47_started_on is None:
        raise Conflict("No section 47 enquiry was started, so no conference is due")
    if (held_on is None) == (not (not_needed_reason or "").strip()):
        raise Invalid("Give the conference date, or why none is needed",
                      {"held_on": ["Enter the date the conference was held, or a reason none is needed"]})
    if held_on is not None:
        _past_or_today(held_on, "held_on", now, not_before=discussion.held_on)
        if held_on.weekday() >= 5:
            raise Invalid("A conference is not held at a weekend", {"held_on": [
                "The conference date is a Saturday or Sunday: check the date"]})
        discussion.icpc_held_on = held_on
        if resulted_in_plan is not None:
            _set_plan(discussion, resulted_in_plan, plan_category, plan_start_date or held_on, now)
        stopped = min(now, clock_rules.end_of_day(held_on))
    else:
        discussion.icpc_not_needed_reason = not_needed_reason.strip()
        discussion.resulted_in_plan = False
        stopped = now
    clocks.stop_clock(ClockKind.ICPC, "strategy_discussion", discussion.id, stopped)
    audit.record(actor, now, "update", "strategy_discussion", discussion.id, child_id=discussion.child_id,
                 detail="conference held" if held_on else "conference not needed")
    commit()
    return discussion


def _set_plan(discussion: StrategyDiscussion, resulted: bool, category: str | None, start: date | None,
              now: datetime, end: date | None = None) -> None:
    errors: dict[str, list[str]] = {}
    if resulted:
        if category not in CategoryOfAbuse._value2member_map_:
            errors["plan_category"] = ["Choose the category of abuse: NEG, PHY, SAB, EMO or MUL"]
        if start is None or start > local_date(now):
            errors["plan_start_date"] = ["Enter the date the plan started: today or earlier"]
        elif discussion.icpc_held_on and start < discussion.icpc_held_on:
            errors["plan_start_date"] = ["A plan cannot start before the conference that made it"]
        if end is not None and start is not None and end <= start:
            errors["plan_end_date"] = ["A plan ends after the day it started"]
        if end is not None and end > local_date(now):
            errors["plan_end_date"] = ["The end date cannot be in the future"]
    if errors:
        raise Invalid("The child protection plan needs correcting", errors)
    discussion.resulted_in_plan = bool(resulted)
    discussion.plan_category = category if resulted else None
    discussion.plan_start_date = start if resulted else None
    discussion.plan_end_date = end if resulted else None


def record_plan(actor: Actor, now: datetime, discussion_id: int, resulted_in_plan: bool,
                plan_category: str | None = None, plan_start_date: date | None = None,
                plan_end_date: date | None = None, version: int | None = None,
                referral_id: int | None = None) -> StrategyDiscussion:
    """Whether the conference made a child protection plan, its start and category, and its end
    date when known. The service runs no plans beyond that."""
    require(actor, CASE_WORKERS, "record child protection plans")
    discussion = discussion_on_case(discussion_id, referral_id)
    _check_version(discussion, version, "strategy discussion")
    if discussion.icpc_held_on is None:
        raise Conflict("No conference has been recorded as held, so no plan can come from it")
    _set_plan(discussion, resulted_in_plan, plan_category, plan_start_date or discussion.icpc_held_on, now,
              plan_end_date)
    audit.record(actor, now, "update", "strategy_discussion", discussion.id, child_id=discussion.child_id,
                 detail="plan" if resulted_in_plan else "no plan")
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


# ---------------------------------------------------------------- reading cases (pages and API)
# Lists are built from a fixed number of set-based queries however many rows they show, and
# come back as plain values, so nothing is lazily loaded (or expired by the audit commit) later.

CASE_STATUSES = {"closed": "Closed", "authorised": "Authorised", "overdue": "Overdue",
                 "due_soon": "Due soon", "not_allocated": "Not allocated", "not_started": "Not started",
                 "in_progress": "In progress"}
CLOCK_LABELS = {ClockKind.DECISION: "Decision on the contact", ClockKind.ACKNOWLEDGEMENT: "Acknowledge the referrer",
                ClockKind.PARTNER_INFORMATION: "Partner information request",
                ClockKind.CASE_DISCUSSION: "Case discussion", ClockKind.ASSESSMENT: "Assessment",
                ClockKind.ICPC: "Initial child protection conference"}


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

    @property
    def status_label(self) -> str:
        return CASE_STATUSES[self.status]


def _status(closed: bool, authorised: bool, worker_id: int | None, started: bool, days_left: int | None,
            warn_days: int, has_assessment: bool) -> str:
    if closed:
        return "closed"
    if authorised:
        return "authorised"
    if days_left is not None and days_left < 0:
        return "overdue"
    if days_left is not None and days_left <= warn_days:
        return "due_soon"
    if worker_id is None:
        return "not_allocated"
    return "in_progress" if has_assessment and started else "not_started"


def list_referrals(actor: Actor, now: datetime, filters: ReferralFilters = ReferralFilters(),
                   page: int = 1, per_page: int = 50) -> Page:
    """Referrals with their assessment, oldest referral first: a count and one query (plus one
    batched load each for the children and teams) whatever the page size."""
    require(actor, CASE_WORKERS, "see the cases list")
    page, per_page = max(1, page), max(1, per_page)
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
    total = db.session.scalar(select(func.count(Referral.id)).where(*conditions)) or 0
    query = (select(Referral, Assessment, User.display_name)
             .outerjoin(Assessment, Assessment.referral_id == Referral.id)
             .outerjoin(User, User.id == Referral.worker_id)
             .where(*conditions)
             .options(selectinload(Referral.child), selectinload(Referral.team))
             .order_by(Referral.referral_date, Referral.id)
             .limit(per_page).offset((page - 1) * per_page))
    today = local_date(now)
    warn = clock_settings().assessment_warn_working_days
    items = []
    rows = db.session.execute(query).all()
    # Working days left by subtraction in the calendar table: one query for the whole page.
    numbers = day_numbers([today] + [a.due_date for _, a, _ in rows if a is not None])
    for referral, assessment, worker in rows:
        left = None
        if assessment is not None and assessment.authorised_at is None:
            left = clock_rules.working_days_left_by_number(assessment.due_date, numbers[assessment.due_date],
                                                           today, numbers[today])
        items.append(CaseRow(
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
            status=_status(referral.closed_at is not None, bool(assessment and assessment.authorised_at),
                           referral.worker_id, bool(assessment and assessment.started_on), left, warn,
                           assessment is not None)))
    audit.record_shown(actor, now, "list", "referral", [(i.referral_id, i.child_id) for i in items],
                       detail=f"cases list: {len(items)} referrals shown")
    audit.commit_read()
    return Page(items=items, total=total, page=page, per_page=per_page)


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
    state = clock_rules.date_clock_state(assessment.due_date, today, assessment.authorised_on,
                                         clock_settings().assessment_warn_working_days, calendar)
    return AssessmentView(assessment=assessment, working_days_elapsed=elapsed, working_days_left=left,
                          working_days_left_text=None if left is None else clock_rules.describe_working_days_left(left),
                          state=state.value, late=until > assessment.due_date)


def _clock_view(clock: Clock, now: datetime, today: date, numbers: dict[date, int], label: str | None = None,
                **extra) -> ClockView:
    """`numbers`: the calendar table's working-day numbers of today and the clocks' due dates."""
    state = clocks.live_state(clock, now)
    left_days = time_left = None
    if clock.stopped_at is None:
        if clock.due_date is not None:
            left_days = clock_rules.working_days_left_by_number(clock.due_date, numbers[clock.due_date],
                                                                today, numbers[today])
            time_left = clock_rules.describe_working_days_left(left_days)
        else:
            time_left = clock_rules.describe_time_left(clock.due_at, now)
    return ClockView(id=clock.id, kind=clock.kind, label=label or CLOCK_LABELS.get(clock.kind, clock.kind),
                     subject=clock.subject, subject_id=clock.subject_id, started_at=clock.started_at,
                     due_at=clock.due_at, due_date=clock.due_date, stopped_at=clock.stopped_at,
                     state=state.value, time_left=time_left, working_days_left=left_days,
                     child_id=clock.child_id, contact_id=clock.contact_id, owner_id=clock.owner_id,
                     team_id=clock.team_id, **extra)


def _cases_for_clocks(clocks_: list[Clock]) -> dict[int, tuple[int | None, int | None]]:
    """clock id -> (referral id, case discussion number), in at most three queries."""
    wanted: dict[str, set[int]] = {"assessment": set(), "case_discussion": set(), "strategy_discussion": set()}
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
    return {c.id: found.get((c.subject, c.subject_id), (None, None)) for c in clocks_}


def _label(clock: Clock, sequence: int | None) -> str:
    label = CLOCK_LABELS.get(clock.kind, clock.kind)
    return f"{label} {sequence}" if sequence else label


def clock_views(clocks_: list[Clock], now: datetime) -> list[ClockView]:
    """Clocks read for people (one case's, say): state now, time left in words."""
    today = local_date(now)
    links = _cases_for_clocks(clocks_)
    numbers = _numbers_for(clocks_, today)
    return [_clock_view(c, now, today, numbers, _label(c, links[c.id][1]), referral_id=links[c.id][0])
            for c in clocks_]


def _numbers_for(clocks_: list[Clock], today: date) -> dict[date, int]:
    return day_numbers([today] + [c.due_date for c in clocks_ if c.due_date is not None and c.stopped_at is None])


def get_case(actor: Actor, now: datetime, referral_id: int) -> CaseDetail:
    """One referral with its assessment, case discussions, strategy discussions and clocks."""
    require(actor, CASE_WORKERS, "open cases")
    referral = _load(Referral, referral_id, "referral")
    audit.record(actor, now, "read", "referral", referral.id, child_id=referral.child_id)
    db.session.commit()  # before reading, so that what is read below stays loaded
    assessment = db.session.scalar(
        select(Assessment).where(Assessment.referral_id == referral_id)
        .options(selectinload(Assessment.case_discussions).selectinload(CaseDiscussion.held_by)))
    discussions = list(db.session.scalars(select(StrategyDiscussion)
                                          .where(StrategyDiscussion.referral_id == referral_id)
                                          .order_by(StrategyDiscussion.held_on, StrategyDiscussion.id)))
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
    today, calendar = local_date(now), working_day_calendar()
    numbers = _numbers_for(found, today)
    views = [_clock_view(c, now, today, numbers,
                         _label(c, sequences.get(c.subject_id) if c.subject == "case_discussion" else None),
                         referral_id=referral_id) for c in found]
    worker = db.session.get(User, referral.worker_id) if referral.worker_id else None
    progress = describe_assessment(assessment, now, calendar) if assessment is not None else None
    status = _status(referral.closed_at is not None, bool(assessment and assessment.authorised_at),
                     referral.worker_id, bool(assessment and assessment.started_on),
                     progress.working_days_left if progress else None,
                     clock_settings().assessment_warn_working_days, assessment is not None)
    return CaseDetail(referral=referral, worker=worker, assessment=progress,
                      strategy_discussions=discussions, clocks=views, status=status)


def due_clocks(actor: Actor, now: datetime, team_id: int | None = None, page: int = 1,
               per_page: int = 100, imported_overdue: bool = False) -> Page:
    """The manager's view, a page at a time, with the child, worker, team and case of each clock:
    every running clock now due soon or past due, soonest first (breached ones come first).
    Clocks already overdue when the tracker import brought them in are history, shown apart:
    `imported_overdue=True` lists only those, False everything else."""
    require(actor, (Role.MANAGER,), "see the due and breached view")
    page, per_page = max(1, page), max(1, per_page)
    history = and_(Clock.imported_at.is_not(None), Clock.due_at < Clock.imported_at)
    conditions = [Clock.stopped_at.is_(None), Clock.warn_at <= now, history if imported_overdue else ~history]
    if team_id:
        conditions.append(Clock.team_id == team_id)
    total = db.session.scalar(select(func.count(Clock.id)).where(*conditions)) or 0
    found = list(db.session.scalars(select(Clock).where(*conditions).order_by(Clock.due_at, Clock.id)
                                    .limit(per_page).offset((page - 1) * per_page)))
    links = _cases_for_clocks(found)
    children = {i: n for i, n in db.session.execute(
        select(Child.id, Child.first_name + " " + Child.last_name)
        .where(Child.id.in_({c.child_id for c in found if c.child_id})))}
    by_contact: dict[int, list[str]] = {}
    contact_children: dict[int, list[int]] = {}
    for contact_id, child_id, name in db.session.execute(
            select(ContactChild.contact_id, Child.id, Child.first_name + " " + Child.last_name)
            .join(Child, Child.id == ContactChild.child_id)
            .where(ContactChild.contact_id.in_({c.contact_id for c in found if c.contact_id and not c.child_id}))
            .order_by(ContactChild.id)):
        by_contact.setdefault(contact_id, []).append(name)
        contact_children.setdefault(contact_id, []).append(child_id)
    people = {i: n for i, n in db.session.execute(
        select(User.id, User.display_name).where(User.id.in_({c.owner_id for c in found if c.owner_id})))}
    teams = {i: n for i, n in db.session.execute(
        select(Team.id, Team.name).where(Team.id.in_({c.team_id for c in found if c.team_id})))}
    today = local_date(now)
    numbers = _numbers_for(found, today)
    items = [_clock_view(c, now, today, numbers, _label(c, links[c.id][1]), referral_id=links[c.id][0],
                         who=children.get(c.child_id) or ", ".join(by_contact.get(c.contact_id, [])) or None,
                         owner=people.get(c.owner_id), team=teams.get(c.team_id)) for c in found]
    audit.record_shown(actor, now, "list", "clock",
                       [(c.id, child_id) for c in found
                        for child_id in ([c.child_id] if c.child_id else contact_children.get(c.contact_id, []))],
                       detail=f"{len(items)} due or breached clocks shown")
    audit.commit_read()
    return Page(items=items, total=total, page=page, per_page=per_page)


@dataclass(frozen=True)
class NotificationContext:
    clock_label: str
    event: str  # due_soon or breached
    due_at: datetime
    referral_id: int | None
    contact_id: int | None


def notification_contexts(notification_ids: list[int]) -> dict[int, NotificationContext]:
    """What each notification is about and which case to open, in a fixed number of queries."""
    if not notification_ids:
        return {}
    rows = db.session.execute(
        select(Notification.id, Clock, ClockEvent.kind)
        .join(ClockEvent, ClockEvent.id == Notification.clock_event_id)
        .join(Clock, Clock.id == ClockEvent.clock_id)
        .where(Notification.id.in_(notification_ids))).all()
    links = _cases_for_clocks([clock for _, clock, _ in rows])
    return {ident: NotificationContext(clock_label=_label(clock, links[clock.id][1]), event=event,
                                       due_at=clock.due_at, referral_id=links[clock.id][0],
                                       contact_id=clock.contact_id)
            for ident, clock, event in rows}
